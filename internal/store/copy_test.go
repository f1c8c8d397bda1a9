package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// TestCopyToSweepsKilledCopies: a copy that a killed process left half-written beside the
// destination (each as large as the database) is removed by the next copy, and the new
// copy opens (regression: they stayed for ever).
func TestCopyToSweepsKilledCopies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, c := openConn(t, filepath.Join(dir, "v.duckdb"))
	dst := filepath.Join(dir, "copy", "v-analyst.duckdb")
	os.MkdirAll(filepath.Dir(dst), 0o755)
	left := []string{dst + ".tmp-4242", dst + ".tmp-4242.wal"}
	for _, p := range left {
		if err := os.WriteFile(p, []byte("half a database"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := CopyTo(ctx, c, dst, CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dst))
	if len(entries) != 1 || entries[0].Name() != "v-analyst.duckdb" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("beside the copy: %v, want only v-analyst.duckdb", names)
	}
	cp, err := Open(ctx, dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the copy: %v", err)
	}
	cp.Close()
}

// TestCopyToBothWays: CopyTo copies the file's bytes after a checkpoint, and falls back
// to COPY FROM DATABASE when DuckDB refuses the checkpoint (another connection's
// transaction began before a change of the catalog); either way the copy holds what was
// committed, and not what an open transaction has not.
func TestCopyToBothWays(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, c := openConn(t, filepath.Join(dir, "v.duckdb"))
	if err := c.Exec(ctx, `CREATE TABLE ops.t AS SELECT range AS n FROM range(100000)`); err != nil {
		t.Fatal(err)
	}
	count := func(path string) int64 {
		t.Helper()
		cp, err := Open(ctx, path, Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("the copy: %v", err)
		}
		defer cp.Close()
		var n int64
		if err := cp.SQL().QueryRow(`SELECT count(*) FROM ops.t`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	tests := []struct {
		name   string
		other  string // what another connection has open during the copy ("" = nothing)
		then   string // what this connection commits after that, before the copy
		byByte bool   // the copy is made from the file's bytes
	}{
		{name: "nothing else open", byByte: true},
		{name: "an open transaction that inserted", other: `BEGIN TRANSACTION; INSERT INTO ops.t VALUES (-1)`, byByte: true},
		{name: "an open transaction older than a catalog change", other: `BEGIN TRANSACTION; SELECT count(*) FROM ops.t`,
			then: `CREATE OR REPLACE TABLE ops.u AS SELECT 1 AS x`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.other != "" {
				w, err := db.Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer w.Close()
				if err := w.Exec(ctx, tt.other); err != nil {
					t.Fatal(err)
				}
				defer w.Exec(ctx, `ROLLBACK`)
			}
			if tt.then != "" {
				if err := c.Exec(ctx, tt.then); err != nil {
					t.Fatal(err)
				}
			}
			probe := filepath.Join(dir, fmt.Sprintf("probe-%d.duckdb", i))
			ok, err := byteCopy(ctx, c, probe)
			if err != nil || ok != tt.byByte {
				t.Errorf("byteCopy = %v, %v; want %v", ok, err, tt.byByte)
			}
			if _, err := os.Stat(probe); (err == nil) != ok {
				t.Errorf("byteCopy returned %v, and the file is there: %v", ok, err == nil)
			}
			os.Remove(probe)
			dst := filepath.Join(dir, fmt.Sprintf("copy-%d.duckdb", i))
			byBytes, err := CopyTo(ctx, c, dst, CopyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if byBytes != tt.byByte {
				t.Errorf("CopyTo made the copy from the file's bytes: %v, want %v", byBytes, tt.byByte)
			}
			if n := count(dst); n != 100000 {
				t.Errorf("the copy has %d rows, want the 100000 committed", n)
			}
		})
	}
}

// TestCopyToKeepsTheLock: after a copy made from the file's bytes, the database is still
// locked against other processes (regression: the copy read the file through a descriptor
// it closed, which dropped DuckDB's POSIX lock on the file, so vpsau token could open the
// database while vpsau serve had it open, and failed at commit on the write-ahead log).
func TestCopyToKeepsTheLock(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "v.duckdb")
	_, c := openConn(t, path)
	for i := range 2 { // the second copy reads through the same kept descriptor
		if _, err := CopyTo(ctx, c, filepath.Join(dir, fmt.Sprintf("copy-%d.duckdb", i)), CopyOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := refusedElsewhere(path); err != nil {
			t.Fatalf("copy %d: %v", i+1, err)
		}
	}
}

// openConn opens (creating) the database at path with a connection, both closed when the
// test ends.
func openConn(t *testing.T, path string) (*DB, *Conn) {
	t.Helper()
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return db, c
}

// TestEditedCopyHoldsNoFreedBytes: a copy that edit changes — the analyst copy — holds no
// byte of a value that is gone from the tables: neither one overwritten in the database
// (vpsau erase) nor one the edit replaced (pseudonymisation). A byte copy of the file
// would carry both in its freed blocks (regression: the analyst copy was a byte copy).
func TestEditedCopyHoldsNoFreedBytes(t *testing.T) {
	const name = "Nordmann-Ola-Erased"
	tests := []struct {
		name   string
		before string // run on the database before the copy
		edit   string // run on the copy (%s: its catalog)
	}{
		{name: "erased in the database", before: `UPDATE ops.person SET navn = 'slettet'`, edit: `SELECT '%s'`},
		{name: "pseudonymised in the copy", edit: `UPDATE %s.ops.person SET navn = 'navn-' || left(sha256(navn), 12)`},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "v.duckdb")
			db, c := openConn(t, path)
			if err := c.Exec(ctx, `CREATE TABLE ops.person AS SELECT '`+name+`-' || range AS navn FROM range(3); CHECKPOINT`); err != nil {
				t.Fatal(err)
			}
			if tt.before != "" {
				if err := c.Exec(ctx, tt.before+`; CHECKPOINT`); err != nil {
					t.Fatal(err)
				}
			}
			// The database's own file still holds the names (in freed blocks, once erased):
			// what a byte copy would carry.
			if !bytes.Contains(fileBytes(t, db, path), []byte(name)) {
				t.Fatalf("the database file does not hold %q: the test shows nothing", name)
			}
			dst := filepath.Join(dir, fmt.Sprintf("copy-%d.duckdb", i))
			_, err := CopyTo(ctx, c, dst, CopyOptions{Clean: true, Edit: func(catalog string) error { return c.Exec(ctx, fmt.Sprintf(tt.edit, catalog)) }})
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(dst)
			if err != nil {
				t.Fatal(err)
			}
			if n := bytes.Count(b, []byte(name)); n > 0 {
				t.Errorf("the copy's file holds %q %d times", name, n)
			}
		})
	}
}

// TestCompact: Compact rewrites the database file without the freed blocks that hold an
// overwritten (erased) value; the rewritten database has the same catalog — tables,
// constraints, views, macros, comments, applied migrations — and the same rows, takes new
// writes, and has no write-ahead log beside it. While the new file is written, the old one
// stays locked against other processes.
func TestCompact(t *testing.T) {
	const name = "Nordmann-Kari-Erased"
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v.duckdb")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	setup := `CREATE TABLE ops.person (id BIGINT PRIMARY KEY, navn VARCHAR);
		INSERT INTO ops.person SELECT range, '` + name + `-' || range FROM range(3);
		CHECKPOINT;
		UPDATE ops.person SET navn = '(slettet)';
		CREATE VIEW ops.person_v AS SELECT * FROM ops.person;
		CREATE MACRO ops.twice(x) AS 2 * x;
		COMMENT ON TABLE ops.person IS 'people'`
	if err := c.Exec(ctx, setup); err != nil {
		t.Fatal(err)
	}
	c.Close()
	catalog := func(db *DB) string {
		t.Helper()
		var s string
		err := db.SQL().QueryRowContext(ctx, `SELECT string_agg(x, E'\n' ORDER BY x) FROM (
			SELECT schema_name || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable::VARCHAR || ' ' || coalesce(comment, '') AS x FROM duckdb_columns() WHERE NOT internal
			UNION ALL SELECT schema_name || '.' || table_name || ' ' || coalesce(comment, '') FROM duckdb_tables() WHERE NOT internal
			UNION ALL SELECT schema_name || '.' || table_name || ' ' || constraint_type || ' ' || constraint_text FROM duckdb_constraints()
			-- a view's text as DuckDB writes it again may list an EXCLUDE's columns in another order
			UNION ALL SELECT schema_name || '.' || view_name || ' ' || list_sort(string_split(regexp_replace(sql, '[(),;]', ' ', 'g'), ' '))::VARCHAR
				FROM duckdb_views() WHERE NOT internal
			UNION ALL SELECT schema_name || '.' || function_name || ' ' || coalesce(macro_definition, '') FROM duckdb_functions() WHERE NOT internal
			UNION ALL SELECT 'migration ' || version::VARCHAR FROM ops.schema_migration
			UNION ALL SELECT 'person ' || id::VARCHAR || ' ' || navn FROM ops.person_v WHERE id < 99)`).Scan(&s)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := catalog(db)
	if !bytes.Contains(fileBytes(t, db, path), []byte(name)) {
		t.Fatalf("the database file does not hold %q before: the test shows nothing", name)
	}
	var lockedDuringCopy error
	err = Compact(ctx, db, func(c *Conn, catalog string) error {
		if err := refusedElsewhere(path); err != nil {
			lockedDuringCopy = fmt.Errorf("during the copy: %w", err)
		}
		return c.Exec(ctx, `INSERT INTO `+catalog+`.ops.person VALUES (99, 'compacted')`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if lockedDuringCopy != nil {
		t.Error(lockedDuringCopy)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(raw, []byte(name)); n > 0 {
		t.Errorf("the compacted file holds %q %d times", name, n)
	}
	if _, err := os.Stat(path + ".wal"); err == nil {
		t.Errorf("a write-ahead log is left beside the compacted file")
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := catalog(db); got != before {
		t.Errorf("after Compact:\n%s\nwant:\n%s", got, before)
	}
	var edited string
	if err := db.SQL().QueryRowContext(ctx, `SELECT navn FROM ops.person WHERE id = 99`).Scan(&edited); err != nil || edited != "compacted" {
		t.Errorf("the edit's row: %q, %v", edited, err)
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO ops.person VALUES (1, 'again')`); err == nil {
		t.Errorf("the primary key is lost: a duplicate id was accepted")
	}
	if _, err := db.SQL().ExecContext(ctx, `INSERT INTO ops.person VALUES (100, 'new')`); err != nil {
		t.Errorf("a write after Compact: %v", err)
	}
}
