package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dvpsau/vpsau/internal/files"
)

// CopyOptions say how CopyTo makes its copy.
type CopyOptions struct {
	// Edit, when not nil, changes the copy before it is published; its argument is the
	// copy's catalog name.
	Edit func(catalog string) error
	// Clean makes the copy with COPY FROM DATABASE, so that it holds only what the tables
	// hold. Without it the copy is the database file's own bytes where those can be had
	// (byteCopy), and those hold the file's freed blocks too, which DuckDB does not clear:
	// values overwritten since they were written (vpsau erase, until Compact has rewritten
	// the file) and, once Edit has changed the copy, the values Edit replaced. An Edit
	// that replaces what a reader must not see (pseudonymisation) needs Clean.
	Clean bool
}

// CopyTo writes a copy of the whole database to dst: a new file under a temporary name
// beside dst, filled with the file's bytes after a checkpoint or with COPY FROM DATABASE
// (see CopyOptions.Clean; byBytes says which), changed by opt.Edit, then checkpointed and
// closed (no write-ahead log), and renamed to dst in one step. A process that has the old
// dst open keeps reading it. Call it under the run lock: copies to dst that a killed
// process left half-written are removed first.
func CopyTo(ctx context.Context, c *Conn, dst string, opt CopyOptions) (byBytes bool, err error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", dst, os.Getpid())
	// Copies a killed process left half-written (each as large as the database) go
	// first: the callers hold the run lock, so no other copy to dst is under way.
	if err := files.RemoveLeftovers(filepath.Dir(dst), filepath.Base(dst)+".tmp-"); err != nil {
		return false, err
	}
	var catalog string
	if err := c.QueryRow(ctx, `SELECT current_database()`).Scan(&catalog); err != nil {
		return false, err
	}
	const alias = "vpsau_copy"
	fail := func(err error) (bool, error) {
		c.Exec(context.WithoutCancel(ctx), `DETACH DATABASE IF EXISTS `+alias)
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return false, err
	}
	if !opt.Clean {
		if byBytes, err = byteCopy(ctx, c, tmp); err != nil {
			return fail(err)
		}
	}
	if err := c.Exec(ctx, `ATTACH '`+quote(tmp)+`' AS `+alias); err != nil {
		return fail(err)
	}
	if !byBytes {
		if err := c.Exec(ctx, `COPY FROM DATABASE "`+catalog+`" TO `+alias); err != nil {
			return fail(err)
		}
	}
	if opt.Edit != nil {
		if err := opt.Edit(alias); err != nil {
			return fail(err)
		}
	}
	if err := c.Exec(ctx, `DETACH DATABASE `+alias); err != nil {
		return fail(err)
	}
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		return fail(fmt.Errorf("the copy still has a write-ahead log"))
	}
	if err := files.Sync(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fail(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fail(err)
	}
	files.Sync(filepath.Dir(dst)) // best effort: the copy is in place either way
	return byBytes, nil
}

// Compact rewrites the database's own file with COPY FROM DATABASE, so that it holds only
// what its tables hold: the old file's freed blocks — values overwritten since they were
// written, such as the names vpsau erase replaced — go with it. edit (may be nil) changes
// the new file, through c, before it replaces the old one by one rename. db is closed at
// the end, also on error, and must not be used again.
//
// The old file stays open, and locked, until after the rename, so no other process can
// open the database between the copy and the rename and write to a file about to be
// replaced. Its write-ahead log is checkpointed into it first and nothing is written to
// it after the rename: a log left beside the new file would be replayed into it.
func Compact(ctx context.Context, db *DB, edit func(c *Conn, catalog string) error) (err error) {
	defer func() {
		if cerr := db.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("compact: %w", cerr)
		}
	}()
	if db.path == "" || db.path == ":memory:" {
		return fmt.Errorf("compact: the database has no file")
	}
	c, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Exec(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	if st, err := os.Stat(db.path + ".wal"); err == nil && st.Size() > 0 {
		return fmt.Errorf("compact: %s.wal is not empty after a checkpoint", db.path)
	}
	opt := CopyOptions{Clean: true}
	if edit != nil {
		opt.Edit = func(catalog string) error { return edit(c, catalog) }
	}
	if _, err := CopyTo(ctx, c, db.path, opt); err != nil {
		return fmt.Errorf("compact: %w", err)
	}
	return nil
}

// headerSize is the part of a DuckDB file that every checkpoint rewrites: the main header
// and the two database headers it alternates between (each 4 KiB), whose iteration count
// rises with each checkpoint.
const headerSize = 3 << 12

// byteCopy copies the database file itself to tmp, once a CHECKPOINT has put everything
// committed into it: a file copy instead of COPY FROM DATABASE, which re-inserts and
// recompresses every table — 48 ms against 1.25 s for a night at scale 1, and the gap
// grows with the history. The copy holds the file's freed blocks as well (see
// CopyOptions.Clean).
//
// The bytes are one checkpoint's state as long as no checkpoint runs while they are read:
// between checkpoints DuckDB changes no block the last one refers to (later commits go to
// the write-ahead log, large appends to free blocks). So the file's headers are read before
// and after, and must equal each other and the copy's. It returns false (tmp removed, no
// error) when it cannot be sure — the checkpoint was refused because another connection
// has an older transaction open (vpsau serve's API), a checkpoint ran during the copy, or
// the database has no file — and the caller copies with SQL instead. A failed write (a
// full disk) is an error.
//
// The file is read through a descriptor the DB keeps open until it closes (DB.readFile):
// closing a descriptor of the file would drop DuckDB's lock on it.
func byteCopy(ctx context.Context, c *Conn, tmp string) (bool, error) {
	var path string
	if err := c.QueryRow(ctx, `SELECT coalesce(path, '') FROM duckdb_databases() WHERE database_name = current_database()`).Scan(&path); err != nil || path == "" || c.db == nil {
		return false, nil
	}
	if err := c.Exec(ctx, `CHECKPOINT`); err != nil {
		return false, nil
	}
	src, err := c.db.readFile(path)
	if err != nil {
		return false, nil
	}
	before := make([]byte, headerSize)
	if _, err := src.ReadAt(before, 0); err != nil {
		return false, nil
	}
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false, err
	}
	err = c.db.copyFile(path, out)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		if errors.Is(err, errShrank) { // a checkpoint ran: copy with SQL instead
			return false, nil
		}
		return false, err
	}
	after := make([]byte, headerSize)
	_, err1 := src.ReadAt(after, 0)
	copied, err2 := readHeader(tmp)
	if err1 != nil || err2 != nil || !bytes.Equal(before, after) || !bytes.Equal(before, copied) {
		os.Remove(tmp)
		return false, nil
	}
	return true, nil
}

// readHeader reads the headers of a file this process has no DuckDB lock on.
func readHeader(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := make([]byte, headerSize)
	_, err = io.ReadFull(f, b)
	return b, err
}

// quote quotes s for a SQL string literal (ATTACH takes no bound parameter).
func quote(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}
