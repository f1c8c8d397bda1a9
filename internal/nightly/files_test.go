package nightly

import (
	"fmt"
	"testing"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/receiver"
)

// TestFiles: vpsau export and the API's delta write a receiver's files as configured —
// the configured CSV dialect, not the default one (regression: vpsau export used the
// defaults whatever the configuration said).
func TestFiles(t *testing.T) {
	r, _ := receiver.Lookup("dhp")
	excel := []exports.FileSpec{{Format: exports.CSV, Dialect: exports.Excel}}
	xlsxOnly := []exports.FileSpec{{Format: exports.XLSX}}
	tests := []struct {
		name       string
		configured []exports.FileSpec
		format     string
		want       []exports.FileSpec
		ok         bool
	}{
		{"defaults, every file", nil, "", r.Files, true},
		{"configured, every file", excel, "", excel, true},
		{"configured CSV dialect", excel, "csv", excel, true},
		{"no CSV configured", xlsxOnly, "csv", []exports.FileSpec{{Format: exports.CSV, Dialect: exports.Machine}}, true},
		{"xlsx", excel, "xlsx", xlsxOnly, true},
		{"unknown format", nil, "pdf", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Files(r, tt.configured, tt.format)
			if ok != tt.ok || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Files(%q) = %v, %v; want %v, %v", tt.format, got, ok, tt.want, tt.ok)
			}
		})
	}
}
