package land

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/pipelines/portal"
	"github.com/dvpsau/vpsau/pipelines/slakt"
)

// TestKeptKeysHoldNoPage: the keys and values a parse keeps past a row (a rejected row's
// key and values, the keys its filter flags) are copies: a page's fields are parts of the
// whole decoded page, which a kept part would keep in memory (a review found 200 pages of
// 1,000 visits, one reject each, held 40 MiB when the keys were not copied).
func TestKeptKeysHoldNoPage(t *testing.T) {
	raw := t.TempDir()
	dir := filepath.Join(raw, "http", "visits")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const pages, per = 200, 1000
	var decoded int
	for pg := range pages {
		var b strings.Builder
		b.WriteString(`{"items":[`)
		for i := range per {
			if i > 0 {
				b.WriteByte(',')
			}
			date := "2026-04-20"
			if i == 500 {
				date = "2026-13-01" // a reject with a readable key
			}
			fmt.Fprintf(&b, `{"besok_id":"V%07d","produsentnr":"%010d","vet_id":"5550001","besok_dato":"%s","note":"%s"}`,
				pg*per+i, 3000000000+pg*per+i, date, strings.Repeat("x", 100))
		}
		b.WriteString(`],"next_page_token":""}`)
		decoded += b.Len()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%06d%s", pg, PageExt)), CompressPage(nil, []byte(b.String())), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := Start(raw, portal.Visits, time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC))
	for range p.batches { // the accepted rows go, as the appender takes them
	}
	if p.err != nil || len(p.keepKeys) != pages {
		t.Fatalf("parse: %v, %d kept keys, want %d", p.err, len(p.keepKeys), pages)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > int64(decoded)/4 {
		t.Errorf("after the parse %d MiB more are live, of %d MiB of decoded pages: kept keys hold their pages", grown>>20, decoded>>20)
	}
	runtime.KeepAlive(p)
}

// TestReadFile: a file's rows reach fn in order, each with its line and its fields in the
// entity's order, also past the reader's batches; an error of fn ends the read with that
// error, and the reading goroutine with it.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	const rows = 10*recordBatch + 7 // more batches than the channel holds
	var b strings.Builder
	b.WriteString("sesong,extra,produsentnr,antall_lam,andel_lam_fett1,andel_sau_fett1,snittvekt_lam_kg\n")
	for i := range rows {
		if i == 700 {
			b.WriteString("2024,x\n") // too few fields: a bad record
			continue
		}
		fmt.Fprintf(&b, "%d,x,%010d,%d,0.5,0.25,20.5\n", 2020+i%5, 3000000000+i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "slaughter.csv"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	e := slakt.Entities()[0]
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	t.Run("every row in order", func(t *testing.T) {
		var lines []int64
		var bad int
		err := readFile(dir, Payload{Name: "slaughter.csv"}, e, asOf, func(pr *contract.Parser, line int64, raw []string, rowErr error) error {
			lines = append(lines, line)
			if rowErr != nil {
				bad++
				return nil
			}
			if len(raw) != len(e.Fields) || raw[0] != fmt.Sprintf("%010d", 3000000000+line-2) {
				return fmt.Errorf("line %d: fields %q", line, raw)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if bad != 1 || len(lines) != rows || lines[0] != 2 {
			t.Fatalf("%d rows, %d bad, first line %v", len(lines), bad, lines[:min(1, len(lines))])
		}
		for i := 1; i < len(lines); i++ {
			if lines[i] <= lines[i-1] {
				t.Fatalf("line %d after line %d", lines[i], lines[i-1])
			}
		}
	})
	t.Run("an error of fn ends the read", func(t *testing.T) {
		before := runtime.NumGoroutine()
		stop := errors.New("enough")
		n := 0
		err := readFile(dir, Payload{Name: "slaughter.csv"}, e, asOf, func(*contract.Parser, int64, []string, error) error {
			if n++; n == 5 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 5 {
			t.Fatalf("readFile = %v after %d rows, want %v after 5", err, n, stop)
		}
		for deadline := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; {
			if time.Now().After(deadline) {
				t.Fatalf("%d goroutines after the read, %d before: the reader was left running", runtime.NumGoroutine(), before)
			}
			time.Sleep(time.Millisecond)
		}
	})
}

func TestFilterBitsFor(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	row := "2026,912345678," + strings.Repeat(",", 190) + "\n" // a subsidy-wide row
	tests := []struct {
		name   string
		path   string
		page   bool
		rows   int // the rows the payload holds
		lo, hi uint64
	}{
		{"short file, counted whole", write("short.csv", "a,b\n1,2\n3,4\n"), false, 3, bitsPerRow * 3, bitsPerRow * 4},
		{"wide rows past the sample", write("wide.csv", strings.Repeat(row, 5000)), false, 5000, bitsPerRow * 4500, bitsPerRow * 5500},
		{"one line longer than the sample", write("long.csv", strings.Repeat("x", 100<<10)), false, 1, bitsPerRow, bitsPerRow * 3},
		{"empty file", write("empty.csv", ""), false, 0, 0, 0},
		{"missing file", filepath.Join(dir, "none.csv"), false, 0, 0, 0},
		{"stored page: two bits a byte", write("p.zst", strings.Repeat("z", 1000)), true, 0, 2000, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := filterBitsFor(tt.path, tt.page)
			if got < tt.lo || got > tt.hi {
				t.Errorf("filterBitsFor = %d bits, want %d to %d (%d rows)", got, tt.lo, tt.hi, tt.rows)
			}
		})
	}
}

// BenchmarkKeyFilter adds a million subsidy-like keys (year|orgnr) to filters of the
// sizes the two ways of sizing give them: by rows (filterBitsFor's 16 bits a row, rounded
// up to 2^24 bits: 2 MiB) and by bytes (two bits a byte of the wide subsidy rows: the
// 2^27-bit cap, 16 MiB).
//
//	go test -run '^$' -bench KeyFilter ./internal/land/
func BenchmarkKeyFilter(b *testing.B) {
	const n = 1_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("%d|9%08d", 2017+i%10, i*7919%100000000)
	}
	for _, size := range []struct {
		name string
		bits uint64
	}{{"by-rows-2MiB", 1 << 24}, {"by-bytes-16MiB", 1 << 27}} {
		b.Run(size.name, func(b *testing.B) {
			var flagged int
			for b.Loop() {
				f := newKeyFilter(size.bits)
				flagged = 0
				for _, k := range keys {
					if f.seen(k) {
						flagged++
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/key")
			b.ReportMetric(float64(flagged), "flagged")
		})
	}
}
