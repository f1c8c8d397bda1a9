package metrics

import (
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestObserveAndLoad: a run's figures reach the gauges; a restarted process loads the
// last successful run's figures from the database.
func TestObserveAndLoad(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "m.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	finished := time.Date(2027, 1, 4, 3, 31, 0, 0, time.UTC)
	sum, err := nightly.Run(ctx, db, nightly.Options{AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC),
		Inbox: "../../testdata/one-night/inbox", Out: t.TempDir(), RawRoot: t.TempDir(), Rules: rules.Defaults(),
		Guard: nightly.DefaultGuard, Now: func() time.Time { return finished }})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`vpsau_producers{status="GODKJENT"} 1`, `vpsau_producers{status="DVP_TREKK"} 1`, `vpsau_producers{status="INNRULLERT"} 1`,
		`vpsau_source_rows{source="portal/visits"} 2`, `vpsau_source_rejects{source="portal/visits"} 0`,
		`vpsau_last_success_timestamp_seconds 1.79903346e+09`,
	}
	m := New()
	m.Observe(sum, nil, finished)
	m.Observe(nightly.Summary{}, errors.New("boom"), finished)
	got := scrape(t, m)
	for _, w := range append(want, `vpsau_runs_total{status="succeeded"} 1`, `vpsau_runs_total{status="failed"} 1`) {
		if !strings.Contains(got, w) {
			t.Errorf("after Observe: /metrics lacks %q", w)
		}
	}
	restarted := New()
	if err := restarted.Load(ctx, db); err != nil {
		t.Fatal(err)
	}
	got = scrape(t, restarted)
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("after Load: /metrics lacks %q", w)
		}
	}
}
