// Package didac declares what Didac, the e-learning platform, delivers: which producers
// and vets completed which course, and when.
package didac

import (
	"github.com/dvpsau/vpsau/internal/contract"
)

// System is the source system's name.
const System = "didac"

// Course codes and person types.
const (
	ProducerCourse = "SAU_VELFERD" // "Sauens atferd og velferd", the producer course
	VetCourse      = "DVP_VET_SAU" // the DVP vet course
	Producer       = "PRODUSENT"
	Vet            = "VETERINAER"
)

// Courses holds course completions.
var Courses = &contract.Entity{
	System: System, Name: "courses", File: "courses.csv", Path: "/v1/courses", Table: "src.course",
	Fields: []contract.Field{
		{Name: "person_type", Type: contract.Enum, Required: true, Values: []string{Producer, Vet}},
		{Name: "person_id", Type: contract.Code, Required: true},
		{Name: "kurskode", Type: contract.Enum, Required: true, Values: []string{ProducerCourse, VetCourse}},
		{Name: "fullfort_dato", Type: contract.Date, Required: true, Event: true},
	},
	Key: []string{"person_type", "person_id", "kurskode", "fullfort_dato"},
	Check: func(r contract.Row) []contract.Problem {
		id := r.String("person_id")
		want, what := 10, "a producer's person_id must be a 10-digit produsentnr"
		if r.String("person_type") == Vet {
			want, what = 7, "a vet's person_id must be a 7-digit vet id"
		}
		if len(id) != want || !isDigits(id) {
			return []contract.Problem{{Field: "person_id", Value: id, Reason: what}}
		}
		return nil
	},
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Entities lists what the system delivers.
func Entities() []*contract.Entity { return []*contract.Entity{Courses} }
