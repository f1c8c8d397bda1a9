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
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
