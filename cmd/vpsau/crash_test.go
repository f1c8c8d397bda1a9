package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/exports/exportstest"
	"github.com/dvpsau/vpsau/internal/audit"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

// TestMain lets the test binary stand in for the vpsau binary: with VPSAU_AS_CLI=1 it
// runs the real entry point on its arguments, so that tests can kill a real process.
func TestMain(m *testing.M) {
	if os.Getenv("VPSAU_AS_CLI") == "1" {
		os.Exit(Main(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// cli starts the binary as a separate process.
func cli(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "VPSAU_AS_CLI=1"), env...)
	return cmd
}

// crashStages are the stage boundaries a run reports; the crash test kills a run at each.
var crashStages = []string{
	"fetch", "stage dataflyt/subsidy", "stage portal/extensions", "land dataflyt/producers", "land dataflyt/subsidy", "land slakt/slaughter", "land portal/extensions", "rules",
	"receivers", "audit", "commit", "export", "stage dhp", "stage varsler", "publish dhp", "publish ksl",
	"publish saukontrollen", "publish nokkeltall", "publish varsler", "rejects", "analyst copy", "report", "finish",
}

var (
	crashRandom = flag.Int("crash.random", 6, "TestCrashAnywhere: kills at random moments")
	crashSeed   = flag.Uint64("crash.seed", 7, "TestCrashAnywhere: seed of the random moments")
)

// applyAll builds dhp's copy from every published export in order.
func applyAll(t *testing.T, out string) map[string]string {
	t.Helper()
	ids, _ := exports.List(out, "dhp")
	cp := map[string]string{}
	for _, id := range ids {
		f, err := os.Open(filepath.Join(out, "dhp", id, "dhp.csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs[1:] {
			if r[1] == "SLETTET" {
				delete(cp, r[3])
			} else {
				cp[r[3]] = strings.Join(r[3:], ",")
			}
		}
	}
	return cp
}

func copyTreeT(t *testing.T, src, dst string) {
	t.Helper()
	os.RemoveAll(dst)
	copyDir(t, src, dst)
}

// TestCrashAnywhere kills the real binary (SIGKILL) at every stage boundary of a night and
// at random moments inside one (-crash.random, -crash.seed). After each kill the database
// opens, its change numbers have no gap or duplicate, every audit of internal/audit
// passes, the analyst copy opens, and the exports published before are intact (nothing
// half-written looks complete); the next run publishes once per receiver, leaves nothing
// half-written behind — after which dhp's copy built from all its exports equals its full
// export.
func TestCrashAnywhere(t *testing.T) {
	base := t.TempDir()
	db, out := filepath.Join(base, "state", "v.duckdb"), filepath.Join(base, "state", "out")
	if b, err := cli(nil, "run", "--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04", "--db", db, "--out", out).CombinedOutput(); err != nil {
		t.Fatalf("night 1: %v\n%s", err, b)
	}
	snapshot := filepath.Join(base, "after-night1")
	copyTreeT(t, filepath.Join(base, "state"), snapshot)

	type kill struct {
		name  string
		env   []string
		delay time.Duration // for random kills
		first bool          // the first night, on a new database (else night 2)
	}
	var kills []kill
	for _, st := range crashStages {
		kills = append(kills, kill{name: "at " + st, env: []string{"VPSAU_TEST_KILL_AT=" + st}})
	}
	// The first night of a new database: what it committed so far lives only in the
	// write-ahead log, migrations included.
	for _, st := range []string{"fetch", "stage dataflyt/subsidy", "land dataflyt/producers", "rules", "commit", "publish dhp", "analyst copy"} {
		kills = append(kills, kill{name: "night 1 at " + st, env: []string{"VPSAU_TEST_KILL_AT=" + st}, first: true})
	}
	// Random moments over the whole length of a night-2 run.
	t0 := time.Now()
	if b, err := cli(nil, "run", "--inbox", "../../testdata/nights/night2/inbox", "--as-of", "2027-02-04",
		"--db", filepath.Join(base, "timing", "v.duckdb"), "--out", filepath.Join(base, "timing", "out")).CombinedOutput(); err != nil {
		t.Fatalf("a night 2 on an empty database: %v\n%s", err, b)
	}
	length := time.Since(t0)
	t.Logf("a night-2 run takes %s here; %d kills at random moments in it (seed %d)", length.Round(time.Millisecond), *crashRandom, *crashSeed)
	rng := rand.New(rand.NewPCG(*crashSeed, 7))
	for i := 0; i < *crashRandom; i++ {
		d := time.Duration(rng.Int64N(int64(length))).Round(time.Millisecond)
		kills = append(kills, kill{name: fmt.Sprintf("after %s", d), delay: d})
	}
	for _, k := range kills {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			state := t.TempDir()
			db, out := filepath.Join(state, "v.duckdb"), filepath.Join(state, "out")
			args := []string{"run", "--inbox", "../../testdata/nights/night2/inbox", "--as-of", "2027-02-04", "--db", db, "--out", out}
			runs := 2 // with a commit of its own, of the killed night
			if k.first {
				args[2], args[4], runs = "../../testdata/one-night/inbox", "2027-01-04", 1
			} else {
				copyTreeT(t, snapshot, state)
			}
			before := exportstest.Manifests(t, out, receiver.Names())
			cmd := cli(k.env, args...)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if k.delay > 0 {
				time.Sleep(k.delay)
				cmd.Process.Kill()
			}
			werr := cmd.Wait()
			if k.delay > 0 && werr == nil {
				t.Logf("the run ended before the kill")
			}

			// The database opens, its change numbers are whole and every audit passes.
			kept := keepState(t, state)
			d, err := store.Open(t.Context(), db, store.Options{})
			if err != nil {
				if kept != "" {
					t.Fatalf("open after the kill: %v (the state as the kill left it: %s)", err, kept)
				}
				t.Fatalf("open after the kill: %v (set VPSAU_CRASH_KEEP to keep the state)", err)
			}
			if kept != "" {
				os.RemoveAll(kept)
			}
			var n, max, distinct int64
			if err := d.SQL().QueryRow(`SELECT count(*), coalesce(max(endringsnr), 0), count(DISTINCT endringsnr) FROM ops.change_log`).Scan(&n, &max, &distinct); err != nil {
				t.Fatal(err)
			}
			if n != max || n != distinct {
				t.Errorf("change numbers: %d changes, max %d, %d distinct", n, max, distinct)
			}
			var committed bool
			if err := d.SQL().QueryRow(`SELECT count(*) = ? FROM ops.run WHERE sys_time IS NOT NULL`, runs).Scan(&committed); err != nil {
				t.Fatal(err)
			}
			var anyCommitted bool
			d.SQL().QueryRow(`SELECT count(*) > 0 FROM ops.run WHERE sys_time IS NOT NULL`).Scan(&anyCommitted)
			if anyCommitted { // the audits read the rules' tables, which a first commit makes
				auditAll(t, d)
			}
			d.Close()
			analystCopyOpens(t, filepath.Join(state, "v-analyst.duckdb"))
			// What was published before is still there, unchanged.
			after := exportstest.Manifests(t, out, receiver.Names())
			for k, v := range before {
				if after[k] != v {
					t.Errorf("export %s changed or vanished", k)
				}
			}
			published := 0
			for k := range after {
				if before[k] == "" {
					published++
				}
			}
			// The next run publishes once per receiver.
			t1 := time.Now()
			if b, err := cli(nil, args...).CombinedOutput(); err != nil {
				t.Fatalf("rerun: %v\n%s", err, b)
			}
			t.Logf("killed %s: the night committed %v, %d of %d exports published; the rerun took %s",
				k.name, committed, published, len(receiver.Names()), time.Since(t1).Round(time.Millisecond))
			noLeftovers(t, state)
			analystCopyOpens(t, filepath.Join(state, "v-analyst.duckdb"))
			final := exportstest.Manifests(t, out, receiver.Names())
			for _, r := range receiver.Names() {
				newer := 0
				for k := range final {
					if strings.HasPrefix(k, r+"/") && after[k] == "" {
						newer++
					}
				}
				if newer != 1 {
					t.Errorf("%s: the rerun published %d exports, want 1", r, newer)
				}
			}
			// dhp's copy from all its exports equals the full export now.
			got := applyAll(t, out)
			full := filepath.Join(state, "full")
			if b, err := cli(nil, "export", "--receiver", "dhp", "--full", "--db", db, "--out", full).CombinedOutput(); err != nil {
				t.Fatalf("full export: %v\n%s", err, b)
			}
			want := applyAll(t, full)
			if fmt.Sprint(sortedMap(got)) != fmt.Sprint(sortedMap(want)) {
				t.Errorf("dhp's copy from its exports:\n%v\nfull export:\n%v", sortedMap(got), sortedMap(want))
			}
		})
	}
}

// keepState copies a killed run's state folder, as the kill left it, into a new folder
// under $VPSAU_CRASH_KEEP, if that is set, and returns its path: a database the kill
// left unopenable can then be studied (and reported) after the test's temp folder is gone.
func keepState(t *testing.T, state string) string {
	t.Helper()
	dir := os.Getenv("VPSAU_CRASH_KEEP")
	if dir == "" {
		return ""
	}
	dst := filepath.Join(dir, fmt.Sprintf("%s-%d", strings.NewReplacer("/", "_", " ", "_").Replace(t.Name()), time.Now().UnixNano()))
	if err := files.CopyTree(state, dst); err != nil {
		t.Logf("keeping the state: %v", err)
		os.RemoveAll(dst)
		return ""
	}
	return dst
}

// auditAll runs the write-audit-publish checks of internal/audit on a database.
func auditAll(t *testing.T, d *store.DB) {
	t.Helper()
	c, err := d.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := audit.Run(t.Context(), c); err != nil {
		t.Errorf("audits after the kill: %v", err)
	}
}

// analystCopyOpens checks that the analyst copy, if there is one, opens read-only as a
// whole database.
func analystCopyOpens(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Stat(path); err != nil {
		return
	}
	d, err := store.Open(t.Context(), path, store.Options{ReadOnly: true})
	if err != nil {
		t.Errorf("analyst copy: %v", err)
		return
	}
	defer d.Close()
	var run int64
	if err := d.SQL().QueryRow(`SELECT last_run FROM ops.copy_info`).Scan(&run); err != nil {
		t.Errorf("analyst copy: %v", err)
	}
}

// noLeftovers checks that a run after a kill left no half-written file or folder: no
// staging folder of an export, no rejects file being written, no analyst copy being made.
func noLeftovers(t *testing.T, state string) {
	t.Helper()
	filepath.WalkDir(state, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".tmp-") || strings.Contains(d.Name(), ".duckdb.tmp-") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func sortedMap(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
