package exports

import (
	"encoding/csv"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// benchRows generates n rows of benchColumns, calling at every `every` rows.
type benchRows struct {
	n, i  int
	every int
	at    func()
	buf   []any
}

var benchColumns = []Column{
	{ColChangeNr, Int},
	{ColOperation, Text},
	{ColChangedAt, Timestamp},
	{"produsentnr", ID},
	{"orgnr", ID},
	{"navn", Text},
	{"status", Text},
	{"besoksfrist", Date},
	{"kursfrist", Date},
	{"andel_lam_fett1", Decimal},
	{"antall_lam", Int},
	{"kommunenr", ID},
}

var benchStatus = []string{"GODKJENT", "INNRULLERT", "DVP_TREKK", "AVVIK"}

func (r *benchRows) Next() bool {
	r.i++
	if r.at != nil && r.i%r.every == 0 {
		r.at()
	}
	return r.i <= r.n
}

func (r *benchRows) Values() []any {
	i := r.i
	ts := time.Date(2027, 1, 4, 2, 13, 7, i%7*100_000_000, time.UTC)
	frist := date(2027, 1, 1).AddDate(0, 0, i%700)
	var kurs any
	if i%3 == 0 {
		kurs = frist
	}
	r.buf = append(r.buf[:0], int64(i), "NY", ts, strconv.Itoa(3000000000+i), strconv.Itoa(900000000+i),
		"Produsent nummer "+strconv.Itoa(i), benchStatus[i%4], frist, kurs, float64(i%1000)/1000, int64(i%500), "0301")
	return r.buf
}

func (r *benchRows) Err() error { return nil }

func benchExport() Export {
	return Export{
		Receiver:     "dhp",
		ID:           "2027-01-04-000000100000",
		Full:         true,
		ToChange:     1 << 40,
		BusinessDate: date(2027, 1, 4),
		Created:      time.Date(2027, 1, 4, 2, 15, 0, 0, time.UTC),
		Columns:      benchColumns,
	}
}

const benchN = 100_000

func BenchmarkXLSX(b *testing.B) {
	b.Run("exports", func(b *testing.B) {
		e := benchExport()
		e.Files = []FileSpec{{Format: XLSX}}
		for b.Loop() {
			s, err := Stage(b.TempDir(), e, &benchRows{n: benchN})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(s.Manifest().Files[0].Size)/(1<<20), "MB")
			_ = s.Discard()
		}
	})
	// The same cells through a bare StreamWriter, saved by excelize itself
	// (whole zip in memory, sheets in map order).
	b.Run("excelize", func(b *testing.B) {
		for b.Loop() {
			size := bareExcelize(b, filepath.Join(b.TempDir(), "dhp.xlsx"), false)
			b.ReportMetric(float64(size)/(1<<20), "MB")
		}
	})
	// The bare StreamWriter with this package's sorted zip writer: the cost
	// of deterministic bytes alone.
	b.Run("excelize+sortedzip", func(b *testing.B) {
		for b.Loop() {
			size := bareExcelize(b, filepath.Join(b.TempDir(), "dhp.xlsx"), true)
			b.ReportMetric(float64(size)/(1<<20), "MB")
		}
	})
}

func bareExcelize(b *testing.B, path string, sorted bool) int64 {
	f := excelize.NewFile()
	defer f.Close()
	dateFmt := "yyyy-mm-dd"
	dateStyle, _ := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	cells := make([]any, len(benchColumns))
	for i, c := range benchColumns {
		cells[i] = c.Name
	}
	if err := sw.SetRow("A1", cells); err != nil {
		b.Fatal(err)
	}
	rows := &benchRows{n: benchN}
	for n := 2; rows.Next(); n++ {
		for i, v := range rows.Values() {
			switch v := v.(type) {
			case time.Time:
				if benchColumns[i].Kind == Date {
					serial, _ := excelDate(v)
					cells[i] = excelize.Cell{StyleID: dateStyle, Value: serial}
				} else {
					cells[i] = v.UTC().Format(time.RFC3339Nano)
				}
			default:
				cells[i] = v
			}
		}
		if err := sw.SetRow("A"+strconv.Itoa(n), cells); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if !sorted {
		if err := f.SaveAs(path); err != nil {
			b.Fatal(err)
		}
	} else {
		out, err := createHashFile(path, nil)
		if err != nil {
			b.Fatal(err)
		}
		zw, err := newSortedZip(out, filepath.Dir(path), date(2027, 1, 4))
		if err != nil {
			b.Fatal(err)
		}
		f.SetZipWriter(func(_ io.Writer) excelize.ZipWriter { return zw })
		if _, err := f.WriteToBuffer(); err != nil {
			b.Fatal(err)
		}
		if _, _, err := out.close(); err != nil {
			b.Fatal(err)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

func BenchmarkCSV(b *testing.B) {
	for _, d := range []Dialect{Machine, Excel} {
		b.Run("exports/"+d.Name, func(b *testing.B) {
			e := benchExport()
			e.Files = []FileSpec{{Format: CSV, Dialect: d}}
			for b.Loop() {
				s, err := Stage(b.TempDir(), e, &benchRows{n: benchN})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(s.Manifest().Files[0].Size)/(1<<20), "MB")
				_ = s.Discard()
			}
		})
	}
	// The same fields through encoding/csv, formatted the plain way.
	b.Run("encoding-csv", func(b *testing.B) {
		for b.Loop() {
			f, err := os.Create(filepath.Join(b.TempDir(), "dhp.csv"))
			if err != nil {
				b.Fatal(err)
			}
			w := csv.NewWriter(f)
			rec := make([]string, len(benchColumns))
			rows := &benchRows{n: benchN}
			for rows.Next() {
				for i, v := range rows.Values() {
					switch v := v.(type) {
					case nil:
						rec[i] = ""
					case string:
						rec[i] = v
					case int64:
						rec[i] = strconv.FormatInt(v, 10)
					case float64:
						rec[i] = strconv.FormatFloat(v, 'f', -1, 64)
					case time.Time:
						if benchColumns[i].Kind == Date {
							rec[i] = v.Format(time.DateOnly)
						} else {
							rec[i] = v.UTC().Format(time.RFC3339Nano)
						}
					}
				}
				if err := w.Write(rec); err != nil {
					b.Fatal(err)
				}
			}
			w.Flush()
			if err := w.Error(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}
