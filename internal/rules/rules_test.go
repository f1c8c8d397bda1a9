package rules

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStepsCoverModels keeps the runner's list of models in step with sql/models.
func TestStepsCoverModels(t *testing.T) {
	files, err := modelFiles()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(files, Models()); diff != "" {
		t.Errorf("sql/models vs rules.steps (-files +steps):\n%s", diff)
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Params)
		ok   bool
	}{
		{"defaults", func(*Params) {}, true},
		{"negative threshold", func(p *Params) { p.Threshold = -1 }, false},
		{"weight 2", func(p *Params) { p.WeightP139 = 2 }, false},
		{"month 13", func(p *Params) { p.SeasonStartMonth = 13 }, false},
		{"zero visit interval", func(p *Params) { p.VisitIntervalMonths = 0 }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := Defaults()
			tt.edit(&p)
			if err := p.Validate(); (err == nil) != tt.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
