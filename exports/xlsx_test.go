package exports

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// A wanted cell: "h:x" a bold header text x, "s:x" a text cell x, "n:x" a
// numeric cell with raw value x, "d:x" a date cell showing x with the format
// yyyy-mm-dd, "-" no cell.
type cellWant = string

func TestXLSXCells(t *testing.T) {
	e := sampleExport("saukontrollen", FileSpec{Format: CSV, Dialect: Excel}, FileSpec{Format: XLSX})
	dir, _ := stagePublish(t, t.TempDir(), e, newRows(sampleRows()...))
	f := openXLSX(t, filepath.Join(dir, "saukontrollen.xlsx"))

	var header []cellWant
	for _, c := range sampleColumns {
		header = append(header, "h:"+c.Name)
	}
	want := [][]cellWant{
		header,
		{"n:101", "s:NY", "s:2027-01-04T02:13:07Z", "s:3000000001", "s:0301", "s:Ola Nordmann", "s:GODKJENT", "d:2027-10-20", "n:0.04", "n:120", "s:vanlig tekst", "s:nei"},
		{"n:102", "s:ENDRET", "s:2027-01-04T02:13:07.5Z", "s:3000000002", "s:0301", `s:Kari "Kua" Hansen`, `s:'=HYPERLINK("http://x")`, "d:2027-11-05", "n:-1.25", "n:-3", "s:linje 1\nlinje 2", "s:ja"},
		{"n:103", "s:SLETTET", "s:2027-01-04T02:13:07.000000001Z", "s:3000000003", "-", "s:Semi;kolon, komma", "s:'+47 999", "-", "-", "-", "s:'@SUM(A1)", "-"},
		{"n:104", "s:NY", "s:2027-01-04T02:13:08.12Z", "s:3000000004", "s:5001", "s:'-minus", "s:'\tfane", "d:2026-12-01", "n:0.300000000000000", "n:0", "s:Ærlig Øst Ål", "s:'\rCR"},
		{"n:105", "s:ENDRET", "s:2027-01-04T02:13:07Z", "s:3000000005", "s:1103", "s:", "s:'-", "d:2027-05-04", "n:0", "n:9007199254740993", "s:'sitat", "s:ja"},
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{"saukontrollen"}) {
		t.Fatalf("GetSheetList() = %q, want [saukontrollen]", got)
	}
	checkCells(t, f, "saukontrollen", want)
}

// checkCells compares a sheet with want, cell by cell, by type and value.
func checkCells(t *testing.T, f *excelize.File, sheet string, want [][]cellWant) {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want) {
		t.Errorf("sheet %s has %d rows, want %d", sheet, len(rows), len(want))
	}
	for r, wantRow := range want {
		for c, w := range wantRow {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			if got := readCell(t, f, sheet, ref); got != w {
				t.Errorf("%s!%s = %q, want %q", sheet, ref, got, w)
			}
		}
	}
}

// readCell describes a cell in cellWant's notation.
func readCell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	typ, err := f.GetCellType(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := f.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
	styleID, _ := f.GetCellStyle(sheet, ref)
	style, err := f.GetStyle(styleID)
	if err != nil {
		t.Fatal(err)
	}
	switch typ {
	case excelize.CellTypeInlineString, excelize.CellTypeSharedString:
		if style.Font != nil && style.Font.Bold {
			return "h:" + raw
		}
		return "s:" + raw
	case excelize.CellTypeUnset, excelize.CellTypeNumber:
		if raw == "" {
			return "-"
		}
		if _, err := strconv.ParseFloat(raw, 64); err != nil {
			return fmt.Sprintf("bad number %q", raw)
		}
		if style.CustomNumFmt != nil && *style.CustomNumFmt == "yyyy-mm-dd" {
			shown, _ := f.GetCellValue(sheet, ref)
			return "d:" + shown
		}
		return "n:" + raw
	}
	return fmt.Sprintf("type %d: %q", typ, raw)
}

func openXLSX(t *testing.T, path string) *excelize.File {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("excelize.OpenFile(%s) error = %v", path, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// numberedRows returns n rows of sampleColumns with endringsnr 1…n.
func numberedRows(n int) [][]any {
	ts := time.Date(2027, 1, 4, 2, 13, 7, 0, time.UTC)
	var rows [][]any
	for i := 1; i <= n; i++ {
		rows = append(rows, []any{int64(i), "NY", ts, fmt.Sprint(3000000000 + i), "0301", "navn", "GODKJENT", date(2027, 10, 20), 0.5, int64(i), nil, "nei"})
	}
	return rows
}

func TestXLSXSheetSplit(t *testing.T) {
	tests := []struct {
		name       string
		rows, max  int
		wantSheets map[string][]int // endringsnr per sheet
		wantOrder  []string
	}{
		{"7 rows by 3", 7, 3, map[string][]int{"dhp": {1, 2, 3}, "dhp_2": {4, 5, 6}, "dhp_3": {7}}, []string{"dhp", "dhp_2", "dhp_3"}},
		{"6 rows by 3, no empty sheet", 6, 3, map[string][]int{"dhp": {1, 2, 3}, "dhp_2": {4, 5, 6}}, []string{"dhp", "dhp_2"}},
		{"no rows", 0, 3, map[string][]int{"dhp": nil}, []string{"dhp"}},
		{"default limit", 5, 0, map[string][]int{"dhp": {1, 2, 3, 4, 5}}, []string{"dhp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleExport("dhp", FileSpec{Format: XLSX})
			e.FromChange, e.Full = 0, true
			e.XLSX.MaxRowsPerSheet = tt.max
			dir, s := stagePublish(t, t.TempDir(), e, newRows(numberedRows(tt.rows)...))
			f := openXLSX(t, filepath.Join(dir, "dhp.xlsx"))
			if got := f.GetSheetList(); !slices.Equal(got, tt.wantOrder) {
				t.Errorf("GetSheetList() = %q, want %q", got, tt.wantOrder)
			}
			for sheet, nrs := range tt.wantSheets {
				var header []cellWant
				for _, c := range sampleColumns {
					header = append(header, "h:"+c.Name)
				}
				want := [][]cellWant{header}
				for _, nr := range nrs {
					want = append(want, []cellWant{"n:" + strconv.Itoa(nr), "s:NY", "s:2027-01-04T02:13:07Z",
						"s:" + strconv.Itoa(3000000000+nr), "s:0301", "s:navn", "s:GODKJENT", "d:2027-10-20", "n:0.5", "n:" + strconv.Itoa(nr), "-", "s:nei"})
				}
				checkCells(t, f, sheet, want)
			}
			file := s.Manifest().Files[0]
			if !slices.Equal(file.Sheets, tt.wantOrder) || file.Rows != int64(tt.rows) {
				t.Errorf("manifest file = sheets %q rows %d, want %q %d", file.Sheets, file.Rows, tt.wantOrder, tt.rows)
			}
		})
	}
}

func TestXLSXDeterministic(t *testing.T) {
	// Ten sheets: excelize alone writes them in map order.
	e := sampleExport("dhp", FileSpec{Format: XLSX}, FileSpec{Format: CSV, Dialect: Machine})
	e.FromChange, e.Full = 0, true
	e.XLSX.MaxRowsPerSheet = 2
	var sums []string
	for i := range 4 {
		if i == 1 {
			time.Sleep(1100 * time.Millisecond) // past the 2 s zip clock's next tick at least once
		}
		e.Created = time.Now()
		dir, s := stagePublish(t, t.TempDir(), e, newRows(numberedRows(20)...))
		b, err := os.ReadFile(filepath.Join(dir, "dhp.xlsx"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if got, want := hex.EncodeToString(sum[:]), s.Manifest().Files[0].SHA256; got != want {
			t.Fatalf("sha256 of dhp.xlsx = %s, manifest says %s", got, want)
		}
		sums = append(sums, s.Manifest().Files[0].SHA256)
	}
	for i, sum := range sums[1:] {
		if sum != sums[0] {
			t.Errorf("sha256 of export %d = %s, want %s as the first", i+2, sum, sums[0])
		}
	}
}

func TestXLSXStamps(t *testing.T) {
	e := sampleExport("dhp", FileSpec{Format: XLSX})
	e.XLSX.MaxRowsPerSheet = 2
	dir, _ := stagePublish(t, t.TempDir(), e, newRows(sampleRows()...))
	path := filepath.Join(dir, "dhp.xlsx")
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	stamp := date(2027, 1, 4)
	for _, f := range zr.File {
		names = append(names, f.Name)
		if !f.Modified.Equal(stamp) {
			t.Errorf("zip entry %s modified %v, want %v", f.Name, f.Modified, stamp)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("zip entries %q, want them sorted", names)
	}
	props, err := openXLSX(t, path).GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	want := excelize.DocProperties{Creator: "vpsau", LastModifiedBy: "vpsau", Created: "2027-01-04T00:00:00Z", Modified: "2027-01-04T00:00:00Z"}
	if diff := cmp.Diff(want, *props); diff != "" {
		t.Errorf("GetDocProps() differs (-want +got):\n%s", diff)
	}
}

func TestExcelDate(t *testing.T) {
	tests := []struct {
		in     time.Time
		want   float64
		wantOK bool
	}{
		{date(1899, 12, 31), 0, false},
		{date(1900, 1, 1), 1, true},
		{date(1900, 2, 28), 59, true},
		{date(1900, 3, 1), 61, true},
		{date(2027, 10, 20), 46680, true},
		{time.Date(2027, 5, 4, 23, 30, 0, 0, oslo), 46511, true},
	}
	for _, tt := range tests {
		got, ok := excelDate(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("excelDate(%v) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestXLSXMemoryBounded writes a workbook whose sheet XML is far larger than
// excelize's 16 MiB in-memory chunk and checks that it spills to the staging
// folder and that the heap stays small.
func TestXLSXMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large workbook")
	}
	out := t.TempDir()
	const n = 300_000
	var peak uint64
	spilled := false
	rows := &benchRows{n: n, every: 25_000, at: func() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
		if m, _ := filepath.Glob(filepath.Join(out, "dhp", ".tmp-*", "excelize-*")); len(m) > 0 {
			spilled = true
		}
	}}
	e := benchExport()
	e.Files = []FileSpec{{Format: XLSX}}
	dir, s := stagePublish(t, out, e, rows)
	if !spilled {
		t.Error("no excelize spill file in the staging folder")
	}
	if got := dirFiles(t, dir); len(got) != 2 {
		t.Errorf("export holds %d files, want dhp.xlsx and manifest.json", len(got))
	}
	size := s.Manifest().Files[0].Size
	t.Logf("%d rows, xlsx %d MB, peak heap in use %d MB", n, size>>20, peak>>20)
	if peak > 96<<20 {
		t.Errorf("peak heap in use %d MB, want under 96 MB", peak>>20)
	}
	if !strings.HasSuffix(dir, e.ID) {
		t.Errorf("Path() = %s, want it to end in %s", dir, e.ID)
	}
}
