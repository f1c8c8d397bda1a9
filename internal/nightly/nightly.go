// Package nightly runs one night of the pipeline: fetch → land → validate → historise →
// compute → audit → export → publish. Everything up to the audits happens in one database
// transaction, so a failed run changes nothing; exports are staged for every receiver and
// published only when all of them are ready.
package nightly

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/audit"
	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/history"
	"github.com/dvpsau/vpsau/internal/intake"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/pipelines"
)

// Entities lists every source entity in load order (pipelines.Entities).
func Entities() []*contract.Entity { return pipelines.Entities() }

// Options configure one run.
type Options struct {
	AsOf    time.Time               // business date (a civil date)
	Trigger string                  // manual, schedule, catch-up, demo, replay
	Inbox   string                  // file-drop folder; empty = the HTTP sources
	Sources map[string]fetch.Config // HTTP sources by system name
	Replay  string                  // a raw folder of an earlier run to load instead of fetching
	// Backwards lets the business date go before the last successful run's (ErrBackwards):
	// the way back to today after a night run with a mistyped date in the future.
	Backwards bool
	// OriginNote is added to the run's origin in the ledger (the demo records there the
	// day its sources were generated for).
	OriginNote string
	Out        string        // where exports and rejects are published
	RawRoot    string        // where raw payloads are kept, one folder per run
	RawKeep    time.Duration // raw payloads older than this are removed after a successful run; 0 = kept
	Rules      rules.Params
	Outputs    map[string][]exports.FileSpec // formats per receiver; missing = the receiver's defaults
	XLSX       exports.XLSXOptions
	Guard      Guard
	// Fallback allows, per source system, a run to use the system's last landed snapshot
	// when fetching fails, if it is younger than the given age (missing = fail the run).
	Fallback map[string]time.Duration
	Analyst  AnalystCopy // the copy for analysts, published after the exports
	NoReport bool        // leave out the run report and the Parquet files (benchmarks that only build history)
	Now      func() time.Time
	Log      *slog.Logger
	Progress func(stage string) // called as each stage starts; may be nil

	// wrap, for tests, makes the writer of every file the run publishes (exports and the
	// rejects file) from the file, to act out a full disk; nil writes to the file itself.
	wrap func(*os.File) io.Writer
}

// Guard is the mass-change guard: a source snapshot or a receiver's delta that deletes
// more than MaxShare of the current rows stops the run when it deletes at least MinRows
// rows (so that small data can change), and an empty snapshot of a source that had rows
// always does. Accept lets an operator override after looking.
type Guard struct {
	MaxShare float64
	MinRows  int64
	Accept   bool
}

// DefaultGuard is 10 % and 10 rows.
var DefaultGuard = Guard{MaxShare: 0.10, MinRows: 10}

// ErrMassChange is returned when the guard stops a run.
var ErrMassChange = land.ErrMassChange

func (g Guard) check(what string, before int64, d history.Diff, source bool) error {
	if g.Accept || g.MaxShare <= 0 || before == 0 || d.Deleted == 0 {
		return nil
	}
	after := before - d.Deleted + d.New
	share := float64(d.Deleted) / float64(before)
	if share > g.MaxShare && (d.Deleted >= g.MinRows || (source && after == 0)) {
		return fmt.Errorf("%w: %s would delete %d of %d rows (%.0f %%, more than %.0f %%); check the delivery, or rerun with --accept-mass-change",
			ErrMassChange, what, d.Deleted, before, 100*share, 100*g.MaxShare)
	}
	return nil
}

// checkEmptied stops a run in which a subsidy year's file holds no row while the year
// had rows: like an empty snapshot of a source, always, whatever the other years'.
func (g Guard) checkEmptied(what string, res land.Result) error {
	if g.Accept || g.MaxShare <= 0 || res.EmptiedRows == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s: the file of year %s holds no rows and would delete the year's %d; check the delivery, or rerun with --accept-mass-change",
		ErrMassChange, what, strings.Join(res.EmptiedYears, ", "), res.EmptiedRows)
}

// Summary tells what a run did.
type Summary struct {
	RunID    int64
	AsOf     time.Time
	SysTime  time.Time
	Origin   string
	Intake   intake.Stats
	Sources  []land.Result
	Rejects  int64
	Findings int64
	Statuses map[string]int64 // producers per status
	Changes  map[string]history.Diff
	Exports  []exports.Manifest
	Rules    []rules.Timing
	Audits   []audit.Result
	Stale    []StaleSource // sources whose last landed snapshot stood in for a failed fetch
	Stages   map[string]time.Duration
	Took     time.Duration
	// AnalystCopy says how the analyst copy was made: "file bytes", or "COPY FROM
	// DATABASE" when pseudonymised or while an erasure is not compacted away; empty without one.
	AnalystCopy string
	Report      string   // the run's report (HTML), when it was written
	Parquet     string   // the folder of the analytics views' Parquet files, when they were written
	Warnings    []string // what went wrong after publishing without failing the run (the report, the Parquet files)
}

// ErrBackwards reports a run whose business date is before the last successful run's.
var ErrBackwards = errors.New("a night cannot go back in time")

// CheckForward returns ErrBackwards, with both dates, when asOf is before the business
// date of the last successful run.
func CheckForward(ctx context.Context, c *store.Conn, asOf time.Time) error {
	var last sql.NullTime
	if err := c.QueryRow(ctx, `SELECT max(business_date) FROM ops.run WHERE status = 'succeeded'`).Scan(&last); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	if y, m, d := asOf.Date(); last.Valid && time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Before(last.Time) {
		return fmt.Errorf("%w: business date %s is before %s, the last successful run's; run a later date, or an earlier one on a database of its own (--accept-earlier-date runs it here)",
			ErrBackwards, asOf.Format(time.DateOnly), last.Time.Format(time.DateOnly))
	}
	return nil
}

// Run performs one nightly run on db. Its business date may repeat the last successful
// run's but not go before it (ErrBackwards).
func Run(ctx context.Context, db *store.DB, opt Options) (sum Summary, err error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.New(slog.DiscardHandler)
	}
	if opt.Trigger == "" {
		opt.Trigger = "manual"
	}
	progress := func(s string) {
		if opt.Progress != nil {
			opt.Progress(s)
		}
	}
	start := opt.Now()
	sum = Summary{AsOf: opt.AsOf, Changes: map[string]history.Diff{}, Stages: map[string]time.Duration{}}
	stage := func(name string, t0 time.Time) { sum.Stages[name] = opt.Now().Sub(t0) }

	c, err := db.Conn(ctx)
	if err != nil {
		return sum, err
	}
	defer c.Close()

	origin := opt.Inbox
	switch {
	case opt.Replay != "":
		origin = "replay of " + opt.Replay
	case origin == "":
		origin = "http"
		systems := make([]string, 0, len(opt.Sources))
		for sys := range opt.Sources {
			systems = append(systems, sys)
		}
		sort.Strings(systems)
		for _, sys := range systems {
			origin += " " + sys + "=" + opt.Sources[sys].BaseURL
		}
	}
	if opt.OriginNote != "" {
		origin += " (" + opt.OriginNote + ")"
	}
	sum.Origin = origin
	// The caller holds the run lock: a run still marked running was killed. Its
	// transaction never committed (or, killed while publishing, the next export repeats
	// what it published); staging folders it left behind are swept.
	if err := c.Exec(ctx, `UPDATE ops.run SET status = 'abandoned', error = 'the process ended before the run finished'
		WHERE status = 'running'`); err != nil {
		return sum, fmt.Errorf("ledger: %w", err)
	}
	for _, name := range receiver.Names() {
		if _, err := exports.Sweep(opt.Out, name); err != nil {
			return sum, err
		}
	}
	if err := sweepRejects(opt.Out); err != nil {
		return sum, err
	}
	// A night never goes back: the history already holds the later night's sources, whose
	// events after the earlier day would count as kept versions (a reject keeps its key's
	// last good version), and receivers hold the later state.
	if err := CheckForward(ctx, c, opt.AsOf); err != nil && !opt.Backwards {
		return sum, err
	}
	if err := c.QueryRow(ctx, `INSERT INTO ops.run (run_id, trigger, business_date, started, status, origin)
		SELECT coalesce(max(run_id), 0) + 1, ?, ?, ?, 'running', ? FROM ops.run RETURNING run_id`,
		opt.Trigger, opt.AsOf, start, origin).Scan(&sum.RunID); err != nil {
		return sum, fmt.Errorf("ledger: %w", err)
	}
	log := opt.Log.With("run", sum.RunID)
	defer func() {
		err = store.OneLine(err) // DuckDB's messages run over several lines
		sum.Took = opt.Now().Sub(start)
		status, msg := "succeeded", any(nil)
		if err != nil {
			status, msg = "failed", err.Error()
		}
		stats, _ := json.Marshal(sum)
		if lerr := c.Exec(context.WithoutCancel(ctx), `UPDATE ops.run SET finished = ?, status = ?, error = ?, stats = ? WHERE run_id = ?`,
			opt.Now(), status, msg, string(stats), sum.RunID); lerr != nil && err == nil {
			err = fmt.Errorf("ledger: %w", lerr)
		}
	}()

	// Fetch every source's snapshot into the run's raw folder, and stage every entity's
	// rows before the transaction, each in a temp table committed on its own (land.Stage:
	// the transaction historises committed rows twice as fast as rows it appended itself).
	// A system's entities are staged as soon as its snapshot is in, while the others are
	// still being fetched (fetchAndStage); Go parses an entity in a goroutine while its rows
	// are appended. The stages are scratch, dropped once the transaction has ended either way.
	progress("fetch")
	t0 := opt.Now()
	rawDir := opt.Replay
	entities := Entities()
	var staged []*land.Staged
	dropStages := func() {
		if derr := land.DropAll(context.WithoutCancel(ctx), c, staged); derr != nil {
			log.Warn("stage not dropped", "error", derr.Error())
		}
		staged = nil
	}
	defer dropStages() // after a failure; a run that commits drops them at once
	// The land stage's time is the staging's while it was busy (it overlaps the fetch's,
	// so that the stages can add up to more than the run took), then the historising's.
	var staging time.Duration
	if rawDir == "" {
		rawDir = filepath.Join(opt.RawRoot, fmt.Sprintf("run-%06d", sum.RunID))
		if err := os.MkdirAll(rawDir, 0o755); err != nil {
			return sum, fmt.Errorf("raw: %w", err)
		}
		var f fetched
		staged, f, staging, err = fetchAndStage(ctx, c, opt, log, rawDir, entities, progress)
		sum.Intake, sum.Stale = f.intake, f.stale
		sum.Stages["fetch"] = f.took
		if f.err != nil {
			return sum, f.err
		}
	} else {
		stage("fetch", t0)
		if st, err := os.Stat(rawDir); err != nil || !st.IsDir() {
			// Not "producers.csv: missing": the folder itself is what is wrong.
			return sum, fmt.Errorf("replay: %s is not a run's raw folder (<db>.raw/run-NNNNNN)", rawDir)
		}
		t0 := opt.Now()
		staged, err = land.StageAll(ctx, c, rawDir, entities, opt.AsOf, progress)
		staging = opt.Now().Sub(t0)
	}
	if err != nil {
		return sum, fmt.Errorf("land %w", err)
	}

	sum.SysTime, err = nextSysTime(ctx, c, opt.Now())
	if err != nil {
		return sum, err
	}
	receivers := receiver.All()

	// Land, compute, store the receivers' rows and audit: all in one transaction.
	var committing time.Time
	err = c.InTx(ctx, func() error {
		t0 := opt.Now().Add(-staging)
		lopt := land.Options{RunID: sum.RunID, SysTime: sum.SysTime, AsOf: opt.AsOf}
		for i, e := range entities {
			progress("land " + e.System + "/" + e.Name)
			res, err := staged[i].Historise(ctx, c, lopt)
			if err != nil {
				return fmt.Errorf("land %s/%s: %w", e.System, e.Name, err)
			}
			if err := opt.Guard.checkEmptied("source "+e.System+"/"+e.Name, res); err != nil {
				return err
			}
			if err := opt.Guard.check("source "+e.System+"/"+e.Name, res.Before, res.Diff, true); err != nil {
				return err
			}
			sum.Sources = append(sum.Sources, res)
			sum.Rejects += res.Rejected
			log.Debug("landed", "source", e.System+"/"+e.Name, "rows", res.Read, "rejects", res.Rejected)
		}
		stage("land", t0)

		progress("rules")
		t0 = opt.Now()
		timings, err := rules.Run(ctx, c, opt.Rules, opt.AsOf, sum.SysTime, sum.RunID)
		if err != nil {
			return err
		}
		sum.Rules = timings
		if err := c.QueryRow(ctx, `SELECT count(*) FROM ops.finding WHERE run_id = ?`, sum.RunID).Scan(&sum.Findings); err != nil {
			return fmt.Errorf("findings: %w", err)
		}
		if sum.Statuses, err = statusCounts(ctx, c); err != nil {
			return err
		}
		stage("rules", t0)

		progress("receivers")
		t0 = opt.Now()
		for _, r := range receivers {
			var before int64
			if err := c.QueryRow(ctx, `SELECT count(*) FROM `+r.Table+` WHERE chg_bis IS NULL`).Scan(&before); err != nil {
				return fmt.Errorf("receiver %s: %w", r.Name, err)
			}
			d, err := receiver.Store(ctx, c, r, sum.SysTime, sum.RunID)
			if err != nil {
				return err
			}
			sum.Changes[r.Name] = d
			if r.Expected != "" && d.Deleted > 0 {
				if d.Deleted, err = receiver.GuardedDeletes(ctx, c, r, sum.RunID); err != nil {
					return fmt.Errorf("receiver %s: %w", r.Name, err)
				}
			}
			if err := opt.Guard.check("receiver "+r.Name, before, d, false); err != nil {
				return err
			}
		}
		stage("receivers", t0)

		progress("audit")
		t0 = opt.Now()
		sum.Audits, err = audit.Run(ctx, c)
		if err != nil {
			return err
		}
		stage("audit", t0)
		progress("commit")
		committing = opt.Now()
		return c.Exec(ctx, `UPDATE ops.run SET sys_time = ? WHERE run_id = ?`, sum.SysTime, sum.RunID)
	})
	if err != nil {
		return sum, err
	}
	stage("commit", committing) // the transaction's commit: its write-ahead log, or DuckDB's checkpoint instead for a large night
	dropStages()

	// Export and publish: stage every receiver's delta after its watermark, then publish
	// them all.
	// The rejects file is written first and put in place last, so that a full disk
	// stops the run before any receiver's export is published.
	progress("export")
	t0 = opt.Now()
	rejects, err := stageRejects(ctx, c, opt.Out, sum.RunID, opt.wrap)
	if err != nil {
		return sum, err
	}
	defer os.Remove(rejects.tmp)
	manifests, err := exportAll(ctx, db, c, opt, sum, receivers, progress)
	sum.Exports = manifests // what was published, also when a later receiver failed
	if err != nil {
		return sum, fmt.Errorf("export: %w", err)
	}
	progress("rejects")
	if err := rejects.publish(); err != nil {
		return sum, err
	}
	stage("export", t0)

	// The analyst copy comes after the receivers' exports: it never holds them up.
	progress("analyst copy")
	t0 = opt.Now()
	byBytes, err := PublishAnalystCopy(ctx, c, opt.Analyst, opt.Now())
	if err != nil {
		return sum, fmt.Errorf("%w (the previous analyst copy stays)", err)
	}
	if opt.Analyst.Path != "" {
		sum.AnalystCopy = "COPY FROM DATABASE"
		if byBytes {
			sum.AnalystCopy = "file bytes"
		}
		log.Info("analyst copy published", "path", opt.Analyst.Path, "made_from", sum.AnalystCopy)
	}
	stage("analyst copy", t0)

	// The run report and the Parquet files of the analytics views: last, and never a
	// reason to fail a run that has published (see publishAnalytics).
	progress("report")
	t0 = opt.Now()
	if !opt.NoReport {
		publishAnalytics(ctx, db, c, opt, &sum, log)
	}
	stage("report", t0)
	if removed, err := PruneRaw(opt.RawRoot, opt.RawKeep, opt.Now(), rawDir); err != nil {
		log.Warn("raw retention", "error", err.Error())
	} else if len(removed) > 0 {
		log.Info("raw payloads removed", "folders", len(removed))
	}
	progress("finish")
	return sum, nil
}

// statusCounts counts the producers per status the rules computed.
func statusCounts(ctx context.Context, c *store.Conn) (map[string]int64, error) {
	rows, err := c.Query(ctx, `SELECT status, count(*) FROM model.status GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("statuses: %w", err)
	}
	defer rows.Close()
	m := map[string]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		m[s] = n
	}
	return m, rows.Err()
}

// systems lists the source systems of the entities, in order.
func systems(es []*contract.Entity) []string {
	var out []string
	for _, e := range es {
		if len(out) == 0 || out[len(out)-1] != e.System {
			out = append(out, e.System)
		}
	}
	return out
}

func entitiesOf(es []*contract.Entity, system string) []*contract.Entity {
	var out []*contract.Entity
	for _, e := range es {
		if e.System == system {
			out = append(out, e)
		}
	}
	return out
}

// nextSysTime returns the system time for a run: now, but always after every system time
// stored before, so that "as of" queries stay well-ordered even if the clock steps back.
func nextSysTime(ctx context.Context, c *store.Conn, now time.Time) (time.Time, error) {
	var last *time.Time
	if err := c.QueryRow(ctx, `SELECT max(sys_time) FROM ops.run`).Scan(&last); err != nil {
		return time.Time{}, fmt.Errorf("ledger: %w", err)
	}
	t := now.UTC().Truncate(time.Microsecond)
	if last != nil && !t.After(*last) {
		t = last.UTC().Add(time.Microsecond)
	}
	return t, nil
}

// Watermark returns a receiver's confirmed change number (0 when it never confirmed).
func Watermark(ctx context.Context, c *store.Conn, name string) (int64, error) {
	var n int64
	err := c.QueryRow(ctx, `SELECT coalesce(arg_max(endringsnr, confirmed), 0) FROM ops.watermark WHERE receiver = ?`, name).Scan(&n)
	return n, err
}

// exportAll stages every receiver's delta after its watermark, up to the last change, then
// publishes and records them in order. Staging only reads the database, so receivers are
// staged side by side, each on a connection of its own — writing a receiver's CSV and XLSX
// is Go code on one core — as many at once as there are cores up to sideBySideRows
// changes to export, two at a time up to twoAtATimeRows, one at a time beyond. Each
// staging's query result is held whole while its rows are written (duckdb-go
// materialises it, outside DuckDB's memory_limit), so large results side by side add up.
func exportAll(ctx context.Context, db *store.DB, c *store.Conn, opt Options, sum Summary, receivers []receiver.Receiver, progress func(string)) ([]exports.Manifest, error) {
	to, err := receiver.LastChange(ctx, c, time.Time{})
	if err != nil {
		return nil, err
	}
	from := make([]int64, len(receivers))
	var changes int64
	for i, r := range receivers {
		if from[i], err = Watermark(ctx, c, r.Name); err != nil {
			return nil, err
		}
		var n int64
		if err := c.QueryRow(ctx, `SELECT count(*) FROM ops.change_log WHERE receiver = ? AND endringsnr > ? AND endringsnr <= ?`,
			r.Name, from[i], to).Scan(&n); err != nil {
			return nil, err
		}
		changes += n
	}
	width := 1
	switch {
	case changes <= sideBySideRows:
		width = max(1, min(runtime.GOMAXPROCS(0), len(receivers)))
	case changes <= twoAtATimeRows:
		width = max(1, min(2, len(receivers)))
	}
	created := opt.Now()
	staged := make([]*exports.Staged, len(receivers))
	errs := make([]error, len(receivers))
	var wg sync.WaitGroup
	slots := make(chan struct{}, width)
	for i, r := range receivers {
		progress("stage " + r.Name)
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			staged[i], errs[i] = stageOne(ctx, db, opt, sum, r, from[i], to, created)
		})
	}
	wg.Wait()
	discard := func() {
		for _, s := range staged {
			if s != nil {
				s.Discard()
			}
		}
	}
	for _, err := range errs {
		if err != nil { // the first receiver's failure, in receivers' order
			discard()
			return nil, err
		}
	}
	var out []exports.Manifest
	for _, s := range staged {
		progress("publish " + s.Manifest().Receiver)
		if err := s.Publish(); err != nil {
			discard()
			return out, err
		}
		out = append(out, s.Manifest()) // published: the run's line must name it even if Record fails
		if err := Record(ctx, c, s, &sum.RunID); err != nil {
			return out, err
		}
	}
	return out, nil
}

// sideBySideRows is the most changes a night exports with as many receivers staged at
// once as there are cores; twoAtATimeRows the most it exports with two at once. A national
// first night has 74,000 changes (scale 10: 740,000), a steady night a few thousand, a
// first night at generator scale 100 7.4 million: staged two at a time on this project's
// two-core machine, that night's export took 17.6 and 19.6 s instead of 21.5–24.5 s one
// at a time, and the run peaked at 3.03 and 3.21 GiB instead of 2.81–3.02 GiB
// (docs/benchmarks.md, "Exports side by side at scale 100"). Before the rows were written
// as they are read, two at a time had peaked at 3.8 GiB against 2.8 GiB. More than two
// such results at once were never measured, hence the two limits. Variables for tests.
var (
	sideBySideRows int64 = 1_000_000
	twoAtATimeRows int64 = 10_000_000
)

// stageOne stages receiver r's changes after from up to to, on a connection of its own;
// created is the manifest's creation time.
func stageOne(ctx context.Context, db *store.DB, opt Options, sum Summary, r receiver.Receiver, from, to int64, created time.Time) (*exports.Staged, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return Write(ctx, c, WriteOptions{
		Receiver: r, From: from, To: to, Out: opt.Out, BusinessDate: opt.AsOf,
		Files: opt.Outputs[r.Name], XLSX: opt.XLSX, Created: created, RunID: sum.RunID, Stale: sum.Stale,
		wrap: opt.wrap,
	})
}

// WriteOptions describe one export to write.
type WriteOptions struct {
	Receiver     receiver.Receiver
	From, To     int64
	Full         bool
	Out          string
	BusinessDate time.Time
	Created      time.Time
	Files        []exports.FileSpec // nil = the receiver's defaults
	XLSX         exports.XLSXOptions
	RunID        int64
	ID           string        // empty = the next export number
	Stale        []StaleSource // sources that stood in with an earlier snapshot (said in the manifest)
	Reissue      string        // for a re-issue (vpsau export): what it is, said in the manifest (extra.reissue)
	wrap         func(*os.File) io.Writer
}

// nextExport returns the id of the receiver's next export — a number one above the
// highest published, then the business date: 000042-20270104 — and the SHA-256 of the
// last published manifest. Both come from the published folders themselves, so a crash
// between publishing and recording cannot break the sequence or the chain.
func nextExport(out, name string, businessDate time.Time) (id, prev string, err error) {
	ids, err := exports.List(out, name)
	if err != nil {
		return "", "", err
	}
	next := 1
	if len(ids) > 0 {
		last := ids[len(ids)-1]
		n, _ := strconv.Atoi(strings.SplitN(last, "-", 2)[0])
		next = n + 1
		b, err := os.ReadFile(filepath.Join(out, name, last, exports.ManifestName))
		if err != nil {
			return "", "", err
		}
		sum := sha256.Sum256(b)
		prev = hex.EncodeToString(sum[:])
	}
	return fmt.Sprintf("%06d-%s", next, businessDate.Format("20060102")), prev, nil
}

// Files maps a format to the files of an export of receiver r: "" every file it is
// configured with (configured: the configuration's outputs for it, nil for its defaults),
// "csv" its CSV file (its dialect; the machine dialect when it has none), "xlsx" one XLSX
// file. ok is false for any other format. vpsau export and the download API's delta both
// ask here, so that a re-issued export is written as the night writes it.
func Files(r receiver.Receiver, configured []exports.FileSpec, format string) (files []exports.FileSpec, ok bool) {
	if len(configured) == 0 {
		configured = r.Files
	}
	switch format {
	case "":
		return configured, true
	case "xlsx":
		return []exports.FileSpec{{Format: exports.XLSX}}, true
	case "csv":
		for _, f := range configured {
			if f.Format == exports.CSV {
				return []exports.FileSpec{f}, true
			}
		}
		return []exports.FileSpec{{Format: exports.CSV, Dialect: exports.Machine}}, true
	}
	return nil, false
}

// BusinessDateOf is the business date of an export of the state at system time at (zero:
// the latest state): that of the last run that had succeeded by then — the state it left
// holds as of its business date, also when it changed nothing for the receiver —, or
// today (from now, UTC) when none had.
func BusinessDateOf(ctx context.Context, c *store.Conn, at, now time.Time) (time.Time, error) {
	q, args := `SELECT arg_max(business_date, run_id) FROM ops.run WHERE status = 'succeeded'`, []any{}
	if !at.IsZero() {
		q, args = q+` AND sys_time <= ?`, append(args, at)
	}
	var bd sql.NullTime
	if err := c.QueryRow(ctx, q, args...).Scan(&bd); err != nil {
		return time.Time{}, err
	}
	if bd.Valid {
		return bd.Time, nil
	}
	return now.UTC().Truncate(24 * time.Hour), nil
}

// Write stages one export of a receiver (Publish it, then Record it).
func Write(ctx context.Context, c *store.Conn, w WriteOptions) (*exports.Staged, error) {
	r := w.Receiver
	id, prev, err := nextExport(w.Out, r.Name, w.BusinessDate)
	if err != nil {
		return nil, err
	}
	if w.ID != "" {
		id = w.ID
	}
	files := w.Files
	if len(files) == 0 {
		files = r.Files
	}
	var rows *receiver.Rows
	if w.Full {
		rows, err = receiver.Full(ctx, c, r, w.To)
	} else {
		rows, err = receiver.Delta(ctx, c, r, w.From, w.To)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	extra := map[string]string{}
	if w.RunID > 0 {
		extra["run_id"] = strconv.FormatInt(w.RunID, 10)
	}
	if len(w.Stale) > 0 {
		var parts []string
		for _, s := range w.Stale {
			parts = append(parts, fmt.Sprintf("%s: the snapshot fetched %s (run %d), because %s", s.System, s.FetchedAt.UTC().Format(time.RFC3339), s.FromRun, s.Reason))
		}
		extra["stale_sources"] = strings.Join(parts, "; ")
	}
	if w.Reissue != "" {
		extra["reissue"] = w.Reissue
	}
	from := w.From
	if w.Full {
		from = 0
	}
	return exports.Stage(w.Out, exports.Export{
		Receiver: r.Name, ID: id, FromChange: from, ToChange: w.To, Full: w.Full,
		BusinessDate: w.BusinessDate, Created: w.Created, Columns: r.ExportColumns(), Files: files,
		XLSX: w.XLSX, PrevManifestSHA256: prev, Extra: extra, Wrap: w.wrap,
	}, rows)
}

// Record stores a published export in ops.export.
func Record(ctx context.Context, c *store.Conn, s *exports.Staged, runID *int64) error {
	m := s.Manifest()
	var run any
	if runID != nil && *runID > 0 {
		run = *runID
	}
	err := c.Exec(ctx, `INSERT INTO ops.export (export_id, receiver, run_id, fra_endringsnr, til_endringsnr, full_export,
		business_date, created, rows_ny, rows_endret, rows_slettet, manifest_sha256, path)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.ExportID, m.Receiver, run, m.Changes.From, m.Changes.To, m.Full, m.BusinessDate, m.Created,
		m.Rows.New, m.Rows.Changed, m.Rows.Deleted, s.ManifestSHA256(), s.Path())
	if err != nil {
		return fmt.Errorf("record export %s: %w", m.ExportID, err)
	}
	return nil
}

// rejectsTmp starts the name of a rejects file being written.
const rejectsTmp = ".tmp-rejects-"

// stagedRejects is the run's rejects file, written and synced, waiting for its name.
type stagedRejects struct{ tmp, final string }

// publish gives the rejects file its name, <out>/rejects/run-NNNNNN.csv, by one rename.
func (r stagedRejects) publish() error {
	if err := os.Rename(r.tmp, r.final); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	return nil
}

// RewriteRejects writes run runID's rejects file in <out>/rejects again from ops.reject,
// by one rename, when it is there (vpsau erase: the file must not keep what was erased);
// found says whether it was.
func RewriteRejects(ctx context.Context, c *store.Conn, out string, runID int64) (found bool, err error) {
	if _, err := os.Stat(filepath.Join(out, "rejects", fmt.Sprintf("run-%06d.csv", runID))); errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	r, err := stageRejects(ctx, c, out, runID, nil)
	if err != nil {
		return true, err
	}
	if err := r.publish(); err != nil {
		os.Remove(r.tmp)
		return true, err
	}
	return true, files.Sync(filepath.Join(out, "rejects"))
}

// sweepRejects removes the rejects files a killed run left half-written.
func sweepRejects(out string) error {
	if err := files.RemoveLeftovers(filepath.Join(out, "rejects"), rejectsTmp); err != nil {
		return fmt.Errorf("rejects: %w", err)
	}
	return nil
}

// stageRejects writes the run's rejects (file, line, field, value, reason; RFC 4180) to a
// hidden file beside <out>/rejects/run-NNNNNN.csv; publish renames it into place. On
// error nothing is left behind.
func stageRejects(ctx context.Context, c *store.Conn, out string, runID int64, wrap func(*os.File) io.Writer) (_ stagedRejects, err error) {
	dir := filepath.Join(out, "rejects")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return stagedRejects{}, fmt.Errorf("rejects: %w", err)
	}
	final := filepath.Join(dir, fmt.Sprintf("run-%06d.csv", runID))
	f, err := os.CreateTemp(dir, rejectsTmp)
	if err != nil {
		return stagedRejects{}, fmt.Errorf("rejects: %w", err)
	}
	defer func() {
		if err != nil {
			os.Remove(f.Name())
		}
	}()
	if err := writeRejects(ctx, c, f, runID, wrap); err != nil {
		return stagedRejects{}, fmt.Errorf("rejects: %w", err)
	}
	return stagedRejects{tmp: f.Name(), final: final}, nil
}

// writeRejects writes the run's rejects to f, syncs and closes it.
func writeRejects(ctx context.Context, c *store.Conn, f *os.File, runID int64, wrap func(*os.File) io.Writer) error {
	rows, err := c.Query(ctx, `SELECT file, line, coalesce(field, ''), coalesce(value, ''), reason FROM ops.reject
		WHERE run_id = ? ORDER BY src_system, entity, file, line, field`, runID)
	if err != nil {
		f.Close()
		return err
	}
	defer rows.Close()
	var dst io.Writer = f
	if wrap != nil {
		dst = wrap(f)
	}
	bw := bufio.NewWriter(dst)
	w := csv.NewWriter(bw)
	w.Write([]string{"file", "line", "field", "value", "reason"})
	for rows.Next() {
		var file, field, value, reason string
		var line int64
		if err := rows.Scan(&file, &line, &field, &value, &reason); err != nil {
			f.Close()
			return err
		}
		w.Write([]string{file, strconv.FormatInt(line, 10), field, value, reason})
	}
	w.Flush()
	// The first error says it: a full disk fails the CSV writer, the buffer and the sync
	// alike.
	for _, err := range []error{rows.Err(), w.Error(), bw.Flush(), f.Sync()} {
		if err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
