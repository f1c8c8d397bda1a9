package exports

import (
	"testing"
)

func TestCSVGolden(t *testing.T) {
	semicolonless := Dialect{Name: "comma-decimal-comma", Comma: ',', DecimalComma: true}
	tests := []struct {
		name string // also the folder under testdata/
		e    Export
		rows [][]any
	}{
		{"machine", sampleExport("dhp", FileSpec{Format: CSV, Dialect: Machine}), sampleRows()},
		{"excel", sampleExport("saukontrollen", FileSpec{Format: CSV, Dialect: Excel}), sampleRows()},
		// A decimal comma with ',' as delimiter: decimals get quoted.
		{"comma-decimal-comma", sampleExport("ksl", FileSpec{Format: CSV, Dialect: semicolonless}), sampleRows()},
		{"empty-full", func() Export {
			e := sampleExport("dhp", FileSpec{Format: CSV, Dialect: Machine})
			e.FromChange, e.Full, e.Extra = 0, true, nil
			e.PrevManifestSHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
			return e
		}(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := stagePublish(t, t.TempDir(), tt.e, newRows(tt.rows...))
			checkGolden(t, tt.name, dir)
			if err := Verify(dir); err != nil {
				t.Errorf("Verify(%s) = %v, want nil", dir, err)
			}
		})
	}
}

func TestNeutralise(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"GODKJENT", "GODKJENT"},
		{"=1+1", "'=1+1"},
		{"+47 999 99 999", "'+47 999 99 999"},
		{"-5", "'-5"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"'allerede", "'allerede"},
		{" =mellomrom", " =mellomrom"},
		{"a=b", "a=b"},
	}
	for _, tt := range tests {
		if got := neutralise(tt.in); got != tt.want {
			t.Errorf("neutralise(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAppendDecimal(t *testing.T) {
	tests := []struct {
		f    float64
		mark byte
		want string
	}{
		{0.04, '.', "0.04"},
		{0.04, ',', "0,04"},
		{18.9, ',', "18,9"},
		{120, ',', "120"},
		{-1.25, '.', "-1.25"},
		{pointThree, '.', "0.30000000000000004"},
		{1e21, '.', "1000000000000000000000"},
		{1e-7, ',', "0,0000001"},
	}
	for _, tt := range tests {
		if got := string(appendDecimal(nil, tt.f, tt.mark)); got != tt.want {
			t.Errorf("appendDecimal(%v, %q) = %q, want %q", tt.f, tt.mark, got, tt.want)
		}
	}
}

// pointThree is 0.1 + 0.2 in float64 arithmetic, not as an exact constant.
var pointThree = func(a, b float64) float64 { return a + b }(0.1, 0.2)
