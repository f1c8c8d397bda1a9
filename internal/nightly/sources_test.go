package nightly

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// requests counts the requests a fault sees, per path: a Fault in front of the others.
type requests struct {
	mu sync.Mutex
	n  map[string]int
}

func (r *requests) fault() fakesrc.Fault {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			r.mu.Lock()
			r.n[req.URL.Path]++
			r.mu.Unlock()
			next.ServeHTTP(w, req)
		})
	}
}

func (r *requests) of(path string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[path]
}

// fingerprint sums up what a database holds that a run could change: the rows of every
// source and receiver table, the change log, rejects, findings and recorded exports.
func fingerprint(t *testing.T, db *store.DB) string {
	t.Helper()
	var s string
	err := db.SQL().QueryRow(`SELECT concat_ws('/',
		(SELECT count(*) FROM src.producer), (SELECT count(*) FROM src.vet), (SELECT count(*) FROM src.subsidy),
		(SELECT count(*) FROM src.slaughter), (SELECT count(*) FROM src.course), (SELECT count(*) FROM src.agreement),
		(SELECT count(*) FROM src.visit), (SELECT count(*) FROM src.deviation), (SELECT count(*) FROM src.reservation),
		(SELECT count(*) FROM src.extension), (SELECT count(*) FROM rcv.dhp), (SELECT count(*) FROM rcv.ksl),
		(SELECT count(*) FROM rcv.saukontrollen), (SELECT count(*) FROM rcv.nokkeltall), (SELECT count(*) FROM rcv.varsler),
		(SELECT count(*) || ':' || coalesce(max(endringsnr), 0) FROM ops.change_log), (SELECT count(*) FROM ops.reject),
		(SELECT count(*) FROM ops.finding), (SELECT count(*) FROM ops.export))`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestMisbehavingSources pulls a night over HTTP from the fake source servers while they
// misbehave, one way per case. A fault the client can wait out ends in a run that
// succeeds; one it cannot ends after its retries (or at once, when a retry cannot help)
// in one error line that names the source and the request; a snapshot that shrank ends in
// the mass-change guard. A failed run leaves the database as it was, publishes no export
// and no rejects file, and is recorded as failed.
func TestMisbehavingSources(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := t.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.02, Seed: 9, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	// Night 1 from the file drop: the state every case starts from.
	base := t.TempDir()
	db, err := store.Open(ctx, filepath.Join(base, "v.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{AsOf: asOf, Inbox: inbox, Out: filepath.Join(base, "out"), RawRoot: filepath.Join(base, "raw"),
		Rules: rules.Defaults(), Guard: DefaultGuard}
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatal(err)
	}
	db.Close()

	const attempts, clientSecret = 3, "cs-7Hq2vX9wK"
	tests := []struct {
		name    string
		fault   fakesrc.Fault // on every request of the API
		token   fakesrc.Fault // on the token endpoint
		secret  string        // the client's secret; "" = the right one
		timeout time.Duration // per request; 0 = 2s
		want    error         // nil: the run succeeds
		msg     string        // the error's text contains this
		path    string        // the request whose attempts are counted …
		tries   int           // … and how many there must be
	}{
		{name: "500 until the client gives up", fault: fakesrc.OnPath("/v1/visits", fakesrc.Fail(500)),
			want: fetch.ErrGaveUp, msg: "source portal: GET /v1/visits page 1: gave up after 3 attempts: 500 Internal Server Error",
			path: "/v1/visits", tries: attempts},
		{name: "503 twice, then answers", fault: fakesrc.FailTimes(503, 2)},
		{name: "429 until the client gives up", fault: fakesrc.OnPath("/v1/courses", fakesrc.RateLimit(100, time.Second)),
			want: fetch.ErrGaveUp, msg: "source didac: GET /v1/courses page 1: gave up after 3 attempts: 429 Too Many Requests",
			path: "/v1/courses", tries: attempts},
		{name: "429 once, then answers", fault: fakesrc.RateLimit(1, time.Second)},
		{name: "timeouts", fault: fakesrc.OnPath("/v1/slaughter", fakesrc.Delay(5*time.Second)), timeout: 300 * time.Millisecond,
			want: fetch.ErrGaveUp, msg: "source slakt: GET /v1/slaughter page 1: gave up after 3 attempts: no complete answer within 300ms (timeout)",
			path: "/v1/slaughter", tries: attempts},
		{name: "a server that trickles bytes", fault: fakesrc.OnPath("/v1/vets", fakesrc.Trickle(100)), timeout: 300 * time.Millisecond,
			want: fetch.ErrGaveUp, msg: "source dataflyt: GET /v1/vets page 1: gave up after 3 attempts: no complete answer within 300ms (timeout)",
			path: "/v1/vets", tries: attempts},
		{name: "truncated JSON", fault: fakesrc.OnPath("/v1/agreements", fakesrc.Truncate(200)),
			want: fetch.ErrGaveUp, msg: "source portal: GET /v1/agreements page 1: gave up after 3 attempts: bad response: body of 200 bytes is not valid JSON",
			path: "/v1/agreements", tries: attempts},
		{name: "connection dropped mid-body", fault: fakesrc.OnPath("/v1/deviations", fakesrc.Hangup(100)),
			want: fetch.ErrGaveUp, msg: "source portal: GET /v1/deviations page 1: gave up after 3 attempts",
			path: "/v1/deviations", tries: attempts},
		{name: "wrong content type", fault: fakesrc.OnPath("/v1/producers", fakesrc.WrongContentType()),
			want: fetch.ErrBadResponse, msg: `source dataflyt: GET /v1/producers page 1: bad response: Content-Type "text/html; charset=utf-8", want application/json`,
			path: "/v1/producers", tries: 1},
		{name: "pagination loop", fault: fakesrc.OnPath("/v1/visits", fakesrc.LoopPagination()),
			want: fetch.ErrPagination, msg: "source portal: GET /v1/visits page", path: "/v1/visits"},
		{name: "a page that repeats", fault: fakesrc.OnPath("/v1/producers", fakesrc.RepeatPage()),
			want: fetch.ErrPagination, msg: "source dataflyt: GET /v1/producers page 2: pagination broken: page 2 has the same", path: "/v1/producers", tries: 2},
		{name: "an entity the server does not have", fault: fakesrc.OnPath("/v1/extensions", fakesrc.Fail(404)),
			want: &fetch.StatusError{Code: 404}, msg: "source portal: GET /v1/extensions page 1: 404 Not Found", path: "/v1/extensions", tries: 1},
		{name: "token endpoint down", token: fakesrc.Fail(503),
			want: fetch.ErrGaveUp, msg: "gave up after 3 attempts: token POST", path: "/v1/producers", tries: 0},
		{name: "wrong client secret", secret: "wr0ng-Qz7pL",
			want: fetch.ErrUnauthorized, msg: "source dataflyt: GET /v1/producers page 1: token POST", path: "/v1/producers", tries: 0},
		{name: "empty snapshot", fault: fakesrc.OnPath("/v1/visits", fakesrc.EmptySnapshot()),
			want: ErrMassChange, msg: "mass change: source portal/visits would delete", path: "/v1/visits", tries: 1},
		{name: "half the rows", fault: fakesrc.OnPath("/v1/producers", fakesrc.HalfSnapshot()),
			want: ErrMassChange, msg: "mass change: source dataflyt/producers would delete", path: "/v1/producers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			copyTreeT(t, base, dir)
			db, err := store.Open(ctx, filepath.Join(dir, "v.duckdb"), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			before, state := published(t, filepath.Join(dir, "out")), fingerprint(t, db)

			reqs := &requests{n: map[string]int{}}
			secret := cmp.Or(tt.secret, clientSecret) // the one the client sends
			sources := fakeSources(t, inbox, fakesrc.Options{ClientID: "id", ClientSecret: clientSecret, PageSize: 100,
				Fault: fakesrc.Compose(reqs.fault(), tt.fault), TokenFault: tt.token}, func(c *fetch.Config) {
				c.ClientSecret, c.Timeout, c.MaxAttempts = secret, cmp.Or(tt.timeout, 2*time.Second), attempts
				c.MinBackoff, c.MaxBackoff = time.Millisecond, 20*time.Millisecond
			})
			var logs bytes.Buffer
			o := opt
			o.Inbox, o.Sources, o.Out, o.RawRoot = "", sources, filepath.Join(dir, "out"), filepath.Join(dir, "raw")
			o.AsOf = asOf.AddDate(0, 0, 1)
			o.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			t0 := time.Now()
			sum, err := Run(ctx, db, o)
			took := time.Since(t0)
			if got := reqs.of(tt.path); tt.tries > 0 && got != tt.tries {
				t.Errorf("%s was asked %d times, want %d", tt.path, got, tt.tries)
			}
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Run = %v, want success after the retries", err)
				}
				if got := published(t, o.Out); len(got["dhp"]) != len(before["dhp"])+1 {
					t.Errorf("exports after the run: %v, want one more each than %v", got, before)
				}
				t.Logf("%s: succeeded in %s", tt.name, took.Round(time.Millisecond))
				return
			}
			if err == nil {
				t.Fatalf("Run succeeded, want %v", tt.want)
			}
			if !errors.Is(err, tt.want) {
				var se *fetch.StatusError
				if want, ok := tt.want.(*fetch.StatusError); !ok || !errors.As(err, &se) || se.Code != want.Code {
					t.Errorf("Run = %v, want %v", err, tt.want)
				}
			}
			if msg := err.Error(); !strings.Contains(msg, tt.msg) || strings.Contains(msg, "\n") {
				t.Errorf("Run = %q, want one line containing %q", msg, tt.msg)
			}
			if len(sum.Exports) != 0 {
				t.Errorf("the failed run published %d exports", len(sum.Exports))
			}
			if got := published(t, o.Out); fmt.Sprint(got) != fmt.Sprint(before) {
				t.Errorf("exports after the failed run: %v, before %v", got, before)
			}
			if got := fingerprint(t, db); got != state {
				t.Errorf("database after the failed run: %s, before %s", got, state)
			}
			if rejects, _ := filepath.Glob(filepath.Join(o.Out, "rejects", fmt.Sprintf("run-%06d.csv", sum.RunID))); len(rejects) > 0 {
				t.Errorf("the failed run published its rejects file")
			}
			var status, stored string
			db.SQL().QueryRow(`SELECT status, error FROM ops.run WHERE run_id = ?`, sum.RunID).Scan(&status, &stored)
			if status != "failed" || stored != err.Error() {
				t.Errorf("ledger: %s %q, want failed with the error", status, stored)
			}
			if strings.Contains(err.Error()+logs.String(), secret) {
				t.Errorf("the client secret is in the error or the log")
			}
			if tt.tries == attempts && !strings.Contains(logs.String(), "retrying") {
				t.Errorf("no retry in the log:\n%s", logs.String())
			}
			t.Logf("%s: failed in %s: %v", tt.name, took.Round(time.Millisecond), err)
		})
	}
}
