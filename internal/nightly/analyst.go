package nightly

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dvpsau/vpsau/internal/store"
)

// AnalystCopy describes the copy of the database published for analysts after each
// successful run.
type AnalystCopy struct {
	Path string // the copy's file; empty = no copy
	// Pseudonymise replaces names, phone numbers and e-mail addresses in the copy with
	// stable pseudonyms (a keyed hash with Salt; a random salt per copy when Salt is empty).
	Pseudonymise bool
	Salt         string
}

// pseudonymised lists the columns that identify persons, per table.
var pseudonymised = []struct{ table, column, prefix string }{
	{"src.producer", "navn", "navn-"}, {"src.producer", "telefon", "tlf-"}, {"src.producer", "epost", "epost-"},
	{"src.vet", "navn", "navn-"}, {"src.vet", "telefon", "tlf-"}, {"src.vet", "epost", "epost-"},
	{"model.notification", "adresse", "adr-"}, {"rcv.varsler", "adresse", "adr-"},
}

// PublishAnalystCopy writes a checkpointed, WAL-free copy of the whole database next to
// a.Path under a temporary name and renames it into place in one step. An analyst who
// has the previous copy open keeps reading it undisturbed (the rename does not touch the
// open file); the next open sees the new one.
func PublishAnalystCopy(ctx context.Context, c *store.Conn, a AnalystCopy, now time.Time) error {
	if a.Path == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(a.Path), 0o755); err != nil {
		return fmt.Errorf("analyst copy: %w", err)
	}
	tmp := fmt.Sprintf("%s.tmp-%d", a.Path, os.Getpid())
	os.Remove(tmp)
	os.Remove(tmp + ".wal")
	var catalog string
	if err := c.QueryRow(ctx, `SELECT current_database()`).Scan(&catalog); err != nil {
		return fmt.Errorf("analyst copy: %w", err)
	}
	fail := func(err error) error {
		c.Exec(context.WithoutCancel(ctx), `DETACH DATABASE IF EXISTS analyst_copy`)
		os.Remove(tmp)
		os.Remove(tmp + ".wal")
		return fmt.Errorf("analyst copy: %w", err)
	}
	if err := c.Exec(ctx, `ATTACH '`+sqlString(tmp)+`' AS analyst_copy`); err != nil {
		return fail(err)
	}
	if err := c.Exec(ctx, `COPY FROM DATABASE "`+catalog+`" TO analyst_copy`); err != nil {
		return fail(err)
	}
	if a.Pseudonymise {
		salt := a.Salt
		if salt == "" {
			b := make([]byte, 16)
			rand.Read(b)
			salt = hex.EncodeToString(b)
		}
		for _, p := range pseudonymised {
			q := fmt.Sprintf(`UPDATE analyst_copy.%s SET %s = ? || left(sha256(? || %s), 12) WHERE %s IS NOT NULL`, p.table, p.column, p.column, p.column)
			if err := c.Exec(ctx, q, p.prefix, salt); err != nil {
				return fail(err)
			}
		}
	}
	// The copy is made once everything else has succeeded: the run it comes from is
	// recorded there as succeeded.
	if err := c.Exec(ctx, `UPDATE analyst_copy.ops.run SET status = 'succeeded', finished = ? WHERE status = 'running'
		AND run_id = (SELECT max(run_id) FROM analyst_copy.ops.run)`, now); err != nil {
		return fail(err)
	}
	if err := c.Exec(ctx, `CREATE OR REPLACE TABLE analyst_copy.ops.copy_info AS SELECT ?::TIMESTAMPTZ AS copied, ?::BOOLEAN AS pseudonymised,
		(SELECT max(run_id) FROM analyst_copy.ops.run) AS last_run`, now, a.Pseudonymise); err != nil {
		return fail(err)
	}
	if err := c.Exec(ctx, `COMMENT ON TABLE analyst_copy.ops.copy_info IS 'When this analyst copy was made, from which run, and whether names, phones and e-mails are pseudonymised.'`); err != nil {
		return fail(err)
	}
	if err := c.Exec(ctx, `DETACH DATABASE analyst_copy`); err != nil {
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
	if err := os.Rename(tmp, a.Path); err != nil {
		return fail(err)
	}
	if d, err := os.Open(filepath.Dir(a.Path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// sqlString quotes s for a SQL string literal (ATTACH takes no bound parameter).
func sqlString(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}
