package nightly

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports/exportstest"
	"github.com/dvpsau/vpsau/fixtures/disk"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// fullDiskNight is the state a full-disk case starts from: night 1 of testdata/nights run
// into dir, with out and the analyst copy where the case wants them (on a small tmpfs or
// not), and the options of night 2.
type fullDiskNight struct {
	db  *store.DB
	opt Options // night 2
}

func startFullDisk(t *testing.T, dir, out, analyst string) fullDiskNight {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "v.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	opt := Options{AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), Inbox: "../../testdata/one-night/inbox", Out: out,
		RawRoot: filepath.Join(dir, "raw"), Rules: rules.Defaults(), Guard: DefaultGuard, Analyst: AnalystCopy{Path: analyst}}
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatalf("night 1: %v", err)
	}
	opt.AsOf, opt.Inbox = time.Date(2027, 2, 4, 0, 0, 0, 0, time.UTC), "../../testdata/nights/night2/inbox"
	return fullDiskNight{db: db, opt: opt}
}

// halfWritten lists what a run left half-written under dir: staging folders, rejects
// files and analyst copies being written.
func halfWritten(dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasPrefix(d.Name(), ".tmp-") || strings.Contains(d.Name(), ".duckdb.tmp-")) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", sha256.Sum256(b))
}

// noSpace reports whether err says the disk is full: the syscall error from Go's own
// writes, DuckDB's message from its.
func noSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || strings.Contains(strings.ToLower(err.Error()), "no space left on device")
}

// checkExportFailed checks a night that the disk stopped while exporting: one line that
// says so, nothing published (no export, no rejects file, nothing half-written), the
// exports of night 1 as they were, the run recorded as failed; and once there is room
// again the next run publishes once per receiver.
func checkExportFailed(t *testing.T, n fullDiskNight, free func()) {
	t.Helper()
	ctx := context.Background()
	before := exportstest.Manifests(t, n.opt.Out, receiver.Names())
	sum, err := Run(ctx, n.db, n.opt)
	if err == nil {
		t.Fatal("night 2 succeeded on a full disk")
	}
	t.Logf("night 2: %v", err)
	if !noSpace(err) || strings.Contains(err.Error(), "\n") {
		t.Errorf("Run = %q, want one line saying the disk is full", err)
	}
	if len(sum.Exports) != 0 {
		t.Errorf("%d exports published", len(sum.Exports))
	}
	if got := exportstest.Manifests(t, n.opt.Out, receiver.Names()); fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("exports after the failed night: %v, before %v", got, before)
	}
	if _, err := os.Stat(filepath.Join(n.opt.Out, "rejects", fmt.Sprintf("run-%06d.csv", sum.RunID))); err == nil {
		t.Errorf("the failed night published its rejects file")
	}
	if left := halfWritten(n.opt.Out); len(left) > 0 {
		t.Errorf("left half-written: %v", left)
	}
	var status string
	n.db.SQL().QueryRow(`SELECT status FROM ops.run WHERE run_id = ?`, sum.RunID).Scan(&status)
	if status != "failed" {
		t.Errorf("ledger: %s, want failed", status)
	}

	free()
	o := n.opt
	o.wrap = nil
	if _, err := Run(ctx, n.db, o); err != nil {
		t.Fatalf("the next night, with room: %v", err)
	}
	after := exportstest.Manifests(t, n.opt.Out, receiver.Names())
	for _, r := range receiver.Names() {
		newer := 0
		for k := range after {
			if strings.HasPrefix(k, r+"/") && before[k] == "" {
				newer++
			}
		}
		if newer != 1 {
			t.Errorf("%s: the next night published %d exports, want 1", r, newer)
		}
	}
}

// checkCopyFailed checks a night that the disk stopped while it made the analyst copy:
// one line that says so, the receivers' exports published (and said to be), the previous
// analyst copy as it was, nothing half-written beside it; once there is room again the
// next run replaces the copy.
func checkCopyFailed(t *testing.T, n fullDiskNight, free func()) {
	t.Helper()
	ctx := context.Background()
	copyPath := n.opt.Analyst.Path
	prev := fileSum(t, copyPath)
	sum, err := Run(ctx, n.db, n.opt)
	if err == nil {
		t.Fatal("night 2 succeeded on a full disk")
	}
	t.Logf("night 2: %v", err)
	if !noSpace(err) || !strings.Contains(err.Error(), "analyst copy") || !strings.Contains(err.Error(), "the previous analyst copy stays") ||
		strings.Contains(err.Error(), "\n") {
		t.Errorf("Run = %q, want one line saying the disk filled during the analyst copy", err)
	}
	if len(sum.Exports) != len(receiver.Names()) {
		t.Errorf("Summary.Exports lists %d exports, want all %d that were published", len(sum.Exports), len(receiver.Names()))
	}
	if got := fileSum(t, copyPath); got != prev {
		t.Errorf("the previous analyst copy changed")
	}
	if left := halfWritten(filepath.Dir(copyPath)); len(left) > 0 {
		t.Errorf("left half-written: %v", left)
	}
	cp, err := store.Open(ctx, copyPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the previous analyst copy: %v", err)
	}
	var last int64
	cp.SQL().QueryRow(`SELECT last_run FROM ops.copy_info`).Scan(&last)
	cp.Close()
	if last != 1 {
		t.Errorf("the analyst copy is of run %d, want 1", last)
	}

	free()
	o := n.opt
	o.Analyst.fail = nil
	sum, err = Run(ctx, n.db, o)
	if err != nil {
		t.Fatalf("the next night, with room: %v", err)
	}
	if got := fileSum(t, copyPath); got == prev {
		t.Errorf("the next night did not replace the analyst copy")
	}
}

// TestFullDisk: a disk that fills while a run exports, or while it makes the analyst copy,
// fails the run with one line that says so and keeps what was published before. It runs
// twice over: on a real file system that fills (a small tmpfs; skipped, saying why, where
// this process may not mount one) and with writes that fail as a full disk's do (always).
func TestFullDisk(t *testing.T) {
	for _, keep := range []int64{0, 4 << 10, 12 << 10} {
		t.Run(fmt.Sprintf("tmpfs/export, %d KiB left", keep>>10), func(t *testing.T) {
			dir := t.TempDir()
			out := mountTmpfs(t, filepath.Join(dir, "out"), 1<<20)
			n := startFullDisk(t, dir, out, filepath.Join(dir, "v-analyst.duckdb"))
			filler, err := disk.Fill(out, keep)
			if err != nil {
				t.Fatal(err)
			}
			checkExportFailed(t, n, func() { os.Remove(filler) })
		})
	}
	t.Run("tmpfs/analyst copy", func(t *testing.T) {
		dir := t.TempDir()
		copies := mountTmpfs(t, filepath.Join(dir, "analyst"), 40<<20)
		n := startFullDisk(t, dir, filepath.Join(dir, "out"), filepath.Join(copies, "v-analyst.duckdb"))
		filler, err := disk.Fill(copies, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		checkCopyFailed(t, n, func() { os.Remove(filler) })
	})

	// The database's own disk: DuckDB cannot write its log, the run's transaction is not
	// committed and nothing is published; the database is closed on the full disk (its
	// checkpoint fails); with room again it opens as it was and the next run publishes.
	t.Run("tmpfs/database", func(t *testing.T) {
		dir := t.TempDir()
		dbDir := mountTmpfs(t, filepath.Join(dir, "db"), 48<<20)
		n := startFullDisk(t, dbDir, filepath.Join(dir, "out"), "")
		n.opt.RawRoot = filepath.Join(dir, "raw") // the raw payloads elsewhere: DuckDB meets the full disk
		before := exportstest.Manifests(t, n.opt.Out, receiver.Names())
		filler, err := disk.Fill(dbDir, 4<<10)
		if err != nil {
			t.Fatal(err)
		}
		sum, err := Run(context.Background(), n.db, n.opt)
		if err == nil {
			t.Fatal("night 2 succeeded on a full disk")
		}
		t.Logf("night 2: %v", err)
		if !noSpace(err) || strings.Contains(err.Error(), "\n") || len(sum.Exports) != 0 {
			t.Errorf("Run = %q with %d exports; want one line saying the disk is full, none published", err, len(sum.Exports))
		}
		if got := exportstest.Manifests(t, n.opt.Out, receiver.Names()); fmt.Sprint(got) != fmt.Sprint(before) {
			t.Errorf("exports after the failed night: %v, before %v", got, before)
		}
		t.Logf("closed on the full disk: %v", n.db.Close())
		os.Remove(filler)
		db, err := store.Open(context.Background(), filepath.Join(dbDir, "v.duckdb"), store.Options{})
		if err != nil {
			t.Fatalf("the database after the full disk: %v", err)
		}
		defer db.Close()
		var runs, succeeded int
		db.SQL().QueryRow(`SELECT count(*), count(*) FILTER (status = 'succeeded') FROM ops.run`).Scan(&runs, &succeeded)
		if succeeded != 1 {
			t.Errorf("the database holds %d runs, %d succeeded; want night 1's success only", runs, succeeded)
		}
		if _, err := Run(context.Background(), db, n.opt); err != nil {
			t.Fatalf("the next night, with room: %v", err)
		}
		if got := exportstest.Manifests(t, n.opt.Out, receiver.Names()); len(got) != len(before)+len(receiver.Names()) {
			t.Errorf("%d exports after the next night, want %d", len(got), len(before)+len(receiver.Names()))
		}
	})

	for _, left := range []int64{0, 100, 1000, 3000, 6000} {
		t.Run(fmt.Sprintf("failing writes/export, %d bytes left", left), func(t *testing.T) {
			dir := t.TempDir()
			n := startFullDisk(t, dir, filepath.Join(dir, "out"), filepath.Join(dir, "v-analyst.duckdb"))
			b := &disk.Budget{Left: left}
			n.opt.wrap = b.Wrap
			checkExportFailed(t, n, func() {})
			if b.Failed == 0 {
				t.Errorf("no write failed")
			}
		})
	}
	t.Run("failing writes/analyst copy", func(t *testing.T) {
		dir := t.TempDir()
		n := startFullDisk(t, dir, filepath.Join(dir, "out"), filepath.Join(dir, "v-analyst.duckdb"))
		n.opt.Analyst.fail = func() error {
			return &os.PathError{Op: "write", Path: n.opt.Analyst.Path + ".tmp", Err: syscall.ENOSPC}
		}
		checkCopyFailed(t, n, func() {})
	})
}

// mountTmpfs makes dir a tmpfs of size bytes for the test, or skips the test saying why.
func mountTmpfs(t *testing.T, dir string, size int64) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	unmount, err := disk.Tmpfs(dir, size)
	if err != nil {
		t.Skipf("no tmpfs (%v): the failing-writes cases cover the property", err)
	}
	t.Cleanup(func() {
		if err := unmount(); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}
