package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// source is a test API server: a token endpoint and whatever handler a test gives for the
// rest. It counts requests.
type source struct {
	srv    *httptest.Server
	tokens atomic.Int32 // token requests
	hits   atomic.Int32 // API requests
	// api answers API request number n (from 1); the bearer token has been checked.
	api func(w http.ResponseWriter, r *http.Request, n int)
	// token, if set, answers token request number n instead of the normal grant.
	token func(w http.ResponseWriter, r *http.Request, n int)
	ttl   int // expires_in of issued tokens; default 3600
}

func newSource(t *testing.T, api func(w http.ResponseWriter, r *http.Request, n int)) *source {
	t.Helper()
	s := &source{api: api, ttl: 3600}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
		n := int(s.tokens.Add(1))
		if s.token != nil {
			s.token(w, r, n)
			return
		}
		id, secret, ok := r.BasicAuth()
		if err := r.ParseForm(); err != nil || !ok || id != "vpsau" || secret != "hemmelig" || r.PostForm.Get("grant_type") != "client_credentials" {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"access_token": "tok" + strconv.Itoa(n), "token_type": "Bearer", "expires_in": s.ttl})
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok") {
			writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "missing or bad bearer token"})
			return
		}
		s.api(w, r, int(s.hits.Add(1)))
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// rows makes n producer-like items.
func rows(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"produsentnr": fmt.Sprintf("30000000%02d", i+1), "navn": fmt.Sprintf("Bruk %d", i+1), "epost": nil}
	}
	return out
}

// paged serves items in pages of page_size with page tokens "p<offset>".
func paged(items []map[string]any) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		size, err := strconv.Atoi(r.URL.Query().Get("page_size"))
		if err != nil || size <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "bad page_size"})
			return
		}
		off := 0
		if tok := r.URL.Query().Get("page_token"); tok != "" {
			off, _ = strconv.Atoi(strings.TrimPrefix(tok, "p"))
		}
		end := min(off+size, len(items))
		next := ""
		if end < len(items) {
			next = "p" + strconv.Itoa(end)
		}
		writeJSON(w, http.StatusOK, map[string]any{"items": items[off:end], "next_page_token": next})
	}
}

// sleeps records the waits a client asks for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func (s *sleeps) all() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.d...)
}

func newClient(s *source, sl *sleeps, mod func(*Config)) *Client {
	cfg := Config{
		BaseURL:      s.srv.URL,
		ClientID:     "vpsau",
		ClientSecret: "hemmelig",
		PageSize:     3,
		Timeout:      2 * time.Second,
		Sleep:        sl.sleep,
	}
	if mod != nil {
		mod(&cfg)
	}
	return New("dataflyt", cfg, nil)
}

// collect fetches all pages and returns their items and bodies.
func collect(ctx context.Context, c *Client, path string) (items []map[string]*string, bodies [][]byte, err error) {
	err = c.Pages(ctx, path, func(n int, body []byte) error {
		if n != len(bodies)+1 {
			return fmt.Errorf("page %d came after page %d", n, len(bodies))
		}
		body = bytes.Clone(body) // valid only during the call
		bodies = append(bodies, body)
		got, _, err := DecodePage(body)
		items = append(items, got...)
		return err
	})
	return items, bodies, err
}

func TestPagesFollowsAllPages(t *testing.T) {
	want := rows(7)
	var sent [][]byte
	var mu sync.Mutex
	var gotQuery []string
	s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		gotQuery = append(gotQuery, r.URL.RawQuery)
		mu.Unlock()
		rec := httptest.NewRecorder()
		paged(want)(rec, r, n)
		mu.Lock()
		sent = append(sent, rec.Body.Bytes())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(rec.Body.Bytes())
	})
	sl := &sleeps{}
	items, bodies, err := collect(t.Context(), newClient(s, sl, nil), "/v1/producers")
	if err != nil {
		t.Fatalf("Pages() = %v, want nil", err)
	}
	if len(bodies) != 3 {
		t.Fatalf("Pages() gave %d pages, want 3", len(bodies))
	}
	for i := range bodies {
		if string(bodies[i]) != string(sent[i]) {
			t.Errorf("page %d body = %q, want the server's bytes %q", i+1, bodies[i], sent[i])
		}
	}
	wantQuery := []string{"page_size=3", "page_size=3&page_token=p3", "page_size=3&page_token=p6"}
	if fmt.Sprint(gotQuery) != fmt.Sprint(wantQuery) {
		t.Errorf("queries = %q, want %q", gotQuery, wantQuery)
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i, it := range items {
		if got := *it["produsentnr"]; got != want[i]["produsentnr"] {
			t.Errorf("item %d produsentnr = %q, want %q", i, got, want[i]["produsentnr"])
		}
		if it["epost"] != nil {
			t.Errorf("item %d epost = %q, want null", i, *it["epost"])
		}
	}
	if got := s.tokens.Load(); got != 1 {
		t.Errorf("token requests = %d, want 1 (the token is reused)", got)
	}
	if got := sl.all(); len(got) != 0 {
		t.Errorf("slept %v, want no waits", got)
	}
}

func TestPagesRenewsExpiredToken(t *testing.T) {
	s := newSource(t, paged(rows(7)))
	s.ttl = 1 // within the library's early-expiry margin: every request needs a new token
	if _, _, err := collect(t.Context(), newClient(s, &sleeps{}, nil), "/v1/producers"); err != nil {
		t.Fatalf("Pages() = %v, want nil", err)
	}
	if got := s.tokens.Load(); got != 3 {
		t.Errorf("token requests = %d, want 3 (one per page)", got)
	}
}

func TestPagesRetries(t *testing.T) {
	date := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	// failing answers the first request(s) badly; paged answers the rest.
	tests := []struct {
		name      string
		failures  int
		fail      func(w http.ResponseWriter, r *http.Request, n int)
		mod       func(*Config)
		wantWaits []time.Duration // nil: only check the count and the jitter bounds
		// net/http itself resends an idempotent request once when a reused connection
		// drops before answering: then fewer waits than failures.
		transportRetries bool
	}{
		{
			name:     "500 twice then OK",
			failures: 2,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				http.Error(w, "boom", http.StatusInternalServerError)
			},
		},
		{
			name:     "502 503 504",
			failures: 3,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				w.WriteHeader([]int{502, 503, 504}[n-1])
			},
		},
		{
			name:     "429 with Retry-After seconds",
			failures: 2,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Retry-After", "7")
				w.WriteHeader(http.StatusTooManyRequests)
			},
			wantWaits: []time.Duration{7 * time.Second, 7 * time.Second},
		},
		{
			name:     "429 with Retry-After date",
			failures: 1,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Retry-After", date.Add(90*time.Second).Format(http.TimeFormat))
				w.WriteHeader(http.StatusTooManyRequests)
			},
			mod:       func(c *Config) { c.Now = func() time.Time { return date }; c.MaxBackoff = time.Hour },
			wantWaits: []time.Duration{90 * time.Second},
		},
		{
			name:     "Retry-After capped at MaxBackoff",
			failures: 1,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Retry-After", "3600")
				w.WriteHeader(http.StatusServiceUnavailable)
			},
			mod:       func(c *Config) { c.MaxBackoff = 10 * time.Second },
			wantWaits: []time.Duration{10 * time.Second},
		},
		{
			name:     "timeout then OK",
			failures: 1,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				select { // longer than the client's Timeout
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			mod: func(c *Config) { c.Timeout = 100 * time.Millisecond },
		},
		{
			name:     "body stalls then OK",
			failures: 1,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"items":[`))
				w.(http.Flusher).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
			},
			mod: func(c *Config) { c.Timeout = 100 * time.Millisecond },
		},
		{
			name:             "connection dropped then OK",
			failures:         2,
			fail:             func(w http.ResponseWriter, r *http.Request, n int) { panic(http.ErrAbortHandler) },
			transportRetries: true,
		},
		{
			name:     "truncated JSON then OK",
			failures: 1,
			fail: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"items":[{"produsentnr":"30`))
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := rows(5)
			s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n <= tt.failures {
					tt.fail(w, r, n)
					return
				}
				paged(want)(w, r, n)
			})
			sl := &sleeps{}
			c := newClient(s, sl, func(c *Config) {
				c.MinBackoff = time.Second
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			items, _, err := collect(t.Context(), c, "/v1/producers")
			if err != nil {
				t.Fatalf("Pages() = %v, want nil", err)
			}
			if len(items) != len(want) {
				t.Errorf("got %d items, want %d", len(items), len(want))
			}
			if got, want := int(s.hits.Load()), tt.failures+2; got != want {
				t.Errorf("requests = %d, want %d", got, want)
			}
			waits := sl.all()
			if tt.transportRetries && len(waits) < tt.failures {
				return
			}
			if len(waits) != tt.failures {
				t.Fatalf("waits = %v, want %d of them", waits, tt.failures)
			}
			if tt.wantWaits != nil {
				if fmt.Sprint(waits) != fmt.Sprint(tt.wantWaits) {
					t.Errorf("waits = %v, want %v", waits, tt.wantWaits)
				}
				return
			}
			for i, d := range waits {
				if ceiling := time.Second << i; d < 0 || d > ceiling {
					t.Errorf("wait %d = %v, want within [0, %v]", i+1, d, ceiling)
				}
			}
		})
	}
}

func TestPagesDoesNotRetryClientErrors(t *testing.T) {
	tests := []struct {
		status           int
		wantUnauthorized bool
		wantMsg          string
	}{
		{http.StatusBadRequest, false, "source dataflyt: GET /v1/producers page 1: 400 Bad Request: page_size too large"},
		{http.StatusUnauthorized, true, "source dataflyt: GET /v1/producers page 1: 401 Unauthorized: page_size too large"},
		{http.StatusForbidden, true, "source dataflyt: GET /v1/producers page 1: 403 Forbidden: page_size too large"},
		{http.StatusNotFound, false, "source dataflyt: GET /v1/producers page 1: 404 Not Found: page_size too large"},
		{http.StatusGone, false, "source dataflyt: GET /v1/producers page 1: 410 Gone: page_size too large"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, tt.status, map[string]string{"error": "page_size too large"})
			})
			sl := &sleeps{}
			_, _, err := collect(t.Context(), newClient(s, sl, nil), "/v1/producers")
			if err == nil || err.Error() != tt.wantMsg {
				t.Fatalf("Pages() = %v, want %q", err, tt.wantMsg)
			}
			if got := s.hits.Load(); got != 1 {
				t.Errorf("requests = %d, want 1 (not retried)", got)
			}
			if got := errors.Is(err, ErrUnauthorized); got != tt.wantUnauthorized {
				t.Errorf("errors.Is(err, ErrUnauthorized) = %v, want %v", got, tt.wantUnauthorized)
			}
			var se *StatusError
			if !errors.As(err, &se) || se.Code != tt.status {
				t.Errorf("errors.As(err, *StatusError) gives %v, want code %d", se, tt.status)
			}
			if errors.Is(err, ErrGaveUp) {
				t.Errorf("errors.Is(err, ErrGaveUp) = true, want false")
			}
		})
	}
}

func TestPagesAfter401UsesNewToken(t *testing.T) {
	s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "token revoked"})
			return
		}
		paged(rows(2))(w, r, n)
	})
	c := newClient(s, &sleeps{}, nil)
	if _, _, err := collect(t.Context(), c, "/v1/producers"); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("first Pages() = %v, want ErrUnauthorized", err)
	}
	if _, _, err := collect(t.Context(), c, "/v1/producers"); err != nil {
		t.Fatalf("second Pages() = %v, want nil", err)
	}
	if got := s.tokens.Load(); got != 2 {
		t.Errorf("token requests = %d, want 2 (the refused token is dropped)", got)
	}
}

func TestPagesGivesUp(t *testing.T) {
	tests := []struct {
		name     string
		api      func(w http.ResponseWriter, r *http.Request, n int)
		wantMsg  string
		wantHits int32
		wantBad  bool
	}{
		{
			name:     "503 on the first page",
			api:      func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusServiceUnavailable) },
			wantMsg:  "source dataflyt: GET /v1/producers page 1: gave up after 5 attempts: 503 Service Unavailable",
			wantHits: 5,
		},
		{
			name: "500 on page 3",
			api: func(w http.ResponseWriter, r *http.Request, n int) {
				if r.URL.Query().Get("page_token") == "p6" {
					writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "database is down"})
					return
				}
				paged(rows(8))(w, r, n)
			},
			wantMsg:  "source dataflyt: GET /v1/producers page 3: gave up after 5 attempts: 500 Internal Server Error: database is down",
			wantHits: 7,
		},
		{
			name: "always truncated",
			api: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"items":[{"a":`))
			},
			wantMsg:  "source dataflyt: GET /v1/producers page 1: gave up after 5 attempts: bad response: body of 15 bytes is not valid JSON: unexpected end of JSON input",
			wantHits: 5,
			wantBad:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSource(t, tt.api)
			sl := &sleeps{}
			_, _, err := collect(t.Context(), newClient(s, sl, nil), "/v1/producers")
			if err == nil || err.Error() != tt.wantMsg {
				t.Fatalf("Pages() = %v, want %q", err, tt.wantMsg)
			}
			if !errors.Is(err, ErrGaveUp) {
				t.Errorf("errors.Is(err, ErrGaveUp) = false, want true")
			}
			if got := errors.Is(err, ErrBadResponse); got != tt.wantBad {
				t.Errorf("errors.Is(err, ErrBadResponse) = %v, want %v", got, tt.wantBad)
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.Source != "dataflyt" || fe.Path != "/v1/producers" {
				t.Errorf("errors.As(err, *Error) gives %+v, want source dataflyt and path /v1/producers", fe)
			}
			if got := s.hits.Load(); got != tt.wantHits {
				t.Errorf("requests = %d, want %d", got, tt.wantHits)
			}
			if got := len(sl.all()); got != 4 {
				t.Errorf("waits = %d, want 4", got)
			}
		})
	}
}

func TestPagesRefusesBrokenAnswers(t *testing.T) {
	page := func(items []map[string]any, next string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			writeJSON(w, http.StatusOK, map[string]any{"items": items, "next_page_token": next})
		}
	}
	tests := []struct {
		name     string
		pages    []func(w http.ResponseWriter) // answer to request n; the last repeats
		mod      func(*Config)
		wantErr  error
		wantMsg  string
		wantHits int32
		// wantStored is how many pages reach the callback; default wantHits-1
		wantStored int
	}{
		{
			name:     "pagination loop",
			pages:    []func(w http.ResponseWriter){page(rows(2), "a"), page(rows(3)[2:], "b"), page(rows(4)[3:], "a")},
			wantErr:  ErrPagination,
			wantMsg:  `source dataflyt: GET /v1/producers page 3: pagination broken: next_page_token "a" was used before (a loop)`,
			wantHits: 3,
		},
		{
			name:     "token pointing to itself",
			pages:    []func(w http.ResponseWriter){page(rows(2), "a"), page(rows(3)[2:], "a")},
			wantErr:  ErrPagination,
			wantMsg:  `source dataflyt: GET /v1/producers page 2: pagination broken: next_page_token "a" was used before (a loop)`,
			wantHits: 2,
		},
		{
			name:     "repeated page",
			pages:    []func(w http.ResponseWriter){page(rows(2), "a"), page(rows(2), "b"), page(nil, "")},
			wantErr:  ErrPagination,
			wantMsg:  "source dataflyt: GET /v1/producers page 2: pagination broken: page 2 has the same 2 items as page 1",
			wantHits: 2,
		},
		{
			name:       "more than MaxPages",
			pages:      []func(w http.ResponseWriter){page(rows(1), "a"), page(rows(2)[1:], "b"), page(rows(3)[2:], "c")},
			mod:        func(c *Config) { c.MaxPages = 3 },
			wantErr:    ErrPagination,
			wantMsg:    "source dataflyt: GET /v1/producers page 4: pagination broken: more than 3 pages (MaxPages)",
			wantHits:   3,
			wantStored: 3,
		},
		{
			name: "wrong content type",
			pages: []func(w http.ResponseWriter){func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				w.Write([]byte(`{"items":[],"next_page_token":""}`))
			}},
			wantErr:  ErrBadResponse,
			wantMsg:  `source dataflyt: GET /v1/producers page 1: bad response: Content-Type "text/html; charset=utf-8", want application/json`,
			wantHits: 1,
		},
		{
			name:     "wrong shape",
			pages:    []func(w http.ResponseWriter){func(w http.ResponseWriter) { writeJSON(w, 200, map[string]any{"items": "none", "next_page_token": ""}) }},
			wantErr:  ErrBadResponse,
			wantMsg:  `source dataflyt: GET /v1/producers page 1: bad response: "items" is a JSON string, want an array`,
			wantHits: 1,
		},
		{
			name:     "no next_page_token",
			pages:    []func(w http.ResponseWriter){func(w http.ResponseWriter) { writeJSON(w, 200, map[string]any{"items": rows(1)}) }},
			wantErr:  ErrBadResponse,
			wantMsg:  `source dataflyt: GET /v1/producers page 1: bad response: page has no "next_page_token" string (the last page has "")`,
			wantHits: 1,
		},
	}
	// Pages and PagesColumns refuse the same answers with the same errors.
	pull := map[string]func(c *Client, page func()) error{
		"Pages": func(c *Client, page func()) error {
			return c.Pages(t.Context(), "/v1/producers", func(int, []byte) error { page(); return nil })
		},
		"PagesColumns": func(c *Client, page func()) error {
			return c.PagesColumns(t.Context(), "/v1/producers", []string{"produsentnr"}, func(int, []byte, *Columns) error { page(); return nil })
		},
	}
	for _, tt := range tests {
		for _, how := range []string{"Pages", "PagesColumns"} {
			t.Run(tt.name+"/"+how, func(t *testing.T) {
				s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
					tt.pages[min(n, len(tt.pages))-1](w)
				})
				var stored int
				err := pull[how](newClient(s, &sleeps{}, tt.mod), func() { stored++ })
				if !errors.Is(err, tt.wantErr) || err.Error() != tt.wantMsg {
					t.Fatalf("%s() = %v, want %q", how, err, tt.wantMsg)
				}
				if got := s.hits.Load(); got != tt.wantHits {
					t.Errorf("requests = %d, want %d", got, tt.wantHits)
				}
				wantStored := tt.wantStored
				if wantStored == 0 {
					wantStored = int(tt.wantHits) - 1
				}
				if stored != wantStored {
					t.Errorf("pages passed on = %d, want %d (not the broken one)", stored, wantStored)
				}
			})
		}
	}
}

// TestPagesColumns: each page's items come decoded as DecodePageColumns decodes its body,
// a page cut off on the way is fetched again, and the items' Compact copies hold after the
// call, when the buffer the body was read into holds later pages.
func TestPagesColumns(t *testing.T) {
	want := rows(7)
	cut := true
	s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 2 && cut { // the second page, once, cut off in the middle
			cut = false
			rec := httptest.NewRecorder()
			paged(want)(rec, r, n)
			w.Header().Set("Content-Type", "application/json")
			w.Write(rec.Body.Bytes()[:rec.Body.Len()/2])
			return
		}
		paged(want)(w, r, n)
	})
	cols := []string{"navn", "epost", "produsentnr", "absent"}
	var kept []*Columns
	err := newClient(s, &sleeps{}, nil).PagesColumns(t.Context(), "/v1/producers", cols, func(n int, body []byte, items *Columns) error {
		again, _, err := DecodePageColumns(body, cols)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(items, again) {
			t.Errorf("page %d: items %+v, want %+v as DecodePageColumns decodes the body", n, items, again)
		}
		kept = append(kept, items.Compact())
		return nil
	})
	if err != nil {
		t.Fatalf("PagesColumns() = %v", err)
	}
	if got := s.hits.Load(); got != 4 {
		t.Errorf("requests = %d, want 4 (three pages, the second twice)", got)
	}
	var got []string
	for _, c := range kept {
		for i := range c.Len() {
			name, _ := c.Get(i, 0)
			_, hasMail := c.Get(i, 1)
			nr, _ := c.Get(i, 2)
			got = append(got, fmt.Sprintf("%s %s %v %v %v", nr, name, c.Has(i, 1), hasMail, c.Has(i, 3)))
		}
	}
	var wantRows []string
	for _, r := range want {
		wantRows = append(wantRows, fmt.Sprintf("%s %s true false false", r["produsentnr"], r["navn"]))
	}
	if !reflect.DeepEqual(got, wantRows) {
		t.Errorf("kept items:\n%q\nwant\n%q", got, wantRows)
	}
}

func TestPagesColumnsAskedTwice(t *testing.T) {
	s := newSource(t, paged(rows(2)))
	err := newClient(s, &sleeps{}, nil).PagesColumns(t.Context(), "/v1/producers", []string{"a", "a"}, func(int, []byte, *Columns) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `"a" asked for twice`) {
		t.Fatalf("PagesColumns with a column twice: %v, want an error naming it", err)
	}
	if got := s.hits.Load(); got != 0 {
		t.Errorf("requests = %d, want none", got)
	}
}

func TestPagesCallbackErrorStops(t *testing.T) {
	s := newSource(t, paged(rows(9)))
	stop := errors.New("disk full")
	err := newClient(s, &sleeps{}, nil).Pages(t.Context(), "/v1/producers", func(n int, body []byte) error {
		if n == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || err.Error() != "source dataflyt: GET /v1/producers page 2: disk full" {
		t.Fatalf("Pages() = %v, want the callback's error on page 2", err)
	}
	if got := s.hits.Load(); got != 2 {
		t.Errorf("requests = %d, want 2", got)
	}
}

func TestTokenEndpointTrouble(t *testing.T) {
	tests := []struct {
		name       string
		token      func(w http.ResponseWriter, r *http.Request, n int)
		secret     string
		closed     bool // the token URL points at a closed port
		wantGaveUp bool
		wantUnauth bool
		wantIn     string
		wantTokens int32
	}{
		{
			name:       "503",
			token:      func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusServiceUnavailable) },
			wantGaveUp: true,
			wantIn:     "/oauth2/token: 503 Service Unavailable",
			wantTokens: 5,
		},
		{
			name:       "not listening",
			closed:     true,
			wantGaveUp: true,
			wantIn:     "connection refused",
		},
		{
			name:       "wrong secret",
			secret:     "feil",
			wantUnauth: true,
			wantIn:     "/oauth2/token: 401 Unauthorized: invalid_client",
			wantTokens: 1,
		},
		{
			name: "invalid_grant as 400",
			token: func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "client disabled"})
			},
			wantUnauth: true,
			wantIn:     "/oauth2/token: 400 Bad Request: invalid_grant: client disabled",
			wantTokens: 1,
		},
		{
			name:       "down twice then up",
			token:      nil, // set below
			wantTokens: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSource(t, paged(rows(2)))
			s.token = tt.token
			if tt.name == "down twice then up" {
				s.token = func(w http.ResponseWriter, r *http.Request, n int) {
					if n <= 2 {
						w.WriteHeader(http.StatusBadGateway)
						return
					}
					writeJSON(w, http.StatusOK, map[string]any{"access_token": "tok", "token_type": "Bearer", "expires_in": 3600})
				}
			}
			tokenURL := ""
			if tt.closed {
				dead := httptest.NewServer(http.NotFoundHandler())
				tokenURL = dead.URL + "/oauth2/token"
				dead.Close()
			}
			c := newClient(s, &sleeps{}, func(c *Config) {
				c.TokenURL = tokenURL
				if tt.secret != "" {
					c.ClientSecret = tt.secret
				}
			})
			_, _, err := collect(t.Context(), c, "/v1/producers")
			if tt.wantIn == "" {
				if err != nil {
					t.Fatalf("Pages() = %v, want nil", err)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantIn) || !strings.HasPrefix(err.Error(), "source dataflyt: GET /v1/producers page 1: ") {
				t.Fatalf("Pages() = %v, want an error about %q", err, tt.wantIn)
			}
			if got := errors.Is(err, ErrGaveUp); got != tt.wantGaveUp {
				t.Errorf("errors.Is(err, ErrGaveUp) = %v, want %v", got, tt.wantGaveUp)
			}
			if got := errors.Is(err, ErrUnauthorized); got != tt.wantUnauth {
				t.Errorf("errors.Is(err, ErrUnauthorized) = %v, want %v", got, tt.wantUnauth)
			}
			if got := s.tokens.Load(); !tt.closed && got != tt.wantTokens {
				t.Errorf("token requests = %d, want %d", got, tt.wantTokens)
			}
			if tt.wantIn != "" && s.hits.Load() != 0 {
				t.Errorf("API requests = %d, want 0 without a token", s.hits.Load())
			}
		})
	}
}

func TestPagesStopsWhenCancelledDuringBackoff(t *testing.T) {
	s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	c := New("slakt", Config{BaseURL: s.srv.URL, ClientID: "vpsau", ClientSecret: "hemmelig", MaxBackoff: time.Hour}, nil) // the real sleep
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	err := c.Pages(ctx, "/v1/slaughter", func(int, []byte) error { return nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Pages() = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Pages() took %v after cancel, want prompt", took)
	}
	want := "source slakt: GET /v1/slaughter page 1: context canceled (while waiting to retry after: 503 Service Unavailable)"
	if err.Error() != want {
		t.Errorf("Pages() = %q, want %q", err, want)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestPagesStopsWhenCancelledDuringRequest(t *testing.T) {
	s := newSource(t, func(w http.ResponseWriter, r *http.Request, n int) {
		<-r.Context().Done()
	})
	c := newClient(s, &sleeps{}, func(c *Config) { c.Timeout = time.Minute })
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	err := c.Pages(ctx, "/v1/producers", func(int, []byte) error { return nil })
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrGaveUp) {
		t.Fatalf("Pages() = %v, want context.Canceled and no retries", err)
	}
	if got := s.hits.Load(); got != 1 {
		t.Errorf("requests = %d, want 1", got)
	}
}

func TestGet(t *testing.T) {
	tests := []struct {
		name    string
		api     func(w http.ResponseWriter, r *http.Request, n int)
		want    string
		wantErr string
	}{
		{
			name: "years",
			api: func(w http.ResponseWriter, r *http.Request, n int) {
				if r.URL.Path != "/v1/subsidy" || r.URL.RawQuery != "" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"years":[2024,2025,2026]}`))
			},
			want: `{"years":[2024,2025,2026]}`,
		},
		{
			name: "503 then OK",
			api: func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					w.WriteHeader(http.StatusServiceUnavailable)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"years":[]}`))
			},
			want: `{"years":[]}`,
		},
		{
			name:    "404",
			api:     func(w http.ResponseWriter, r *http.Request, n int) { http.NotFound(w, r) },
			wantErr: "source dataflyt: GET /v1/subsidy: 404 Not Found",
		},
		{
			name: "not JSON",
			api: func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"years":[2024,`))
			},
			wantErr: "source dataflyt: GET /v1/subsidy: gave up after 5 attempts: bad response: body of 15 bytes is not valid JSON: unexpected end of JSON input",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSource(t, tt.api)
			got, err := newClient(s, &sleeps{}, nil).Get(t.Context(), "/v1/subsidy")
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("Get() = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("Get() = %q, %v, want %q", got, err, tt.want)
			}
		})
	}
}

func TestBadBaseURL(t *testing.T) {
	for _, base := range []string{"", "localhost:8080", "ftp://x"} {
		t.Run(base, func(t *testing.T) {
			c := New("didac", Config{BaseURL: base, Sleep: (&sleeps{}).sleep}, nil)
			err := c.Pages(t.Context(), "/v1/courses", func(int, []byte) error { return nil })
			if err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
				t.Fatalf("Pages() with BaseURL %q = %v, want a bad URL error", base, err)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	c := New("x", Config{MinBackoff: 500 * time.Millisecond, MaxBackoff: 3 * time.Second}, nil)
	ceilings := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 3 * time.Second, 3 * time.Second, 3 * time.Second}
	for i, ceiling := range ceilings {
		attempt := i + 1
		t.Run(strconv.Itoa(attempt), func(t *testing.T) {
			var top time.Duration
			for range 2000 {
				d := c.backoff(attempt)
				if d < 0 || d > ceiling {
					t.Fatalf("backoff(%d) = %v, want within [0, %v]", attempt, d, ceiling)
				}
				top = max(top, d)
			}
			if top < ceiling*8/10 {
				t.Errorf("backoff(%d) never above %v in 2000 draws, want up to %v (full jitter)", attempt, top, ceiling)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"0", 0, true},
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{now.Add(time.Minute).Format(http.TimeFormat), time.Minute, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"99999999999999999", 1 << 30 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := retryAfter(tt.in, now)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("retryAfter(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
