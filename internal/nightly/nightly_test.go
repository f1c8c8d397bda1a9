package nightly

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/exports/exportstest"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

func openDB(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "test.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func readCSV(t *testing.T, path string, comma rune) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
	r.Comma = comma
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// TestOneNight runs the worked example of shared/examples/one-night (copied to
// testdata/one-night) and compares each receiver's business columns with the expected rows.
func TestOneNight(t *testing.T) {
	db := openDB(t)
	out := t.TempDir()
	asOf := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	sum, err := Run(context.Background(), db, Options{
		AsOf: asOf, Inbox: "../../testdata/one-night/inbox", Out: out, RawRoot: filepath.Join(t.TempDir(), "raw"),
		Rules: rules.Defaults(), Guard: DefaultGuard,
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Rejects != 0 {
		t.Errorf("rejects = %d, want 0", sum.Rejects)
	}
	for _, name := range []string{"dhp", "ksl", "saukontrollen", "nokkeltall"} {
		t.Run(name, func(t *testing.T) {
			want := readCSV(t, "../../testdata/one-night/expected/"+name+".csv", ',')
			ids, err := exports.List(out, name)
			if err != nil || len(ids) != 1 {
				t.Fatalf("exports of %s = %v, %v; want one", name, ids, err)
			}
			comma := ','
			if name == "saukontrollen" {
				comma = ';'
			}
			got := readCSV(t, filepath.Join(out, name, ids[0], name+".csv"), comma)
			if diff := cmp.Diff([]string{"endringsnr", "operasjon", "endret_tid"}, got[0][:3]); diff != "" {
				t.Errorf("first columns (-want +got):\n%s", diff)
			}
			// Compare the business columns the example lists, by name.
			idx := map[string]int{}
			for i, c := range got[0] {
				idx[c] = i
			}
			var proj [][]string
			for _, row := range got {
				var p []string
				for _, c := range want[0] {
					i, ok := idx[c]
					if !ok {
						t.Fatalf("column %s missing from %v", c, got[0])
					}
					p = append(p, row[i])
				}
				proj = append(proj, p)
			}
			if diff := cmp.Diff(want, proj); diff != "" {
				t.Errorf("%s (-want +got):\n%s", name, diff)
			}
			for _, row := range got[1:] {
				if row[1] != "NY" {
					t.Errorf("operasjon = %s, want NY on the first night", row[1])
				}
			}
		})
	}
}

// TestExportSideBySide: receivers staged side by side, two at a time (a night with more
// than sideBySideRows changes) and one at a time (more than twoAtATimeRows) publish the
// same bytes, every export verified against its manifest.
func TestExportSideBySide(t *testing.T) {
	limit, two := sideBySideRows, twoAtATimeRows
	t.Cleanup(func() { sideBySideRows, twoAtATimeRows = limit, two })
	published := map[string]map[string]string{}
	for _, tt := range []struct {
		name       string
		limit, two int64
	}{
		{name: "side by side", limit: 1 << 40},
		{name: "two at a time", two: 1 << 40},
		{name: "one at a time"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sideBySideRows, twoAtATimeRows = tt.limit, tt.two
			dir := t.TempDir()
			created := time.Date(2027, 1, 4, 3, 30, 0, 0, time.UTC)
			_, err := Run(context.Background(), openDB(t), Options{AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC),
				Inbox: "../../testdata/one-night/inbox", Out: filepath.Join(dir, "out"), RawRoot: filepath.Join(dir, "raw"),
				Rules: rules.Defaults(), Guard: DefaultGuard, NoReport: true, Now: func() time.Time { return created }})
			if err != nil {
				t.Fatal(err)
			}
			published[tt.name] = exportstest.Manifests(t, filepath.Join(dir, "out"), receiver.Names())
			if len(published[tt.name]) != 5 {
				t.Errorf("published %v, want one export per receiver", published[tt.name])
			}
		})
	}
	if diff := cmp.Diff(published["one at a time"], published["side by side"]); diff != "" {
		t.Errorf("manifests differ (-one at a time +side by side):\n%s", diff)
	}
}

// TestNoGoingBack: a run may repeat the last successful run's business date, but one
// before it is refused before it starts (an outside check found a visit kept from a later
// night counted on an earlier one, and a coverage date after the business date), and a
// failed run's date does not count.
func TestNoGoingBack(t *testing.T) {
	db := openDB(t)
	out, raw := t.TempDir(), filepath.Join(t.TempDir(), "raw")
	backwards := false
	night := func(y int, m time.Month, d int, inbox string) (Summary, error) {
		return Run(context.Background(), db, Options{
			AsOf: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Inbox: inbox, Out: out, RawRoot: raw,
			Rules: rules.Defaults(), Guard: DefaultGuard, Backwards: backwards,
		})
	}
	const inbox = "../../testdata/one-night/inbox"
	if _, err := night(2028, 1, 10, t.TempDir()); err == nil { // no files: the run fails
		t.Fatal("a run on an empty inbox succeeded")
	}
	steps := []struct {
		name    string
		y       int
		m       time.Month
		d       int
		wantErr bool
	}{
		{"after a failed later run", 2027, 1, 5, false},
		{"the same day again", 2027, 1, 5, false},
		{"a later day", 2027, 1, 6, false},
		{"an earlier day", 2027, 1, 4, true},
		{"a later day after the refusal", 2027, 1, 7, false},
		{"an earlier day when told to (--accept-earlier-date)", 2027, 1, 5, false},
	}
	for _, s := range steps {
		backwards = strings.Contains(s.name, "when told to")
		sum, err := night(s.y, s.m, s.d, inbox)
		switch {
		case s.wantErr && !errors.Is(err, ErrBackwards):
			t.Errorf("%s: Run() = %v, want ErrBackwards", s.name, err)
		case s.wantErr && sum.RunID != 0:
			t.Errorf("%s: refused run recorded as run %d", s.name, sum.RunID)
		case s.wantErr && !strings.Contains(fmt.Sprint(err), "business date 2027-01-04 is before 2027-01-06"):
			t.Errorf("%s: error %q does not name both dates", s.name, err)
		case !s.wantErr && err != nil:
			t.Errorf("%s: Run() = %v", s.name, err)
		}
	}
}
