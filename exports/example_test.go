package exports_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/dvpsau/vpsau/exports"
)

// rows serves a few rows from memory; in the pipeline they come from the
// receiver's query.
type rows struct {
	data [][]any
	i    int
}

func (r *rows) Next() bool    { r.i++; return r.i <= len(r.data) }
func (r *rows) Values() []any { return r.data[r.i-1] }
func (r *rows) Err() error    { return nil }

// Stage every receiver's export first, publish only when all staged.
func Example() {
	out, _ := os.MkdirTemp("", "exports")
	defer os.RemoveAll(out)

	changed := time.Date(2027, 1, 4, 1, 2, 3, 0, time.UTC)
	e := exports.Export{
		Receiver:     "ksl",
		ID:           "2027-01-04-000000000003",
		ToChange:     3,
		Full:         true,
		BusinessDate: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC),
		Created:      changed,
		Columns: []exports.Column{
			{Name: "endringsnr", Kind: exports.Int},
			{Name: "operasjon", Kind: exports.Text},
			{Name: "endret_tid", Kind: exports.Timestamp},
			{Name: "produsentnr", Kind: exports.ID},
			{Name: "innrullert_dato", Kind: exports.Date},
		},
		Files: []exports.FileSpec{{Format: exports.CSV, Dialect: exports.Machine}},
	}
	staged, err := exports.Stage(out, e, &rows{data: [][]any{
		{int64(3), "NY", changed, "3000000001", time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)},
	}})
	if err != nil {
		log.Fatal(err)
	}
	defer staged.Discard() // does nothing once published
	// … stage the other receivers here …
	if err := staged.Publish(); err != nil {
		log.Fatal(err)
	}

	ids, _ := exports.List(out, "ksl")
	fmt.Println(ids)
	b, _ := os.ReadFile(filepath.Join(staged.Path(), "ksl.csv"))
	fmt.Print(string(b))
	fmt.Println(exports.Verify(staged.Path()))
	// Output:
	// [2027-01-04-000000000003]
	// endringsnr,operasjon,endret_tid,produsentnr,innrullert_dato
	// 3,NY,2027-01-04T01:02:03Z,3000000001,2027-01-04
	// <nil>
}
