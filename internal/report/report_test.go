package report_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/report"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// Demo-like data: a generated inbox (a fiftieth of Norway, 1 % bad rows) run on three
// business dates — the first night, when every covered producer is new, two months on,
// and after the first deadlines, when breaches have escalated — so that every chart has
// something to show, the trend three points.
var dates = []time.Time{
	time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 3, 5, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC),
}

type world struct {
	db  *store.DB
	out string // the runs' --out: the nightly report is in out/report
}

var (
	once   sync.Once
	shared *world
	setup  error
)

func demo(t *testing.T) *world {
	t.Helper()
	once.Do(func() { shared, setup = runNights() })
	if setup != nil {
		t.Fatal(setup)
	}
	return shared
}

func runNights() (*world, error) {
	dir, err := os.MkdirTemp("", "vpsau-report-test-")
	if err != nil {
		return nil, err
	}
	inbox := filepath.Join(dir, "inbox")
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.02, Seed: 1, AsOf: dates[0], BadShare: 0.01}); err != nil {
		return nil, err
	}
	db, err := store.Open(context.Background(), filepath.Join(dir, "test.duckdb"), store.Options{})
	if err != nil {
		return nil, err
	}
	w := &world{db: db, out: filepath.Join(dir, "out")}
	for i, d := range dates {
		_, err := nightly.Run(context.Background(), db, nightly.Options{
			AsOf: d, Inbox: inbox, Out: w.out, RawRoot: filepath.Join(dir, "raw"),
			Rules: rules.Defaults(), Guard: nightly.DefaultGuard,
		})
		if err != nil {
			return nil, fmt.Errorf("night %d: %w", i+1, err)
		}
	}
	return w, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.db.Close()
		os.RemoveAll(filepath.Dir(shared.db.Path()))
	}
	os.Exit(code)
}

// write writes the report of run id into a fresh folder and returns the page. The folder
// starts with what a run killed while it wrote its report left behind, which Write removes.
func write(t *testing.T, w *world, id int64) (dir, page string) {
	t.Helper()
	dir = t.TempDir()
	stale := filepath.Join(dir, ".tmp-report-1234")
	if err := os.WriteFile(stale, []byte("<html>half"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a killed run's half-written report is still there: %v", err)
		}
	}()
	c, err := w.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := report.Write(context.Background(), c, dir, id); err != nil {
		t.Fatalf("Write: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, report.Name(id)))
	if err != nil {
		t.Fatal(err)
	}
	return dir, string(b)
}

var (
	figureRE = regexp.MustCompile(`(?s)<figure id="([a-z]+)".*?</figure>`)
	marksRE  = regexp.MustCompile(`data-marks="(\d+)"`)
)

// TestEveryChartHasData: on demo-like data every figure of the latest run's report is a
// chart with marks, and the page is self-contained.
func TestEveryChartHasData(t *testing.T) {
	w := demo(t)
	_, page := write(t, w, int64(len(dates)))
	figures := figureRE.FindAllStringSubmatch(page, -1)
	want := []string{"status", "trend", "county", "deadline", "rejects", "findings"}
	var got []string
	for _, f := range figures {
		got = append(got, f[1])
		m := marksRE.FindStringSubmatch(f[0])
		if m == nil || m[1] == "0" {
			t.Errorf("figure %s has no chart with marks", f[1])
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("figures = %v, want %v", got, want)
	}
	if !strings.Contains(page, "Business date Tuesday 1 June 2027") {
		t.Error("the page does not name its business date")
	}
	if n := strings.Count(page, `<circle class="point"`); n != 3*4 {
		t.Errorf("trend has %d points, want 3 runs × 4 statuses", n)
	}
	for _, bad := range []string{"http:", "https:", "<script", "src=", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page contains %q: it must need nothing but itself", bad)
		}
	}
}

// TestNightlyWritesReports: every run wrote its report, index.html is the latest one's,
// and the report of an earlier run says what that run computed.
func TestNightlyWritesReports(t *testing.T) {
	w := demo(t)
	dir := filepath.Join(w.out, "report")
	for i := range dates {
		if _, err := os.Stat(filepath.Join(dir, report.Name(int64(i+1)))); err != nil {
			t.Errorf("run %d: %v", i+1, err)
		}
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(index), "<h1>Business date Tuesday 1 June 2027</h1>") {
		t.Error("index.html is not the latest run's report")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
	// The first run's report, written again now: its own business date, and as the
	// first night it has no breach of the first deadline yet.
	_, first := write(t, w, 1)
	if !strings.Contains(first, "Business date Monday 4 January 2027") || !strings.Contains(first, "One run so far") {
		t.Error("the first run's report does not show the first run")
	}
}

func TestUnknownRun(t *testing.T) {
	w := demo(t)
	c, err := w.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := report.Write(context.Background(), c, t.TempDir(), 99); err == nil {
		t.Error("Write(run 99) = nil, want an error")
	}
}
