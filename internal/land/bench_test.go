package land_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/pipelines/dataflyt"
	"github.com/dvpsau/vpsau/pipelines/didac"
	"github.com/dvpsau/vpsau/pipelines/portal"
	"github.com/dvpsau/vpsau/pipelines/slakt"
)

var benchScale = flag.Float64("scale", 10, "generator scale of the ingest benchmark")

func entities() []*contract.Entity {
	var out []*contract.Entity
	for _, es := range [][]*contract.Entity{dataflyt.Entities(), slakt.Entities(), didac.Entities(), portal.Entities()} {
		out = append(out, es...)
	}
	return out
}

// BenchmarkIngest compares landing a whole generated inbox as a run does (parse,
// validate, reject, stage, historise into an empty database: land.LoadAll) with DuckDB's own read_csv of the same files
// into tables: the floor the same engine can do. Run both side by side:
//
//	go test -run '^$' -bench Ingest -count 5 ./internal/land/ [-scale 10]
func BenchmarkIngest(b *testing.B) {
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := b.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: *benchScale, Seed: 1, AsOf: asOf, BadShare: 0.001}); err != nil {
		b.Fatal(err)
	}
	var files []string
	var size int64
	filepath.WalkDir(inbox, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".csv") {
			files = append(files, p)
			if st, err := d.Info(); err == nil {
				size += st.Size()
			}
		}
		return nil
	})
	ctx := context.Background()
	fresh := func(b *testing.B) (*store.DB, *store.Conn) {
		db, err := store.Open(ctx, filepath.Join(b.TempDir(), "b.duckdb"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		c, err := db.Conn(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return db, c
	}
	b.Run("vpsau", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			b.StopTimer()
			db, c := fresh(b)
			b.StartTimer()
			_, err := land.LoadAll(ctx, c, inbox, entities(), land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			c.Close()
			db.Close()
			b.StartTimer()
		}
	})
	b.Run("read_csv", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			b.StopTimer()
			db, c := fresh(b)
			b.StartTimer()
			err := c.InTx(ctx, func() error {
				for i, f := range files {
					if err := c.Exec(ctx, "CREATE TABLE main.t"+strings.Repeat("x", i)+" AS SELECT * FROM read_csv(?)", f); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			c.Close()
			db.Close()
			b.StartTimer()
		}
	})
}
