// Package rules computes the programme's rules for a business date: it writes the run's
// parameters to model.param and runs the SQL models of sql/models in order (coverage,
// deadlines, status, key figures, findings, notifications; then the history of the
// computed status and deadlines, the comments on the models' tables and the analytics
// views over them). Every assumption of the programme is a parameter with the default of
// DOMAIN.md.
package rules

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"time"

	"github.com/dvpsau/vpsau/internal/history"
	"github.com/dvpsau/vpsau/internal/store"
	sqlfiles "github.com/dvpsau/vpsau/sql"
)

// Params are the programme's rules that are assumptions, with DOMAIN.md's defaults.
type Params struct {
	Threshold           int `toml:"threshold"`             // covered when winter-fed sheep > Threshold (30)
	WeightP145          int `toml:"weight_p145"`           // 1 counts ewes (P145), 0 leaves them out
	WeightP146          int `toml:"weight_p146"`           // rams (P146)
	WeightP139          int `toml:"weight_p139"`           // milk sheep (P139)
	FirstDeadlineMonths int `toml:"first_deadline_months"` // first deadline = coverage date + 4 months
	VisitIntervalMonths int `toml:"visit_interval_months"` // a visit at least every 18 months
	VetApprovalYears    int `toml:"vet_approval_years"`    // a vet course is valid 3 years
	DeductionDay        int `toml:"deduction_day"`         // the deduction applies from day 16 after a missed deadline
	KSLDays             int `toml:"ksl_days"`              // KSL counts a breach after more than 45 days
	SeasonStartMonth    int `toml:"season_start_month"`    // a slaughter season starts 15 April
	SeasonStartDay      int `toml:"season_start_day"`      //
	Seasons             int `toml:"seasons"`               // key figures cover the 5 completed seasons
	NoticeDays          int `toml:"notice_days"`           // notify a deadline 30 days ahead
}

// Defaults returns DOMAIN.md's values.
func Defaults() Params {
	return Params{
		Threshold: 30, WeightP145: 1, WeightP146: 1, WeightP139: 1,
		FirstDeadlineMonths: 4, VisitIntervalMonths: 18, VetApprovalYears: 3,
		DeductionDay: 16, KSLDays: 45, SeasonStartMonth: 4, SeasonStartDay: 15,
		Seasons: 5, NoticeDays: 30,
	}
}

// Validate reports the first parameter out of its sensible range, naming it.
func (p Params) Validate() error {
	checks := []struct {
		name      string
		v, lo, hi int
	}{
		{"threshold", p.Threshold, 0, 100000},
		{"weight_p145", p.WeightP145, 0, 1}, {"weight_p146", p.WeightP146, 0, 1}, {"weight_p139", p.WeightP139, 0, 1},
		{"first_deadline_months", p.FirstDeadlineMonths, 0, 120},
		{"visit_interval_months", p.VisitIntervalMonths, 1, 120},
		{"vet_approval_years", p.VetApprovalYears, 1, 50},
		{"deduction_day", p.DeductionDay, 1, 3650},
		{"ksl_days", p.KSLDays, 0, 3650},
		{"season_start_month", p.SeasonStartMonth, 1, 12},
		{"season_start_day", p.SeasonStartDay, 1, 28},
		{"seasons", p.Seasons, 1, 50},
		{"notice_days", p.NoticeDays, 0, 365},
	}
	for _, c := range checks {
		if c.v < c.lo || c.v > c.hi {
			return fmt.Errorf("rules.%s = %d: must be between %d and %d", c.name, c.v, c.lo, c.hi)
		}
	}
	return nil
}

// ErrNoBasis reports that the subsidy file needed to decide coverage is missing.
var ErrNoBasis = errors.New("coverage cannot be decided")

// step is one model file, optionally followed by historising the table it staged.
type step struct {
	file    string
	history *history.Spec
}

// steps lists sql/models in order; TestStepsCoverModels keeps it in step with the folder.
var steps = []step{
	{file: "010_basis.sql"},
	{file: "020_coverage.sql", history: &history.Spec{
		Target: "model.coverage", Stage: "stg_coverage",
		Cols: []string{"produsentnr", "innrullert_dato", "utmeldt_dato"}, Extra: []string{"src_system", "src_ref"},
	}},
	{file: "030_vets.sql"},
	{file: "040_visits.sql"},
	{file: "050_deadlines.sql"},
	{file: "060_status.sql"},
	{file: "070_keyfigures.sql"},
	{file: "080_findings.sql"},
	{file: "090_notifications.sql"},
	{file: "900_status_history.sql", history: &history.Spec{
		Target: "model.status_h", Stage: "stg_status_h",
		Cols: []string{"produsentnr", "orgnr", "kommunenr", "fylke", "grunnlag_aar", "vinterfora_sau", "omfattet",
			"innrullert_dato", "forste_frist", "besoksfrist", "kursfrist", "lukkefrist", "apne_avvik",
			"kurs_fullfort", "telte_besok", "siste_telte_besok", "neste_frist", "status"},
	}},
	{file: "910_deadline_history.sql", history: &history.Spec{
		Target: "model.deadline_h", Stage: "stg_deadline_h",
		Cols: []string{"produsentnr", "fristtype", "avvik_id", "beregnet", "forlenget_til", "frist"},
	}},
	{file: "980_comments.sql"},
	{file: "990_analytics.sql"},
}

// Timing is how long one model took.
type Timing struct {
	Model string
	Took  time.Duration
}

// Run computes the rules as of asOf for run runID at system time sysTime, inside the
// caller's transaction. It fails with ErrNoBasis when the subsidy year it needs is absent.
func Run(ctx context.Context, c *store.Conn, p Params, asOf, sysTime time.Time, runID int64) ([]Timing, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	year := asOf.Year() - 1
	var n int64
	if err := c.QueryRow(ctx, `SELECT count(*) FROM cur.subsidy WHERE aar = ?`, year).Scan(&n); err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	if n == 0 {
		return nil, fmt.Errorf("%w: no subsidy file for application year %d (needed for business date %s)",
			ErrNoBasis, year, asOf.Format(time.DateOnly))
	}
	if err := c.Exec(ctx, `CREATE OR REPLACE TABLE model.param AS SELECT
		?::DATE AS as_of, ?::BIGINT AS run_id, ?::INTEGER AS threshold,
		?::INTEGER AS weight_p145, ?::INTEGER AS weight_p146, ?::INTEGER AS weight_p139,
		?::INTEGER AS first_deadline_months, ?::INTEGER AS visit_interval_months, ?::INTEGER AS vet_approval_years,
		?::INTEGER AS deduction_day, ?::INTEGER AS ksl_days, ?::INTEGER AS season_start_month, ?::INTEGER AS season_start_day,
		?::INTEGER AS seasons, ?::INTEGER AS notice_days`,
		asOf, runID, p.Threshold, p.WeightP145, p.WeightP146, p.WeightP139,
		p.FirstDeadlineMonths, p.VisitIntervalMonths, p.VetApprovalYears,
		p.DeductionDay, p.KSLDays, p.SeasonStartMonth, p.SeasonStartDay, p.Seasons, p.NoticeDays); err != nil {
		return nil, fmt.Errorf("rules: parameters: %w", err)
	}
	var timings []Timing
	for _, s := range steps {
		start := time.Now()
		body, err := fs.ReadFile(sqlfiles.FS, "models/"+s.file)
		if err != nil {
			return nil, fmt.Errorf("rules: %w", err)
		}
		if err := c.Exec(ctx, string(body)); err != nil {
			return nil, fmt.Errorf("rules %s: %w", s.file, err)
		}
		if s.history != nil {
			if _, err := history.Apply(ctx, c, *s.history, sysTime, runID); err != nil {
				return nil, fmt.Errorf("rules %s: %w", s.file, err)
			}
		}
		timings = append(timings, Timing{Model: s.file, Took: time.Since(start)})
	}
	return timings, nil
}

// Models lists the model files in the order Run applies them.
func Models() []string {
	out := make([]string, len(steps))
	for i, s := range steps {
		out[i] = s.file
	}
	return out
}

// modelFiles lists sql/models (for the test that keeps steps complete).
func modelFiles() ([]string, error) {
	entries, err := fs.ReadDir(sqlfiles.FS, "models")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out, nil
}
