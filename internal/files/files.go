// Package files copies files and folders, makes what was written durable and removes what
// a killed process left half-written: the few file-system steps that intake, the
// fallback, restore, the analyst copy, the exports and a run's report and files share.
package files

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Sync opens p — a file or a folder — fsyncs it and closes it. For a folder that makes the
// entries created, removed or renamed in it durable.
func Sync(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SyncTree syncs dir whole — every file and folder in it, and its entry in the folder
// above — as a tree just written must be before anything points into it.
func SyncTree(dir string) error {
	err := filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return Sync(p)
	})
	if err != nil {
		return err
	}
	return Sync(filepath.Dir(dir))
}

// RemoveLeftovers removes every file or folder in dir whose name begins with prefix: what
// a killed process left half-written under a temporary name. Callers hold the run lock,
// so no such name is being written by anyone else. A dir that does not exist has none.
// The names are compared as text, not as a glob pattern: an analyst copy's file name
// may hold '[' or '*'.
func RemoveLeftovers(dir, prefix string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// Copy copies the file src to dst, creating dst's folder, and returns the bytes copied.
// It does not sync: callers that need dst durable call Sync (or sync a whole tree once).
func Copy(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, err
	}
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

// CopyTree copies src — a file, or a folder with everything in it — to dst.
func CopyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		_, err = Copy(p, target)
		return err
	})
}
