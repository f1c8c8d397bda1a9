package nightly

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/intake"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/store"
)

// fetched is what a night's fetch came to.
type fetched struct {
	intake intake.Stats
	stale  []StaleSource
	took   time.Duration // from its start until every snapshot was in and synced
	err    error         // the run fails with it: nothing is landed
}

// fetchAndStage brings every source's snapshot into the run's raw folder rawDir
// (fetchAll) and stages each system's entities on c as soon as that system's snapshot is
// in (land.StageAsReady): over HTTP the systems take unequal times (at generator scale 10
// the portal's and Didac's snapshots are in after 1.3–1.9 s, the slaughter's after 4.4 s),
// and staging the first ones meanwhile uses time the pulls leave free. It returns what was
// staged — the caller drops it, also on an error —, what the fetch came to, how long the
// staging was busy (not waiting for a snapshot), and the staging's error. A fetch that
// fails stops the staging, and its error is the run's (f.err: the staging's is then beside
// the point).
func fetchAndStage(ctx context.Context, c *store.Conn, opt Options, log *slog.Logger, rawDir string, es []*contract.Entity, progress func(string)) (staged []*land.Staged, f fetched, busy time.Duration, err error) {
	var runs []int64
	if len(opt.Fallback) > 0 {
		// Read now: c stages while the fetch goes on.
		if runs, err = succeededRuns(ctx, c); err != nil {
			f.err = fmt.Errorf("ledger: %w", err)
			return nil, f, 0, nil
		}
	}
	stageCtx, abort := context.WithCancel(ctx)
	defer abort()
	ready := make(chan string, len(systems(es)))
	done := make(chan fetched, 1)
	var arrived *land.Arrived // pages decoded as they came, for the staging
	if opt.Inbox == "" {
		arrived = land.NewArrived(land.ArrivedLimit)
	}
	go func() { done <- fetchAll(ctx, opt, log, rawDir, es, runs, arrived, ready, abort) }()
	staged, busy, err = land.StageAsReady(stageCtx, c, rawDir, arrived, es, opt.AsOf, progress, ready)
	f = <-done
	if arrived != nil {
		log.Debug("staged pages as they arrived", "pages", arrived.Taken())
	}
	return staged, f, busy, err
}

// succeededRuns lists the ledger's latest successful runs, newest first: where a source
// that is down may take its last snapshot from (fallback).
func succeededRuns(ctx context.Context, c *store.Conn) ([]int64, error) {
	rows, err := c.Query(ctx, `SELECT run_id FROM ops.run WHERE status = 'succeeded' ORDER BY run_id DESC LIMIT 50`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var runs []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		runs = append(runs, id)
	}
	return runs, rows.Err()
}

// fetchAll brings every source system's snapshot into rawDir — pulled over HTTP from
// opt.Sources, the systems side by side, or copied from opt.Inbox — and sends each
// system's name on ready as soon as its payloads are complete there: its own, or for a
// system that is down and allowed to be (opt.Fallback), the latest of runs' that is young
// enough. It calls abort as soon as the run cannot succeed, and closes ready when it
// returns. Its error is that of the first system in the order of es that failed without a
// fallback, whichever failed first in time: a failure reads the same on every run.
func fetchAll(ctx context.Context, opt Options, log *slog.Logger, rawDir string, es []*contract.Entity, runs []int64, arrived *land.Arrived, ready chan<- string, abort func()) (f fetched) {
	defer close(ready)
	t0 := opt.Now()
	defer func() {
		f.took = opt.Now().Sub(t0)
		// The stale sources in the order of es, as the ledger shows them.
		var stale []StaleSource
		for _, sys := range systems(es) {
			for _, s := range f.stale {
				if s.System == sys {
					stale = append(stale, s)
				}
			}
		}
		f.stale = stale
		if f.err != nil {
			abort()
		}
	}()
	var mu sync.Mutex
	at := map[string]time.Time{} // when each system's snapshot was fetched
	failed := map[string]error{}
	// settle decides what a system's pull came to, and says so on ready.
	settle := func(sys string, st intake.Stats, err error, fetchedAt time.Time) {
		var stale *StaleSource
		if err != nil {
			if maxAge := opt.Fallback[sys]; maxAge <= 0 {
				err = fmt.Errorf("fetch: %w", err)
			} else if run, was, ferr := fallback(opt.RawRoot, rawDir, sys, entitiesOf(es, sys), runs, opt.Now(), maxAge); ferr != nil {
				err = fmt.Errorf("fetch: %w; no fallback: %v", err, ferr)
			} else {
				log.Warn("source down: using its last snapshot", "source", sys, "from_run", run, "fetched_at", was.Format(time.RFC3339), "error", err.Error())
				stale = &StaleSource{System: sys, FromRun: run, FetchedAt: was, Reason: err.Error()}
				fetchedAt, err = was, nil
			}
		}
		mu.Lock()
		f.intake.Files += st.Files
		f.intake.Bytes += st.Bytes
		if stale != nil {
			f.stale = append(f.stale, *stale)
		}
		if err == nil {
			at[sys] = fetchedAt
		} else {
			failed[sys] = err
		}
		mu.Unlock()
		if err != nil {
			abort()
			return
		}
		ready <- sys
	}
	if opt.Inbox != "" {
		for _, sys := range systems(es) {
			st, err := intake.FromInbox(opt.Inbox, rawDir, entitiesOf(es, sys))
			settle(sys, st, err, opt.Now())
		}
	} else {
		clients := map[string]*fetch.Client{}
		for sys, cfg := range opt.Sources {
			clients[sys] = fetch.New(sys, cfg, log)
		}
		intake.FromHTTPSystems(ctx, rawDir, arrived, clients, es, log, opt.Now, func(r intake.SystemResult) {
			settle(r.System, r.Stats, r.Err, r.Fetched)
		})
	}
	for _, sys := range systems(es) {
		if err := failed[sys]; err != nil {
			f.err = err
			return f
		}
	}
	if err := writeFetched(rawDir, at); err != nil {
		f.err = fmt.Errorf("raw: %w", err)
	} else if err := intake.Sync(rawDir); err != nil {
		f.err = err
	}
	return f
}
