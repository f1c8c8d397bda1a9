package exports

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestManifest(t *testing.T) {
	e := sampleExport("saukontrollen", FileSpec{Format: CSV, Dialect: Excel}, FileSpec{Format: XLSX})
	e.PrevManifestSHA256 = strings.Repeat("ab", 32)
	dir, s := stagePublish(t, t.TempDir(), e, newRows(sampleRows()...))

	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatalf("ReadManifest(%s) error = %v", dir, err)
	}
	if diff := cmp.Diff(s.Manifest(), got); diff != "" {
		t.Errorf("ReadManifest() differs from Staged.Manifest() (-staged +read):\n%s", diff)
	}
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(raw)
	if want := hex.EncodeToString(sum[:]); s.ManifestSHA256() != want {
		t.Errorf("ManifestSHA256() = %s, want %s", s.ManifestSHA256(), want)
	}
	if !strings.HasSuffix(string(raw), "}\n") || !strings.Contains(string(raw), "\n  \"receiver\": ") {
		t.Errorf("manifest.json is not two-space indented with a trailing newline:\n%s", raw)
	}

	excel := Excel
	want := Manifest{
		Version:      ManifestVersion,
		Receiver:     "saukontrollen",
		ExportID:     e.ID,
		Changes:      ChangeRange{From: 100, To: 110},
		BusinessDate: "2027-01-04",
		Created:      e.Created,
		Columns:      sampleColumns,
		Rows:         RowCounts{New: 2, Changed: 2, Deleted: 1, Total: 5},
		Files: []File{
			{Name: "saukontrollen.csv", Format: CSV, Dialect: &excel, Rows: 5},
			{Name: "saukontrollen.xlsx", Format: XLSX, Sheets: []string{"saukontrollen"}, Rows: 5},
		},
		PrevManifestSHA256: e.PrevManifestSHA256,
		Extra:              map[string]string{"run": "42"},
	}
	for i, f := range got.Files {
		size, sum, err := hashOf(filepath.Join(dir, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if f.Size != size || f.SHA256 != sum {
			t.Errorf("manifest says %s is %d bytes, sha256 %s; it is %d bytes, %s", f.Name, f.Size, f.SHA256, size, sum)
		}
		want.Files[i].Size, want.Files[i].SHA256 = size, sum
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("manifest differs (-want +got):\n%s", diff)
	}
}

func TestManifestChain(t *testing.T) {
	out := t.TempDir()
	first := sampleExport("dhp", FileSpec{Format: CSV, Dialect: Machine})
	_, s1 := stagePublish(t, out, first, newRows(sampleRows()...))
	second := first
	second.ID, second.FromChange, second.ToChange = "2027-01-05-000000000120", 110, 120
	second.PrevManifestSHA256 = s1.ManifestSHA256()
	dir, _ := stagePublish(t, out, second, newRows())
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.PrevManifestSHA256 != s1.ManifestSHA256() {
		t.Errorf("second manifest's previous sha256 = %s, want %s", m.PrevManifestSHA256, s1.ManifestSHA256())
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		change  func(t *testing.T, dir string)
		wantErr string // "" for none
	}{
		{"unchanged", func(*testing.T, string) {}, ""},
		{"byte flipped", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "saukontrollen.csv")
			b := readFile(t, p)
			b[len(b)-3] ^= 1
			writeFile(t, p, b)
		}, "saukontrollen.csv has sha256"},
		{"appended", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "saukontrollen.xlsx")
			writeFile(t, p, append(readFile(t, p), 0))
		}, "saukontrollen.xlsx is"},
		{"file removed", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "saukontrollen.csv")); err != nil {
				t.Fatal(err)
			}
		}, "saukontrollen.csv missing"},
		{"file added", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "extra.csv"), []byte("x\n"))
		}, "extra.csv not in the manifest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleExport("saukontrollen", FileSpec{Format: CSV, Dialect: Excel}, FileSpec{Format: XLSX})
			dir, _ := stagePublish(t, t.TempDir(), e, newRows(sampleRows()...))
			tt.change(t, dir)
			err := Verify(dir)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Verify() = %v, want nil", err)
			case tt.wantErr != "" && (!errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Verify() = %v, want ErrMismatch saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestPublishRefusesExisting(t *testing.T) {
	t.Run("published export", func(t *testing.T) {
		out := t.TempDir()
		e := sampleExport("dhp", FileSpec{Format: CSV, Dialect: Machine})
		// Two stagings of the same id: the second publish must fail and
		// leave the first export as it was.
		s1, err := Stage(out, e, newRows(sampleRows()...))
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Stage(out, e, newRows(sampleRows()[:1]...))
		if err != nil {
			t.Fatal(err)
		}
		if err := s1.Publish(); err != nil {
			t.Fatalf("first Publish() = %v", err)
		}
		before := dirFiles(t, s1.Path())
		if err := s2.Publish(); !errors.Is(err, ErrExists) {
			t.Errorf("second Publish() = %v, want ErrExists", err)
		}
		if diff := cmp.Diff(before, dirFiles(t, s1.Path())); diff != "" {
			t.Errorf("published export changed (-before +after):\n%s", diff)
		}
		if err := s2.Discard(); err != nil {
			t.Errorf("Discard() = %v", err)
		}
		if _, err := Stage(out, e, newRows()); !errors.Is(err, ErrExists) {
			t.Errorf("Stage() of a published id = %v, want ErrExists", err)
		}
		if got := entryNames(t, filepath.Join(out, "dhp")); !slices.Equal(got, []string{e.ID}) {
			t.Errorf("receiver folder holds %q, want only %s", got, e.ID)
		}
		if err := Verify(s1.Path()); err != nil {
			t.Errorf("Verify() = %v", err)
		}
	})
	t.Run("empty folder", func(t *testing.T) {
		// rename(2) would replace an empty folder; Publish must not.
		out := t.TempDir()
		e := sampleExport("dhp", FileSpec{Format: CSV, Dialect: Machine})
		s, err := Stage(out, e, newRows())
		if err != nil {
			t.Fatal(err)
		}
		defer s.Discard()
		if err := os.Mkdir(s.Path(), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := s.Publish(); !errors.Is(err, ErrExists) {
			t.Errorf("Publish() onto an empty folder = %v, want ErrExists", err)
		}
		if got := entryNames(t, s.Path()); len(got) != 0 {
			t.Errorf("empty folder now holds %q", got)
		}
	})
}

func TestDiscard(t *testing.T) {
	out := t.TempDir()
	e := sampleExport("saukontrollen", FileSpec{Format: CSV, Dialect: Excel}, FileSpec{Format: XLSX})
	s, err := Stage(out, e, newRows(sampleRows()...))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.Discard(); err != nil {
			t.Errorf("Discard() = %v", err)
		}
	}
	if got := entryNames(t, filepath.Join(out, "saukontrollen")); len(got) != 0 {
		t.Errorf("after Discard the receiver folder holds %q, want nothing", got)
	}
	if err := s.Publish(); err == nil {
		t.Error("Publish() after Discard = nil, want an error")
	}

	// Discard after Publish leaves the export alone.
	dir, s2 := stagePublish(t, out, e, newRows(sampleRows()...))
	if err := s2.Discard(); err != nil {
		t.Errorf("Discard() after Publish = %v", err)
	}
	if err := Verify(dir); err != nil {
		t.Errorf("Verify() after Discard = %v", err)
	}
}

// TestCrash stages without publishing, as a run that dies between the phases
// would, and checks that readers see only published exports.
func TestCrash(t *testing.T) {
	out := t.TempDir()
	e := sampleExport("dhp", FileSpec{Format: CSV, Dialect: Machine}, FileSpec{Format: XLSX})
	e.ID = "2027-01-03-000000000100"
	stagePublish(t, out, e, newRows(sampleRows()...))

	crashed := e
	crashed.ID = "2027-01-04-000000000105"
	if _, err := Stage(out, crashed, newRows(sampleRows()...)); err != nil {
		t.Fatal(err)
	}
	// The process dies here: no Publish, no Discard.
	names := entryNames(t, filepath.Join(out, "dhp"))
	slices.Reverse(names) // '.' sorts first
	if len(names) != 2 || names[0] != e.ID || !strings.HasPrefix(names[1], ".tmp-"+crashed.ID+"-") {
		t.Fatalf("receiver folder holds %q, want %s and one .tmp-%s-* folder", names, e.ID, crashed.ID)
	}
	staged := entryNames(t, filepath.Join(out, "dhp", names[1]))
	if want := []string{"dhp.csv", "dhp.xlsx", ManifestName}; !slices.Equal(staged, want) {
		t.Errorf("staging folder holds %q, want %q", staged, want)
	}
	ids, err := List(out, "dhp")
	if err != nil || !slices.Equal(ids, []string{e.ID}) {
		t.Errorf("List() = %q, %v, want [%s]", ids, err, e.ID)
	}

	removed, err := Sweep(out, "dhp")
	if err != nil || len(removed) != 1 || removed[0] != names[1] {
		t.Errorf("Sweep() = %q, %v, want [%s]", removed, err, names[1])
	}
	if got := entryNames(t, filepath.Join(out, "dhp")); !slices.Equal(got, []string{e.ID}) {
		t.Errorf("after Sweep the receiver folder holds %q, want [%s]", got, e.ID)
	}
	// The next night can stage the same id again.
	stagePublish(t, out, crashed, newRows(sampleRows()...))
	ids, err = List(out, "dhp")
	if want := []string{e.ID, crashed.ID}; err != nil || !slices.Equal(ids, want) {
		t.Errorf("List() = %q, %v, want %q", ids, err, want)
	}
}

func TestList(t *testing.T) {
	out := t.TempDir()
	if ids, err := List(out, "dhp"); err != nil || ids != nil {
		t.Errorf("List() of a missing receiver = %q, %v, want nil, nil", ids, err)
	}
	e := sampleExport("dhp", FileSpec{Format: CSV, Dialect: Machine})
	for _, id := range []string{"2027-01-05-000000000130", "2027-01-03-000000000100", "2027-01-04-000000000120"} {
		e.ID = id
		stagePublish(t, out, e, newRows())
	}
	// Neither a file nor a folder without a manifest is an export.
	writeFile(t, filepath.Join(out, "dhp", "README"), []byte("x"))
	if err := os.Mkdir(filepath.Join(out, "dhp", "manuell"), 0o755); err != nil {
		t.Fatal(err)
	}
	want := []string{"2027-01-03-000000000100", "2027-01-04-000000000120", "2027-01-05-000000000130"}
	if ids, err := List(out, "dhp"); err != nil || !slices.Equal(ids, want) {
		t.Errorf("List() = %q, %v, want %q", ids, err, want)
	}
}

func TestStageErrors(t *testing.T) {
	csvFile := FileSpec{Format: CSV, Dialect: Machine}
	good := func() Export { return sampleExport("dhp", csvFile, FileSpec{Format: XLSX}) }
	row := func(change func([]any)) [][]any {
		r := sampleRows()
		change(r[1])
		return r
	}
	tests := []struct {
		name    string
		e       func() Export
		rows    [][]any
		rowsErr error
		wantErr string
	}{
		{"bad receiver", func() Export { e := good(); e.Receiver = "../x"; return e }, nil, nil, "bad receiver name"},
		{"hidden id", func() Export { e := good(); e.ID = ".tmp-x"; return e }, nil, nil, "bad export id"},
		{"no files", func() Export { e := good(); e.Files = nil; return e }, nil, nil, "no files"},
		{"two csv files", func() Export { e := good(); e.Files = []FileSpec{csvFile, {Format: CSV, Dialect: Excel}}; return e }, nil, nil, "two csv files"},
		{"unknown format", func() Export { e := good(); e.Files = []FileSpec{{Format: "json"}}; return e }, nil, nil, `unknown format "json"`},
		{"bad delimiter", func() Export {
			e := good()
			e.Files = []FileSpec{{Format: CSV, Dialect: Dialect{Name: "x", Comma: '"'}}}
			return e
		}, nil, nil, "bad delimiter"},
		{"too many rows per sheet", func() Export { e := good(); e.XLSX.MaxRowsPerSheet = 1 << 20; return e }, nil, nil, "rows per sheet"},
		{"full from change", func() Export { e := good(); e.Full = true; return e }, nil, nil, "full export from change 100"},
		{"bad range", func() Export { e := good(); e.ToChange = 99; return e }, nil, nil, "bad change range"},
		{"no business date", func() Export { e := good(); e.BusinessDate = time.Time{}; return e }, nil, nil, "no business date"},
		{"bad previous hash", func() Export { e := good(); e.PrevManifestSHA256 = "ABC"; return e }, nil, nil, "previous manifest sha256"},
		{"first columns", func() Export { e := good(); e.Columns = sampleColumns[1:]; return e }, nil, nil, "column 1 is operasjon"},
		{"column twice", func() Export {
			e := good()
			e.Columns = append(slices.Clone(sampleColumns), Column{"navn", Text})
			return e
		}, nil, nil, "column navn twice"},
		{"too few values", good, [][]any{{int64(101), "NY"}}, nil, "row 1: 2 values, want 12"},
		{"float for an ID", good, row(func(r []any) { r[3] = 3.0e9 }), nil, "row 2, column produsentnr: got float64, want id"},
		{"text for an int", good, row(func(r []any) { r[9] = "120" }), nil, "row 2, column antall_lam: got string, want int"},
		{"NaN", good, row(func(r []any) { r[8] = math.NaN() }), nil, "row 2, column andel_lam_fett1: decimal NaN"},
		{"bad date text", good, row(func(r []any) { r[7] = "04.01.2027" }), nil, `date "04.01.2027" is not YYYY-MM-DD`},
		{"change outside range", good, row(func(r []any) { r[0] = int64(111) }), nil, "row 2: endringsnr 111 outside"},
		{"bad operation", good, row(func(r []any) { r[1] = "OPPDATERT" }), nil, `row 2: operasjon "OPPDATERT"`},
		{"no change time", good, row(func(r []any) { r[2] = nil }), nil, "row 2: no endret_tid"},
		{"delta op in full export", func() Export { e := good(); e.FromChange, e.Full = 0, true; return e }, sampleRows(), nil, "row 2: operasjon ENDRET in a full export"},
		{"text too long for excel", good, row(func(r []any) { r[5] = strings.Repeat("x", 32768) }), nil, "longer than Excel's 32767"},
		{"rows error", good, sampleRows(), errors.New("connection lost"), "read rows: connection lost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			rows := newRows(tt.rows...)
			rows.err = tt.rowsErr
			s, err := Stage(out, tt.e(), rows)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Stage() = %v, want an error saying %q", err, tt.wantErr)
			}
			if s != nil {
				t.Errorf("Stage() returned a staged export with its error")
			}
			if got := entryNames(t, filepath.Join(out, "dhp")); len(got) != 0 {
				t.Errorf("failed Stage left %q behind", got)
			}
		})
	}
}

func TestValues(t *testing.T) {
	tests := []struct {
		kind Kind
		in   any
		want value
	}{
		{Text, "x", value{s: "x"}},
		{Text, true, value{s: "ja"}},
		{Text, int32(7), value{s: "7"}},
		{ID, int64(301), value{s: "301"}},
		{ID, "=x", value{s: "=x"}},
		{Int, 7, value{i: 7}},
		{Int, uint8(7), value{i: 7}},
		{Decimal, float32(0.5), value{f: 0.5}},
		{Decimal, int64(3), value{f: 3}},
		{Date, "2027-01-04", value{t: date(2027, 1, 4)}},
		{Timestamp, "2027-01-04T03:00:00+01:00", value{t: time.Date(2027, 1, 4, 3, 0, 0, 0, time.FixedZone("", 3600))}},
		{Timestamp, nil, value{null: true}},
	}
	for _, tt := range tests {
		got, err := toValue(tt.kind, tt.in)
		if err != nil {
			t.Errorf("toValue(%s, %#v) error = %v", tt.kind, tt.in, err)
			continue
		}
		if !got.t.Equal(tt.want.t) || got.s != tt.want.s || got.i != tt.want.i || got.f != tt.want.f || got.null != tt.want.null {
			t.Errorf("toValue(%s, %#v) = %+v, want %+v", tt.kind, tt.in, got, tt.want)
		}
	}
	for _, bad := range []struct {
		kind Kind
		in   any
	}{{Int, 1.5}, {Int, uint64(math.MaxUint64)}, {Decimal, math.Inf(1)}, {Date, true}, {ID, true}, {Timestamp, "2027-01-04"}} {
		if _, err := toValue(bad.kind, bad.in); err == nil {
			t.Errorf("toValue(%s, %#v) error = nil, want one", bad.kind, bad.in)
		}
	}
}

func TestDialectJSON(t *testing.T) {
	for _, d := range []Dialect{Machine, Excel, {Name: "tab", Comma: '\t'}, {Name: "pipe", Comma: '¦', CRLF: true}} {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		var got Dialect
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("Unmarshal(%s) error = %v", b, err)
		}
		if got != d {
			t.Errorf("Unmarshal(Marshal(%+v)) = %+v", d, got)
		}
	}
}

func entryNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPublishedFolderReadable: a published export's folder is readable by others, like
// its files (MkdirTemp alone would leave it 0700).
func TestPublishedFolderReadable(t *testing.T) {
	out := t.TempDir()
	e := Export{Receiver: "dhp", ID: "000001-20270104", ToChange: 1, BusinessDate: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), Created: time.Date(2027, 1, 4, 3, 30, 0, 0, time.UTC),
		Columns: []Column{{Name: ColChangeNr, Kind: Int}, {Name: ColOperation, Kind: ID}, {Name: ColChangedAt, Kind: Timestamp}},
		Files:   []FileSpec{{Format: CSV, Dialect: Machine}}}
	s, err := Stage(out, e, newRows())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Publish(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(out, "dhp", "000001-20270104"))
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o755 {
		t.Errorf("published folder mode = %v, want 0755", st.Mode().Perm())
	}
}

// TestPublished: Published answers for one id what List answers for the folder — an
// export is a folder (not a link) of an export id's form with a regular manifest.json.
func TestPublished(t *testing.T) {
	out := t.TempDir()
	dir := filepath.Join(out, "dhp")
	mk := func(name string, manifest bool) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if manifest {
			if err := os.WriteFile(filepath.Join(dir, name, ManifestName), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("000001-20270104", true)
	mk(".tmp-000002", true)      // a staging folder
	mk("000003-20270106", false) // no manifest
	mk("bad name", true)         // not an export id's form
	mk("000004-20270107", false) // its manifest is a folder
	os.MkdirAll(filepath.Join(dir, "000004-20270107", ManifestName), 0o755)
	os.Symlink(filepath.Join(dir, "000001-20270104"), filepath.Join(dir, "000005-link")) // a link to an export
	os.WriteFile(filepath.Join(dir, "000006-file"), []byte("x"), 0o644)                  // a file
	listed, err := List(out, "dhp")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"000001-20270104"}; !slices.Equal(listed, want) {
		t.Errorf("List = %v, want %v", listed, want)
	}
	for _, id := range []string{"000001-20270104", ".tmp-000002", "000003-20270106", "bad name", "000004-20270107",
		"000005-link", "000006-file", "missing", "..", "../dhp/000001-20270104", "", "\x00", "000001-20270104\x00"} {
		t.Run(id, func(t *testing.T) {
			ok, err := Published(out, "dhp", id)
			if err != nil {
				t.Fatal(err)
			}
			if want := slices.Contains(listed, id); ok != want {
				t.Errorf("Published(%q) = %v, want %v (as List)", id, ok, want)
			}
		})
	}
}

// TestPipeRows: the rows reach the writer in order across batches, and the first error
// in row order wins, as if reading and writing took turns; a writer that fails stops
// the reading.
func TestPipeRows(t *testing.T) {
	cols := []Column{{ColChangeNr, Int}, {ColOperation, Text}, {ColChangedAt, Timestamp}}
	stamp := time.Date(2027, 1, 4, 2, 0, 0, 0, time.UTC)
	const total = 20*batchRows + 7
	rowsWith := func(bad int64) *countRows {
		r := &countRows{n: total, stamp: stamp, bad: bad}
		return r
	}
	tests := []struct {
		name      string
		badRead   int64 // a row whose operation does not convert; 0: none
		badWrite  int64 // the row the writer fails on; 0: none
		wantErr   string
		wantWrote int64
	}{
		{"every row in order", 0, 0, "", total},
		{"a bad row in the third batch", 2*batchRows + 3, 0, fmt.Sprintf("row %d: operasjon", 2*batchRows+3), 2*batchRows + 2},
		{"a bad row first", 1, 0, "row 1: operasjon", 0},
		{"the writer fails first", 2*batchRows + 3, batchRows + 1, "cannot write row 513", batchRows},
		{"the read fails first", batchRows + 1, 2*batchRows + 3, "row 513: operasjon", batchRows},
		{"the writer fails on the last row", 0, total, fmt.Sprintf("cannot write row %d", total), total - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows := rowsWith(tt.badRead)
			rows.slowAfter = tt.badWrite // the reader is still reading when the writer fails
			check := rowChecker{to: 1 << 40}
			var wrote int64
			err := pipeRows(rows, cols, &check, func(vals []value, n int64) error {
				if n == tt.badWrite {
					return fmt.Errorf("cannot write row %d", n)
				}
				if n != wrote+1 || vals[0].i != n {
					return fmt.Errorf("row %d (endringsnr %d) after row %d", n, vals[0].i, wrote)
				}
				wrote = n
				return nil
			})
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("pipeRows() = %v, want an error saying %q", err, tt.wantErr)
			}
			if wrote != tt.wantWrote {
				t.Errorf("wrote %d rows, want %d", wrote, tt.wantWrote)
			}
			if tt.wantErr == "" && check.counts.New != total {
				t.Errorf("counted %d NY rows, want %d", check.counts.New, total)
			}
			if tt.badWrite != 0 && tt.badWrite < total && rows.i >= total { // it reads at most a few batches ahead
				t.Errorf("read all %d rows after the writer failed at %d", rows.i, tt.badWrite)
			}
			rows.returned.Store(true)
			if tt.badWrite != 0 {
				time.Sleep(30 * time.Millisecond) // a reader left running would read on meanwhile
			}
			if rows.late.Load() {
				t.Errorf("rows were read after pipeRows returned")
			}
		})
	}

	// A panic on either side comes out of pipeRows on the caller's goroutine, and only
	// once the reader has let go of the rows.
	panics := []struct {
		name                string
		panicRead, panicOut int64
	}{
		{"the writer panics", 0, batchRows + 9},
		{"the reader panics", 2*batchRows + 1, 0},
	}
	for _, tt := range panics {
		t.Run(tt.name, func(t *testing.T) {
			before := runtime.NumGoroutine()
			rows := &countRows{n: total, stamp: stamp, panicAt: tt.panicRead}
			got := func() (p any) {
				defer func() { p = recover() }()
				check := rowChecker{to: 1 << 40}
				pipeRows(rows, cols, &check, func(vals []value, n int64) error {
					if n == tt.panicOut {
						panic("write panics")
					}
					return nil
				})
				return nil
			}()
			rows.returned.Store(true)
			if got == nil {
				t.Fatal("no panic came out of pipeRows")
			}
			if rows.late.Load() {
				t.Errorf("rows were read after pipeRows returned")
			}
			for end := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(end); {
				time.Sleep(time.Millisecond)
			}
			if n := runtime.NumGoroutine(); n > before {
				t.Errorf("%d goroutines after, %d before: the reader is left behind", n, before)
			}
		})
	}
}

// countRows serves rows 1..n of the three change columns; row bad has an unknown
// operation.
type countRows struct {
	n, i, bad int64
	panicAt   int64 // Values panics at this row
	slowAfter int64 // rows after this one take 50 µs each to come
	stamp     time.Time
	buf       []any
	returned  atomic.Bool // set by the test once pipeRows has returned
	late      atomic.Bool // Next was called after that
}

func (r *countRows) Next() bool {
	if r.returned.Load() {
		r.late.Store(true)
	}
	if r.slowAfter > 0 && r.i >= r.slowAfter {
		time.Sleep(50 * time.Microsecond)
	}
	r.i++
	return r.i <= r.n
}

func (r *countRows) Values() []any {
	if r.i == r.panicAt {
		panic("values panic")
	}
	op := "NY"
	if r.i == r.bad {
		op = "X"
	}
	r.buf = append(r.buf[:0], r.i, op, r.stamp)
	return r.buf
}
func (r *countRows) Err() error { return nil }
