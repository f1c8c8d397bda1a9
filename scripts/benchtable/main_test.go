package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	in := `goos: linux
cpu: Test CPU
BenchmarkIngest/vpsau-2   	1	16000000000 ns/op	14.0 MB/s
BenchmarkIngest/vpsau-2   	1	18000000000 ns/op	13.0 MB/s
BenchmarkIngest/vpsau-2   	1	17000000000 ns/op	13.5 MB/s
BenchmarkIngest/read_csv-2	1	14000000000 ns/op
BenchmarkIngest/read_csv-2	1	13000000000 ns/op
BenchmarkIngest/read_csv-2	1	15000000000 ns/op
BenchmarkRules-2 4 320189149 ns/op 16.00 ms/010_basis
BenchmarkNight/vpsau-2 1 24000000000 ns/op 240.0 analyst-copy-ms 1000 audit-ms 1200 commit-ms 3500 export-ms 260.0 fetch-ms 8400 land-ms 4200 receivers-ms 1800 report-ms 4300 rules-ms
BenchmarkNight/floor-2 1 10000000000 ns/op 2500 models-ms 5000 read-ms 2500 write-ms
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Machine: Test CPU",
		"| BenchmarkIngest/vpsau | 3 | 17.00 s | 16.00 s | 18.00 s | 13.5 MB/s |",
		"| BenchmarkRules | 1 | 320.2 ms | 320.2 ms | 320.2 ms | 16 ms/010_basis |",
		"| ingest vs read_csv (ratio read_csv/vpsau, goal ≥ 0.8) | 0.82 | yes |",
		"| night vs bare DuckDB floor (ratio vpsau/floor, goal ≤ 1.5) | 2.40 | **no** |",
		"| read | land | 5.00 s | 8.40 s | 1.68 |",
		"| models | rules | 2.50 s | 4.30 s | 1.72 |",
		"| write | receivers + export | 2.50 s | 7.70 s | 3.08 |",
		"| — | commit, audit, report, analyst copy, fetch | — | 4.50 s | 0.45 of the floor's parts |",
		"the night would be 1.45 × its floor.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestFloorPartsNeedBothSides prints no table of the floor's parts when the floor's
// metrics are missing (a run from before they were reported).
func TestFloorPartsNeedBothSides(t *testing.T) {
	in := `BenchmarkNight/vpsau-2 1 24000000000 ns/op 1200 commit-ms 8400 land-ms
BenchmarkNight/floor-2 1 10000000000 ns/op
`
	var out strings.Builder
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "the floor's part") {
		t.Errorf("a table of the floor's parts without the floor's metrics:\n%s", out.String())
	}
}
