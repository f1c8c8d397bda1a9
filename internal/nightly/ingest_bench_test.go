package nightly

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/intake"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/store"
)

// BenchmarkIngestHTTP compares ingest over HTTP — every source pulled page by page from
// the fake source servers on loopback (OAuth2, JSON), stored verbatim (compressed), then
// landed — with
// ingest from the file drop of the same data (copied verbatim, then landed), side by side;
// pull-s/op and land-s/op are the two halves:
//
//	go test ./internal/nightly/ -run '^$' -bench IngestHTTP -count 5 [-nscale 10]
func BenchmarkIngestHTTP(b *testing.B) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := b.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: *nightScale, Seed: 1, AsOf: asOf, BadShare: 0.001}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	clients := map[string]*fetch.Client{}
	for sys, cfg := range fakeSources(b, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "s"}, nil) {
		clients[sys] = fetch.New(sys, cfg, log)
	}
	ingest := func(b *testing.B, viaHTTP bool) {
		var pull, landing time.Duration // the two halves, reported apart
		defer func() {
			b.ReportMetric(pull.Seconds()/float64(b.N), "pull-s/op")
			b.ReportMetric(landing.Seconds()/float64(b.N), "land-s/op")
		}()
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			db, err := store.Open(ctx, filepath.Join(dir, "i.duckdb"), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			c, _ := db.Conn(ctx)
			raw := filepath.Join(dir, "raw")
			b.StartTimer()
			start := time.Now()
			if viaHTTP {
				for _, r := range intake.FromHTTPSystems(ctx, raw, clients, Entities(), log, time.Now) { // as Run pulls
					if r.Err != nil {
						err = r.Err
					}
				}
			} else {
				_, err = intake.FromInbox(inbox, raw, Entities())
			}
			if err != nil {
				b.Fatal(err)
			}
			pulled := time.Now()
			pull += pulled.Sub(start)
			_, err = land.LoadAll(ctx, c, raw, Entities(), land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err != nil {
				b.Fatal(err)
			}
			landing += time.Since(pulled)
			b.StopTimer()
			c.Close()
			db.Close()
			b.StartTimer()
		}
	}
	b.Run("file-drop", func(b *testing.B) { ingest(b, false) })
	b.Run("http", func(b *testing.B) { ingest(b, true) })
}
