package api

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dvpsau/vpsau/docs"
	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/internal/token"
)

// TestMain doubles as a helper process that holds a database file open (DuckDB lets one
// process have it), for the test of 503.
func TestMain(m *testing.M) {
	if path := os.Getenv("VPSAU_TEST_HOLD_DB"); path != "" {
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("holding")
		io.Copy(io.Discard, os.Stdin) // until the test closes our stdin
		db.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var (
	nightOnce sync.Once
	nightDir  string
	nightErr  error
)

var asOf = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)

// night runs the pipeline once for the package on the worked one-night example and
// returns the folder with its database (v.duckdb) and published exports (out/).
func night(t testing.TB) string {
	t.Helper()
	nightOnce.Do(func() {
		nightDir, nightErr = os.MkdirTemp("", "vpsau-api-test-")
		if nightErr != nil {
			return
		}
		ctx := context.Background()
		db, err := store.Open(ctx, filepath.Join(nightDir, "v.duckdb"), store.Options{})
		if err != nil {
			nightErr = err
			return
		}
		defer db.Close()
		_, nightErr = nightly.Run(ctx, db, nightly.Options{
			AsOf: asOf, Inbox: "../../testdata/one-night/inbox", Out: filepath.Join(nightDir, "out"),
			RawRoot: filepath.Join(nightDir, "raw"), Rules: rules.Defaults(), Guard: nightly.DefaultGuard,
		})
	})
	if nightErr != nil {
		t.Fatalf("the night the tests need: %v", nightErr)
	}
	return nightDir
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is one test's API: its own copy of the night's database, the night's exports, a
// server over real HTTP, and a token per receiver.
type env struct {
	t      testing.TB
	api    *Server
	http   *httptest.Server
	db     *store.Shared
	dbPath string
	clock  *clock
	tokens map[string]string // receiver → token
}

func newEnv(t testing.TB, tune func(*Config)) *env {
	t.Helper()
	dir := night(t)
	dbPath := filepath.Join(t.TempDir(), "v.duckdb")
	b, err := os.ReadFile(filepath.Join(dir, "v.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dbPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, dbPath: dbPath, clock: &clock{t: time.Now().UTC().Truncate(time.Second)}, tokens: map[string]string{}}
	e.db = &store.Shared{Path: dbPath, Idle: 50 * time.Millisecond, Wait: 5 * time.Second}
	t.Cleanup(func() { e.db.Close() })
	for _, name := range receiver.Names() {
		e.tokens[name] = e.createToken(name, name+"-system", time.Time{})
	}
	cfg := Config{Out: filepath.Join(dir, "out"), DB: e.db, Now: e.clock.Now, TempDir: t.TempDir(), RatePerMinute: 6000, Burst: 1000}
	if tune != nil {
		tune(&cfg)
	}
	e.api = New(cfg)
	if err := e.api.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.http = httptest.NewServer(e.api.Handler())
	t.Cleanup(e.http.Close)
	return e
}

// withConn runs fn on the test's database through the server's own handle (one handle
// per process: a second one would write over the first).
func (e *env) withConn(fn func(context.Context, *store.Conn) error) {
	e.t.Helper()
	err := e.db.Use(context.Background(), func(db *store.DB) error {
		c, err := db.Conn(context.Background())
		if err != nil {
			return err
		}
		defer c.Close()
		return fn(context.Background(), c)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) createToken(receiver, name string, expires time.Time) string {
	e.t.Helper()
	var secret string
	e.withConn(func(ctx context.Context, c *store.Conn) error {
		var err error
		secret, _, err = token.Create(ctx, c, receiver, name, expires, e.clock.Now())
		return err
	})
	return secret
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) do(method, path, tok string, body string, header ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

// problems decodes an error answer.
func problems(t testing.TB, b []byte) []problem {
	t.Helper()
	var p []problem
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return p
}

func fields(p []problem) []string {
	var out []string
	for _, x := range p {
		out = append(out, x.Field)
	}
	return out
}

func lastExport(t testing.TB, r string) string {
	t.Helper()
	ids, err := exports.List(filepath.Join(night(t), "out"), r)
	if err != nil || len(ids) == 0 {
		t.Fatalf("exports of %s: %v %v", r, ids, err)
	}
	return ids[len(ids)-1]
}

// TestStatusCodes requests every route with good and bad tokens, paths, parameters and
// bodies, and checks each answer's status, error fields and headers.
func TestStatusCodes(t *testing.T) {
	e := newEnv(t, nil)
	dhp, ksl := e.tokens["dhp"], e.tokens["ksl"]
	expired := e.createToken("dhp", "expired", e.clock.Now().Add(-time.Hour))
	revoked := e.createToken("dhp", "revoked", time.Time{})
	e.withConn(func(ctx context.Context, c *store.Conn) error {
		_, err := token.Revoke(ctx, c, "dhp", "revoked", e.clock.Now())
		return err
	})
	if err := e.api.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	unknown := "vpsau_0123456789abcdef_" + strings.Repeat("ab", 32)
	wrongSecret := dhp[:len("vpsau_")+16+1] + strings.Repeat("0", 64)
	id := lastExport(t, "dhp")
	ex := "/v1/receivers/dhp/exports/" + id
	big := `{"endringsnr": 1, "referanse": "` + strings.Repeat("x", 5000) + `"}`

	tests := []struct {
		name         string
		method, path string
		token, body  string
		want         int
		wantFields   []string // the felt of each problem, for error answers
		wantHeader   string   // a header the answer must have
	}{
		{"healthz", "GET", "/healthz", "", "", 200, nil, ""},
		{"openapi", "GET", "/openapi.json", "", "", 200, nil, "ETag"},
		{"list", "GET", "/v1/receivers/dhp/exports", dhp, "", 200, nil, ""},
		{"manifest", "GET", ex, dhp, "", 200, nil, "ETag"},
		{"file", "GET", ex + "/dhp.csv", dhp, "", 200, nil, "ETag"},
		{"manifest as a file", "GET", ex + "/manifest.json", dhp, "", 200, nil, "ETag"},
		{"delta", "GET", "/v1/receivers/dhp/delta?since=0", dhp, "", 200, nil, "Vpsau-Endringsnr-Til"},
		{"delta xlsx", "GET", "/v1/receivers/dhp/delta?since=2&format=xlsx", dhp, "", 200, nil, "ETag"},
		{"confirm", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": 3, "referanse": "r-1"}`, 201, nil, ""},

		{"no token", "GET", "/v1/receivers/dhp/exports", "", "", 401, []string{""}, "WWW-Authenticate"},
		{"not a token", "GET", "/v1/receivers/dhp/exports", "hunter2", "", 401, []string{""}, "WWW-Authenticate"},
		{"unknown token", "GET", "/v1/receivers/dhp/exports", unknown, "", 401, []string{""}, "WWW-Authenticate"},
		{"wrong secret", "GET", "/v1/receivers/dhp/exports", wrongSecret, "", 401, []string{""}, "WWW-Authenticate"},
		{"expired token", "GET", "/v1/receivers/dhp/exports", expired, "", 401, []string{""}, "WWW-Authenticate"},
		{"revoked token", "GET", "/v1/receivers/dhp/exports", revoked, "", 401, []string{""}, "WWW-Authenticate"},
		{"no token for a file", "GET", ex + "/dhp.csv", "", "", 401, []string{""}, "WWW-Authenticate"},
		{"no token to confirm", "POST", "/v1/receivers/dhp/confirmations", "", `{"endringsnr": 3, "referanse": "r-x"}`, 401, []string{""}, ""},

		{"another receiver's list", "GET", "/v1/receivers/dhp/exports", ksl, "", 403, []string{""}, ""},
		{"another receiver's file", "GET", ex + "/dhp.csv", ksl, "", 403, []string{""}, ""},
		{"another receiver's delta", "GET", "/v1/receivers/dhp/delta?since=0", ksl, "", 403, []string{""}, ""},
		{"confirm for another receiver", "POST", "/v1/receivers/dhp/confirmations", ksl, `{"endringsnr": 3, "referanse": "r-2"}`, 403, []string{""}, ""},

		{"unknown receiver", "GET", "/v1/receivers/nobody/exports", dhp, "", 404, []string{"receiver"}, ""},
		{"unknown export", "GET", "/v1/receivers/dhp/exports/000999-20270104", dhp, "", 404, []string{"id"}, ""},
		{"staging folder", "GET", "/v1/receivers/dhp/exports/.tmp-x", dhp, "", 404, []string{"id"}, ""},
		{"id climbing out", "GET", "/v1/receivers/dhp/exports/..%2F..%2Fksl/dhp.csv", dhp, "", 404, []string{"id"}, ""},
		{"file not in the manifest", "GET", ex + "/dhp.xlsx", dhp, "", 404, []string{"file"}, ""},
		{"file climbing out", "GET", ex + "/..%2F..%2F..%2Fv.duckdb", dhp, "", 404, []string{"file"}, ""},
		{"unknown path", "GET", "/v1/nothing", dhp, "", 404, []string{""}, ""},
		{"a file's folder", "GET", ex + "/dhp.csv/", dhp, "", 404, []string{""}, ""},

		{"delta without since", "GET", "/v1/receivers/dhp/delta", dhp, "", 400, []string{"since"}, ""},
		{"delta with bad parameters", "GET", "/v1/receivers/dhp/delta?since=-1&format=pdf&sinse=3", dhp, "", 400, []string{"sinse", "since", "format"}, ""},
		{"delta after the last change", "GET", "/v1/receivers/dhp/delta?since=99", dhp, "", 400, []string{"since"}, ""},
		{"list with a parameter", "GET", "/v1/receivers/dhp/exports?all=1", dhp, "", 400, []string{"all"}, ""},
		{"manifest with a parameter", "GET", ex + "?since=3", dhp, "", 400, []string{"since"}, ""},
		{"file with a parameter", "GET", ex + "/dhp.csv?x=1", dhp, "", 400, []string{"x"}, ""},
		{"delta with since twice", "GET", "/v1/receivers/dhp/delta?since=0&since=5", dhp, "", 400, []string{"since"}, ""},
		{"confirm without fields", "POST", "/v1/receivers/dhp/confirmations", dhp, `{}`, 400, []string{"endringsnr", "referanse"}, ""},
		{"confirm with a bad type", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": "7", "referanse": "r-3"}`, 400, []string{"endringsnr"}, ""},
		{"confirm with an unknown field", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": 7, "referanse": "r-3", "by": "me"}`, 400, []string{"by"}, ""},
		{"confirm lists every problem", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": -1, "referanse": "", "foo": 1, "bar": 2}`, 400,
			[]string{"bar", "foo", "endringsnr", "referanse"}, ""},
		{"confirm with two bad types", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": "x", "referanse": 5}`, 400, []string{"endringsnr", "referanse"}, ""},
		{"confirm with nulls", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": null, "referanse": null}`, 400, []string{"endringsnr", "referanse"}, ""},
		{"confirm a change that does not exist", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": 99, "referanse": "r-4"}`, 400, []string{"endringsnr"}, ""},
		{"confirm with a bad reference", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": 1, "referanse": "a\u0000b"}`, 400, []string{"referanse"}, ""},
		{"confirm something not JSON", "POST", "/v1/receivers/dhp/confirmations", dhp, `endringsnr=1`, 400, []string{""}, ""},
		{"confirm with two objects", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": 1, "referanse": "r-5"} {}`, 400, []string{""}, ""},
		{"confirm too big", "POST", "/v1/receivers/dhp/confirmations", dhp, big, 413, []string{""}, ""},
		{"reference used for another change", "POST", "/v1/receivers/dhp/confirmations", dhp, `{"endringsnr": 2, "referanse": "r-1"}`, 409, []string{"referanse"}, ""},
		{"wrong method", "DELETE", "/v1/receivers/dhp/exports", dhp, "", 405, []string{""}, "Allow"},
		{"POST to a file", "POST", ex + "/dhp.csv", dhp, "", 405, []string{""}, "Allow"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.token, tt.body)
			if r.status != tt.want {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.want)
			}
			if tt.wantHeader != "" && r.header.Get(tt.wantHeader) == "" {
				t.Errorf("%s %s: no %s header", tt.method, tt.path, tt.wantHeader)
			}
			if tt.wantFields != nil {
				if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
					t.Errorf("Content-Type = %q, want JSON", ct)
				}
				if got := fields(problems(t, r.body)); !slices.Equal(got, tt.wantFields) {
					t.Errorf("%s %s: fields %q, want %q (%s)", tt.method, tt.path, got, tt.wantFields, r.body)
				}
			}
			if tt.token != "" && bytes.Contains(r.body, []byte(tt.token)) {
				t.Errorf("the answer repeats the token")
			}
		})
	}
}

// TestRateLimit: past the burst a token gets 429 with Retry-After; another token is not
// affected; time refills the bucket.
func TestRateLimit(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.RatePerMinute, c.Burst = 60, 3 })
	for i := 0; i < 3; i++ {
		if r := e.do("GET", "/v1/receivers/dhp/exports", e.tokens["dhp"], ""); r.status != 200 {
			t.Fatalf("request %d = %d, want 200", i+1, r.status)
		}
	}
	r := e.do("GET", "/v1/receivers/dhp/exports", e.tokens["dhp"], "")
	if r.status != 429 || r.header.Get("Retry-After") != "1" {
		t.Errorf("request 4 = %d, Retry-After %q; want 429, 1", r.status, r.header.Get("Retry-After"))
	}
	if r := e.do("GET", "/v1/receivers/ksl/exports", e.tokens["ksl"], ""); r.status != 200 {
		t.Errorf("another token = %d, want 200", r.status)
	}
	e.clock.Add(time.Second)
	if r := e.do("GET", "/v1/receivers/dhp/exports", e.tokens["dhp"], ""); r.status != 200 {
		t.Errorf("a second later = %d, want 200", r.status)
	}
}

// TestBusyDatabase: while another process holds the database file, a confirmation waits
// DBWait and is answered 503 with Retry-After; files are still served.
func TestBusyDatabase(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DBWait = 300 * time.Millisecond })
	unseen := e.createToken("dhp", "made-by-another-process", time.Time{}) // not yet loaded by the server
	e.db.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VPSAU_TEST_HOLD_DB="+e.dbPath)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "holding\n" {
		t.Fatalf("helper: %q", line)
	}
	r := e.do("POST", "/v1/receivers/dhp/confirmations", e.tokens["dhp"], `{"endringsnr": 3, "referanse": "busy"}`)
	if r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Errorf("confirm while busy = %d (Retry-After %q), want 503 with Retry-After", r.status, r.header.Get("Retry-After"))
	}
	if r := e.do("GET", "/v1/receivers/dhp/exports/"+lastExport(t, "dhp")+"/dhp.csv", e.tokens["dhp"], ""); r.status != 200 {
		t.Errorf("file while busy = %d, want 200", r.status)
	}
	// A token the server must load to check is answered as any busy database is.
	if r := e.do("GET", "/v1/receivers/dhp/exports", unseen, ""); r.status != 503 || r.header.Get("Retry-After") != "1" {
		t.Errorf("a token not yet loaded, while busy = %d (Retry-After %q), want 503 with Retry-After 1 (DBWait)", r.status, r.header.Get("Retry-After"))
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	// Opening the file counts against DBWait (300 ms here, 5 s by default): a loaded
	// machine may need more than one go, each answered 503 — never anything else.
	for deadline := time.Now().Add(30 * time.Second); ; {
		r = e.do("POST", "/v1/receivers/dhp/confirmations", e.tokens["dhp"], `{"endringsnr": 3, "referanse": "busy"}`)
		if r.status != 503 || time.Now().After(deadline) {
			break
		}
	}
	if r.status != 201 {
		t.Errorf("confirm after = %d %s, want 201", r.status, r.body)
	}
}

// TestConditionalAndRange: ETag is the manifest's SHA-256; If-None-Match answers 304;
// Range answers 206 with the bytes asked for; HEAD answers the headers alone.
func TestConditionalAndRange(t *testing.T) {
	e := newEnv(t, nil)
	for _, name := range []string{"dhp", "saukontrollen"} {
		id := lastExport(t, name)
		dir := filepath.Join(night(t), "out", name, id)
		m, err := exports.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		// Every data file, and the manifest itself (served from memory; its ETag is its
		// own SHA-256).
		raw, err := os.ReadFile(filepath.Join(dir, exports.ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		files := append(slices.Clone(m.Files), exports.File{Name: exports.ManifestName, SHA256: hex.EncodeToString(sum[:])})
		for _, f := range files {
			t.Run(f.Name, func(t *testing.T) {
				path := "/v1/receivers/" + name + "/exports/" + id + "/" + f.Name
				want, err := os.ReadFile(filepath.Join(dir, f.Name))
				if err != nil {
					t.Fatal(err)
				}
				tok := e.tokens[name]
				r := e.do("GET", path, tok, "")
				if r.status != 200 || !bytes.Equal(r.body, want) {
					t.Fatalf("GET = %d, %d bytes; want 200 and the file's %d bytes", r.status, len(r.body), len(want))
				}
				if got := r.header.Get("ETag"); got != `"`+f.SHA256+`"` {
					t.Errorf("ETag = %s, want the manifest's sha256 %s", got, f.SHA256)
				}
				if r := e.do("GET", path, tok, "", "If-None-Match", `"`+f.SHA256+`"`); r.status != 304 || len(r.body) != 0 {
					t.Errorf("If-None-Match the same = %d, %d bytes; want 304 and none", r.status, len(r.body))
				}
				if r := e.do("GET", path, tok, "", "If-None-Match", `"`+strings.Repeat("0", 64)+`"`); r.status != 200 {
					t.Errorf("If-None-Match another = %d, want 200", r.status)
				}
				r = e.do("GET", path, tok, "", "Range", "bytes=10-")
				if r.status != 206 || !bytes.Equal(r.body, want[10:]) {
					t.Errorf("Range bytes=10- = %d, %d bytes; want 206 and %d bytes", r.status, len(r.body), len(want)-10)
				}
				if got, wantCR := r.header.Get("Content-Range"), fmt.Sprintf("bytes 10-%d/%d", len(want)-1, len(want)); got != wantCR {
					t.Errorf("Content-Range = %q, want %q", got, wantCR)
				}
				if r := e.do("GET", path, tok, "", "Range", fmt.Sprintf("bytes=%d-", len(want)+5)); r.status != 416 {
					t.Errorf("Range past the end = %d, want 416", r.status)
				}
				if r := e.do("HEAD", path, tok, ""); r.status != 200 || len(r.body) != 0 || r.header.Get("Content-Length") != fmt.Sprint(len(want)) {
					t.Errorf("HEAD = %d, %d bytes, Content-Length %s; want 200, none, %d", r.status, len(r.body), r.header.Get("Content-Length"), len(want))
				}
			})
		}
	}
	t.Run("manifest", func(t *testing.T) {
		id := lastExport(t, "dhp")
		raw, err := os.ReadFile(filepath.Join(night(t), "out", "dhp", id, exports.ManifestName))
		if err != nil {
			t.Fatal(err)
		}
		r := e.do("GET", "/v1/receivers/dhp/exports/"+id, e.tokens["dhp"], "")
		if r.status != 200 || !bytes.Equal(r.body, raw) {
			t.Fatalf("manifest = %d %s, want the published bytes", r.status, r.body)
		}
		if r := e.do("GET", "/v1/receivers/dhp/exports/"+id, e.tokens["dhp"], "", "If-None-Match", r.header.Get("ETag")); r.status != 304 {
			t.Errorf("If-None-Match = %d, want 304", r.status)
		}
	})
}

// TestList names every published export with its files.
func TestList(t *testing.T) {
	e := newEnv(t, nil)
	for _, name := range receiver.Names() {
		t.Run(name, func(t *testing.T) {
			r := e.do("GET", "/v1/receivers/"+name+"/exports", e.tokens[name], "")
			var got exportList
			if err := json.Unmarshal(r.body, &got); err != nil || r.status != 200 {
				t.Fatalf("list = %d %s (%v)", r.status, r.body, err)
			}
			ids, _ := exports.List(filepath.Join(night(t), "out"), name)
			var gotIDs []string
			for _, x := range got.Exports {
				gotIDs = append(gotIDs, x.ID)
				if len(x.Files) == 0 || x.Changes.To == 0 {
					t.Errorf("export %s: files %v, changes %v", x.ID, x.Files, x.Changes)
				}
			}
			if diff := cmp.Diff(ids, gotIDs); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDelta: the delta after 0 is the night's export, byte for byte; the headers give
// its range.
func TestDelta(t *testing.T) {
	e := newEnv(t, nil)
	for _, name := range receiver.Names() {
		t.Run(name, func(t *testing.T) {
			id := lastExport(t, name)
			dir := filepath.Join(night(t), "out", name, id)
			m, err := exports.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join(dir, name+".csv"))
			if err != nil {
				t.Fatal(err)
			}
			r := e.do("GET", "/v1/receivers/"+name+"/delta?since=0&format=csv", e.tokens[name], "")
			if r.status != 200 {
				t.Fatalf("delta = %d %s", r.status, r.body)
			}
			if diff := cmp.Diff(string(want), string(r.body)); diff != "" {
				t.Errorf("delta after 0 differs from the night's export (-want +got):\n%s", diff)
			}
			if got := r.header.Get("Vpsau-Endringsnr-Til"); got != fmt.Sprint(m.Changes.To) {
				t.Errorf("Vpsau-Endringsnr-Til = %s, want %d", got, m.Changes.To)
			}
			if got := r.header.Get("Vpsau-Rader"); got != fmt.Sprint(m.Rows.Total) {
				t.Errorf("Vpsau-Rader = %s, want %d", got, m.Rows.Total)
			}
		})
	}
}

// TestConfirm: 201 the first time; the same referanse again answers the same 201 and
// body and stores nothing — also when the clock has nanoseconds and another zone than the
// database keeps; the watermark moves through receiver.Confirm.
func TestConfirm(t *testing.T) {
	e := newEnv(t, nil)
	e.clock.mu.Lock()
	e.clock.t = time.Date(2027, 1, 4, 7, 30, 0, 123456789, time.FixedZone("CET", 3600))
	e.clock.mu.Unlock()
	body := `{"endringsnr": 2, "referanse": "dhp-2027-01-04"}`
	first := e.do("POST", "/v1/receivers/dhp/confirmations", e.tokens["dhp"], body)
	if first.status != 201 {
		t.Fatalf("first = %d %s, want 201", first.status, first.body)
	}
	e.clock.Add(time.Minute)
	again := e.do("POST", "/v1/receivers/dhp/confirmations", e.tokens["dhp"], body)
	if again.status != 201 || again.header.Get("Vpsau-Gjentatt") != "ja" {
		t.Errorf("again = %d (Vpsau-Gjentatt %q), want 201, ja", again.status, again.header.Get("Vpsau-Gjentatt"))
	}
	if diff := cmp.Diff(string(first.body), string(again.body)); diff != "" {
		t.Errorf("the repeated answer differs (-first +again):\n%s", diff)
	}
	var c receiver.Confirmation
	if err := json.Unmarshal(first.body, &c); err != nil {
		t.Fatal(err)
	}
	if c.Receiver != "dhp" || c.Change != 2 || c.Previous != 0 || c.By != "dhp-system" || c.Reference != "dhp-2027-01-04" {
		t.Errorf("confirmation = %+v", c)
	}
	e.do("POST", "/v1/receivers/dhp/confirmations", e.tokens["dhp"], `{"endringsnr": 3, "referanse": "dhp-2027-01-05"}`)
	e.withConn(func(ctx context.Context, conn *store.Conn) error {
		var n, wm int64
		if err := conn.QueryRow(ctx, `SELECT count(*), arg_max(endringsnr, confirmed) FROM ops.watermark WHERE receiver = 'dhp'`).Scan(&n, &wm); err != nil {
			return err
		}
		if n != 2 || wm != 3 {
			t.Errorf("watermarks: %d rows, latest %d; want 2 rows, 3", n, wm)
		}
		return nil
	})
}

// TestOwnFeedOnly: every receiver's token reaches its own feed and no other (all pairs).
func TestOwnFeedOnly(t *testing.T) {
	e := newEnv(t, nil)
	for _, holder := range receiver.Names() {
		for _, feed := range receiver.Names() {
			t.Run(holder+"→"+feed, func(t *testing.T) {
				want := 403
				if holder == feed {
					want = 200
				}
				id := lastExport(t, feed)
				for _, path := range []string{
					"/v1/receivers/" + feed + "/exports",
					"/v1/receivers/" + feed + "/exports/" + id,
					"/v1/receivers/" + feed + "/exports/" + id + "/" + exports.ManifestName,
					"/v1/receivers/" + feed + "/delta?since=0",
				} {
					if r := e.do("GET", path, e.tokens[holder], ""); r.status != want {
						t.Errorf("GET %s = %d, want %d", path, r.status, want)
					}
				}
				confirm := `{"endringsnr": 0, "referanse": "` + holder + `"}`
				wantPost := 403
				if holder == feed {
					wantPost = 201
				}
				if r := e.do("POST", "/v1/receivers/"+feed+"/confirmations", e.tokens[holder], confirm); r.status != wantPost {
					t.Errorf("POST confirmations = %d, want %d", r.status, wantPost)
				}
			})
		}
	}
}

// TestTokenLifecycle: a token made after the server loaded its tokens works at once
// (reload on an unknown id); a revoked one stops at the next refresh; after a rotation
// both work until the overlap ends.
func TestTokenLifecycle(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MissRefresh = time.Minute })
	path := "/v1/receivers/ksl/exports"
	e.clock.Add(time.Minute) // since the reload at the start
	fresh := e.createToken("ksl", "fresh", time.Time{})
	if r := e.do("GET", path, fresh, ""); r.status != 200 {
		t.Fatalf("a new token = %d, want 200", r.status)
	}
	later := e.createToken("ksl", "later", time.Time{})
	if r := e.do("GET", path, later, ""); r.status != 401 {
		t.Errorf("a second new token within MissRefresh = %d, want 401 (reloads are rate-limited)", r.status)
	}
	e.clock.Add(time.Minute)
	if r := e.do("GET", path, later, ""); r.status != 200 {
		t.Errorf("after MissRefresh = %d, want 200", r.status)
	}

	e.withConn(func(ctx context.Context, c *store.Conn) error {
		_, err := token.Revoke(ctx, c, "ksl", "fresh", e.clock.Now())
		return err
	})
	if err := e.api.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", path, fresh, ""); r.status != 401 || !strings.Contains(string(r.body), "revoked") {
		t.Errorf("revoked = %d %s, want 401 revoked", r.status, r.body)
	}

	old := e.tokens["ksl"]
	var rotated string
	e.withConn(func(ctx context.Context, c *store.Conn) error {
		var err error
		rotated, _, _, err = token.Rotate(ctx, c, "ksl", "ksl-system", 7*24*time.Hour, time.Time{}, e.clock.Now())
		return err
	})
	if err := e.api.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{"old": old, "new": rotated} {
		if r := e.do("GET", path, tok, ""); r.status != 200 {
			t.Errorf("%s token during the overlap = %d, want 200", name, r.status)
		}
	}
	e.clock.Add(7*24*time.Hour + time.Second)
	if r := e.do("GET", path, old, ""); r.status != 401 || !strings.Contains(string(r.body), "expired") {
		t.Errorf("old token after the overlap = %d %s, want 401 expired", r.status, r.body)
	}
	if r := e.do("GET", path, rotated, ""); r.status != 200 {
		t.Errorf("new token after the overlap = %d, want 200", r.status)
	}
}

// TestAuditLog: every request is written, with its token's name but never its secret.
func TestAuditLog(t *testing.T) {
	e := newEnv(t, nil)
	e.do("GET", "/v1/receivers/dhp/exports", e.tokens["dhp"], "")
	e.do("GET", "/v1/receivers/dhp/delta?since=0&access_token=secret", e.tokens["dhp"], "")
	e.do("GET", "/v1/receivers/dhp/exports", e.tokens["ksl"], "")
	e.do("GET", "/v1/receivers/dhp/exports", "", "")
	e.do("GET", "/healthz", "", "")
	if err := e.api.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Receiver, Token, Method, Path, Query string
		Status                               int
	}
	var got []row
	e.withConn(func(ctx context.Context, c *store.Conn) error {
		rows, err := c.Query(ctx, `SELECT coalesce(receiver, ''), coalesce(token_name, ''), method, path, coalesce(query, ''), status, bytes, duration_ms, client, 
			concat_ws('|', time, receiver, token_id, token_name, method, path, query, status, client, user_agent) FROM ops.api_request ORDER BY time, path`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			var n int64
			var ms float64
			var client, all string
			if err := rows.Scan(&r.Receiver, &r.Token, &r.Method, &r.Path, &r.Query, &r.Status, &n, &ms, &client, &all); err != nil {
				return err
			}
			if client != "127.0.0.1" || ms < 0 {
				t.Errorf("client %q, %g ms", client, ms)
			}
			for _, tok := range e.tokens {
				if strings.Contains(all, tok[len(tok)-64:]) {
					t.Errorf("a secret is in the audit log: %s", all)
				}
			}
			if strings.Contains(all, "secret") {
				t.Errorf("an unknown query parameter is in the audit log: %s", all)
			}
			got = append(got, r)
		}
		return rows.Err()
	})
	sort.Slice(got, func(i, j int) bool { return got[i].Path+got[i].Token < got[j].Path+got[j].Token })
	want := []row{
		{"", "", "GET", "/healthz", "", 200},
		{"dhp", "dhp-system", "GET", "/v1/receivers/dhp/delta", "since=0", 400}, // access_token: unknown parameter
		{"dhp", "", "GET", "/v1/receivers/dhp/exports", "", 401},
		{"dhp", "dhp-system", "GET", "/v1/receivers/dhp/exports", "", 200},
		{"dhp", "ksl-system", "GET", "/v1/receivers/dhp/exports", "", 403},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("audit rows (-want +got):\n%s", diff)
	}
}

// TestRoutesMatchOpenAPI keeps the routes registered on the mux and the paths of
// docs/openapi.json in step, both ways.
func TestRoutesMatchOpenAPI(t *testing.T) {
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(docs.OpenAPI, &doc); err != nil {
		t.Fatalf("docs/openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	var documented []string
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented = append(documented, strings.ToUpper(method)+" "+path)
			if _, ok := op["responses"]; !ok {
				t.Errorf("%s %s: no responses", method, path)
			}
		}
	}
	routes := Routes()
	sort.Strings(documented)
	sort.Strings(routes)
	if diff := cmp.Diff(routes, documented); diff != "" {
		t.Errorf("routes (-registered +documented):\n%s", diff)
	}
	e := newEnv(t, nil)
	r := e.do("GET", "/openapi.json", "", "")
	if r.status != 200 || !bytes.Equal(r.body, docs.OpenAPI) {
		t.Errorf("GET /openapi.json = %d, not the checked-in document", r.status)
	}
}

// BenchmarkRequest measures the cost of one authenticated request over real HTTP: a
// manifest (small, from memory) and a data file (from disk).
func BenchmarkRequest(b *testing.B) {
	e := newEnv(b, func(c *Config) { c.RatePerMinute, c.Burst = 1e9, 1e9 })
	id := lastExport(b, "dhp")
	for _, file := range []string{exports.ManifestName, "dhp.csv"} {
		b.Run(file, func(b *testing.B) {
			path := e.http.URL + "/v1/receivers/dhp/exports/" + id + "/" + file
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req, _ := http.NewRequest("GET", path, nil)
					req.Header.Set("Authorization", "Bearer "+e.tokens["dhp"])
					resp, err := client.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Errorf("status %d", resp.StatusCode)
						return
					}
				}
			})
		})
	}
}
