package exports

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// sliceRows serves rows from memory, reusing one values slice as a database
// driver may.
type sliceRows struct {
	rows [][]any
	i    int
	buf  []any
	err  error // returned by Err after the last row
}

func newRows(rows ...[]any) *sliceRows { return &sliceRows{rows: rows, i: -1} }

func (r *sliceRows) Next() bool {
	r.i++
	return r.i < len(r.rows)
}

func (r *sliceRows) Values() []any {
	r.buf = append(r.buf[:0], r.rows[r.i]...)
	return r.buf
}

func (r *sliceRows) Err() error { return r.err }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

var oslo = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		return time.FixedZone("CET", 3600)
	}
	return loc
}()

// sampleColumns are a receiver's columns with every kind.
var sampleColumns = []Column{
	{ColChangeNr, Int},
	{ColOperation, Text},
	{ColChangedAt, Timestamp},
	{"produsentnr", ID},
	{"kommunenr", ID},
	{"navn", Text},
	{"status", Text},
	{"besoksfrist", Date},
	{"andel_lam_fett1", Decimal},
	{"antall_lam", Int},
	{"merknad", Text},
	{"dvp_trekk", Text},
}

// sampleRows hold the values that each writer must get right: quoting,
// formula neutralisation, nil, dates, decimals, sub-second timestamps, IDs
// that look like numbers.
func sampleRows() [][]any {
	ts := time.Date(2027, 1, 4, 2, 13, 7, 0, time.UTC)
	return [][]any{
		{int64(101), "NY", ts, "3000000001", "0301", "Ola Nordmann", "GODKJENT", date(2027, 10, 20), 0.04, int64(120), "vanlig tekst", false},
		{int64(102), "ENDRET", time.Date(2027, 1, 4, 3, 13, 7, 500_000_000, oslo), int64(3000000002), "0301", `Kari "Kua" Hansen`, "=HYPERLINK(\"http://x\")", date(2027, 11, 5), -1.25, int64(-3), "linje 1\nlinje 2", true},
		{int64(103), "SLETTET", ts.Add(time.Nanosecond), "3000000003", nil, "Semi;kolon, komma", "+47 999", nil, nil, nil, "@SUM(A1)", nil},
		{int64(104), "NY", "2027-01-04T02:13:08.120+00:00", "3000000004", "5001", "-minus", "\tfane", "2026-12-01", 0.30000000000000004, int64(0), "Ærlig Øst Ål", "\rCR"},
		{int64(105), "ENDRET", ts, "3000000005", "1103", "", "-", time.Date(2027, 5, 4, 23, 30, 0, 0, oslo), -0.0, int64(9007199254740993), "'sitat", "ja"},
	}
}

func sampleExport(receiver string, files ...FileSpec) Export {
	return Export{
		Receiver:     receiver,
		ID:           "2027-01-04-000000000105",
		FromChange:   100,
		ToChange:     110,
		BusinessDate: date(2027, 1, 4),
		Created:      time.Date(2027, 1, 4, 2, 15, 0, 0, time.UTC),
		Columns:      sampleColumns,
		Files:        files,
		Extra:        map[string]string{"run": "42"},
	}
}

// stagePublish stages and publishes e and returns the export's folder.
func stagePublish(t *testing.T, out string, e Export, rows Rows) (string, *Staged) {
	t.Helper()
	s, err := Stage(out, e, rows)
	if err != nil {
		t.Fatalf("Stage() error = %v", err)
	}
	if err := s.Publish(); err != nil {
		t.Fatalf("Publish() error = %v", err)
	}
	return s.Path(), s
}

// dirFiles returns the names and contents of the files in dir.
func dirFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

// checkGolden compares the files of dir with testdata/<name>/, or rewrites
// those with -update.
func checkGolden(t *testing.T, name, dir string) {
	t.Helper()
	golden := filepath.Join("testdata", name)
	got := dirFiles(t, dir)
	if *update {
		if err := os.RemoveAll(golden); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(golden, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, content := range got {
			if err := os.WriteFile(filepath.Join(golden, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := dirFiles(t, golden)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("export %s differs from testdata/%s (-want +got):\n%s", dir, name, diff)
	}
}
