// Package dataflyt declares what Landbrukets dataflyt delivers: the producer register, vets'
// contact data, and Landbruksdirektoratet's subsidy application files (any year 2017→, as
// published: their columns drift between years, only the ones the rules need are read).
package dataflyt

import (
	"fmt"
	"time"

	"github.com/dvpsau/vpsau/internal/contract"
)

// System is the source system's name.
const System = "dataflyt"

// Producers is the producer register.
var Producers = &contract.Entity{
	System: System, Name: "producers", File: "producers.csv", Path: "/v1/producers", Table: "src.producer",
	Fields: []contract.Field{
		{Name: "produsentnr", Type: contract.Produsentnr, Required: true},
		{Name: "orgnr", Type: contract.Orgnr},
		{Name: "navn", Type: contract.Text},
		{Name: "telefon", Type: contract.Phone},
		{Name: "epost", Type: contract.Email},
		{Name: "kommunenr", Type: contract.Kommunenr},
		{Name: "dyrehold_id", Type: contract.DyreholdID},
	},
	Key: []string{"produsentnr"},
}

// Vets holds the vets' contact data.
var Vets = &contract.Entity{
	System: System, Name: "vets", File: "vets.csv", Path: "/v1/vets", Table: "src.vet",
	Fields: []contract.Field{
		{Name: "vet_id", Type: contract.VetID, Required: true},
		{Name: "navn", Type: contract.Text},
		{Name: "telefon", Type: contract.Phone},
		{Name: "epost", Type: contract.Email},
	},
	Key: []string{"vet_id"},
}

// Subsidy is Landbruksdirektoratet's open-data file of production subsidy applications,
// one file per application year in the folder subsidy/. A year's file replaces that year;
// a year without a file keeps what it had.
var Subsidy = &contract.Entity{
	System: System, Name: "subsidy", File: "subsidy", Path: "/v1/subsidy", Table: "src.subsidy",
	Fields: []contract.Field{
		{Name: "soeknads_aar", Column: "aar", Type: contract.Int, Required: true, Min: 2000, Max: 2200},
		{Name: "orgnr", Type: contract.Orgnr, Required: true},
		{Name: "orgnavn", Type: contract.Text},
		{Name: "kommunenr", Type: contract.Kommunenr},
		// The sheep the rules count. Every published year 2017–2026 has all three; a file
		// without one of them is a layout the rules do not know, refused as a whole
		// rather than loaded as a year without sheep.
		{Name: "p139_vaar", Type: contract.Int, Min: 0, Max: 1_000_000},
		{Name: "p145_vaar", Type: contract.Int, Min: 0, Max: 1_000_000},
		{Name: "p146_vaar", Type: contract.Int, Min: 0, Max: 1_000_000},
	},
	Key: []string{"soeknads_aar", "orgnr"},
	Check: func(r contract.Row) []contract.Problem {
		if y, ok := r.Int("soeknads_aar"); ok && int(y) > r.AsOf().Year() {
			return []contract.Problem{{Field: "soeknads_aar", Value: fmt.Sprint(y),
				Reason: "application year after the business date " + r.AsOf().Format(time.DateOnly)}}
		}
		return nil
	},
}

// Entities lists what the system delivers.
func Entities() []*contract.Entity { return []*contract.Entity{Producers, Vets, Subsidy} }
