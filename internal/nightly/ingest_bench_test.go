package nightly

import (
	"context"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/store"
)

var pageDelay = flag.Duration("pagedelay", 0, "BenchmarkIngestHTTP: the fake servers' delay of every API response (a network's round trip and a remote server's time)")

// BenchmarkIngestHTTP compares ingest over HTTP — every source pulled page by page from
// the fake source servers on loopback (OAuth2, JSON), stored verbatim (compressed), and
// landed — with ingest from the file drop of the same data (copied verbatim, and landed),
// side by side, each as a run does it (fetchAndStage: a system's entities are staged as
// soon as its snapshot is in; then historised in one transaction). pull-s/op is the
// fetch, until every snapshot is in; land-s/op what landing takes after it:
//
//	go test ./internal/nightly/ -run '^$' -bench IngestHTTP -count 5 [-nscale 10] [-pagedelay 5ms]
func BenchmarkIngestHTTP(b *testing.B) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := b.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: *nightScale, Seed: 1, AsOf: asOf, BadShare: 0.001}); err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	var fault fakesrc.Fault
	if *pageDelay > 0 {
		fault = fakesrc.Delay(*pageDelay)
	}
	sources := fakeSources(b, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "s", Fault: fault}, nil)
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
			if err := os.MkdirAll(raw, 0o755); err != nil {
				b.Fatal(err)
			}
			opt := Options{AsOf: asOf, Now: time.Now, RawRoot: dir, Inbox: inbox}
			if viaHTTP {
				opt.Inbox, opt.Sources = "", sources
			}
			b.StartTimer()
			start := time.Now()
			staged, f, _, err := fetchAndStage(ctx, c, opt, log, raw, Entities(), func(string) {})
			if f.err != nil {
				b.Fatal(f.err)
			}
			if err != nil {
				b.Fatal(err)
			}
			pull += f.took
			if _, err := land.HistoriseAll(ctx, c, staged, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf}); err != nil {
				b.Fatal(err)
			}
			if err := land.DropAll(ctx, c, staged); err != nil {
				b.Fatal(err)
			}
			landing += time.Since(start) - f.took
			b.StopTimer()
			c.Close()
			db.Close()
			b.StartTimer()
		}
	}
	b.Run("file-drop", func(b *testing.B) { ingest(b, false) })
	b.Run("http", func(b *testing.B) { ingest(b, true) })
}
