package nightly

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: a night runs with the collector set for it, which is set back after; an
// operator's GOGC or GOMEMLIMIT is left alone.
func TestTuneGC(t *testing.T) {
	percent := debug.SetGCPercent(100)
	limit := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })
	tests := []struct {
		name        string
		env         map[string]string
		wantPercent int
		wantLimit   int64
	}{
		{"defaults: set for the night", nil, nightGCPercent, nightGoMemory},
		{"GOGC set by the operator", map[string]string{"GOGC": "100"}, 100, limit},
		{"GOMEMLIMIT set by the operator", map[string]string{"GOMEMLIMIT": "2GiB"}, 100, limit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			before := debug.SetMemoryLimit(-1)
			restore := TuneGC(func(k string) string { return tt.env[k] })
			during := debug.SetGCPercent(-1) // reads it (and turns the collector off for a moment)
			debug.SetGCPercent(during)
			if during != tt.wantPercent || debug.SetMemoryLimit(-1) != tt.wantLimit {
				t.Errorf("during the night: GOGC %d, limit %d; want %d, %d", during, debug.SetMemoryLimit(-1), tt.wantPercent, tt.wantLimit)
			}
			restore()
			if after := debug.SetGCPercent(100); after != 100 || debug.SetMemoryLimit(-1) != before {
				t.Errorf("after the night: GOGC %d, limit %d; want 100, %d", after, debug.SetMemoryLimit(-1), before)
			}
		})
	}
}
