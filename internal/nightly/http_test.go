package nightly

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// TestHTTPEqualsFileDrop pulls a generated inbox once from the file drop and once over
// HTTP from the fake source servers, and checks that every source entity, every reject
// (by field, value and reason) and every receiver row come out the same.
func TestHTTPEqualsFileDrop(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.02, Seed: 5, AsOf: asOf, BadShare: 0.01}); err != nil {
		t.Fatal(err)
	}
	sources := fakeSources(t, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "secret", PageSize: 97}, nil)

	dump := func(viaHTTP bool) map[string][]string {
		db, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.duckdb"), store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var logs bytes.Buffer
		opt := Options{AsOf: asOf, Out: t.TempDir(), RawRoot: t.TempDir(), Rules: rules.Defaults(), Guard: DefaultGuard,
			Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
		if viaHTTP {
			opt.Sources = sources
		} else {
			opt.Inbox = inbox
		}
		sum, err := Run(ctx, db, opt)
		if err != nil {
			t.Fatalf("run (http %v): %v", viaHTTP, err)
		}
		// Over HTTP every page is staged from the items decoded as it came (the file drop
		// has no pages): the equality below then holds for pages not read back.
		if want := fmt.Sprintf(`msg="staged pages as they arrived" .*pages=%d\n`, sum.Intake.Files); viaHTTP && !regexp.MustCompile(want).Match(logs.Bytes()) {
			t.Errorf("no line of the log says %s (%d pages fetched)", want, sum.Intake.Files)
		}
		if sum.Rejects == 0 {
			t.Fatalf("run (http %v): no rejects from an inbox with bad rows", viaHTTP)
		}
		out := map[string][]string{}
		for _, q := range []string{
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.producer ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.vet ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.subsidy ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.slaughter ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.course ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.agreement ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.visit ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.deviation ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.reservation ORDER BY ALL",
			"SELECT * EXCLUDE (sys_von, von_run, src_ref) FROM cur.extension ORDER BY ALL",
			"SELECT entity, field, value, regexp_replace(reason, ' \\(first on .*\\)$', '') FROM ops.reject ORDER BY ALL", // the first row's place differs
			"SELECT * EXCLUDE (chg_von, chg_bis, sys_von, sys_bis, von_run, bis_run) FROM rcv.dhp ORDER BY ALL",
			"SELECT * EXCLUDE (chg_von, chg_bis, sys_von, sys_bis, von_run, bis_run) FROM rcv.nokkeltall ORDER BY ALL",
			"SELECT * EXCLUDE (chg_von, chg_bis, sys_von, sys_bis, von_run, bis_run) FROM rcv.varsler ORDER BY ALL",
		} {
			rows, err := db.SQL().QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			cols, _ := rows.Columns()
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			for rows.Next() {
				if err := rows.Scan(ptrs...); err != nil {
					t.Fatal(err)
				}
				out[q] = append(out[q], fmt.Sprint(vals...))
			}
			rows.Close()
			if len(out[q]) == 0 {
				t.Errorf("%s: no rows", q)
			}
		}
		return out
	}
	files, web := dump(false), dump(true)
	for q := range files {
		if diff := cmp.Diff(files[q], web[q]); diff != "" {
			t.Errorf("%s (-file drop +http):\n%s", q, diff)
		}
	}
}

// TestFetchedPerSystem: over HTTP each source system's fetch time is when its own pull
// ended (what a later run's fallback weighs against its maximum age), not when the last
// system's did: with Didac's answers a second slower, Didac's snapshot is a second younger.
func TestFetchedPerSystem(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.01, Seed: 5, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	sources := fakeSources(t, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "secret",
		Fault: fakesrc.OnPath("/v1/courses", fakesrc.Delay(time.Second))}, nil)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	raw := t.TempDir()
	sum, err := Run(ctx, db, Options{AsOf: asOf, Out: t.TempDir(), RawRoot: raw, Rules: rules.Defaults(), Guard: DefaultGuard,
		Sources: sources, NoReport: true})
	if err != nil {
		t.Fatal(err)
	}
	fetched := readFetched(filepath.Join(raw, fmt.Sprintf("run-%06d", sum.RunID)))
	didac, dataflyt := fetched["didac"], fetched["dataflyt"]
	if didac.IsZero() || dataflyt.IsZero() {
		t.Fatalf("fetched = %v", fetched)
	}
	if d := didac.Sub(dataflyt); d < 500*time.Millisecond {
		t.Errorf("didac fetched %v after dataflyt, want about the second its answers took longer", d)
	}
}

// fakeSources starts the fake source servers on inbox, closed when the test ends, and
// returns each system's client configuration: the server's URL, opt's credentials and page
// size, then whatever with (if not nil) changes.
func fakeSources(t testing.TB, inbox string, opt fakesrc.Options, with func(*fetch.Config)) map[string]fetch.Config {
	t.Helper()
	set, err := fakesrc.Start(context.Background(), inbox, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { set.Close() })
	sources := map[string]fetch.Config{}
	for sys, u := range set.URLs {
		c := fetch.Config{BaseURL: u, ClientID: opt.ClientID, ClientSecret: opt.ClientSecret, PageSize: opt.PageSize}
		if with != nil {
			with(&c)
		}
		sources[sys] = c
	}
	return sources
}

// TestStagedWhileFetching: over HTTP a system's entities are staged as soon as its
// snapshot is in, while another system's pull goes on. Slaktedatabasen holds its first
// page back until the run has begun staging — which a run that fetched every snapshot
// before staging any would never do: the page would go after 20 s, and the test fail.
func TestStagedWhileFetching(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.01, Seed: 5, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	staging := make(chan struct{})
	var once sync.Once
	heldBack := make(chan bool, 1) // true once the page went because staging had begun
	sources := fakeSources(t, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "secret",
		Fault: fakesrc.OnPath("/v1/slaughter", fakesrc.OnPage(1, fakesrc.First(1, func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-staging:
					heldBack <- true
				case <-time.After(20 * time.Second):
					heldBack <- false
				}
				next.ServeHTTP(w, r)
			})
		})))}, nil)
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "x.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sum, err := Run(ctx, db, Options{AsOf: asOf, Out: t.TempDir(), RawRoot: t.TempDir(), Rules: rules.Defaults(), Guard: DefaultGuard,
		Sources: sources, NoReport: true, Progress: func(s string) {
			if strings.HasPrefix(s, "stage ") {
				once.Do(func() { close(staging) })
			}
		}})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case byStaging := <-heldBack:
		if !byStaging {
			t.Error("the slaughter's first page waited 20 s: nothing was staged while it was held back")
		}
	default:
		t.Fatal("the slaughter's first page was never asked for")
	}
	if len(sum.Sources) != len(Entities()) {
		t.Errorf("%d sources landed, want %d", len(sum.Sources), len(Entities()))
	}
}

// TestEmptiedYearOverHTTP: a listed subsidy year whose pages hold no item is that year's
// empty snapshot over HTTP too, as a header-only file of the year is in a file drop: the
// guard stops the night that would empty a year that had rows.
func TestEmptiedYearOverHTTP(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.01, Seed: 5, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	db := openDB(t)
	opt := Options{AsOf: asOf, Out: t.TempDir(), RawRoot: t.TempDir(), Rules: rules.Defaults(), Guard: DefaultGuard, NoReport: true}
	opt.Sources = fakeSources(t, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "secret"}, nil)
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(inbox, "subsidy", "2023.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "subsidy", "2023.csv"), []byte(strings.SplitAfter(string(b), "\n")[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	opt.AsOf = asOf.AddDate(0, 0, 1)
	opt.Sources = fakeSources(t, inbox, fakesrc.Options{ClientID: "id", ClientSecret: "secret"}, nil)
	_, err = Run(ctx, db, opt)
	if !errors.Is(err, ErrMassChange) || !strings.Contains(fmt.Sprint(err), "the file of year 2023 holds no rows") {
		t.Fatalf("Run = %v, want the guard to stop the emptied year", err)
	}
}
