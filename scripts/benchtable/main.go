// Command benchtable reads `go test -bench` output (several -count runs) and prints a
// Markdown table of each benchmark's median, and of the ratios of the pairs the project
// sets goals for (docs/benchmarks.md), with the machine it ran on.
//
//	go test -run '^$' -bench . -count 5 ./... | tee bench.txt
//	go run ./scripts/benchtable < bench.txt
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
)

// goals are the ratios issue 8 sets: floor (or baseline) over vpsau's, so that higher
// is better, and the goal.
var goals = []struct {
	what, num, den string
	goal           float64
	higherBetter   bool
}{
	{"night vs bare DuckDB floor (ratio vpsau/floor, goal ≤ 1.5)", "BenchmarkNight/vpsau", "BenchmarkNight/floor", 1.5, false},
	{"ingest vs read_csv (ratio read_csv/vpsau, goal ≥ 0.8)", "BenchmarkIngest/read_csv", "BenchmarkIngest/vpsau", 0.8, true},
	{"HTTP ingest vs file drop (ratio file-drop/http, goal ≥ 0.5)", "BenchmarkIngestHTTP/file-drop", "BenchmarkIngestHTTP/http", 0.5, true},
	{"night after a year vs first night (ratio, goal ≤ 1.2)", "BenchmarkYear/night/after-year", "BenchmarkYear/night/first", 1.2, false},
	{"night after a year vs the year's second night (ratio, our goal ≤ 1.2; a year's more current data too)", "BenchmarkYear/night/after-year", "BenchmarkYear/night/after-one", 1.2, false},
	{"night after a year vs the same night after one night of the same data (ratio, our goal ≤ 1.2; history alone differs)", "BenchmarkYear/night/after-year", "BenchmarkYear/night/after-one-same-data", 1.2, false},
	{"100-change delta after a year vs after one night (ratio, goal ≤ 1.2)", "BenchmarkYear/delta100/after-year", "BenchmarkYear/delta100/after-one", 1.2, false},
	{"XLSX vs bare excelize StreamWriter (ratio excelize/vpsau, goal ≥ 0.9)", "BenchmarkXLSX/excelize", "BenchmarkXLSX/exports", 0.9, true},
}

var line = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+([\d.]+) ns/op(.*)$`)

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchtable:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	runs := map[string][]float64{}
	extra := map[string]map[string][]float64{}
	var cpu, pkg string
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		t := sc.Text()
		if strings.HasPrefix(t, "cpu: ") {
			cpu = strings.TrimSpace(strings.TrimPrefix(t, "cpu: "))
		}
		if strings.HasPrefix(t, "pkg: ") {
			pkg = strings.TrimPrefix(t, "pkg: ")
		}
		m := line.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		name := m[1]
		ns, _ := strconv.ParseFloat(m[3], 64)
		runs[name] = append(runs[name], ns)
		f := strings.Fields(m[4])
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			if extra[name] == nil {
				extra[name] = map[string][]float64{}
			}
			extra[name][f[i+1]] = append(extra[name][f[i+1]], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	_ = pkg
	fmt.Fprintf(out, "Machine: %s, %d logical CPUs, %s/%s, %s.\n\n", cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintln(out, "| benchmark | runs | median | min | max | other (medians) |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|")
	var names []string
	for n := range runs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := runs[n]
		lo, hi := minmax(v)
		var other []string
		var units []string
		for u := range extra[n] {
			units = append(units, u)
		}
		sort.Strings(units)
		for _, u := range units {
			if u == "B/op" || u == "allocs/op" {
				continue
			}
			other = append(other, fmt.Sprintf("%s %s", trim(median(extra[n][u])), u))
		}
		fmt.Fprintf(out, "| %s | %d | %s | %s | %s | %s |\n", n, len(v), dur(median(v)), dur(lo), dur(hi), strings.Join(other, ", "))
	}
	fmt.Fprintln(out, "\n| goal | ratio of medians | met |")
	fmt.Fprintln(out, "|---|---|---|")
	for _, g := range goals {
		a, b := runs[g.num], runs[g.den]
		if len(a) == 0 || len(b) == 0 {
			continue
		}
		r := median(a) / median(b)
		met := r <= g.goal
		if g.higherBetter {
			met = r >= g.goal
		}
		mark := "yes"
		if !met {
			mark = "**no**"
		}
		fmt.Fprintf(out, "| %s | %.2f | %s |\n", g.what, r, mark)
	}
	floorParts(out, extra)
	return nil
}

// floorParts sets the floor's parts (BenchmarkNight/floor's read-ms, models-ms, write-ms)
// beside the night's stages that do that work, and adds the stages without a
// counterpart: with every other stage as fast as its floor part, the night would still
// be (floor + those) / floor (docs/benchmarks.md, "The floor's parts against the night's
// stages"). Medians of each metric; nothing is printed without both sides' metrics.
func floorParts(out io.Writer, extra map[string]map[string][]float64) {
	night, floor := extra["BenchmarkNight/vpsau"], extra["BenchmarkNight/floor"]
	ms := func(m map[string][]float64, units ...string) (float64, bool) {
		var sum float64
		for _, u := range units {
			v := m[u+"-ms"]
			if len(v) == 0 {
				return 0, false
			}
			sum += median(v)
		}
		return sum / 1000, true
	}
	parts := []struct {
		floor, night string
		f, n         []string
	}{
		{"read", "land", []string{"read"}, []string{"land"}},
		{"models", "rules", []string{"models"}, []string{"rules"}},
		{"write", "receivers + export", []string{"write"}, []string{"receivers", "export"}},
	}
	total, ok := ms(floor, "read", "models", "write")
	without, ok2 := ms(night, "commit", "audit", "report", "analyst-copy", "fetch")
	if !ok || !ok2 {
		return
	}
	fmt.Fprintln(out, "\n| the floor's part | the night's stages | floor | night | ratio |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	for _, p := range parts {
		f, okf := ms(floor, p.f...)
		n, okn := ms(night, p.n...)
		if okf && okn {
			fmt.Fprintf(out, "| %s | %s | %.2f s | %.2f s | %.2f |\n", p.floor, p.night, f, n, n/f)
		}
	}
	fmt.Fprintf(out, "| — | commit, audit, report, analyst copy, fetch | — | %.2f s | %.2f of the floor's parts |\n", without, without/total)
	fmt.Fprintf(out, "\nWith every other stage as fast as its floor part, the night would be %.2f × its floor.\n", (total+without)/total)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func minmax(v []float64) (float64, float64) {
	lo, hi := v[0], v[0]
	for _, x := range v {
		lo, hi = min(lo, x), max(hi, x)
	}
	return lo, hi
}

func dur(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

func trim(f float64) string { return strconv.FormatFloat(f, 'g', 4, 64) }
