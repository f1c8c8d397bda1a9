// Package portal declares what VPsau, the programme's own portal, delivers: agreements
// between producers and vets, visits, deviations, reservations against key figures, and
// deadline extensions granted by system administrators.
package portal

import (
	"github.com/dvpsau/vpsau/internal/contract"
)

// System is the source system's name.
const System = "portal"

// Deadline types of an extension.
const (
	DeadlineVisit     = "BESOK"
	DeadlineCourse    = "KURS"
	DeadlineDeviation = "AVVIK"
)

// Agreements holds producer–vet agreements, valid from gyldig_fra through gyldig_til.
var Agreements = &contract.Entity{
	System: System, Name: "agreements", File: "agreements.csv", Path: "/v1/agreements", Table: "src.agreement",
	Fields: []contract.Field{
		{Name: "produsentnr", Type: contract.Produsentnr, Required: true},
		{Name: "vet_id", Type: contract.VetID, Required: true},
		{Name: "gyldig_fra", Type: contract.Date, Required: true},
		{Name: "gyldig_til", Type: contract.Date},
	},
	Key: []string{"produsentnr", "vet_id", "gyldig_fra"},
	Check: func(r contract.Row) []contract.Problem {
		if til := r.Time("gyldig_til"); !til.IsZero() && til.Before(r.Time("gyldig_fra")) {
			return []contract.Problem{{Field: "gyldig_til", Value: contract.Format(til), Reason: "before gyldig_fra"}}
		}
		return nil
	},
}

// Visits holds the vets' visits.
var Visits = &contract.Entity{
	System: System, Name: "visits", File: "visits.csv", Path: "/v1/visits", Table: "src.visit",
	Fields: []contract.Field{
		{Name: "besok_id", Type: contract.Code, Required: true},
		{Name: "produsentnr", Type: contract.Produsentnr, Required: true},
		{Name: "vet_id", Type: contract.VetID, Required: true},
		{Name: "besok_dato", Type: contract.Date, Required: true, Event: true},
	},
	Key: []string{"besok_id"},
}

// Deviations holds the deviations found at visits (score 3), each with a close deadline.
var Deviations = &contract.Entity{
	System: System, Name: "deviations", File: "deviations.csv", Path: "/v1/deviations", Table: "src.deviation",
	Fields: []contract.Field{
		{Name: "avvik_id", Type: contract.Code, Required: true},
		{Name: "besok_id", Type: contract.Code},
		{Name: "produsentnr", Type: contract.Produsentnr, Required: true},
		{Name: "indikator", Type: contract.Code},
		{Name: "lukkefrist", Type: contract.Date, Required: true},
		{Name: "lukket_dato", Type: contract.Date, Event: true},
	},
	Key: []string{"avvik_id"},
}

// Reservations is the log of producers' reservations against key figures; the latest
// registration per producer decides.
var Reservations = &contract.Entity{
	System: System, Name: "reservations", File: "reservations.csv", Path: "/v1/reservations", Table: "src.reservation",
	Fields: []contract.Field{
		{Name: "produsentnr", Type: contract.Produsentnr, Required: true},
		{Name: "reservert", Type: contract.Bool, Required: true},
		{Name: "registrert", Type: contract.Timestamp, Required: true, Event: true},
	},
	Key: []string{"produsentnr", "registrert"},
}

// Extensions holds deadline extensions; every column is part of the key.
var Extensions = &contract.Entity{
	System: System, Name: "extensions", File: "extensions.csv", Path: "/v1/extensions", Table: "src.extension",
	Fields: []contract.Field{
		{Name: "produsentnr", Type: contract.Produsentnr, Required: true},
		{Name: "fristtype", Type: contract.Enum, Required: true, Values: []string{DeadlineVisit, DeadlineCourse, DeadlineDeviation}},
		{Name: "avvik_id", Type: contract.Code},
		{Name: "ny_frist", Type: contract.Date, Required: true},
		{Name: "innvilget_av", Type: contract.Text},
	},
	Key: []string{"produsentnr", "fristtype", "avvik_id", "ny_frist", "innvilget_av"},
	Check: func(r contract.Row) []contract.Problem {
		id := r.String("avvik_id")
		switch {
		case r.String("fristtype") == DeadlineDeviation && id == "":
			return []contract.Problem{{Field: "avvik_id", Reason: "missing value: an AVVIK extension names its deviation"}}
		case r.String("fristtype") != DeadlineDeviation && id != "":
			return []contract.Problem{{Field: "avvik_id", Value: id, Reason: "only an AVVIK extension names a deviation"}}
		}
		return nil
	},
}

// Entities lists what the system delivers.
func Entities() []*contract.Entity {
	return []*contract.Entity{Agreements, Visits, Deviations, Reservations, Extensions}
}
