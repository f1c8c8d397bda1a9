// Package slakt declares what Slaktedatabasen delivers: per producer and slaughter season,
// the number of lambs slaughtered, the shares of lambs and ewes in fat group 1/1- and the
// average lamb carcass weight.
package slakt

import (
	"fmt"

	"github.com/dvpsau/vpsau/internal/contract"
)

// System is the source system's name.
const System = "slakt"

// Slaughter holds the slaughter figures per producer and season.
var Slaughter = &contract.Entity{
	System: System, Name: "slaughter", File: "slaughter.csv", Path: "/v1/slaughter", Table: "src.slaughter",
	Fields: []contract.Field{
		{Name: "produsentnr", Type: contract.Produsentnr, Required: true},
		{Name: "sesong", Type: contract.Int, Required: true, Min: 2000, Max: 2200},
		{Name: "antall_lam", Type: contract.Int, Min: 0, Max: 1_000_000},
		{Name: "andel_lam_fett1", Type: contract.Decimal, Min: 0, Max: 1},
		{Name: "andel_sau_fett1", Type: contract.Decimal, Min: 0, Max: 1},
		{Name: "snittvekt_lam_kg", Type: contract.Decimal, Min: 5, Max: 40},
	},
	Key: []string{"produsentnr", "sesong"},
	Check: func(r contract.Row) []contract.Problem {
		// Season Y begins in year Y: a later season cannot have figures yet.
		if s, _ := r.Int("sesong"); int(s) > r.AsOf().Year() {
			return []contract.Problem{{Field: "sesong", Value: fmt.Sprint(s),
				Reason: "season after the business date's year " + r.AsOf().Format("2006")}}
		}
		return nil
	},
}

// Entities lists what the system delivers.
func Entities() []*contract.Entity { return []*contract.Entity{Slaughter} }
