package nightly

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

var (
	yearNights = flag.Int("nights", 365, "BenchmarkYear: nightly runs of history")
	yearScale  = flag.Float64("yscale", 1, "BenchmarkYear: generator scale")
	yearCache  = flag.String("yearcache", "", "BenchmarkYear: folder that keeps the year's database between runs (default: build it afresh)")
)

// world is the evolving inbox of the simulated year: the base inbox, plus on night k a new
// visit for 1 in 300 producers (dated that night, and kept from then on), and a changed
// phone number for 1 in 100 producers (a different hundredth each night) — about 1 % of
// the rows change each night, as the business date moves on by a day.
type world struct {
	base      string
	start     time.Time
	producers [][]string // base rows, header first
	visits    [][]string
	vetOf     map[string]string // a vet that visited the producer
}

func newWorld(b *testing.B, dir string, scale float64, start time.Time) *world {
	b.Helper()
	base := filepath.Join(dir, "base")
	if _, err := generate.Inbox(base, generate.Config{Scale: scale, Seed: 1, AsOf: start, BadShare: 0.001}); err != nil {
		b.Fatal(err)
	}
	w := &world{base: base, start: start, vetOf: map[string]string{}}
	w.producers = readAllCSV(b, filepath.Join(base, "producers.csv"))
	w.visits = readAllCSV(b, filepath.Join(base, "visits.csv"))
	for _, v := range w.visits[1:] {
		w.vetOf[v[1]] = v[2]
	}
	return w
}

func readAllCSV(b *testing.B, path string) [][]string {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	return recs
}

func writeAllCSV(b *testing.B, path string, recs [][]string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(bufio.NewWriter(f))
	w.WriteAll(recs)
	f.Close()
}

// night writes night k's inbox into dir and returns its business date.
func (w *world) night(b *testing.B, k int, dir string) time.Time {
	b.Helper()
	asOf := w.start.AddDate(0, 0, k)
	if err := os.MkdirAll(filepath.Join(dir, "subsidy"), 0o755); err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"vets.csv", "slaughter.csv", "courses.csv", "agreements.csv", "deviations.csv", "reservations.csv", "extensions.csv"} {
		copyFile(b, filepath.Join(w.base, name), filepath.Join(dir, name))
	}
	entries, _ := os.ReadDir(filepath.Join(w.base, "subsidy"))
	for _, e := range entries {
		copyFile(b, filepath.Join(w.base, "subsidy", e.Name()), filepath.Join(dir, "subsidy", e.Name()))
	}
	producers := make([][]string, len(w.producers))
	for i, p := range w.producers {
		producers[i] = p
		if i > 0 && (i+k)%100 == 0 && len(p) == 7 {
			q := append([]string(nil), p...)
			q[3] = fmt.Sprintf("4%07d", (k*7919+i)%10000000)
			producers[i] = q
		}
	}
	writeAllCSV(b, filepath.Join(dir, "producers.csv"), producers)
	visits := append([][]string(nil), w.visits...)
	for j := 1; j <= k; j++ {
		for i := 1 + j%300; i < len(w.producers); i += 300 {
			p := w.producers[i][0]
			if vet, ok := w.vetOf[p]; ok {
				visits = append(visits, []string{fmt.Sprintf("Y%04d-%07d", j, i), p, vet, w.start.AddDate(0, 0, j).Format(time.DateOnly)})
			}
		}
	}
	writeAllCSV(b, filepath.Join(dir, "visits.csv"), visits)
	return asOf
}

func copyFile(b *testing.B, src, dst string) {
	if _, err := files.Copy(src, dst); err != nil {
		b.Fatal(err)
	}
}

func runNight(b *testing.B, db *store.DB, w *world, k int, tmp string, historyOnly bool) Summary {
	b.Helper()
	inbox := filepath.Join(tmp, fmt.Sprintf("inbox-%d", k))
	asOf := w.night(b, k, inbox)
	defer os.RemoveAll(inbox)
	opt := Options{AsOf: asOf, Inbox: inbox, Out: filepath.Join(tmp, "out"),
		RawRoot: filepath.Join(tmp, "raw"), Rules: rules.Defaults(), Guard: DefaultGuard, NoReport: historyOnly}
	if !historyOnly {
		// A measured night is a night as vpsau run makes it by default: with the run report
		// and the analyst copy (a copy of the whole database file, which history grows).
		opt.Analyst = AnalystCopy{Path: filepath.Join(tmp, "analyst.duckdb")}
	}
	restore := TuneGC(os.Getenv) // as vpsau run does
	sum, err := Run(context.Background(), db, opt)
	restore()
	if err != nil {
		b.Fatalf("night %d: %v", k, err)
	}
	os.RemoveAll(filepath.Join(tmp, "raw"))
	return sum
}

// BenchmarkYear measures what a year of history costs (issues 4 and 8):
//
//   - night/first: the first night on an empty database;
//   - night/after-one and night/after-year: a night with about 1 % of rows changed on a
//     database that holds one night, and -nights nightly runs, of history (a copy per
//     iteration, on which every receiver has confirmed everything so far, as receivers
//     do each night — the history is built without confirmations): history must not
//     slow nights down. The two nights differ in more than history: after-one is the
//     year's second night, after-year its last, with a year's more visits and a later
//     business date (more deadlines near, more notifications);
//   - night/after-one-same-data: after-year's night on a database that holds one night
//     only, the year's last but one, loaded on an empty database: the same rows and the
//     same business date as after-year, so that history is all that differs;
//   - delta100/after-one and delta100/after-year: a receiver's delta of its last 100
//     changes (dhp), written as CSV, after one night and after the year;
//   - the database's size after one night and after the year (bytes, as metrics).
//
// Building the year takes about 5 s a night at scale 1; -yearcache DIR keeps it:
//
//	go test ./internal/nightly/ -run '^$' -bench Year -benchtime 3x -timeout 3h -yearcache /tmp/vpsau-year
func BenchmarkYear(b *testing.B) {
	// From 11 April 2025 the generated inbox holds the subsidy rounds up to 2025, which
	// cover the business dates of the year ahead (into 2026, whose basis is 2025); the year
	// crosses 15 April (a season completes) and 1 January (a new basis year).
	start := time.Date(2025, 4, 11, 0, 0, 0, 0, time.UTC)
	dir := *yearCache
	if dir == "" {
		dir = b.TempDir()
	}
	dir = filepath.Join(dir, fmt.Sprintf("scale%g-nights%d", *yearScale, *yearNights))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	w := newWorld(b, dir, *yearScale, start)
	ctx := context.Background()
	oneDB, yearDB := filepath.Join(dir, "one.duckdb"), filepath.Join(dir, "year.duckdb")
	lastDB := filepath.Join(dir, "last-only.duckdb")
	build := func(path string, first, nights int) {
		if _, err := os.Stat(path + ".done"); err == nil {
			return
		}
		os.Remove(path)
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		for k := first; k < first+nights; k++ {
			runNight(b, db, w, k, dir, true) // building history: no report
			if (k-first)%30 == 0 {
				b.Logf("%s: night %d/%d after %s", filepath.Base(path), k-first+1, nights, time.Since(t0).Round(time.Second))
			}
		}
		db.Close()
		os.WriteFile(path+".done", nil, 0o644)
	}
	build(oneDB, 0, 1)
	build(yearDB, 0, *yearNights)
	build(lastDB, *yearNights-1, 1)
	size := func(p string) float64 { // the file and its write-ahead log
		var n int64
		for _, f := range []string{p, p + ".wal"} {
			if st, err := os.Stat(f); err == nil {
				n += st.Size()
			}
		}
		return float64(n)
	}

	night := *yearNights // the next night after the year
	b.Run("night/first", func(b *testing.B) {
		var stages stageTimes
		for b.Loop() {
			b.StopTimer()
			tmp := b.TempDir()
			db, err := store.Open(ctx, filepath.Join(tmp, "f.duckdb"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			sum := runNight(b, db, w, night, tmp, false)
			b.StopTimer()
			stages.add(sum)
			db.Close()
			b.StartTimer()
		}
		stages.report(b)
	})
	// the same night-to-night change (about 1 % of producers, a day's visits) on a copy of
	// a database after one night and after the year
	after := func(path string, k int) func(b *testing.B) {
		return func(b *testing.B) {
			var stages stageTimes
			for b.Loop() {
				b.StopTimer()
				tmp := b.TempDir()
				copyFile(b, path, filepath.Join(tmp, "y.duckdb"))
				db, err := store.Open(ctx, filepath.Join(tmp, "y.duckdb"), store.Options{})
				if err != nil {
					b.Fatal(err)
				}
				confirmAll(b, db)
				b.StartTimer()
				sum := runNight(b, db, w, k, tmp, false)
				b.StopTimer()
				stages.add(sum)
				db.Close()
				b.StartTimer()
			}
			stages.report(b)
		}
	}
	b.Run("night/after-one", after(oneDB, 1))
	b.Run("night/after-year", after(yearDB, night))
	b.Run("night/after-one-same-data", after(lastDB, night))
	delta := func(path string) func(b *testing.B) {
		return func(b *testing.B) {
			db, err := store.Open(ctx, path, store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			c, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			r, _ := receiver.Lookup("dhp")
			var from, to int64
			if err := c.QueryRow(ctx, `SELECT max(endringsnr) FROM ops.change_log WHERE receiver = 'dhp'`).Scan(&to); err != nil {
				b.Fatal(err)
			}
			if err := c.QueryRow(ctx, `SELECT min(endringsnr) - 1 FROM (SELECT endringsnr FROM ops.change_log WHERE receiver = 'dhp' ORDER BY endringsnr DESC LIMIT 100)`).Scan(&from); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				s, err := Write(ctx, c, WriteOptions{Receiver: r, From: from, To: to, Out: b.TempDir(), BusinessDate: start, Created: start,
					Files: []exports.FileSpec{{Format: exports.CSV, Dialect: exports.Machine}}})
				if err != nil {
					b.Fatal(err)
				}
				if n := s.Manifest().Rows.Total; n == 0 || n > 100 {
					b.Fatalf("delta of the last 100 changes has %d rows", n)
				}
				s.Discard()
			}
			b.ReportMetric(size(path), "db-bytes")
		}
	}
	b.Run("delta100/after-one", delta(oneDB))
	b.Run("delta100/after-year", delta(yearDB))
}

// stageTimes sums a night's stages over a benchmark's iterations, to report each stage's
// mean as a metric (stage-ms) beside the whole night's ns/op.
type stageTimes struct {
	n int
	d map[string]time.Duration
}

func (st *stageTimes) add(sum Summary) {
	if st.d == nil {
		st.d = map[string]time.Duration{}
	}
	st.n++
	for k, v := range sum.Stages {
		st.d[k] += v
	}
}

func (st *stageTimes) report(b *testing.B) {
	for k, v := range st.d {
		b.ReportMetric(float64(v.Milliseconds())/float64(st.n), strings.ReplaceAll(k, " ", "-")+"-ms")
	}
}

// confirmAll confirms every change so far for every receiver, as receivers that applied
// their last transfer have.
func confirmAll(b *testing.B, db *store.DB) {
	ctx := context.Background()
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	last, err := receiver.LastChange(ctx, c, time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range receiver.Names() {
		if _, _, err := receiver.Confirm(ctx, c, r, last, "benchmark", "", time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
