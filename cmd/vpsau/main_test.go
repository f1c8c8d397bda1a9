package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/runlock"
	"github.com/dvpsau/vpsau/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// vpsau runs the real entry point with a fixed clock and returns its exit status and
// output.
func vpsau(t *testing.T, now time.Time, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr,
		now: func() time.Time { return now }}
	code := run(context.Background(), e, args)
	return code, stdout.String(), stderr.String()
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := files.CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
}

// latest returns the folder of the receiver's newest export.
func latest(t *testing.T, out, receiver string) string {
	t.Helper()
	ids, err := exports.List(out, receiver)
	if err != nil || len(ids) == 0 {
		t.Fatalf("exports of %s: %v, %v", receiver, ids, err)
	}
	return filepath.Join(out, receiver, ids[len(ids)-1])
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

var night1 = time.Date(2027, 1, 4, 3, 30, 0, 0, time.UTC)

// TestGoldenNights runs the scenario in testdata/nights: night 1 is the worked one-night
// example, night 2 the same inbox a month on with changes (see its README). Every
// receiver's CSV files are compared with golden files.
func TestGoldenNights(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
	nights := []struct {
		name, inbox, asOf string
		now               time.Time
		before            [][]string // commands to run before the night
	}{
		{"night1", "../../testdata/one-night/inbox", "2027-01-04", night1, nil},
		{"night2", "../../testdata/nights/night2/inbox", "2027-02-04", night1.AddDate(0, 1, 0),
			[][]string{{"confirm", "dhp", "14", "--db", db}}},
	}
	for _, n := range nights {
		t.Run(n.name, func(t *testing.T) {
			for _, args := range n.before {
				if code, stdout, stderr := vpsau(t, n.now, args...); code != 0 {
					t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
				}
			}
			code, stdout, stderr := vpsau(t, n.now, "run", "--inbox", n.inbox, "--as-of", n.asOf, "--db", db, "--out", out)
			if code != 0 {
				t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
			}
			rejects, err := filepath.Glob(filepath.Join(out, "rejects", "*.csv"))
			if err != nil || len(rejects) == 0 {
				t.Fatalf("rejects files: %v %v", rejects, err)
			}
			b, err := os.ReadFile(rejects[len(rejects)-1])
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("../../testdata/nights", n.name, "expected", "rejects.csv"), b)
			for _, r := range []string{"dhp", "ksl", "saukontrollen", "nokkeltall", "varsler"} {
				folder := latest(t, out, r)
				b, err := os.ReadFile(filepath.Join(folder, r+".csv"))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join("../../testdata/nights", n.name, "expected", r+".csv"), b)
				if err := exports.Verify(folder); err != nil {
					t.Errorf("Verify(%s): %v", folder, err)
				}
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken")
	copyDir(t, "../../testdata/one-night/inbox", broken)
	os.Remove(filepath.Join(broken, "producers.csv"))
	noBasis := filepath.Join(dir, "nobasis")
	copyDir(t, "../../testdata/one-night/inbox", noBasis)
	tests := []struct {
		name string
		args []string
		code int
		want string // in the one line on stderr
	}{
		{"no sources", []string{"run", "--db", filepath.Join(dir, "a.duckdb")}, 2, "no sources: give --inbox DIR"},
		{"bad date", []string{"run", "--inbox", "x", "--as-of", "2027-13-01"}, 2, `--as-of "2027-13-01": not a date`},
		{"missing file", []string{"run", "--inbox", broken, "--as-of", "2027-01-04", "--db", filepath.Join(dir, "b.duckdb"), "--out", filepath.Join(dir, "out-b")}, 1,
			"producers.csv is missing"},
		{"no inbox folder", []string{"run", "--inbox", filepath.Join(dir, "nowhere"), "--as-of", "2027-01-04", "--db", filepath.Join(dir, "d.duckdb"), "--out", filepath.Join(dir, "out-d")}, 1,
			"nowhere: not a folder"},
		{"subsidy year missing", []string{"run", "--inbox", noBasis, "--as-of", "2028-01-04", "--db", filepath.Join(dir, "c.duckdb"), "--out", filepath.Join(dir, "out-c")}, 1,
			"no subsidy file for application year 2027"},
		{"unknown command", []string{"frobnicate"}, 2, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := vpsau(t, night1, tt.args...)
			if code != tt.code {
				t.Errorf("exit = %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr = %q, want one line containing %q", stderr, tt.want)
			}
			if tt.code == 1 && !strings.Contains(stderr, "nothing was published") {
				t.Errorf("stderr = %q, want it to say nothing was published", stderr)
			}
		})
	}
	for _, o := range []string{"out-b", "out-c"} {
		for _, r := range []string{"dhp", "ksl"} {
			if ids, _ := exports.List(filepath.Join(dir, o), r); len(ids) != 0 {
				t.Errorf("%s: a failed run published %v", o, ids)
			}
		}
	}
}

// TestExportAfterFailedRun: on a database whose only run failed (no rules ever ran), a
// receiver's full export is empty, not an error (the tables it reads exist from the
// migrations on).
func TestExportAfterFailedRun(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.duckdb")
	if code, _, _ := vpsau(t, night1, "run", "--inbox", filepath.Join(dir, "nowhere"), "--as-of", "2027-01-04", "--db", db, "--out", filepath.Join(dir, "out")); code != 1 {
		t.Fatalf("run on no inbox: exit %d, want 1", code)
	}
	for _, r := range []string{"nokkeltall", "dhp"} {
		code, stdout, stderr := vpsau(t, night1, "export", "--receiver", r, "--full", "--db", db, "--out", filepath.Join(dir, "out"))
		if code != 0 || !strings.Contains(stdout, r+": changes 0–0: NY 0") {
			t.Errorf("export %s: exit %d\n%s%s", r, code, stdout, stderr)
		}
	}
}

// TestReplay loads an earlier run's raw payloads again, without the inbox: the same
// sources land the same rows, so the receivers get no changes.
func TestReplay(t *testing.T) {
	dir := t.TempDir()
	db, out, inbox := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out"), filepath.Join(dir, "inbox")
	copyDir(t, "../../testdata/one-night/inbox", inbox)
	if code, stdout, stderr := vpsau(t, night1, "run", "--inbox", inbox, "--as-of", "2027-01-04", "--db", db, "--out", out); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	os.RemoveAll(inbox)
	raw := filepath.Join(db+".raw", "run-000001")
	code, stdout, stderr := vpsau(t, night1.Add(time.Hour), "run", "--replay", raw, "--as-of", "2027-01-04", "--db", db, "--out", out)
	if code != 0 {
		t.Fatalf("replay: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, r := range []string{"dhp", "ksl", "saukontrollen", "nokkeltall"} {
		m, err := exports.ReadManifest(latest(t, out, r))
		if err != nil {
			t.Fatal(err)
		}
		if m.Rows.Total != m.Rows.New || m.Changes.To != 14 {
			t.Errorf("%s after replay: rows %+v, changes %+v; want the first night's rows again and no new change", r, m.Rows, m.Changes)
		}
	}
	if !strings.Contains(stdout, "replay of "+raw) {
		t.Errorf("summary does not say it replayed:\n%s", stdout)
	}
	// A mistyped folder is named as what is wrong, not as a source's missing file.
	typo := filepath.Join(db+".raw", "run-000009")
	code, stdout, stderr = vpsau(t, night1.Add(2*time.Hour), "run", "--replay", typo, "--as-of", "2027-01-04", "--db", db, "--out", out)
	want := "vpsau run: run 3 failed: replay: " + typo + " is not a run's raw folder (<db>.raw/run-NNNNNN); nothing was published\n"
	if code == 0 || stderr != want {
		t.Errorf("replay of a folder that is not there: exit %d, stderr %q; want %q", code, stderr, want)
	}
}

// TestDemo runs `vpsau run --demo` end to end (at a small scale so that it is quick): it
// generates an inbox, serves it from the fake source servers, pulls it over HTTP and
// publishes every receiver's export.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "d.duckdb"), filepath.Join(dir, "out")
	code, stdout, stderr := vpsau(t, time.Date(2026, 11, 29, 1, 0, 0, 0, time.UTC), "run", "--demo", "--scale", "0.05", "--db", db, "--out", out)
	if code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"run 1 succeeded", "dataflyt/producers", "http dataflyt=http://127.0.0.1:", "rejects:"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	for _, r := range []string{"dhp", "ksl", "saukontrollen", "nokkeltall", "varsler"} {
		m, err := exports.ReadManifest(latest(t, out, r))
		if err != nil {
			t.Fatal(err)
		}
		if r != "varsler" && m.Rows.New == 0 {
			t.Errorf("%s: empty first export", r)
		}
	}

	// The next day the demo's sources are those of its first night, a day later: a
	// source generated anew for the day would move every course and reservation, which
	// the mass-change guard refuses.
	code, stdout, stderr = vpsau(t, time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), "run", "--demo", "--scale", "0.05", "--db", db, "--out", out)
	if code != 0 {
		t.Fatalf("demo the next day: exit %d\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"as of 2026-11-29, the sources of the demo's earlier nights in this database", "run 2 succeeded: business date 2026-11-30"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the next day's summary lacks %q:\n%s", want, stdout)
		}
	}
	if rows := deletedRows(t, db, 2); rows != 0 {
		t.Errorf("the next day's sources deleted %d rows, want none", rows)
	}

	// Past the year the first sources hold (they lack subsidy year 2027), the demo makes
	// new ones once — which the guard refuses until accepted — and the nights after that
	// night serve those.
	demo := func(now time.Time, args ...string) (int, string, string) {
		return vpsau(t, now, append([]string{"run", "--demo", "--scale", "0.05", "--db", db, "--out", out}, args...)...)
	}
	jan := time.Date(2028, 1, 5, 1, 0, 0, 0, time.UTC)
	code, stdout, stderr = demo(jan)
	if code == 0 || !strings.Contains(stderr, "mass change") || !strings.Contains(stdout, "as of 2028-01-05, new sources") {
		t.Fatalf("new sources: exit %d, want the guard's refusal\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr = demo(jan, "--accept-mass-change"); code != 0 {
		t.Fatalf("new sources accepted: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = demo(jan.AddDate(0, 0, 1))
	if code != 0 || !strings.Contains(stdout, "as of 2028-01-05, the sources of the demo's earlier nights") {
		t.Fatalf("the day after new sources: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, stderr = demo(jan.AddDate(0, 0, 2), "--seed", "2")
	if !strings.Contains(stdout, "but those had scale 0.05, seed 1: these sources differ from theirs") {
		t.Errorf("another seed: exit %d, the line does not say the sources differ\n%s%s", code, stdout, stderr)
	}
	if code, stdout, stderr = demo(jan.AddDate(0, 0, -2)); code == 0 || !strings.Contains(stderr, "a night cannot go back in time") || strings.Contains(stdout, "generated") {
		t.Errorf("a demo night back in time: exit %d, stdout %q, stderr %q; want the refusal before generating", code, stdout, stderr)
	}
}

// deletedRows is the rows the sources of run id deleted, from its stats.
func deletedRows(t *testing.T, db string, id int) int {
	t.Helper()
	_, stdout, stderr := vpsau(t, time.Date(2026, 12, 1, 1, 0, 0, 0, time.UTC), "query", "--db", db, "--format", "csv",
		fmt.Sprintf(`SELECT sum(s.Diff.Deleted)::BIGINT FROM (SELECT unnest(from_json(stats, '{"Sources":[{"Diff":{"Deleted":"BIGINT"}}]}').Sources) AS s FROM ops.run WHERE run_id = %d)`, id))
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	n, err := strconv.Atoi(lines[len(lines)-1])
	if err != nil {
		t.Fatalf("deleted rows of run %d: %q %s", id, stdout, stderr)
	}
	return n
}

func TestDemoAnchor(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name        string
		first, asOf time.Time
		want        time.Time
		wantFirst   bool
	}{
		{"the next day", d(2026, 11, 29), d(2026, 11, 30), d(2026, 11, 29), true},
		{"the same day", d(2026, 11, 29), d(2026, 11, 29), d(2026, 11, 29), true},
		{"the next year holds its subsidy year", d(2026, 11, 29), d(2027, 12, 31), d(2026, 11, 29), true},
		{"two years on it does not", d(2026, 11, 29), d(2028, 1, 3), d(2028, 1, 3), false},
		{"a first night before April's file", d(2026, 3, 1), d(2027, 1, 4), d(2027, 1, 4), false},
		{"a first night before April's file, same year", d(2026, 3, 1), d(2026, 6, 1), d(2026, 3, 1), true},
		{"a first night after the business date", d(2026, 11, 29), d(2026, 11, 1), d(2026, 11, 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, first := anchorFor(tt.first, tt.asOf)
			if !got.Equal(tt.want) || first != tt.wantFirst {
				t.Errorf("anchorFor(%s, %s) = %s, %v; want %s, %v", tt.first.Format(time.DateOnly), tt.asOf.Format(time.DateOnly),
					got.Format(time.DateOnly), first, tt.want.Format(time.DateOnly), tt.wantFirst)
			}
		})
	}
}

// TestAnalystCommands runs explain, query, status, export and confirm against a database
// after the worked example's night.
func TestAnalystCommands(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
	if code, stdout, stderr := vpsau(t, night1, "run", "--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04", "--db", db, "--out", out); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout (or stderr when code != 0)
	}{
		{"explain a deduction", []string{"explain", "3000000002", "--db", db}, 0, []string{
			"Producer 3000000002 as of business date 2027-01-04", "DVP_TREKK", "Y1", "2026-12-01", "2026-12-17",
			"counted: the vet was approved on the visit date", "2027-11-05", "Status over the runs", "trinn"}},
		{"explain a new producer", []string{"explain", "--db", db, "3000000003"}, 0, []string{"INNRULLERT", "2027-05-04", "31"}},
		{"explain unknown", []string{"explain", "9999999999", "--db", db}, 1, []string{"not in the producer register"}},
		{"query csv", []string{"query", "--db", db, "--format", "csv", "SELECT produsentnr, status FROM model.status ORDER BY 1"}, 0, []string{
			"produsentnr,status\n3000000001,GODKJENT\n3000000002,DVP_TREKK\n3000000003,INNRULLERT\n"}},
		{"query table escapes", []string{"query", "--db", db, "SELECT 'To' || chr(10) || 'linjer' || chr(9) || 'x' AS navn, 1 AS n"}, 0, []string{
			"navn           n\nTo\\nlinjer\\tx  1\n"}},
		{"query json", []string{"query", "--db", db, "--format", "json", "SELECT count(*) AS n FROM cur.producer"}, 0, []string{`{"n":3}`}},
		{"query error", []string{"query", "--db", db, "SELECT * FROM nowhere"}, 1, []string{"nowhere"}},
		{"query cannot move a watermark", []string{"query", "--db", db, "DELETE FROM ops.watermark"}, 1, []string{"read-only"}},
		{"query cannot create", []string{"query", "--db", db, "CREATE TABLE t (x INTEGER)"}, 1, []string{"read-only"}},
		{"status", []string{"status", "--db", db}, 0, []string{"succeeded", "dhp", "unconfirmed_changes"}},
		{"confirm", []string{"confirm", "dhp", "3", "--db", db}, 0, []string{"dhp: confirmed up to change 3 (was 0)"}},
		{"confirm beyond the last change", []string{"confirm", "dhp", "99", "--db", db}, 1, []string{"change 99 does not exist yet (the last change is 14)"}},
		{"confirm unknown receiver", []string{"confirm", "x", "1", "--db", db}, 2, []string{`receiver "x"`}},
		{"export full xlsx", []string{"export", "--receiver", "saukontrollen", "--full", "--format", "xlsx", "--db", db, "--out", out}, 0, []string{
			"saukontrollen: changes 0–14: NY 3, ENDRET 0, SLETTET 0"}},
		{"export since", []string{"export", "--receiver", "dhp", "--since", "2", "--db", db, "--out", out}, 0, []string{"dhp: changes 2–14: NY 1"}},
		{"export needs since or full", []string{"export", "--receiver", "dhp", "--db", db}, 2, []string{"give exactly one of --since N and --full"}},
		{"an unknown flag is one line", []string{"run", "--bogus", "--db", db}, 2, []string{"vpsau run: flag provided but not defined: -bogus (vpsau run -h lists the flags); nothing was published\n"}},
		{"a bad date says nothing was published", []string{"run", "--as-of", "2027-02-30", "--db", db}, 2, []string{`vpsau run: --as-of "2027-02-30": not a date (YYYY-MM-DD); nothing was published`}},
		{"export missing database", []string{"export", "--receiver", "dhp", "--full", "--db", filepath.Join(dir, "none.duckdb")}, 1, []string{"none.duckdb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := vpsau(t, night1.Add(time.Hour), tt.args...)
			if code != tt.code {
				t.Fatalf("exit = %d, want %d\n%s%s", code, tt.code, stdout, stderr)
			}
			got := stdout
			if code != 0 {
				got = stderr
				if strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr is not one line: %q", stderr)
				}
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

// TestReissueSameBytes: every export of the two-night scenario, re-issued from history
// with vpsau export (the same change range), has the bytes its manifest records, CSV and
// XLSX alike — but for the key figures of the producer who reserved itself on night 2:
// night 1's nokkeltall export, re-issued, leaves out that producer's rows (no key figures
// leave once a producer has reserved itself), and holds the others as they were.
func TestReissueSameBytes(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
	nights := []struct{ inbox, asOf string }{{"../../testdata/one-night/inbox", "2027-01-04"}, {"../../testdata/nights/night2/inbox", "2027-02-04"}}
	for i, n := range nights {
		now := night1.AddDate(0, i, 0)
		if code, stdout, stderr := vpsau(t, now, "run", "--inbox", n.inbox, "--as-of", n.asOf, "--db", db, "--out", out); code != 0 {
			t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
		}
		if code, _, stderr := vpsau(t, now, "confirm", "ksl", "10", "--db", db); code != 0 {
			t.Fatalf("confirm: %s", stderr)
		}
	}
	for _, r := range []string{"dhp", "ksl", "saukontrollen", "nokkeltall", "varsler"} {
		ids, err := exports.List(out, r)
		if err != nil || len(ids) != 2 {
			t.Fatalf("%s: exports %v %v", r, ids, err)
		}
		for _, id := range ids {
			orig, err := exports.ReadManifest(filepath.Join(out, r, id))
			if err != nil {
				t.Fatal(err)
			}
			reissue := filepath.Join(dir, "reissue-"+id)
			code, stdout, stderr := vpsau(t, night1.AddDate(0, 3, 0), "export", "--receiver", r,
				"--since", fmt.Sprint(orig.Changes.From), "--as-of-time", orig.Created.Format(time.RFC3339Nano),
				"--db", db, "--out", reissue)
			if code != 0 {
				t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
			}
			again, err := exports.ReadManifest(latest(t, reissue, r))
			if err != nil {
				t.Fatal(err)
			}
			if again.Changes != orig.Changes {
				t.Errorf("%s %s: re-issued range %+v, want %+v", r, id, again.Changes, orig.Changes)
			}
			if len(again.Files) != len(orig.Files) {
				t.Fatalf("%s %s: files %v / %v", r, id, again.Files, orig.Files)
			}
			if r == "nokkeltall" && id == ids[0] { // night 1: before the reservation
				was := fileLines(t, filepath.Join(out, r, id, "nokkeltall.csv"))
				is := fileLines(t, filepath.Join(latest(t, reissue, r), "nokkeltall.csv"))
				var kept []string
				for _, l := range was {
					if !strings.Contains(l, ",3000000001,") {
						kept = append(kept, l)
					}
				}
				if len(kept) == len(was) || !slices.Equal(is, kept) {
					t.Errorf("nokkeltall %s re-issued:\n%s\nwant the original without 3000000001 (reserved on night 2):\n%s", id, strings.Join(is, "\n"), strings.Join(kept, "\n"))
				}
				continue
			}
			for i := range orig.Files {
				if orig.Files[i].SHA256 != again.Files[i].SHA256 {
					t.Errorf("%s %s %s: sha256 %s, re-issued %s", r, id, orig.Files[i].Name, orig.Files[i].SHA256, again.Files[i].SHA256)
				}
			}
		}
	}
	// A full export of the state after night 1 leaves the producer reserved since out too.
	full := filepath.Join(dir, "reissue-full")
	if code, stdout, stderr := vpsau(t, night1.AddDate(0, 3, 0), "export", "--receiver", "nokkeltall", "--full",
		"--as-of-time", night1.Add(time.Hour).Format(time.RFC3339), "--db", db, "--out", full); code != 0 {
		t.Fatalf("export --full: exit %d\n%s%s", code, stdout, stderr)
	}
	lines := fileLines(t, filepath.Join(latest(t, full, "nokkeltall"), "nokkeltall.csv"))
	for _, l := range lines { // night 1's nokkeltall rows are all of that producer (checked above)
		if strings.Contains(l, ",3000000001,") {
			t.Errorf("the full export of night 1's state shows the producer reserved on night 2: %s", l)
		}
	}
}

// TestReissueBusinessDate: a re-issue of the latest state carries the business date of
// the last run, also when that run changed nothing for the receiver (the state it left
// holds as of its date); one of a past state, that of the last run by then. Its manifest
// says it is a re-issue (extra.reissue), and of a past state, not the latest.
func TestReissueBusinessDate(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
	for i, asOf := range []string{"2027-01-04", "2027-01-05"} {
		if code, stdout, stderr := vpsau(t, night1.AddDate(0, 0, i), "run", "--inbox", "../../testdata/one-night/inbox", "--as-of", asOf, "--db", db, "--out", out); code != 0 {
			t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
		}
	}
	// The case only says something if the second night changed nothing for ksl.
	if _, stdout, _ := vpsau(t, night1.AddDate(0, 0, 2), "query", "--db", db, "SELECT max(run_id) FROM ops.change_log WHERE receiver = 'ksl'"); !strings.Contains(stdout, "1") || strings.Contains(stdout, "2") {
		t.Fatalf("ksl's last change is not from the first night: %q", stdout)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"the latest state", nil, "2027-01-05"},
		{"the state after the first night", []string{"--as-of-time", night1.Add(time.Hour).Format(time.RFC3339)}, "2027-01-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reissue := filepath.Join(t.TempDir(), "out")
			args := append([]string{"export", "--receiver", "ksl", "--full", "--db", db, "--out", reissue}, tt.args...)
			if code, stdout, stderr := vpsau(t, night1.AddDate(0, 0, 2), args...); code != 0 {
				t.Fatalf("export: exit %d\n%s%s", code, stdout, stderr)
			}
			m, err := exports.ReadManifest(latest(t, reissue, "ksl"))
			if err != nil {
				t.Fatal(err)
			}
			if m.BusinessDate != tt.want {
				t.Errorf("business date %s, want %s", m.BusinessDate, tt.want)
			}
			// The manifest says it is a re-issue, and of a past state when it is one.
			if r := m.Extra["reissue"]; !strings.HasPrefix(r, "re-issued by vpsau export") || strings.Contains(r, "not the latest") != (len(tt.args) > 0) {
				t.Errorf("extra.reissue = %q", r)
			}
		})
	}
}

// fileLines returns a text file's lines.
func fileLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}

// TestXLSXCells reads saukontrollen's XLSX of the first night back cell by cell: the same
// rows as its CSV, identifiers as text, dates as dates, counts as numbers.
func TestXLSXCells(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
	if code, stdout, stderr := vpsau(t, night1, "run", "--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04", "--db", db, "--out", out); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	f, err := excelize.OpenFile(filepath.Join(latest(t, out, "saukontrollen"), "saukontrollen.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("saukontrollen", excelize.Options{RawCellValue: false})
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"endringsnr", "operasjon", "endret_tid", "produsentnr", "status", "neste_frist", "apne_avvik"},
		{"7", "NY", "2027-01-04T03:30:00Z", "3000000001", "GODKJENT", "2027-10-20", "0"},
		{"8", "NY", "2027-01-04T03:30:00Z", "3000000002", "DVP_TREKK", "2026-12-01", "1"},
		{"9", "NY", "2027-01-04T03:30:00Z", "3000000003", "INNRULLERT", "2027-05-04", "0"},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("cells (-want +got):\n%s", diff)
	}
	// Raw cell values: numbers and dates are numbers (a date is its Excel serial day with a
	// date format), identifiers are text even when they look like numbers.
	raw := map[string]string{"A2": "7", "D2": "3000000001", "F2": "46680", "G2": "0", "F3": "46357"}
	for cell, want := range raw {
		got, err := f.GetCellValue("saukontrollen", cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("raw %s = %q, want %q", cell, got, want)
		}
	}
	for cell, text := range map[string]bool{"A2": false, "D2": true, "E2": true, "F2": false, "G2": false} {
		typ, err := f.GetCellType("saukontrollen", cell)
		if err != nil {
			t.Fatal(err)
		}
		isText := typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString
		if isText != text {
			t.Errorf("cell %s type %v: text = %v, want %v", cell, typ, isText, text)
		}
	}
}

// TestSecondRunRefused: while a run holds the database's run lock, another run says so in
// one line and exits non-zero.
func TestSecondRunRefused(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.duckdb")
	l, err := runlock.Acquire(db+".lock", night1)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	code, _, stderr := vpsau(t, night1, "run", "--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04", "--db", db, "--out", filepath.Join(dir, "out"))
	if code == 0 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "another run is in progress") {
		t.Errorf("second run: exit %d, stderr %q; want non-zero and one line saying another run is in progress", code, stderr)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServe starts serve on a fresh database: it catches up the missed night at once
// (publishing every receiver's export), answers /healthz, and stops cleanly when its
// context ends (as on SIGTERM).
func TestServe(t *testing.T) {
	dir := t.TempDir()
	db, out, addr := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out"), freePort(t)
	ctx, stop := context.WithCancel(context.Background())
	var stderr syncBuffer
	e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr,
		now: func() time.Time { return time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC) }}
	done := make(chan int)
	go func() {
		done <- run(ctx, e, []string{"serve", "--inbox", "../../testdata/one-night/inbox", "--db", db, "--out", out, "--listen", addr})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ids, _ := exports.List(out, "varsler")
		if len(ids) == 1 {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no catch-up export after 60 s; log:\n%s", stderr.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("GET /healthz: %v %v", resp, err)
	}
	if resp != nil {
		resp.Body.Close()
	}
	// Prometheus metrics of the run (set when the run has finished).
	var body []byte
	for end := time.Now().Add(30 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		resp, err = http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "vpsau_runs_total") {
			break
		}
	}
	for _, want := range []string{`vpsau_producers{status="DVP_TREKK"} 1`, `vpsau_source_rows{source="dataflyt/producers"} 3`,
		`vpsau_runs_total{status="succeeded"} 1`, "vpsau_last_success_timestamp_seconds 1.7990532e+09"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit = %d; log:\n%s", code, stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	for _, want := range []string{`"msg":"catching up a missed night"`, `"msg":"run succeeded","trigger":"catch-up"`, `"msg":"stopped"`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, stderr.String())
		}
	}

	// With no sources at all (no configuration file, no --inbox) serve serves the
	// download API of the exports there are, and says it runs no nights.
	ctx, stop = context.WithCancel(context.Background())
	var apiLog syncBuffer
	e.stderr = &apiLog
	go func() { done <- run(ctx, e, []string{"serve", "--db", db, "--out", out, "--listen", addr}) }()
	up := false
	for end := time.Now().Add(30 * time.Second); !up && time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			up = resp.StatusCode == 200
		}
	}
	stop()
	if code := <-done; code != 0 || !up {
		t.Errorf("serve without sources: exit %d, answered %v; log:\n%s", code, up, apiLog.String())
	}
	for _, want := range []string{`no sources: no scheduled runs, only the download API`, `"schedule":"off (no sources)"`} {
		if !strings.Contains(apiLog.String(), want) {
			t.Errorf("serve without sources: log lacks %s:\n%s", want, apiLog.String())
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the goroutines of serve.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestBackupRestoreErase: a backup restored in place of the database lets the next night
// continue exactly where the backup left off; an erasure removes a person's name, phone
// and e-mail from every stored version while the statuses stay.
func TestBackupRestoreErase(t *testing.T) {
	dir := t.TempDir()
	db, out, backup := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out"), filepath.Join(dir, "backup", "v-2027-01-04.duckdb")
	step := func(now time.Time, args ...string) string {
		t.Helper()
		code, stdout, stderr := vpsau(t, now, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, stdout, stderr)
		}
		return stdout
	}
	step(night1, "run", "--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04", "--db", db, "--out", out)
	step(night1, "backup", "--to", backup, "--db", db)
	// A night that the restore will undo.
	step(night1.AddDate(0, 1, 0), "run", "--inbox", "../../testdata/nights/night2/inbox", "--as-of", "2027-02-04", "--db", db, "--out", filepath.Join(dir, "lost"))
	step(night1.AddDate(0, 1, 0), "restore", "--from", backup, "--db", db)
	step(night1.AddDate(0, 1, 1), "run", "--inbox", "../../testdata/nights/night2/inbox", "--as-of", "2027-02-04", "--db", db, "--out", out)
	// The night after the restore is numbered on from the backup's changes, like the
	// golden night 2 (from change 15).
	got, err := os.ReadFile(filepath.Join(latest(t, out, "dhp"), "dhp.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(got), "\n15,NY,") || strings.Contains(string(got), "\n31,") {
		t.Errorf("dhp after restore:\n%s", got)
	}

	// A night whose row of the producer is rejected for its phone number: the rejected
	// value is the producer's too.
	n3 := filepath.Join(dir, "night3")
	copyDir(t, "../../testdata/nights/night2/inbox", n3)
	prods, err := os.ReadFile(filepath.Join(n3, "producers.csv"))
	if err != nil {
		t.Fatal(err)
	}
	const badPhone = "4000-PRIVAT-77"
	prods = bytes.Replace(prods, []byte("Eksempel 4,91234567,"), []byte("Eksempel 4,"+badPhone+","), 1)
	// And a row whose key cannot be read, with a bad phone number too: a rejected value
	// that names no one, which erase cannot find and says so.
	const unkeyedPhone = "4000-UKJENT-12"
	prods = append(prods, []byte("30000X0009,903000910,Ukjent,"+unkeyedPhone+",,3401,3000009\n")...)
	if err := os.WriteFile(filepath.Join(n3, "producers.csv"), prods, 0o644); err != nil {
		t.Fatal(err)
	}
	step(night1.AddDate(0, 1, 2), "run", "--inbox", n3, "--as-of", "2027-02-05", "--db", db, "--out", out)
	if q := step(night1.AddDate(0, 1, 2), "query", "--db", db, "--format", "csv",
		"SELECT rkey, field, value FROM ops.reject WHERE entity = 'producers' AND value = '"+badPhone+"'"); q != "rkey,field,value\n3000000004,telefon,"+badPhone+"\n" {
		t.Fatalf("the rejected phone number: %q", q)
	}

	// The erased e-mail address is gone from the database file's bytes too, not only from
	// its tables: erase rewrites the file without the freed blocks that held it (else a
	// backup or an analyst copy made from the file's bytes would carry it).
	const email = "fire@example.no"
	if b, err := os.ReadFile(db); err != nil || !bytes.Contains(b, []byte(email)) {
		t.Fatalf("the database file does not hold %s before the erasure (%v): the test shows nothing", email, err)
	}
	rejectsHold := func() bool {
		files, _ := filepath.Glob(filepath.Join(out, "rejects", "run-*.csv"))
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && bytes.Contains(b, []byte(badPhone)) {
				return true
			}
		}
		return false
	}
	if !rejectsHold() {
		t.Fatalf("no rejects file holds %s before the erasure: the test shows nothing", badPhone)
	}
	// Erased with the wrong --out, the rejects file is not found: said, not claimed done.
	code, _, stderr := vpsau(t, night1.AddDate(0, 2, 0), "erase", "--produsentnr", "3000000004", "--reason", "request 2027-03-01", "--db", db, "--out", filepath.Join(dir, "elsewhere"))
	if code != 0 || !strings.Contains(stderr, "warning: the rejects files of run 3 are not in ") || !rejectsHold() {
		t.Fatalf("erase with another --out: exit %d, stderr %q", code, stderr)
	}
	if want := "warning: 1 rejected names, phones or e-mails of producers rows name no one"; !strings.Contains(stderr, want) {
		t.Errorf("erase: stderr %q, want %q", stderr, want)
	}
	// Again with the right one: the file is written again.
	msg := step(night1.AddDate(0, 2, 0), "erase", "--produsentnr", "3000000004", "--reason", "request 2027-03-01", "--db", db, "--out", out)
	if !strings.Contains(msg, "erased in") {
		t.Errorf("erase said %q", msg)
	}
	if b, err := os.ReadFile(db); err != nil || bytes.Contains(b, []byte(email)) {
		t.Errorf("the database file still holds %s after the erasure (%v)", email, err)
	}
	if _, err := os.Stat(db + ".wal"); err == nil {
		t.Errorf("a write-ahead log is left beside the rewritten database")
	}
	q := step(night1.AddDate(0, 2, 0), "query", "--db", db, "--format", "csv",
		"SELECT (SELECT count(*) FROM src.producer WHERE produsentnr = '3000000004' AND (navn <> '(slettet)' OR telefon <> '(slettet)' OR epost <> '(slettet)')) AS left_, "+
			"(SELECT count(*) FROM rcv.varsler WHERE produsentnr = '3000000004' AND adresse <> '(slettet)') AS addresses, "+
			"(SELECT status FROM model.status WHERE produsentnr = '3000000004') AS status, "+
			"(SELECT count(*) FROM ops.erasure WHERE compacted IS NULL) AS uncompacted, "+
			"(SELECT string_agg(value, ' ') FROM ops.reject WHERE rkey = '3000000004') AS rejected")
	if q != "left_,addresses,status,uncompacted,rejected\n0,0,INNRULLERT,0,(slettet)\n" {
		t.Errorf("after erasure: %q", q)
	}
	if b, err := os.ReadFile(db); err != nil || bytes.Contains(b, []byte(badPhone)) {
		t.Errorf("the database file still holds the rejected %s after the erasure (%v)", badPhone, err)
	}
	if rejectsHold() {
		t.Errorf("a rejects file still holds %s after the erasure", badPhone)
	}
}

func TestProgressBar(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2027, 1, 4, 3, 30, 0, 0, time.UTC)
	p := progressBar(&buf, func() time.Time { now = now.Add(time.Second); return now })
	p("fetch")
	p("stage dataflyt/producers")
	got := buf.String()
	if !strings.Contains(got, "[........................]  1/40  fetch") || !strings.Contains(got, "[#.......................]  2/40  stage dataflyt/producers") {
		t.Errorf("progress = %q", got)
	}

	// The bar's total is the number of stages a night reports (regression: two short, the
	// bar was full during the analyst copy and the report).
	d, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "v.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var stages []string
	dir := t.TempDir()
	if _, err := nightly.Run(t.Context(), d, nightly.Options{AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC),
		Inbox: "../../testdata/one-night/inbox", Out: filepath.Join(dir, "out"), RawRoot: filepath.Join(dir, "raw"),
		Analyst: nightly.AnalystCopy{Path: filepath.Join(dir, "a.duckdb")},
		Rules:   rules.Defaults(), Guard: nightly.DefaultGuard, Progress: func(s string) { stages = append(stages, s) }}); err != nil {
		t.Fatal(err)
	}
	if len(stages) != progressStages() {
		t.Errorf("a night reports %d stages %v; the bar counts %d", len(stages), stages, progressStages())
	}
}

// TestRunSaysStale: a night on which a source falls back to its last snapshot says so on
// stderr, also with --quiet, and still succeeds.
func TestRunSaysStale(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
	cfg := filepath.Join(dir, "vpsau.toml")
	if err := os.WriteFile(cfg, []byte("[fallback]\nslakt = \"36h\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stdout, stderr := vpsau(t, night1, "run", "--config", cfg, "--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04", "--db", db, "--out", out); code != 0 {
		t.Fatalf("night 1: exit %d\n%s%s", code, stdout, stderr)
	}
	inbox := filepath.Join(dir, "inbox")
	copyDir(t, "../../testdata/one-night/inbox", inbox)
	if err := os.Remove(filepath.Join(inbox, "slaughter.csv")); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := vpsau(t, night1.AddDate(0, 0, 1), "run", "--quiet", "--config", cfg, "--inbox", inbox, "--as-of", "2027-01-05", "--db", db, "--out", out)
	if code != 0 {
		t.Fatalf("night 2: exit %d\n%s%s", code, stdout, stderr)
	}
	if want := "warning: source slakt failed ("; !strings.HasPrefix(stderr, want) || !strings.Contains(stderr, "its snapshot of run 1, fetched ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line starting %q", stderr, want)
	}
}

// TestReaderSaysSchemaBehind: query, explain and status open the database read-only, so
// they do not migrate it; on a database a migration behind they say so and still answer.
func TestReaderSaysSchemaBehind(t *testing.T) {
	dir := t.TempDir()
	db, out := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out")
	if code, stdout, stderr := vpsau(t, night1, "run", "--inbox", "../../testdata/one-night/inbox", "--as-of", "2027-01-04", "--db", db, "--out", out); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, stdout, stderr)
	}
	query := func() (int, string, string) {
		return vpsau(t, night1.Add(time.Hour), "query", "--db", db, "--format", "csv", "SELECT count(*) AS n FROM cur.producer")
	}
	if code, stdout, stderr := query(); code != 0 || stderr != "" || stdout != "n\n3\n" {
		t.Fatalf("query on an up-to-date database: exit %d, %q, stderr %q", code, stdout, stderr)
	}
	d, err := store.Open(context.Background(), db, store.Options{Bare: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.SQL().Exec(`DELETE FROM ops.schema_migration WHERE version = (SELECT max(version) FROM ops.schema_migration)`); err != nil {
		t.Fatal(err)
	}
	d.Close()
	code, stdout, stderr := query()
	if code != 0 || stdout != "n\n3\n" || !strings.HasPrefix(stderr, "note: "+db+" has ") || !strings.Contains(stderr, "brings it up to date") {
		t.Errorf("query on a database a migration behind: exit %d, %q, stderr %q", code, stdout, stderr)
	}
}
