package store

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"

	sqlfiles "github.com/dvpsau/vpsau/sql"
)

// TestKilledAfterMigrations: a process that dies (SIGKILL) right after Open has applied
// the migrations — to a new database, or to one made before migration 020 with the old
// ops.schema_migration — leaves a database that opens (regression: DuckDB could not
// replay the write-ahead log, COMMENT ON COLUMN of a table with DEFAULT now(), and a new
// database whose first run was killed could never be opened again).
func TestKilledAfterMigrations(t *testing.T) {
	ctx := context.Background()
	if p := os.Getenv("VPSAU_TEST_OPEN_AND_DIE"); p != "" {
		if _, err := Open(ctx, p, Options{}); err != nil {
			os.Stderr.WriteString(err.Error())
			os.Exit(3)
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	for _, tt := range []struct {
		name string
		old  bool
	}{{"new database", false}, {"database of before migration 020", true}} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v.duckdb")
			if tt.old {
				makeOld(t, path)
			}
			cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledAfterMigrations$")
			cmd.Env = append(os.Environ(), "VPSAU_TEST_OPEN_AND_DIE="+path)
			out, err := cmd.CombinedOutput()
			if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
				t.Fatalf("the process that opens and dies: %v %s", err, out)
			}
			db, err := Open(ctx, path, Options{})
			if err != nil {
				t.Fatalf("open after the kill: %.300v", err)
			}
			defer db.Close()
			var n int
			db.SQL().QueryRow(`SELECT count(*) FROM ops.schema_migration`).Scan(&n)
			if migs, _ := Migrations(); n != len(migs) {
				t.Errorf("%d migrations recorded, want %d", n, len(migs))
			}
		})
	}
}

// makeOld makes a database as Open made it before migration 020: ops.schema_migration
// with DEFAULT now(), migrations 001–010 applied, checkpointed.
func makeOld(t *testing.T, path string) {
	t.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path, Options{Bare: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(ctx, `CREATE SCHEMA ops; CREATE TABLE ops.schema_migration (
		version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	migs, _ := Migrations()
	for _, m := range migs {
		if m.Version >= 20 {
			break
		}
		body, _ := fs.ReadFile(sqlfiles.FS, "migrations/"+m.Name)
		if err := c.Exec(ctx, string(body)); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		if err := c.Exec(ctx, `INSERT INTO ops.schema_migration (version, name) VALUES (?, ?)`, m.Version, m.Name); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Exec(ctx, `CHECKPOINT`); err != nil {
		t.Fatal(err)
	}
}
