// Package api is the receivers' download API of vpsau serve: each receiver lists and
// downloads its published exports, fetches the delta after a change number, and confirms
// what it has applied — with its own bearer tokens, and nothing of another receiver's.
//
// Files are served from the published export folders without the database. The database
// (one writing process per file) is opened through a store.Shared handle only to confirm,
// to compute a delta, to refresh the tokens (every 30 s, and at once for an unknown token
// id, at most every few seconds) and to write the audit log (in batches every few
// seconds, never per request).
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/dvpsau/vpsau/docs"
	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/internal/token"
)

// Config configures the API.
type Config struct {
	Out   string        // the published exports: <Out>/<receiver>/<export id>/
	DB    *store.Shared // the database, opened only while used
	Files map[string][]exports.FileSpec
	XLSX  exports.XLSXOptions

	// DBWait is how long a request waits for a database that another process holds
	// before it is answered 503 with Retry-After (default 5s).
	DBWait time.Duration
	// RatePerMinute and Burst bound each token's requests (token bucket; defaults 600
	// and 60).
	RatePerMinute, Burst int
	// TokenRefresh is how often the tokens are reloaded (default 30s); MissRefresh the
	// least time between reloads for an unknown token id (default 5s).
	TokenRefresh, MissRefresh time.Duration
	// AuditFlush is how often the audit log is written (default 5s); AuditMax the most
	// requests kept while the database cannot be had (default 100,000; more are counted
	// and dropped).
	AuditFlush time.Duration
	AuditMax   int
	// Deltas is how many deltas are computed at once (default 2).
	Deltas int
	// TempDir is where deltas are staged (default the system's).
	TempDir string

	Now func() time.Time
	Log *slog.Logger
}

// Server serves the API. Make it with New, serve Handler, and run Run beside it.
type Server struct {
	cfg       Config
	mux       *http.ServeMux
	receivers map[string]receiver.Receiver
	limits    *limiter
	deltas    chan struct{}

	tokMu     sync.RWMutex
	tokens    map[string]token.Token
	refreshMu sync.Mutex // one reload at a time
	missMu    sync.Mutex
	lastMiss  time.Time // the last reload for an unknown id

	manMu     sync.Mutex
	manifests map[string]*cachedManifest
	withheld  map[string]withheldAt // by export folder: whether it holds what may not leave now

	audit auditLog
}

// New makes a server.
func New(cfg Config) *Server {
	if cfg.DBWait == 0 {
		cfg.DBWait = 5 * time.Second
	}
	if cfg.RatePerMinute == 0 {
		cfg.RatePerMinute = 600
	}
	if cfg.Burst == 0 {
		cfg.Burst = 60
	}
	if cfg.TokenRefresh == 0 {
		cfg.TokenRefresh = 30 * time.Second
	}
	if cfg.MissRefresh == 0 {
		cfg.MissRefresh = 5 * time.Second
	}
	if cfg.AuditFlush == 0 {
		cfg.AuditFlush = 5 * time.Second
	}
	if cfg.AuditMax == 0 {
		cfg.AuditMax = 100_000
	}
	if cfg.Deltas == 0 {
		cfg.Deltas = 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:       cfg,
		limits:    newLimiter(float64(cfg.RatePerMinute)/60, cfg.Burst),
		deltas:    make(chan struct{}, cfg.Deltas),
		manifests: map[string]*cachedManifest{},
		withheld:  map[string]withheldAt{},
		audit:     auditLog{max: cfg.AuditMax},
		receivers: map[string]receiver.Receiver{},
	}
	for _, r := range receiver.All() {
		s.receivers[r.Name] = r
	}
	s.mux = http.NewServeMux()
	for _, rt := range s.routes() {
		h := rt.handler
		if rt.auth {
			h = s.authorize(h)
		}
		s.mux.Handle(rt.pattern, h)
	}
	return s
}

// route is one of the API's routes.
type route struct {
	pattern string
	auth    bool // needs a token of the path's receiver
	handler http.HandlerFunc
}

func (s *Server) routes() []route {
	return []route{
		{"GET /healthz", false, s.healthz},
		{"GET /openapi.json", false, s.openapi},
		{"GET /v1/receivers/{receiver}/exports", true, s.listExports},
		{"GET /v1/receivers/{receiver}/exports/{id}", true, s.manifest},
		{"GET /v1/receivers/{receiver}/exports/{id}/{file}", true, s.file},
		{"GET /v1/receivers/{receiver}/delta", true, s.delta},
		{"POST /v1/receivers/{receiver}/confirmations", true, s.confirm},
	}
}

// Routes lists the patterns the API registers ("METHOD /path"), for the test that keeps
// them and docs/openapi.json in step.
func Routes() []string {
	var out []string
	for _, r := range (&Server{}).routes() {
		out = append(out, r.pattern)
	}
	return out
}

// Handler returns the API's handler: every request is audited.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveAudited)
}

// Run refreshes the tokens and writes the audit log until ctx ends, then writes what is
// left. It returns the error of that last write.
func (s *Server) Run(ctx context.Context) error {
	refresh := time.NewTicker(s.cfg.TokenRefresh)
	defer refresh.Stop()
	flush := time.NewTicker(s.cfg.AuditFlush)
	defer flush.Stop()
	if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
		s.cfg.Log.Warn("tokens not loaded", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			return s.Flush(fctx)
		case <-refresh.C:
			if err := s.Refresh(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Log.Warn("tokens not refreshed; keeping the ones loaded", "err", err)
			}
		case <-flush.C:
			if err := s.Flush(ctx); err != nil && ctx.Err() == nil {
				s.cfg.Log.Warn("audit log not written; kept for the next try", "err", err, "rows", s.audit.len())
			}
		}
	}
}

// errBusy reports that the database stayed in another process's hands past DBWait.
var errBusy = errors.New("the database is busy")

// withDB runs fn with a connection, waiting at most DBWait for the database file. Once fn
// has started it runs to its end under ctx, so that a confirmation is never answered 503
// after it was stored.
func (s *Server) withDB(ctx context.Context, fn func(context.Context, *store.Conn) error) error {
	if s.cfg.DB == nil {
		return errors.New("no database")
	}
	// store.Shared waits for the file under wctx only; fn runs under ctx.
	wctx, cancel := context.WithTimeout(ctx, s.cfg.DBWait)
	defer cancel()
	started := false
	err := s.cfg.DB.Use(wctx, func(db *store.DB) error {
		started = true
		c, err := db.Conn(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		return fn(ctx, c)
	})
	// Not started and the wait over (however the open reports being cut short: DuckDB may
	// answer an interrupted open with an error of its own) is a busy database, not a fault.
	if err != nil && !started && ctx.Err() == nil && (errors.Is(err, store.ErrBusy) || wctx.Err() != nil) {
		return errBusy
	}
	return err
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("ETag", `"`+docs.OpenAPISHA256()+`"`)
	http.ServeContent(w, r, "", time.Time{}, readSeeker(docs.OpenAPI))
}
