package exports

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ErrExists is returned when an export folder of the same id is already
// there; an existing export is never changed.
var ErrExists = errors.New("export already exists")

// tmpPrefix starts the name of every staging folder.
const tmpPrefix = ".tmp-"

// Staged is an export written to its temporary folder, waiting to be
// published or discarded.
type Staged struct {
	receiverDir string
	tmp         string
	final       string
	manifest    Manifest
	manifestSum string
	published   bool
	discarded   bool
}

// Stage writes export e of rows into a temporary folder next to its final
// place, outDir/<receiver>/<id>, reading rows once for all files. Each file is
// fsynced, manifest.json is written last, and the folder is fsynced. On error
// nothing is left behind. Stage fails with ErrExists when the export is
// already published. Cancelling the query behind rows ends Stage through
// rows.Err.
func Stage(outDir string, e Export, rows Rows) (*Staged, error) {
	s, err := stage(outDir, &e, rows)
	if err != nil {
		return nil, fmt.Errorf("stage %s/%s: %w", e.Receiver, e.ID, err)
	}
	return s, nil
}

func stage(outDir string, e *Export, rows Rows) (*Staged, error) {
	if err := e.validate(); err != nil {
		return nil, err
	}
	if outDir == "" {
		return nil, errors.New("no output folder")
	}
	receiverDir := filepath.Join(outDir, e.Receiver)
	final := filepath.Join(receiverDir, e.ID)
	if err := os.MkdirAll(receiverDir, 0o755); err != nil {
		return nil, err
	}
	if err := syncDir(outDir); err != nil {
		return nil, err
	}
	if _, err := os.Lstat(final); err == nil {
		return nil, ErrExists
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	tmp, err := os.MkdirTemp(receiverDir, tmpPrefix+e.ID+"-")
	if err != nil {
		return nil, err
	}
	// MkdirTemp makes the folder private (0700); a published export is readable like
	// the files in it (a web server or a receiver's user may serve or read it).
	if err := os.Chmod(tmp, 0o755); err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	m, raw, err := writeFiles(tmp, e, rows)
	if err == nil {
		err = writeFileSync(filepath.Join(tmp, ManifestName), raw, e.Wrap)
	}
	if err == nil {
		err = syncDir(tmp)
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return nil, err
	}
	sum := sha256.Sum256(raw)
	return &Staged{
		receiverDir: receiverDir,
		tmp:         tmp,
		final:       final,
		manifest:    m,
		manifestSum: hex.EncodeToString(sum[:]),
	}, nil
}

// fileWriter is one data file being written.
type fileWriter interface {
	writeRow([]value) error
	close() (fileResult, error)
	abort()
}

// writeFiles writes the data files into dir in one pass over rows and returns
// the manifest and its bytes.
func writeFiles(dir string, e *Export, rows Rows) (Manifest, []byte, error) {
	var (
		writers []fileWriter
		files   []File
	)
	abort := func() {
		for _, w := range writers {
			w.abort()
		}
	}
	y, mo, d := e.BusinessDate.Date()
	stamp := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	for _, fs := range e.Files {
		name := fileName(e.Receiver, fs.Format)
		path := filepath.Join(dir, name)
		var (
			w   fileWriter
			err error
		)
		switch fs.Format {
		case CSV:
			dialect := fs.Dialect
			w, err = newCSVWriter(path, dialect, e.Columns, e.Wrap)
			files = append(files, File{Name: name, Format: CSV, Dialect: &dialect})
		case XLSX:
			var xw *xlsxWriter
			xw, err = newXLSXWriter(path, dir, e.Receiver, e.Columns, e.XLSX, stamp)
			if err == nil {
				xw.wrap = e.Wrap
				w = xw
			}
			files = append(files, File{Name: name, Format: XLSX})
		}
		if err != nil {
			abort()
			return Manifest{}, nil, fmt.Errorf("%s: %w", name, err)
		}
		writers = append(writers, w)
	}

	check := rowChecker{from: e.FromChange, to: e.ToChange, full: e.Full}
	if err := pipeRows(rows, e.Columns, &check, func(vals []value, n int64) error {
		for i, w := range writers {
			if err := w.writeRow(vals); err != nil {
				return fmt.Errorf("%s: row %d: %w", files[i].Name, n, err)
			}
		}
		return nil
	}); err != nil {
		abort()
		return Manifest{}, nil, err
	}

	for i, w := range writers {
		res, err := w.close()
		if err != nil {
			for _, w := range writers[i+1:] {
				w.abort()
			}
			return Manifest{}, nil, fmt.Errorf("%s: %w", files[i].Name, err)
		}
		files[i].Size, files[i].SHA256, files[i].Rows, files[i].Sheets = res.size, res.sha256, res.rows, res.sheets
	}
	m := manifestOf(e, check.counts, files)
	raw, err := m.encode()
	return m, raw, err
}

// Manifest returns the staged export's manifest.
func (s *Staged) Manifest() Manifest { return s.manifest }

// ManifestSHA256 returns the SHA-256 of the staged manifest.json, for the
// receiver's next export.
func (s *Staged) ManifestSHA256() string { return s.manifestSum }

// Path returns the export's folder once published.
func (s *Staged) Path() string { return s.final }

// Publish moves the staged folder to its final place by one rename and fsyncs
// the receiver folder. It fails with ErrExists if an export of the same id is
// there, which it leaves as it is; the staged folder then stays until
// Discard.
func (s *Staged) Publish() error {
	switch {
	case s.published:
		return fmt.Errorf("publish %s: already published", s.final)
	case s.discarded:
		return fmt.Errorf("publish %s: discarded", s.final)
	}
	// rename(2) replaces an empty directory, so look first. A published
	// export is never empty, and rename never replaces a folder that is
	// not, so the check cannot be raced into replacing one.
	if _, err := os.Lstat(s.final); err == nil {
		return fmt.Errorf("publish %s: %w", s.final, ErrExists)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("publish: %w", err)
	}
	if err := os.Rename(s.tmp, s.final); err != nil {
		if _, serr := os.Lstat(s.final); serr == nil {
			return fmt.Errorf("publish %s: %w", s.final, ErrExists)
		}
		return fmt.Errorf("publish: %w", err)
	}
	s.published = true
	if err := syncDir(s.receiverDir); err != nil {
		return fmt.Errorf("publish %s: %w", s.final, err)
	}
	return nil
}

// Discard removes the staged folder. After Publish it does nothing, so a
// caller may defer it right after Stage.
func (s *Staged) Discard() error {
	if s.published || s.discarded {
		return nil
	}
	if err := os.RemoveAll(s.tmp); err != nil {
		return fmt.Errorf("discard: %w", err)
	}
	s.discarded = true
	return nil
}

// List returns the ids of the receiver's published exports in outDir, in
// lexical order (choose ids that sort in publication order, such as
// <business date>-<last change, zero-padded>). Staging folders and anything
// else without a manifest are left out; a missing receiver folder lists
// nothing.
func List(outDir, receiver string) ([]string, error) {
	dir := filepath.Join(outDir, receiver)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		if name := e.Name(); e.IsDir() && hasManifest(dir, name) {
			ids = append(ids, name)
		}
	}
	return ids, nil
}

// Published reports whether id names a published export of the receiver, as List would
// list it — of an export id's form, a folder (not a link) with a manifest.json — checked
// for this one id instead of listing the receiver's folder.
func Published(outDir, receiver, id string) (bool, error) {
	if !validName(id) {
		// Not an export's name: nothing to look for, nor a path to hand the system (a
		// name with a NUL byte was an error there, and the API answered it with a 500).
		return false, nil
	}
	dir := filepath.Join(outDir, receiver)
	fi, err := os.Lstat(filepath.Join(dir, id))
	if errors.Is(err, os.ErrNotExist) || (err == nil && !fi.IsDir()) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return hasManifest(dir, id), nil
}

// hasManifest reports whether the folder name in dir is an export's: a name of an export
// id's form (no staging folder's leading dot) with a manifest.json file.
func hasManifest(dir, name string) bool {
	if !validName(name) {
		return false
	}
	fi, err := os.Lstat(filepath.Join(dir, name, ManifestName))
	return err == nil && fi.Mode().IsRegular()
}

// Sweep removes the staging folders a crashed run left in the receiver's
// folder and returns their names. Call it only while no Stage runs for the
// receiver, as the nightly run's lock ensures.
func Sweep(outDir, receiver string) ([]string, error) {
	dir := filepath.Join(outDir, receiver)
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return removed, fmt.Errorf("sweep: %w", err)
		}
		removed = append(removed, e.Name())
	}
	if len(removed) > 0 {
		if err := syncDir(dir); err != nil {
			return removed, fmt.Errorf("sweep: %w", err)
		}
	}
	return removed, nil
}

// batchRows is the rows a batch of pipeRows carries from the reader to the writer.
const batchRows = 512

// batch is rows read, converted and checked, in order: n rows of len(cols) values each,
// the first of them row number first.
type batch struct {
	vals  []value
	n     int
	first int64
}

// pipeRows reads rows, converts each to its columns' values and checks it on one
// goroutine, and hands them in order to write on the calling one: reading a query's
// rows and formatting them take about the same time, and a large receiver's export
// no longer does both on one core. The outcome is that of doing both in turn: write
// sees every row before the first bad one, and the first error in row order is
// returned — a row that cannot be written before a later one that cannot be read.
// pipeRows returns only once the reader has stopped using rows, also when write panics;
// a panic of the reader is raised again on the caller's goroutine.
func pipeRows(rows Rows, cols []Column, check *rowChecker, write func(vals []value, n int64) error) (err error) {
	w := len(cols)
	free := make(chan []value, 3)
	for range cap(free) {
		free <- make([]value, batchRows*w)
	}
	full := make(chan batch, cap(free))
	stop := make(chan struct{})
	var (
		readErr   error // set by the reader before it closes full
		readPanic any   // likewise
	)
	go func() {
		defer close(full)
		defer func() { readPanic = recover() }()
		n := int64(1)
		for {
			var buf []value
			select {
			case buf = <-free:
			case <-stop:
				return
			}
			b := batch{vals: buf, first: n}
			more := true
			for b.n < batchRows {
				if !rows.Next() {
					more = false
					if err := rows.Err(); err != nil {
						readErr = fmt.Errorf("read rows: %w", err)
					}
					break
				}
				if readErr = convertRow(rows.Values(), cols, buf[b.n*w:(b.n+1)*w], check, n); readErr != nil {
					more = false
					break
				}
				b.n++
				n++
			}
			if b.n > 0 {
				select {
				case full <- b:
				case <-stop:
					return
				}
			}
			if !more {
				return
			}
		}
	}()
	stopped := false
	halt := func() { // stop the reader and wait until it has let go of rows
		if !stopped {
			stopped = true
			close(stop)
		}
		for range full {
		}
	}
	defer func() {
		if p := recover(); p != nil { // write panicked
			halt()
			panic(p)
		}
	}()
	var writeErr error
	for b := range full {
		for i := range b.n {
			if err := write(b.vals[i*w:(i+1)*w], b.first+int64(i)); err != nil {
				writeErr = err
				break
			}
		}
		if writeErr != nil {
			halt()
			break
		}
		clear(b.vals[:b.n*w]) // drop the strings it held before it is filled again
		free <- b.vals
	}
	if readPanic != nil {
		panic(readPanic)
	}
	if writeErr != nil {
		return writeErr
	}
	return readErr
}

// convertRow converts row n's raw values into vals by their columns' kinds and checks
// its change columns.
func convertRow(raw []any, cols []Column, vals []value, check *rowChecker, n int64) error {
	if len(raw) != len(cols) {
		return fmt.Errorf("row %d: %d values, want %d", n, len(raw), len(cols))
	}
	for i, c := range cols {
		v, err := toValue(c.Kind, raw[i])
		if err != nil {
			return fmt.Errorf("row %d, column %s: %w", n, c.Name, err)
		}
		vals[i] = v
	}
	if err := check.check(vals); err != nil {
		return fmt.Errorf("row %d: %w", n, err)
	}
	return nil
}
