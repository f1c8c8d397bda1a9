package api

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dvpsau/vpsau/internal/store"
)

// reqInfo is what the handlers learn about a request for its audit row.
type reqInfo struct {
	receiver, tokenID, tokenName string
}

type infoKey struct{}

func infoOf(ctx context.Context) *reqInfo {
	i, _ := ctx.Value(infoKey{}).(*reqInfo)
	return i
}

// auditRow is one row of ops.api_request.
type auditRow struct {
	time                         time.Time
	receiver, tokenID, tokenName string
	method, path, query          string
	status                       int64
	bytes                        int64
	ms                           float64
	client, agent                string
}

// serveAudited serves a request through the routes and keeps its audit row.
func (s *Server) serveAudited(w http.ResponseWriter, r *http.Request) {
	arrived := s.cfg.Now()
	start := time.Now()
	info := &reqInfo{}
	rec := &recorder{ResponseWriter: w}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if h, pattern := s.mux.Handler(r); pattern == "" {
		noRoute(rec, r, h) // no route, or not for this method: answered in JSON too
	} else {
		s.mux.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), infoKey{}, info)))
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	client, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		client = r.RemoteAddr
	}
	s.audit.add(auditRow{
		time: arrived, receiver: info.receiver, tokenID: info.tokenID, tokenName: info.tokenName,
		method: r.Method, path: clip(redact(r.URL.Path), 300), query: knownQuery(r.URL.Query()),
		status: int64(rec.status), bytes: rec.bytes, ms: float64(time.Since(start).Microseconds()) / 1000,
		client: client, agent: clip(redact(r.UserAgent()), 200),
	})
}

// knownQuery keeps the parameters the API knows; anything else (which could be a secret
// a client put in the wrong place) is not stored.
func knownQuery(q url.Values) string {
	keep := url.Values{}
	for _, k := range []string{"since", "format"} {
		if v, ok := q[k]; ok {
			for _, x := range v {
				keep.Add(k, clip(x, 40))
			}
		}
	}
	return keep.Encode()
}

// secretLike matches what could be a token's secret that a client put in the wrong place
// (the path, its user agent): a token (vpsau_<id>_<secret>) or a long run of hex digits.
var secretLike = regexp.MustCompile(`(?i)(vpsau_[0-9a-f]{16}_)[0-9a-f]+|[0-9a-f]{32,}`)

// redact keeps a token's id, which names it, and drops what could be its secret.
func redact(s string) string {
	if !mayHoldSecret(s) {
		return s // every request redacts its path and user agent: most hold nothing to find
	}
	return secretLike.ReplaceAllString(s, "${1}…")
}

// mayHoldSecret reports whether secretLike could match s: s holds a byte that is not
// ASCII (the pattern folds case the Unicode way), "vpsau_" in any case, or a run of 32 hex
// digits. It is a quick scan that spares most requests the regular expression.
func mayHoldSecret(s string) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 0x80:
			return true
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
			if run++; run >= 32 {
				return true
			}
			continue
		case c == '_' && i >= 5 && strings.EqualFold(s[i-5:i], "vpsau"):
			return true
		}
		run = 0
	}
	return false
}

// clip makes s valid UTF-8 (a path may hold any bytes, %ff; the database turns a string
// that is not into NULL, and one such row failed every later batch of the audit log) and
// cuts it to at most n bytes, at a character's start.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		return s[:n]
	}
	return s
}

// recorder notes the status and counts the body bytes; it passes ReadFrom on, so that
// files still go out by sendfile.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := r.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(struct{ io.Writer }{r.ResponseWriter}, src)
	}
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// auditLog buffers audit rows between writes. While the database cannot be had it keeps
// at most max rows and counts the rest as dropped.
type auditLog struct {
	mu      sync.Mutex
	rows    []auditRow
	max     int
	dropped int64
}

func (a *auditLog) add(row auditRow) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.rows) >= a.max {
		a.dropped++
		return
	}
	a.rows = append(a.rows, row)
}

func (a *auditLog) take() ([]auditRow, int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	rows, dropped := a.rows, a.dropped
	a.rows, a.dropped = nil, 0
	return rows, dropped
}

// putBack returns rows that could not be written, ahead of the ones that came since.
func (a *auditLog) putBack(rows []auditRow, dropped int64) {
	a.mu.Lock()
	defer a.mu.Unlock()
	all := append(rows, a.rows...)
	if len(all) > a.max {
		dropped += int64(len(all) - a.max)
		all = all[len(all)-a.max:]
	}
	a.rows = all
	a.dropped += dropped
}

func (a *auditLog) len() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.rows)
}

// Flush writes the buffered audit rows in one transaction. Rows it cannot write stay
// buffered for the next try.
func (s *Server) Flush(ctx context.Context) error {
	rows, dropped := s.audit.take()
	if len(rows) == 0 && dropped == 0 {
		return nil
	}
	if dropped > 0 {
		s.cfg.Log.Warn("audit rows dropped while the database could not be had", "rows", dropped)
	}
	if len(rows) == 0 {
		return nil
	}
	err := s.withDB(ctx, func(ctx context.Context, c *store.Conn) error {
		return c.InTx(ctx, func() error {
			return c.Append(ctx, "ops", "api_request", func(a *store.Appender) error {
				for _, r := range rows {
					if err := a.AppendRow(r.time, nullable(r.receiver), nullable(r.tokenID), nullable(r.tokenName),
						r.method, r.path, nullable(r.query), r.status, r.bytes, r.ms, r.client, nullable(r.agent)); err != nil {
						return err
					}
				}
				return nil
			})
		})
	})
	if err != nil {
		s.audit.putBack(rows, 0)
	}
	return err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
