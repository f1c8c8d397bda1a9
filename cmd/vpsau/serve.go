package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/api"
	"github.com/dvpsau/vpsau/internal/config"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/metrics"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/runlock"
	"github.com/dvpsau/vpsau/internal/schedule"
	"github.com/dvpsau/vpsau/internal/store"
)

func serveCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "serve", "[--config FILE] [--db FILE] [--out DIR] [--listen ADDR] [--schedule SPEC] [--inbox DIR]")
	cf := commonFlags(fs, true)
	listen := fs.String("listen", "", "address of the HTTP API (default 127.0.0.1:8080, or the config's serve.listen)")
	spec := fs.String("schedule", "", `cron spec in Europe/Oslo time (default "30 4 * * *", or the config's serve.schedule)`)
	inbox := fs.String("inbox", "", "file-drop folder for the scheduled runs (default: the config's serve.inbox, else the HTTP sources)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Serve.Listen = *listen
	}
	if *spec != "" {
		cfg.Serve.Schedule = *spec
	}
	if *inbox != "" {
		cfg.Serve.Inbox = *inbox
	}
	sched, err := schedule.Parse(cfg.Serve.Schedule)
	if err != nil {
		return usageError("%v", err)
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))
	// With no sources (no configuration file, no --inbox) serve still serves the download
	// API of the exports there are, and says loudly that it runs no nights.
	apiOnly := cfg.Serve.Inbox == "" && len(cfg.Sources) == 0
	if apiOnly {
		log.Warn("no sources: no scheduled runs, only the download API; give --inbox DIR or configure the source URLs (docs/operations.md)")
	}

	// One handle on the database for the whole process — scheduled runs, confirmations,
	// tokens, audit log — opened while used and closed when idle, so that operators'
	// commands get their turn (docs/architecture.md, "One writer"). DuckDB lets a second
	// handle of the same process open the file too, and the two would overwrite each
	// other's writes: nothing in serve may open the database another way.
	db := &store.Shared{Path: cfg.DB, Opts: storeOptions(cfg), Idle: 2 * time.Second, Wait: cfg.DuckDB.Wait.Duration}
	defer db.Close()
	apiSrv := api.New(api.Config{
		Out: cfg.Out, DB: db, Files: cfg.Outputs(), XLSX: exports.XLSXOptions{MaxRowsPerSheet: cfg.XLSX.MaxRowsPerSheet},
		RatePerMinute: cfg.Serve.RatePerMinute, Burst: cfg.Serve.RateBurst, Now: e.now, Log: log,
	})

	// Prometheus metrics at /metrics: the last successful run's figures (from the
	// database at start, then from each run).
	m := metrics.New()
	if _, err := statFile(cfg.DB); err == nil {
		db.Use(ctx, func(d *store.DB) error { return m.Load(ctx, d) })
	}
	job := func(ctx context.Context, trigger string) error { return serveRun(ctx, e, cfg, db, m, trigger, log) }
	svc := &schedule.Service{
		Schedule: sched, Job: job, Grace: cfg.Serve.Grace.Duration, Now: e.now, Log: log,
		LastSuccess: func(ctx context.Context) (time.Time, error) { return lastSuccess(ctx, cfg, db) },
	}

	var cert tls.Certificate
	if cfg.Serve.TLSCert != "" {
		if cert, err = tls.LoadX509KeyPair(cfg.Serve.TLSCert, cfg.Serve.TLSKey); err != nil {
			return fmt.Errorf("serve.tls_cert: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.Serve.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           withMetrics(apiSrv.Handler(), m),
		ReadHeaderTimeout: 10 * time.Second, // a slow client cannot hold a connection with half a header
		ReadTimeout:       30 * time.Second, // the largest body is 4 KiB (api.MaxBody)
		WriteTimeout:      30 * time.Minute, // a whole download; a broken one resumes with Range
		IdleTimeout:       2 * time.Minute,  // keep-alive between a receiver's requests
		MaxHeaderBytes:    16 << 10,         // a bearer token and a few headers
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if cfg.Serve.TLSCert != "" {
		scheme = "https"
		srv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
		ln = tls.NewListener(ln, srv.TLSConfig)
	} else if !isLoopback(ln.Addr()) {
		log.Warn("the API listens beyond loopback without TLS: tokens would cross the network in clear text; configure serve.tls_cert and serve.tls_key, or put a TLS proxy in front")
	}
	schedShown := cfg.Serve.Schedule
	if apiOnly {
		schedShown = "off (no sources)"
	}
	log.Info("serving", "listen", ln.Addr().String(), "scheme", scheme, "schedule", schedShown, "db", cfg.DB, "out", cfg.Out)
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()
	apiCtx, stopAPI := context.WithCancel(context.WithoutCancel(ctx))
	// Run writes the audit log a last time when apiCtx ends, which is after the HTTP server
	// has drained: every request answered is in it.
	apiDone := make(chan error, 1)
	go func() { apiDone <- apiSrv.Run(apiCtx) }()
	schedErr := make(chan error, 1)
	go func() {
		if apiOnly {
			<-ctx.Done()
			schedErr <- nil
			return
		}
		schedErr <- svc.Run(ctx)
	}()

	select {
	case err := <-httpErr:
		stopAPI()
		if aerr := <-apiDone; aerr != nil {
			log.Warn("audit log not written at shutdown", "err", aerr)
		}
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for a running run", "grace", cfg.Serve.Grace.Duration.String())
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	srv.Shutdown(shutCtx)
	schedRes := <-schedErr
	stopAPI()
	if err := <-apiDone; err != nil {
		log.Warn("audit log not written at shutdown", "err", err)
	}
	if schedRes != nil {
		return schedRes
	}
	log.Info("stopped")
	return nil
}

// isLoopback reports whether addr is a loopback address.
func isLoopback(addr net.Addr) bool {
	a, ok := addr.(*net.TCPAddr)
	return ok && a.IP.IsLoopback()
}

// withMetrics serves /metrics beside the API.
func withMetrics(api http.Handler, m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.Handle("/", api)
	return mux
}

// serveRun is one scheduled (or catch-up) run: the same as vpsau run, under the same
// run lock, through serve's one database handle.
func serveRun(ctx context.Context, e env, cfg config.Config, db *store.Shared, m *metrics.Metrics, trigger string, log *slog.Logger) error {
	lock, err := runlock.Acquire(cfg.DB+".lock", e.now())
	if err != nil {
		return err
	}
	defer lock.Release()
	return db.Use(ctx, func(d *store.DB) error { return serveNight(ctx, e, cfg, d, m, trigger, log) })
}

func serveNight(ctx context.Context, e env, cfg config.Config, d *store.DB, m *metrics.Metrics, trigger string, log *slog.Logger) error {
	date, _ := businessDate("", e.now())
	opt := nightlyOptions(e, cfg, date, trigger, log)
	opt.Inbox = cfg.Serve.Inbox
	if opt.Inbox == "" {
		opt.Sources = sourceConfigs(cfg)
	}
	restore := nightly.TuneGC(e.getenv)
	sum, err := nightly.Run(ctx, d, opt)
	restore()
	m.Observe(sum, err, e.now())
	if err != nil {
		return runFailed(sum, err)
	}
	log.Info("published", "run", sum.RunID, "rows", sumRead(sum), "rejects", sum.Rejects, "findings", sum.Findings,
		"exports", len(sum.Exports))
	return nil
}

func sumRead(s nightly.Summary) int64 {
	var n int64
	for _, r := range s.Sources {
		n += r.Read
	}
	return n
}

// sourceConfigs turns the configured sources into client configurations.
func sourceConfigs(cfg config.Config) map[string]fetch.Config {
	out := map[string]fetch.Config{}
	for sys, s := range cfg.Sources {
		out[sys] = fetch.Config{BaseURL: s.URL, TokenURL: s.TokenURL, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
			Timeout: s.Timeout.Duration, PageSize: s.PageSize, MaxAttempts: s.MaxAttempts}
	}
	return out
}

// lastSuccess returns when the last successful run started (zero if none, or no database
// yet).
func lastSuccess(ctx context.Context, cfg config.Config, db *store.Shared) (time.Time, error) {
	if _, err := statFile(cfg.DB); err != nil {
		return time.Time{}, nil
	}
	var t *time.Time
	err := db.Use(ctx, func(d *store.DB) error {
		return d.SQL().QueryRowContext(ctx, `SELECT max(started) FROM ops.run WHERE status = 'succeeded'`).Scan(&t)
	})
	if err != nil {
		return time.Time{}, err
	}
	if t == nil {
		return time.Time{}, nil
	}
	return *t, nil
}
