package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

// TestEveryTokenOnlyItsFeed asks every route of every receiver's feed with every
// receiver's token (all pairs), a data file and HEAD included: a token reaches its own
// feed and gets 403 from every other, with an answer that holds nothing of that feed.
// Paths that try to climb out of a feed (.., encoded slashes, another receiver's export
// id or file) reach nothing either.
func TestEveryTokenOnlyItsFeed(t *testing.T) {
	e := newEnv(t, nil)
	for _, feed := range receiver.Names() {
		id := lastExport(t, feed)
		m, err := exports.ReadManifest(night(t) + "/out/" + feed + "/" + id)
		if err != nil {
			t.Fatal(err)
		}
		base := "/v1/receivers/" + feed
		reqs := [][2]string{
			{"GET", base + "/exports"}, {"GET", base + "/exports/" + id}, {"GET", base + "/exports/" + id + "/" + exports.ManifestName},
			{"HEAD", base + "/exports/" + id + "/" + exports.ManifestName},
			{"GET", base + "/delta?since=0"}, {"GET", base + "/delta?since=0&format=xlsx"}, {"GET", base + "/delta?since=0&format=csv"},
		}
		for _, f := range m.Files {
			reqs = append(reqs, [2]string{"GET", base + "/exports/" + id + "/" + f.Name}, [2]string{"HEAD", base + "/exports/" + id + "/" + f.Name})
		}
		for _, holder := range receiver.Names() {
			t.Run(holder+"→"+feed, func(t *testing.T) {
				for _, rq := range reqs {
					want := http.StatusForbidden
					if holder == feed {
						want = http.StatusOK
					}
					r := e.do(rq[0], rq[1], e.tokens[holder], "")
					if r.status != want {
						t.Errorf("%s %s = %d, want %d", rq[0], rq[1], r.status, want)
					}
					if want == http.StatusForbidden && strings.Contains(string(r.body), "endringsnr") {
						t.Errorf("%s %s: the refusal holds data: %.200s", rq[0], rq[1], r.body)
					}
				}
				wantPost := http.StatusForbidden
				if holder == feed {
					wantPost = http.StatusCreated
				}
				if r := e.do("POST", base+"/confirmations", e.tokens[holder], `{"endringsnr": 0, "referanse": "pairs-`+holder+`"}`); r.status != wantPost {
					t.Errorf("POST confirmations = %d, want %d", r.status, wantPost)
				}
			})
		}
	}

	t.Run("paths out of the feed", func(t *testing.T) {
		dhp, ksl := lastExport(t, "dhp"), lastExport(t, "ksl")
		for _, p := range []string{
			"/v1/receivers/dhp/../ksl/exports",
			"/v1/receivers/dhp/exports/../../ksl/exports/" + ksl,
			"/v1/receivers/dhp%2F..%2Fksl/exports",
			"/v1/receivers/dhp/exports/..%2Fksl%2F" + ksl,
			"/v1/receivers/dhp/exports/" + dhp + "/..%2F..%2Fksl%2F" + ksl + "%2Fksl.csv",
			"/v1/receivers/dhp/exports/" + ksl + "/ksl.csv",
			"/v1/receivers/dhp/exports/%2e%2e/ksl.csv",
			"/v1/receivers/DHP/exports",
			"/v1/receivers/ksl%00/exports",
		} {
			r := e.do("GET", p, e.tokens["dhp"], "")
			if r.status == http.StatusOK || strings.Contains(string(r.body), "endringsnr") {
				t.Errorf("GET %s with dhp's token = %d %.200s; want a refusal", p, r.status, r.body)
			}
		}
	})
}

// TestAuditRedacts: a token a client put in the path or its user agent is not kept in the
// audit table — only its id — and a request whose path or agent is not UTF-8 is still
// audited (regression: the audit table kept a token's secret from a path).
func TestAuditRedacts(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.tokens["dhp"]
	e.do("GET", "/v1/receivers/"+tok+"/exports", tok, "")
	e.do("GET", "/v1/receivers/dhp/exports", "", "", "User-Agent", "curl "+tok)
	e.do("GET", "/v1/receivers/%ff%fe/exports", tok, "", "User-Agent", "agent \xff")
	if err := e.api.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	var rows []string
	e.withConn(func(ctx context.Context, c *store.Conn) error {
		rs, err := c.Query(ctx, `SELECT path || ' ' || coalesce(user_agent, '') FROM ops.api_request`)
		if err != nil {
			return err
		}
		defer rs.Close()
		for rs.Next() {
			var s string
			rs.Scan(&s)
			rows = append(rows, s)
		}
		return rs.Err()
	})
	if len(rows) != 3 {
		t.Fatalf("audit rows %q, want 3", rows)
	}
	secret := tok[strings.LastIndexByte(tok, '_')+1:]
	id := strings.Split(tok, "_")[1]
	for _, r := range rows {
		if strings.Contains(r, secret) {
			t.Errorf("audit row %q holds the token's secret", r)
		}
	}
	if !strings.Contains(strings.Join(rows, "\n"), "vpsau_"+id+"_…") {
		t.Errorf("audit rows %q do not keep the token's id", rows)
	}
}

// FuzzRequest sends the API requests of any method, path, query, body and Authorization
// header (a receiver's token, or any text): the
// server never panics, never answers 500, answers errors as JSON problems, and never
// answers 2xx about a feed other than its token's.
func FuzzRequest(f *testing.F) {
	for _, s := range []struct {
		method, path, query, body, auth string
		holder                          uint8
	}{
		{"GET", "/v1/receivers/dhp/exports", "", "", "", 0},
		{"GET", "/v1/receivers/ksl/exports", "", "", "", 0},
		{"GET", "/v1/receivers/dhp/delta", "since=0&format=xlsx", "", "", 0},
		{"GET", "/v1/receivers/dhp/delta", "since=-1&since=2&format=pdf&x=1", "", "", 0},
		{"GET", "/v1/receivers/dhp/delta", "since=99999999999999999999", "", "", 0},
		{"GET", "/v1/receivers/dhp/exports/000001-20270104/dhp.csv", "", "", "", 0},
		{"GET", "/v1/receivers/dhp/exports/..%2F..%2Fksl/dhp.csv", "", "", "", 0},
		{"POST", "/v1/receivers/dhp/confirmations", "", `{"endringsnr": 3, "referanse": "a"}`, "", 0},
		{"POST", "/v1/receivers/dhp/confirmations", "", `{"endringsnr": -1, "referanse": "` + strings.Repeat("x", 200) + `"}`, "", 0},
		{"POST", "/v1/receivers/dhp/confirmations", "", `{"endringsnr": 1e99}{}`, "", 1},
		{"DELETE", "/v1/receivers/dhp/exports", "", "", "", 5},
		{"GET", "/v1/receivers/nokkeltall/exports", "", "", "", 3},
		{"GET", "/v1/receivers/dhp/exports", "", "", "Bearer vpsau_0123456789abcdef_" + strings.Repeat("a", 64), 6},
		{"GET", "/v1/receivers/dhp/exports", "", "", "bearer  vpsau_x_y", 6},
		{"GET", "/v1/receivers/dhp/exports", "", "", "Basic ZGhwOng=", 6},
	} {
		f.Add(s.method, s.path, s.query, s.body, s.auth, s.holder)
	}
	e := newEnv(f, func(c *Config) { c.RatePerMinute, c.Burst = 1e9, 1e9 })
	names := receiver.Names()
	handler := e.api.Handler()
	f.Fuzz(func(t *testing.T, method, p, query, body, auth string, holder uint8) {
		if !validMethod(method) || !strings.HasPrefix(p, "/") || len(p) > 2000 || len(body) > 1<<16 {
			return
		}
		u := &url.URL{Path: p, RawQuery: query}
		req := httptest.NewRequest("GET", "/", strings.NewReader(body))
		req.Method, req.URL, req.RequestURI = method, u, u.RequestURI()
		var tokFeed string
		switch i := int(holder) % (len(names) + 2); {
		case i < len(names):
			tokFeed = names[i]
			req.Header.Set("Authorization", "Bearer "+e.tokens[tokFeed])
		case i == len(names) && !strings.ContainsFunc(auth, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }):
			req.Header.Set("Authorization", auth) // any header: none of it reaches a feed
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		code := rec.Code
		if code >= 500 {
			t.Fatalf("%s %s?%s = %d %s", method, p, query, code, rec.Body.String())
		}
		if code >= 400 && strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			var probs []problem
			if err := json.Unmarshal(rec.Body.Bytes(), &probs); err != nil || len(probs) == 0 {
				t.Fatalf("%s %s = %d with a body that is no problem list: %s", method, p, code, rec.Body.String())
			}
			for _, pr := range probs {
				if !utf8.ValidString(pr.Message) || !utf8.ValidString(pr.Field) {
					t.Fatalf("problem %+v is not UTF-8", pr)
				}
			}
		}
		if code < 300 {
			clean := path.Clean(p)
			if rest, ok := strings.CutPrefix(clean, "/v1/receivers/"); ok {
				feed, _, _ := strings.Cut(rest, "/")
				if feed != tokFeed {
					t.Fatalf("%s %s?%s = %d for feed %q with a token of %q", method, p, query, code, feed, tokFeed)
				}
			}
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS":
		return true
	}
	return false
}

// FuzzConfirmation checks the parsing of a confirmation's body: no body makes it panic,
// and one it accepts has a change number ≥ 0 and a printable referanse of 1–100 bytes.
func FuzzConfirmation(f *testing.F) {
	for _, s := range []string{`{"endringsnr": 3, "referanse": "a"}`, `{"endringsnr": -1}`, `{"referanse": 7}`, `{"x": 1}`,
		`{"endringsnr": 1, "referanse": "a"} {}`, `{"endringsnr": 1.5, "referanse": "\u0000"}`, `[]`, `null`, ``,
		`{"endringsnr": 9223372036854775808, "referanse": "a"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c, probs := parseConfirmation(body)
		if len(probs) > 0 {
			return
		}
		if c.Change == nil || *c.Change < 0 || c.Reference == nil || *c.Reference == "" || len(*c.Reference) > 100 || !utf8.ValidString(*c.Reference) {
			t.Fatalf("parseConfirmation(%q) accepted %+v", body, c)
		}
	})
}

// TestRedact checks the quick scan in front of the pattern: what it lets pass holds
// nothing the pattern would replace, and what it sends on is replaced as the pattern does.
func TestRedact(t *testing.T) {
	hex32 := strings.Repeat("0123456789abcdef", 2)
	tests := []struct {
		name, in, want string
	}{
		{"plain path", "/v1/receivers/dhp/exports/000001-20261102/dhp.csv", "/v1/receivers/dhp/exports/000001-20261102/dhp.csv"},
		{"a token", "/x/vpsau_0123456789abcdef_" + hex32, "/x/vpsau_0123456789abcdef_…"},
		{"a token in capitals", "VPSAU_0123456789ABCDEF_DEADBEEF", "VPSAU_0123456789ABCDEF_…"},
		{"32 hex digits", "agent/" + hex32 + "/x", "agent/…/x"},
		{"31 hex digits", "agent/" + hex32[:31] + "/x", "agent/" + hex32[:31] + "/x"},
		{"32 hex digits in capitals", strings.ToUpper(hex32), "…"},
		{"an underscore near the start", "_a_vpsau", "_a_vpsau"},
		{"vpsau_ without a token after it", "vpsau_xyz", "vpsau_xyz"},
		{"a long s that folds to s", "vpſau_0123456789abcdef_beef", "vpſau_0123456789abcdef_…"},
		{"other bytes", "Mozilla/5.0 (X11; Linux x86_64) æøå", "Mozilla/5.0 (X11; Linux x86_64) æøå"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := redact(tt.in); got != tt.want {
				t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzRedact checks that the quick scan never lets through a string the pattern changes.
func FuzzRedact(f *testing.F) {
	for _, s := range []string{"/v1/receivers/dhp/exports", "vpsau_0123456789abcdef_00", "vpſau_0123456789abcdef_00",
		strings.Repeat("a", 32), strings.Repeat("f", 31) + "_", "VpSaU_0123456789ABCDEF_1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if want := secretLike.ReplaceAllString(s, "${1}…"); redact(s) != want {
			t.Fatalf("redact(%q) = %q, the pattern gives %q", s, redact(s), want)
		}
	})
}
