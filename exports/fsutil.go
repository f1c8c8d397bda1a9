package exports

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"os"

	"github.com/dvpsau/vpsau/internal/files"
)

// hashFile is a new file that counts and hashes what is written to it.
type hashFile struct {
	f    *os.File
	w    io.Writer // f, or what Export.Wrap made of it
	h    hash.Hash
	size int64
}

func createHashFile(path string, wrap func(*os.File) io.Writer) (*hashFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, err
	}
	hf := &hashFile{f: f, w: f, h: sha256.New()}
	if wrap != nil {
		hf.w = wrap(f)
	}
	return hf, nil
}

func (w *hashFile) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	w.h.Write(p[:n])
	w.size += int64(n)
	return n, err
}

// close fsyncs and closes the file and returns its size and SHA-256.
func (w *hashFile) close() (int64, string, error) {
	err := w.f.Sync()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return w.size, hex.EncodeToString(w.h.Sum(nil)), err
}

func (w *hashFile) abort() { _ = w.f.Close() }

// syncDir fsyncs a directory, making the entries created, removed or renamed
// in it durable.
func syncDir(dir string) error { return files.Sync(dir) }

// hashOf returns the size and SHA-256 of a file.
func hashOf(path string) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// writeFileSync writes a new file and fsyncs it.
func writeFileSync(path string, b []byte, wrap func(*os.File) io.Writer) error {
	f, err := createHashFile(path, wrap)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.abort()
		return err
	}
	_, _, err = f.close()
	return err
}
