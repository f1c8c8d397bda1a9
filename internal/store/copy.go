package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// CopyTo writes a copy of the whole database to dst: a new file under a temporary name
// beside dst, filled with COPY FROM DATABASE, changed by edit (if not nil; its argument is
// the copy's catalog name), checkpointed and closed (no write-ahead log), then renamed to
// dst in one step. A process that has the old dst open keeps reading it. Call it under
// the run lock: copies to dst that a killed process left half-written are removed first.
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
	if err := c.Exec(ctx, `ATTACH '`+quote(tmp)+`' AS `+alias); err != nil {
		return fail(err)
	}
	if err := c.Exec(ctx, `COPY FROM DATABASE "`+catalog+`" TO `+alias); err != nil {
		return fail(err)
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
