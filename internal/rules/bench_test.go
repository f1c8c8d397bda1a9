package rules_test

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

var benchScale = flag.Float64("scale", 1, "generator scale of the rules benchmark")

var errRollback = errors.New("roll back")

// BenchmarkRules times the SQL models on a landed national-scale inbox (scale 1 by
// default): each iteration computes every model inside a transaction that is then rolled
// back, and the time of each model is reported as ms/<model>.
//
//	go test ./internal/rules/ -run '^$' -bench Rules -count 5 [-scale 1]
func BenchmarkRules(b *testing.B) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := b.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: *benchScale, Seed: 1, AsOf: asOf, BadShare: 0.001}); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, b.TempDir()+"/b.duckdb", store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	err = c.InTx(ctx, func() error {
		for _, e := range nightly.Entities() {
			if _, err := land.Entity(ctx, c, inbox, e, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	totals := map[string]time.Duration{}
	var sql time.Duration
	for b.Loop() {
		err := c.InTx(ctx, func() error {
			timings, err := rules.Run(ctx, c, rules.Defaults(), asOf, time.Now(), 2)
			if err != nil {
				return err
			}
			for _, t := range timings {
				totals[t.Model] += t.Took
				sql += t.Took
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			b.Fatal(err)
		}
	}
	for m, d := range totals {
		b.ReportMetric(float64(d.Milliseconds())/float64(b.N), "ms/"+strings.TrimSuffix(m, ".sql"))
	}
	b.ReportMetric(float64(sql.Milliseconds())/float64(b.N), "ms/all-models")
}
