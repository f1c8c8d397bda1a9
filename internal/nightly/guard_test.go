package nightly

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/audit"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// published lists every receiver's export ids.
func published(t *testing.T, out string) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, r := range receiver.Names() {
		ids, err := exports.List(out, r)
		if err != nil {
			t.Fatal(err)
		}
		m[r] = ids
	}
	return m
}

func counts(t *testing.T, db *store.DB) string {
	t.Helper()
	var s string
	err := db.SQL().QueryRow(`SELECT (SELECT count(*) FROM src.visit) || '/' || (SELECT count(*) FROM ops.change_log) || '/' ||
		(SELECT count(*) FROM rcv.dhp) || '/' || (SELECT count(*) FROM ops.reject)`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestNothingPublishedOnFailure: a truncated snapshot (the mass-change guard) and a failed
// audit each stop a run before anything is published: the database holds what it held,
// the previous exports are untouched and no new one appears; the next good run publishes.
func TestNothingPublishedOnFailure(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.05, Seed: 3, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "g.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := t.TempDir()
	opt := Options{AsOf: asOf, Inbox: inbox, Out: out, RawRoot: t.TempDir(), Rules: rules.Defaults(), Guard: DefaultGuard}
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatal(err)
	}
	before, state := published(t, out), counts(t, db)

	// A truncated visits.csv: half its rows are gone.
	truncated := t.TempDir()
	copyTreeT(t, inbox, truncated)
	b, _ := os.ReadFile(filepath.Join(inbox, "visits.csv"))
	lines := strings.SplitAfter(string(b), "\n")
	os.WriteFile(filepath.Join(truncated, "visits.csv"), []byte(strings.Join(lines[:len(lines)/2], "")), 0o644)

	// A header-only subsidy file of a year that had rows.
	emptied := t.TempDir()
	copyTreeT(t, inbox, emptied)
	b, _ = os.ReadFile(filepath.Join(inbox, "subsidy", "2023.csv"))
	os.WriteFile(filepath.Join(emptied, "subsidy", "2023.csv"), []byte(strings.SplitAfter(string(b), "\n")[0]), 0o644)

	tests := []struct {
		name   string
		opt    func(Options) Options
		tamper string
		want   error
	}{
		{"a header-only subsidy year", func(o Options) Options { o.Inbox = emptied; o.AsOf = asOf.AddDate(0, 0, 1); return o }, "", ErrMassChange},
		{"truncated snapshot", func(o Options) Options { o.Inbox = truncated; o.AsOf = asOf.AddDate(0, 0, 1); return o }, "", ErrMassChange},
		{"failed audit", func(o Options) Options { o.AsOf = asOf.AddDate(0, 0, 1); return o },
			`INSERT INTO ops.change_log VALUES ((SELECT max(endringsnr) + 5 FROM ops.change_log), 'dhp', 'x', 'NY', now(), 1)`, audit.ErrFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tamper != "" {
				if _, err := db.SQL().Exec(tt.tamper); err != nil {
					t.Fatal(err)
				}
				state = counts(t, db)
			}
			_, err := Run(ctx, db, tt.opt(opt))
			t.Logf("Run: %v", err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Run = %v, want %v", err, tt.want)
			}
			if got := published(t, out); len(got["dhp"]) != len(before["dhp"]) || len(got["varsler"]) != len(before["varsler"]) {
				t.Errorf("exports after the failed run: %v, before %v", got, before)
			}
			if got := counts(t, db); got != state {
				t.Errorf("database counts %s after the failed run, %s before", got, state)
			}
			var status string
			db.SQL().QueryRow(`SELECT status FROM ops.run ORDER BY run_id DESC LIMIT 1`).Scan(&status)
			if status != "failed" {
				t.Errorf("ledger status = %q, want failed", status)
			}
		})
	}

	// An operator who looked accepts the truncated file as real.
	if _, err := db.SQL().Exec(`DELETE FROM ops.change_log WHERE rkey = 'x'`); err != nil {
		t.Fatal(err)
	}
	o := opt
	o.Inbox, o.AsOf, o.Guard.Accept = truncated, asOf.AddDate(0, 0, 1), true
	if _, err := Run(ctx, db, o); err != nil {
		t.Fatalf("Run with Accept: %v", err)
	}
	if got := published(t, out); len(got["dhp"]) != len(before["dhp"])+1 {
		t.Errorf("exports after the accepted run: %v", got)
	}
}

func copyTreeT(t *testing.T, src, dst string) {
	t.Helper()
	if err := files.CopyTree(src, dst); err != nil {
		t.Fatal(err)
	}
}

// TestSeasonRolloverIsNoMassChange: on 15 April the oldest season leaves every producer's
// key figures — a fifth of nokkeltall's rows go, and the guard lets that through.
func TestSeasonRolloverIsNoMassChange(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 4, 14, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.05, Seed: 4, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	opt := Options{AsOf: asOf, Inbox: inbox, Out: t.TempDir(), RawRoot: t.TempDir(), Rules: rules.Defaults(), Guard: DefaultGuard}
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatal(err)
	}
	opt.AsOf = asOf.AddDate(0, 0, 1)
	sum, err := Run(ctx, db, opt)
	if err != nil {
		t.Fatalf("the night of 15 April: %v", err)
	}
	if d := sum.Changes["nokkeltall"]; d.Deleted < 100 {
		t.Errorf("nokkeltall deleted %d rows on 15 April; want the oldest season of everyone", d.Deleted)
	}
}

// TestCheckEmptied: a subsidy year whose file holds no row stops the run when the year had
// rows, whatever share of all years' rows they are, unless accepted.
func TestCheckEmptied(t *testing.T) {
	tests := []struct {
		name    string
		g       Guard
		res     land.Result
		wantErr string
	}{
		{"a year emptied among larger ones", DefaultGuard, land.Result{Before: 1000, EmptiedYears: []string{"2024"}, EmptiedRows: 20},
			"mass change: source dataflyt/subsidy: the file of year 2024 holds no rows and would delete the year's 20"},
		{"accepted", Guard{MaxShare: 0.1, MinRows: 10, Accept: true}, land.Result{EmptiedYears: []string{"2024"}, EmptiedRows: 20}, ""},
		{"an empty year that had no rows", DefaultGuard, land.Result{EmptiedYears: []string{"2024"}}, ""},
		{"no year emptied", DefaultGuard, land.Result{Before: 1000}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.g.checkEmptied("source dataflyt/subsidy", tt.res)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !errors.Is(err, ErrMassChange) || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("checkEmptied = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
