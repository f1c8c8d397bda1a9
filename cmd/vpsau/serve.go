package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/dvpsau/vpsau/internal/config"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/runlock"
	"github.com/dvpsau/vpsau/internal/schedule"
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
	if cfg.Serve.Inbox == "" && len(cfg.Sources) == 0 {
		return usageError("no sources for the scheduled runs: give --inbox DIR or configure the source URLs (docs/operations.md)")
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, nil))

	job := func(ctx context.Context, trigger string) error { return serveRun(ctx, e, cfg, trigger, log) }
	svc := &schedule.Service{
		Schedule: sched, Job: job, Grace: cfg.Serve.Grace.Duration, Now: e.now, Log: log,
		LastSuccess: func(ctx context.Context) (time.Time, error) { return lastSuccess(ctx, e, cfg) },
	}

	ln, err := net.Listen("tcp", cfg.Serve.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           serveMux(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      10 * time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	log.Info("serving", "listen", ln.Addr().String(), "schedule", cfg.Serve.Schedule, "db", cfg.DB, "out", cfg.Out)
	httpErr := make(chan error, 1)
	go func() { httpErr <- srv.Serve(ln) }()
	schedErr := make(chan error, 1)
	go func() { schedErr <- svc.Run(ctx) }()

	select {
	case err := <-httpErr:
		return fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: waiting for a running run", "grace", cfg.Serve.Grace.Duration.String())
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	srv.Shutdown(shutCtx)
	if err := <-schedErr; err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

func serveMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	return mux
}

// serveRun is one scheduled (or catch-up) run: the same as vpsau run, under the same
// run lock, with the database open only while it runs.
func serveRun(ctx context.Context, e env, cfg config.Config, trigger string, log *slog.Logger) error {
	lock, err := runlock.Acquire(cfg.DB+".lock", e.now())
	if err != nil {
		return err
	}
	defer lock.Release()
	d, err := openDB(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	date, _ := businessDate("", e.now())
	opt := nightlyOptions(e, cfg, date, trigger, log)
	opt.Inbox = cfg.Serve.Inbox
	if opt.Inbox == "" {
		opt.Sources = sourceConfigs(cfg)
	}
	sum, err := nightly.Run(ctx, d, opt)
	if err != nil {
		return fmt.Errorf("run %d failed: %w; nothing was published", sum.RunID, err)
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
func lastSuccess(ctx context.Context, e env, cfg config.Config) (time.Time, error) {
	if _, err := statFile(cfg.DB); err != nil {
		return time.Time{}, nil
	}
	d, err := openDB(ctx, e, cfg)
	if err != nil {
		return time.Time{}, err
	}
	defer d.Close()
	var t *time.Time
	if err := d.SQL().QueryRowContext(ctx, `SELECT max(started) FROM ops.run WHERE status = 'succeeded'`).Scan(&t); err != nil {
		return time.Time{}, err
	}
	if t == nil {
		return time.Time{}, nil
	}
	return *t, nil
}
