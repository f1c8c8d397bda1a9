package nightly

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// TestStaleFallback: when a source is down, a run fails by default; with a fallback age
// configured it lands that source's last snapshot instead, if young enough, and says so
// in the ledger and in every manifest.
func TestStaleFallback(t *testing.T) {
	ctx := context.Background()
	db, opt, slaktDown := slaktNights(t, 0, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	})
	if _, err := Run(ctx, db, *opt); err != nil {
		t.Fatal(err)
	}

	slaktDown(24 * time.Hour)
	if _, err := Run(ctx, db, *opt); err == nil || !strings.Contains(err.Error(), "source slakt") {
		t.Fatalf("run with slakt down and no fallback = %v, want a failure naming slakt", err)
	}

	opt.Fallback = map[string]time.Duration{"slakt": 36 * time.Hour}
	sum, err := Run(ctx, db, *opt)
	if err != nil {
		t.Fatalf("run with a 36h fallback: %v", err)
	}
	if len(sum.Stale) != 1 || sum.Stale[0].System != "slakt" || sum.Stale[0].FromRun != 1 {
		t.Errorf("stale sources = %+v, want slakt from run 1", sum.Stale)
	}
	var stats string
	db.SQL().QueryRow(`SELECT stats FROM ops.run WHERE run_id = ?`, sum.RunID).Scan(&stats)
	if !strings.Contains(stats, `"system":"slakt"`) {
		t.Errorf("the ledger does not say slakt was stale: %s", stats)
	}
	ids, _ := exports.List(opt.Out, "dhp")
	m, err := exports.ReadManifest(filepath.Join(opt.Out, "dhp", ids[len(ids)-1]))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Extra["stale_sources"], "slakt: the snapshot fetched 2026-11-02T04:30:00Z (run 1)") {
		t.Errorf("manifest extra = %v", m.Extra)
	}

	// Two days later the last snapshot is too old.
	slaktDown(48 * time.Hour)
	if _, err := Run(ctx, db, *opt); err == nil || !strings.Contains(err.Error(), "more than the 36h0m0s allowed") {
		t.Fatalf("run with a too old snapshot = %v", err)
	}
}

// TestFallbackAfterPartialPull: a pull that stores its first page and then fails falls
// back to the last run's files, copied over the page it stored; the staging lands those
// files, not the items kept from the failed pull's page (land.Arrived takes items only for
// the bytes they came from). The failed pull's first page carries an extra item that
// would be a reject.
func TestFallbackAfterPartialPull(t *testing.T) {
	ctx := context.Background()
	db, opt, slaktDown := slaktNights(t, 50, func(w http.ResponseWriter, r *http.Request, next http.Handler) {
		if fakesrc.HitOf(r).Page >= 2 {
			http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		w.Header().Set("Content-Type", "application/json")
		w.Write(bytes.Replace(rec.Body.Bytes(), []byte(`"items":[`), []byte(`"items":[{"_error":"injected"},`), 1))
	})
	first, err := Run(ctx, db, *opt)
	if err != nil {
		t.Fatal(err)
	}
	slaktDown(24 * time.Hour)
	opt.Fallback = map[string]time.Duration{"slakt": 36 * time.Hour}
	second, err := Run(ctx, db, *opt)
	if err != nil {
		t.Fatalf("run with slakt failing after its first page and a fallback: %v", err)
	}
	if len(second.Stale) != 1 || second.Stale[0].System != "slakt" {
		t.Fatalf("stale sources = %+v, want slakt", second.Stale)
	}
	var injected int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM ops.reject WHERE run_id = ? AND reason LIKE '%injected%'`, second.RunID).Scan(&injected); err != nil {
		t.Fatal(err)
	}
	if injected != 0 || second.Rejects != first.Rejects {
		t.Errorf("the second run rejected %d rows (%d of the failed pull's page), the first %d: want the fallback's files landed as the first run landed them",
			second.Rejects, injected, first.Rejects)
	}
}

// slaktNights sets up nights over HTTP from a small generated inbox (pages of pageSize
// items, 0: the default) with a database in memory, its clock at 04:30 on the first
// night's business date, and quick retries. The options are for the first night; each call
// of slaktDown moves the clock and the business date on by d and has every later answer of
// the slaughter API given by down instead (next serves it as it was).
func slaktNights(t *testing.T, pageSize int, down func(w http.ResponseWriter, r *http.Request, next http.Handler)) (*store.DB, *Options, func(d time.Duration)) {
	t.Helper()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.01, Seed: 2, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	var isDown atomic.Bool
	sources := fakeSources(t, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "s", PageSize: pageSize,
		Fault: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if isDown.Load() && fakesrc.HitOf(r).Path != "" && strings.HasPrefix(r.URL.Path, "/v1/slaughter") {
					down(w, r, next)
					return
				}
				next.ServeHTTP(w, r)
			})
		}}, func(c *fetch.Config) {
		c.MaxAttempts, c.MinBackoff, c.MaxBackoff = 2, time.Millisecond, time.Millisecond
	})
	db, err := store.Open(context.Background(), ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	dir := t.TempDir()
	now := time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC)
	opt := &Options{AsOf: asOf, Sources: sources, Out: filepath.Join(dir, "out"), RawRoot: filepath.Join(dir, "raw"),
		Rules: rules.Defaults(), Guard: DefaultGuard, Now: func() time.Time { return now }}
	return db, opt, func(d time.Duration) {
		isDown.Store(true)
		now = now.Add(d)
		opt.AsOf = opt.AsOf.Add(d)
	}
}
