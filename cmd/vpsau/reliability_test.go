package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/fixtures/disk"
	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/internal/nightly"
)

// TestRunFailedLine: a failed run's line says what failed and what was published before:
// nothing, or the receivers whose exports went out before a later step failed (then the
// line must not say that nothing was published).
func TestRunFailedLine(t *testing.T) {
	enospc := fmt.Errorf("analyst copy: write v-analyst.duckdb.tmp: %w (the previous analyst copy stays)", syscall.ENOSPC)
	all := nightly.Summary{RunID: 3}
	for _, r := range []string{"dhp", "ksl", "saukontrollen", "nokkeltall", "varsler"} {
		all.Exports = append(all.Exports, exports.Manifest{Receiver: r})
	}
	tests := []struct {
		name string
		sum  nightly.Summary
		err  error
		want string
	}{
		{"before the ledger", nightly.Summary{}, errors.New("ledger: x"), "ledger: x; nothing was published"},
		{"before publishing", nightly.Summary{RunID: 3}, errors.New("fetch: source slakt: down"), "run 3 failed: fetch: source slakt: down; nothing was published"},
		{"after publishing", all, enospc,
			"run 3 failed: analyst copy: write v-analyst.duckdb.tmp: no space left on device (the previous analyst copy stays); published before the failure: the exports of dhp, ksl, saukontrollen, nokkeltall, varsler (the next run's exports repeat their changes)"},
		{"between receivers", nightly.Summary{RunID: 3, Exports: all.Exports[:2]}, errors.New("export: publish: rename x: input/output error"),
			"run 3 failed: export: publish: rename x: input/output error; published before the failure: the exports of dhp, ksl (the next run's exports repeat their changes)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runFailed(tt.sum, tt.err)
			if err.Error() != tt.want {
				t.Errorf("runFailed = %q, want %q", err, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("runFailed does not wrap %v", tt.err)
			}
		})
	}
}

// TestFailedRunLines runs vpsau run where it must fail and checks the one line on stderr
// and the exit status: a source that stays down, a full disk during the export, and a full
// disk during the analyst copy (both on a small tmpfs: skipped, saying why, where this
// process may not mount one; internal/nightly's TestFullDisk covers them with failing
// writes).
func TestFailedRunLines(t *testing.T) {
	night1 := func(t *testing.T, args ...string) {
		t.Helper()
		if code, stdout, stderr := vpsau(t, time.Date(2027, 1, 4, 3, 30, 0, 0, time.UTC), append([]string{"run",
			"--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04"}, args...)...); code != 0 {
			t.Fatalf("night 1: exit %d\n%s%s", code, stdout, stderr)
		}
	}
	night2 := func(t *testing.T, args ...string) (int, string) {
		t.Helper()
		code, _, stderr := vpsau(t, time.Date(2027, 2, 4, 3, 30, 0, 0, time.UTC), append([]string{"run", "--as-of", "2027-02-04"}, args...)...)
		if strings.Count(stderr, "\n") != 1 {
			t.Errorf("stderr is not one line:\n%s", stderr)
		}
		return code, strings.TrimSpace(stderr)
	}

	t.Run("a source that stays down", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "v.duckdb")
		night1(t, "--db", db, "--out", filepath.Join(dir, "out"))
		set, err := fakesrc.Start(context.Background(), "../../testdata/nights/night2/inbox",
			fakesrc.Options{ClientID: "vpsau", ClientSecret: "cs-Jk29x", Fault: fakesrc.OnPath("/v1/producers", fakesrc.Fail(503))})
		if err != nil {
			t.Fatal(err)
		}
		defer set.Close()
		var cfg strings.Builder
		for _, sys := range fakesrc.Systems() {
			fmt.Fprintf(&cfg, "[sources.%s]\nurl = %q\nclient_id = \"vpsau\"\nclient_secret = \"cs-Jk29x\"\nmax_attempts = 2\n\n", sys, set.URLs[sys])
		}
		conf := filepath.Join(dir, "vpsau.toml")
		os.WriteFile(conf, []byte(cfg.String()), 0o600)
		code, line := night2(t, "--config", conf, "--db", db, "--out", filepath.Join(dir, "out"))
		want := "vpsau run: run 2 failed: fetch: source dataflyt: GET /v1/producers page 1: gave up after 2 attempts: 503 Service Unavailable; nothing was published"
		if code != 1 || line != want {
			t.Errorf("exit %d, %q; want 1, %q", code, line, want)
		}
		if strings.Contains(line, "cs-Jk29x") {
			t.Errorf("the line shows the client secret")
		}
	})

	t.Run("full disk during the export", func(t *testing.T) {
		dir := t.TempDir()
		out := tmpfs(t, filepath.Join(dir, "out"), 1<<20)
		db := filepath.Join(dir, "v.duckdb")
		night1(t, "--db", db, "--out", out)
		if _, err := disk.Fill(out, 4<<10); err != nil {
			t.Fatal(err)
		}
		code, line := night2(t, "--inbox", "../../testdata/nights/night2/inbox", "--db", db, "--out", out)
		if code != 1 || !strings.HasPrefix(line, "vpsau run: run 2 failed: export: stage ") ||
			!strings.HasSuffix(line, ": no space left on device; nothing was published") {
			t.Errorf("exit %d, %q; want 1 and one line: the export failed, no space, nothing published", code, line)
		}
	})

	t.Run("full disk during the analyst copy", func(t *testing.T) {
		dir := t.TempDir()
		copies := tmpfs(t, filepath.Join(dir, "analyst"), 40<<20)
		conf := filepath.Join(dir, "vpsau.toml")
		os.WriteFile(conf, []byte(fmt.Sprintf("[analyst]\ncopy = %q\n", filepath.Join(copies, "v-analyst.duckdb"))), 0o644)
		db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
		night1(t, "--config", conf, "--db", db, "--out", out)
		if _, err := disk.Fill(copies, 1<<20); err != nil {
			t.Fatal(err)
		}
		code, line := night2(t, "--config", conf, "--inbox", "../../testdata/nights/night2/inbox", "--db", db, "--out", out)
		// The copy fails in Go's file copy ("no space left on device") or in DuckDB's
		// writes ("No space left on device"), whichever way it was made (store.CopyTo).
		if code != 1 || !strings.HasPrefix(line, "vpsau run: run 2 failed: analyst copy: ") ||
			!strings.Contains(strings.ToLower(line), "no space left on device (the previous analyst copy stays); published before the failure: the exports of dhp, ksl, saukontrollen, nokkeltall, varsler") {
			t.Errorf("exit %d, %q; want 1 and one line: the analyst copy failed, no space, the exports were published", code, line)
		}
	})
}

// tmpfs makes dir a tmpfs of size bytes for the test, or skips the test saying why.
func tmpfs(t *testing.T, dir string, size int64) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	unmount, err := disk.Tmpfs(dir, size)
	if err != nil {
		t.Skipf("no tmpfs (%v); internal/nightly's TestFullDisk covers this with failing writes", err)
	}
	t.Cleanup(func() { unmount() })
	return dir
}
