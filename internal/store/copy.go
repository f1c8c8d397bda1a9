package store

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// CopyTo writes a copy of the whole database to dst: a new file under a temporary name
// beside dst, filled with COPY FROM DATABASE and changed by edit (if not nil; its argument
// is the copy's catalog name) — or, for an exact copy (edit nil: a backup), the database
// file's own bytes after a checkpoint where those can be had (see byteCopy) — then
// checkpointed and closed (no write-ahead log), and renamed to dst in one step.
//
// A copy that edit changes is never a byte copy: the file's bytes hold its freed blocks
// too, which DuckDB does not clear — values overwritten or erased (vpsau erase), and, once
// edit has pseudonymised the copy, the real names it replaced. COPY FROM DATABASE writes
// only what the tables hold. A process that has the old dst open keeps reading it. Call
// it under the run lock: copies to dst that a killed process left half-written are
// removed first.
func CopyTo(ctx context.Context, c *Conn, dst string, edit func(catalog string) error) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s.tmp-%d", dst, os.Getpid())
	// Copies a killed process left half-written (each as large as the database) go
	// first: the callers hold the run lock, so no other copy to dst is under way.
	left, _ := filepath.Glob(dst + ".tmp-*")
	for _, p := range left {
		os.Remove(p)
	}
	var catalog string
	if err := c.QueryRow(ctx, `SELECT current_database()`).Scan(&catalog); err != nil {
		return err
	}
	const alias = "vpsau_copy"
	fail := func(err error) error {
		c.Exec(context.WithoutCancel(ctx), `DETACH DATABASE IF EXISTS `+alias)
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return err
	}
	copied := false
	if edit == nil {
		var err error
		if copied, err = byteCopy(ctx, c, tmp); err != nil {
			return fail(err)
		}
	}
	if err := c.Exec(ctx, `ATTACH '`+quote(tmp)+`' AS `+alias); err != nil {
		return fail(err)
	}
	if !copied {
		if err := c.Exec(ctx, `COPY FROM DATABASE "`+catalog+`" TO `+alias); err != nil {
			return fail(err)
		}
	}
	if edit != nil {
		if err := edit(alias); err != nil {
			return fail(err)
		}
	}
	if err := c.Exec(ctx, `DETACH DATABASE `+alias); err != nil {
		return fail(err)
	}
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		return fail(fmt.Errorf("the copy still has a write-ahead log"))
	}
	if f, err := os.Open(tmp); err == nil {
		err = f.Sync()
		f.Close()
		if err != nil {
			return fail(err)
		}
	}
	if err := os.Rename(tmp, dst); err != nil {
		return fail(err)
	}
	if d, err := os.Open(filepath.Dir(dst)); err == nil {
		d.Sync()
		d.Close()
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
// grows with the history. The copy holds the file's freed blocks as well: only for exact
// copies (see CopyTo).
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
	st, err := src.Stat()
	if err != nil {
		return false, nil
	}
	if err := writeNew(tmp, io.NewSectionReader(src, 0, st.Size())); err != nil {
		os.Remove(tmp)
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

// writeNew writes what r reads to a new file dst.
func writeNew(dst string, r io.Reader) error {
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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
