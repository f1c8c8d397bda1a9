package pipelines

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/tabular"
)

// FuzzSourceFile reads any file as any entity's source file, the way the landing does
// (tabular reader, the entity's parser bound to the header, every row parsed and checked):
// nothing panics or loops, records come in line order, a row either has a problem or a
// key, and every problem names a field of the entity and shows its value printably (the
// reject file and the one-line errors must never carry control characters).
//
// The seeds are the worked night's inbox (every entity) and Landbruksdirektoratet's
// published subsidy files of 2017–2026, cut to their first lines.
func FuzzSourceFile(f *testing.F) {
	entities := Entities()
	seed := func(e int, path string) {
		b, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		if lines := strings.SplitAfterN(string(b), "\n", 8); len(lines) == 8 {
			b = []byte(strings.Join(lines[:7], "")) // keep seeds small: the header and six rows
		}
		f.Add(uint8(e), string(b))
	}
	subsidy, _ := filepath.Glob("../fixtures/ldir/samples/*-sample.csv")
	subsidy = append(subsidy, "../fixtures/ldir/2026/dataset.csv")
	for i, e := range entities {
		if e.File == "subsidy" {
			for _, p := range subsidy {
				seed(i, p)
			}
			continue
		}
		seed(i, filepath.Join("../testdata/one-night/inbox", e.File))
	}
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, contract.Oslo)
	f.Fuzz(func(t *testing.T, which uint8, file string) {
		e := entities[int(which)%len(entities)]
		r, err := tabular.NewReader(strings.NewReader(file))
		if err != nil {
			return // a file-level refusal
		}
		p, err := e.NewParser(r.Header(), asOf)
		if err != nil {
			return // a header the entity cannot read: a file-level refusal
		}
		last := 1
		for n := 0; r.Next(); n++ {
			rec := r.Record()
			if rec.Line <= last {
				t.Fatalf("%s: a record on line %d after one on line %d", e.Name, rec.Line, last)
			}
			last = rec.Line
			if n > len(file) {
				t.Fatalf("%s: more records (%d) than bytes (%d)", e.Name, n, len(file))
			}
			if rec.Err != nil {
				continue // a malformed record: a reject of its own line
			}
			_, probs := p.Parse(rec.Fields)
			if _, ok := p.Key(probs); !ok && len(probs) == 0 {
				t.Fatalf("%s line %d: no problem but no key", e.Name, rec.Line)
			}
			for _, pr := range probs {
				if e.FieldIndex(pr.Field) < 0 && pr.Field != "" {
					t.Fatalf("%s line %d: problem names %q, not a field of the entity", e.Name, rec.Line, pr.Field)
				}
				if !utf8.ValidString(pr.Value) || strings.ContainsFunc(pr.Value, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
					t.Fatalf("%s line %d: problem value %q is not printable", e.Name, rec.Line, pr.Value)
				}
			}
		}
	})
}
