package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

func TestMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.duckdb")
	for i := 0; i < 2; i++ { // the second open applies nothing
		db, err := Open(ctx, path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM ops.schema_migration`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		migs, _ := Migrations()
		if n != len(migs) {
			t.Errorf("open %d: %d migrations recorded, want %d", i+1, n, len(migs))
		}
		db.Close()
	}
}

func TestInTxRollsBack(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, ":memory:", Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, _ := db.Conn(ctx)
	defer c.Close()
	boom := errors.New("boom")
	err = c.InTx(ctx, func() error {
		if err := c.Exec(ctx, `INSERT INTO ops.watermark (receiver, endringsnr, confirmed, confirmed_by) VALUES ('dhp', 1, now(), 'test')`); err != nil {
			return err
		}
		return c.Append(ctx, "ops", "watermark", func(a *Appender) error {
			if err := a.AppendRow("ksl", int64(2), time.Now(), "test", nil, nil); err != nil {
				return err
			}
			return boom
		})
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx = %v, want boom", err)
	}
	var n int
	c.QueryRow(ctx, `SELECT count(*) FROM ops.watermark`).Scan(&n)
	if n != 0 {
		t.Errorf("%d rows after rollback, want 0", n)
	}
}

// TestOpenWait: while another process holds the file, Open fails with ErrBusy and
// OpenWait waits until it is free.
func TestOpenWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.duckdb")
	db, err := Open(context.Background(), path, Options{}) // create and migrate first
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	holdElsewhere(t, path, 1500*time.Millisecond)
	if _, err := Open(context.Background(), path, Options{}); !errors.Is(err, ErrBusy) {
		t.Fatalf("Open while held = %v, want ErrBusy", err)
	}
	waited := false
	db, err = OpenWait(context.Background(), path, Options{}, 30*time.Second, func() { waited = true })
	if err != nil {
		t.Fatalf("OpenWait: %v", err)
	}
	db.Close()
	if !waited {
		t.Error("OpenWait did not report that it waited")
	}
}
