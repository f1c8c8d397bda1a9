package nightly

import "runtime/debug"

// A night's Go heap is small — the batches of rows on their way from the parse to DuckDB's
// appender and from DuckDB to the export files, the rejects, the keys to check — but it
// turns over fast, so at Go's default (GOGC=100) the collector ran again and again,
// marking the same live batches each time, on cores the night has two of. With GOGC=400
// under a soft limit of 1 GiB of Go memory it runs a quarter as often while the heap is
// small, and as often as it must when the heap nears the limit. Measured side by side
// (docs/benchmarks.md, "Landing apart, payload numbers, the collector"): a scale-10 first
// night 13.3 → 13.0 s (medians of three alternating pairs),
// a scale-100 one 2 m 31 s → 2 m 18 s, peak memory 2.87 → 3.29 GiB.
const (
	nightGCPercent = 400
	nightGoMemory  = 1 << 30
)

// TuneGC sets the collector for a night (above) and returns what sets it back, so that
// `vpsau serve` answers requests between nights as the runtime would. A GOGC or GOMEMLIMIT
// in the environment is the operator's choice, which the runtime has read: left as it is.
// `vpsau run`, each night of `vpsau serve` and the benchmarks' nights call it around Run;
// Run does not, as it is the process's setting to make.
func TuneGC(getenv func(string) string) (restore func()) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return func() {}
	}
	percent := debug.SetGCPercent(nightGCPercent)
	limit := debug.SetMemoryLimit(nightGoMemory)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
