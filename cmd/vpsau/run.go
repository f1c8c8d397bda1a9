package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"github.com/dvpsau/vpsau/internal/store"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/config"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/runlock"
)

func runCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "run", "[--inbox DIR | --demo] [--as-of YYYY-MM-DD] [--db FILE] [--out DIR]")
	cf := commonFlags(fs, true)
	inbox := fs.String("inbox", "", "file-drop folder of the sources (otherwise the configured source URLs)")
	asOf := fs.String("as-of", "", "business date YYYY-MM-DD (default today in Europe/Oslo)")
	demo := fs.Bool("demo", false, "generate national-scale data, serve it from fake source servers on loopback, and run on it")
	scale := fs.Float64("scale", 1, "with --demo: generator scale (1 = Norway)")
	seed := fs.Int64("seed", 1, "with --demo: generator seed")
	accept := fs.Bool("accept-mass-change", false, "publish even if a source or receiver shrinks by more than the guard allows")
	earlier := fs.Bool("accept-earlier-date", false, "run a business date before the last successful run's (the way back after a mistyped date in the future)")
	replay := fs.String("replay", "", "load the raw payload folder of an earlier run instead of fetching")
	quiet := fs.Bool("quiet", false, "print nothing but errors")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("unexpected argument %q", fs.Arg(0))
	}
	date, err := businessDate(*asOf, e.now())
	if err != nil {
		return err
	}
	if *demo && (*inbox != "" || *replay != "") {
		return usageError("--demo makes its own sources; leave out --inbox and --replay")
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	if *demo {
		// The demo keeps to its own folder unless told otherwise.
		if *cf.db == "" {
			cfg.DB = filepath.Join("demo", "vpsau.duckdb")
		}
		if *cf.out == "" {
			cfg.Out = filepath.Join("demo", "out")
		}
	}
	opt := nightlyOptions(e, cfg, date, "manual", slog.New(slog.DiscardHandler))
	opt.Inbox, opt.Replay, opt.Guard.Accept, opt.Backwards = *inbox, *replay, *accept, *earlier
	var w io.Writer = e.stdout
	if *quiet {
		w = io.Discard
	}
	if isTerminal(e.stderr) && !*quiet {
		opt.Progress = progressBar(e.stderr, e.now)
		defer fmt.Fprint(e.stderr, "\r\033[K")
	}

	if at := e.getenv("VPSAU_TEST_KILL_AT"); at != "" {
		// For the crash tests only: the process kills itself (SIGKILL) as the named stage
		// begins, as a power cut would.
		show := opt.Progress
		opt.Progress = func(stage string) {
			if show != nil {
				show(stage)
			}
			if stage == at {
				syscall.Kill(os.Getpid(), syscall.SIGKILL)
			}
		}
	}
	if *demo {
		opt.Trigger = "demo"
	} else if *inbox == "" && *replay == "" {
		if len(cfg.Sources) == 0 {
			return usageError("no sources: give --inbox DIR (a file drop), configure the source URLs (docs/operations.md), or try --demo")
		}
		opt.Sources = sourceConfigs(cfg)
	}

	if err := os.MkdirAll(filepath.Dir(cfg.DB), 0o755); err != nil {
		return err
	}
	lock, err := runlock.Acquire(cfg.DB+".lock", e.now())
	if err != nil {
		return fmt.Errorf("%w; nothing was published", err)
	}
	defer lock.Release()
	d, err := openDB(ctx, e, cfg)
	if err != nil {
		return fmt.Errorf("%w; nothing was published", err)
	}
	defer d.Close()
	if *demo {
		stop, err := demoSources(ctx, e, d, &opt, w, *scale, *seed)
		if err != nil {
			return err
		}
		defer stop()
	}
	restore := nightly.TuneGC(e.getenv)
	sum, err := nightly.Run(ctx, d, opt)
	restore()
	if opt.Progress != nil {
		fmt.Fprint(e.stderr, "\r\033[K")
	}
	if err != nil {
		return runFailed(sum, err)
	}
	printSummary(w, sum, cfg.DB, cfg.Out)
	for _, st := range sum.Stale { // on stderr, also with --quiet: the night ran on old data
		fmt.Fprintf(e.stderr, "warning: source %s failed (%s); its snapshot of run %d, fetched %s, stood in\n",
			st.System, st.Reason, st.FromRun, st.FetchedAt.UTC().Format(time.RFC3339))
	}
	return nil
}

// runFailed is the one line of a failed run: what failed, and what it published before —
// nothing, unless it failed after publishing receivers' exports (a later receiver's
// rename, or the analyst copy), which the next run's exports then repeat.
func runFailed(sum nightly.Summary, err error) error {
	if sum.RunID == 0 {
		return fmt.Errorf("%w; nothing was published", err)
	}
	if len(sum.Exports) == 0 {
		return fmt.Errorf("run %d failed: %w; nothing was published", sum.RunID, err)
	}
	var names []string
	for _, m := range sum.Exports {
		names = append(names, m.Receiver)
	}
	return fmt.Errorf("run %d failed: %w; published before the failure: the exports of %s (the next run's exports repeat their changes)",
		sum.RunID, err, strings.Join(names, ", "))
}

func sumRows(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func printSummary(w io.Writer, s nightly.Summary, db, out string) {
	fmt.Fprintf(w, "run %d succeeded: business date %s, %s, %s\n", s.RunID, s.AsOf.Format(time.DateOnly),
		s.Took.Round(time.Millisecond), s.Origin)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "source\trows\taccepted\trejected\tnew\tchanged\tdeleted\tcurrent\t")
	for _, r := range s.Sources {
		fmt.Fprintf(tw, "%s/%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.System, r.Entity, r.Read, r.Accepted, r.Rejected,
			r.Diff.New, r.Diff.Changed, r.Diff.Deleted, r.After)
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "receiver\tNY\tENDRET\tSLETTET\texport\t")
	for _, m := range s.Exports {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t\n", m.Receiver, m.Rows.New, m.Rows.Changed, m.Rows.Deleted,
			filepath.Join(out, m.Receiver, m.ExportID))
	}
	tw.Flush()
	var stages []string
	for name, d := range s.Stages {
		stages = append(stages, fmt.Sprintf("%s %s", name, d.Round(time.Millisecond)))
	}
	sort.Strings(stages)
	fmt.Fprintf(w, "\nrejects: %d (%s)  findings: %d  database: %s\nstages: %s\n",
		s.Rejects, filepath.Join(out, "rejects", fmt.Sprintf("run-%06d.csv", s.RunID)), s.Findings, db, strings.Join(stages, ", "))
	if s.Report != "" {
		fmt.Fprintf(w, "report: %s  parquet: %s\n", s.Report, s.Parquet)
	}
	for _, warn := range s.Warnings {
		fmt.Fprintf(w, "warning: %s (the run succeeded and published)\n", warn)
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// nightlyOptions are a run's options from the configuration (sources, inbox and the
// guard's override are the caller's).
func nightlyOptions(e env, cfg config.Config, date time.Time, trigger string, log *slog.Logger) nightly.Options {
	rawRoot := cfg.RawDir
	if rawRoot == "" {
		rawRoot = cfg.DB + ".raw"
	}
	fallback := map[string]time.Duration{}
	for sys, d := range cfg.Fallback {
		fallback[sys] = d.Duration
	}
	return nightly.Options{
		Fallback: fallback,
		AsOf:     date, Trigger: trigger, Out: cfg.Out, RawRoot: rawRoot, Rules: cfg.Rules, Now: e.now,
		RawKeep: time.Duration(cfg.RawKeepDays) * 24 * time.Hour,
		Outputs: cfg.Outputs(), XLSX: exports.XLSXOptions{MaxRowsPerSheet: cfg.XLSX.MaxRowsPerSheet},
		Guard:   nightly.Guard{MaxShare: cfg.Guard.MaxShare, MinRows: cfg.Guard.MinRows},
		Analyst: nightly.AnalystCopy{Path: cfg.AnalystCopyPath(), Pseudonymise: cfg.Analyst.Pseudonymise, Salt: cfg.Analyst.Salt},
		Log:     log,
	}
}

// progressStages counts the stages nightly.Run reports to its Progress function: fetch,
// stage and land per entity, rules, receivers, audit, commit, export, stage and publish
// per receiver, rejects, analyst copy, report, finish.
func progressStages() int {
	return 1 + 2*len(nightly.Entities()) + 4 + 1 + 2*len(receiver.Names()) + 4
}

// progressBar draws the run's stages as a bar on a terminal, on one line:
//
//	[########............]  9/40  stage portal/visits  00:04
func progressBar(w io.Writer, now func() time.Time) func(string) {
	total := progressStages()
	start := now()
	n := 0
	return func(stage string) {
		n++
		if n > total {
			n = total
		}
		const width = 24
		done := width * n / total
		el := now().Sub(start).Round(time.Second)
		fmt.Fprintf(w, "\r\033[K[%s%s] %2d/%d  %-28s %02d:%02d", strings.Repeat("#", done), strings.Repeat(".", width-done),
			n, total, stage, int(el.Minutes()), int(el.Seconds())%60)
	}
}

// demoSources generates the demo's inbox, serves it from fake source servers on
// loopback and points opt at them; stop ends them and removes the inbox. The generator
// draws every date relative to the day it generates for, so sources generated a day
// later would look like sources that replaced all their courses and reservations, which
// the mass-change guard refuses. So the demo's sources are generated as of the day its
// last successful night in this database recorded (in the run's origin), as long as
// they hold the subsidy year the night needs (demoAnchor): run again on a later day, the
// demo sees the same sources a day later.
func demoSources(ctx context.Context, e env, d *store.DB, opt *nightly.Options, w io.Writer, scale float64, seed int64) (stop func(), err error) {
	c, err := d.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	if !opt.Backwards { // before generating: a night that cannot run need not wait for its data
		if err := nightly.CheckForward(ctx, c, opt.AsOf); err != nil {
			return nil, fmt.Errorf("%w; nothing was published", err)
		}
	}
	a, err := demoAnchor(ctx, c, opt.AsOf)
	if err != nil {
		return nil, fmt.Errorf("demo: %w; nothing was published", err)
	}
	dir, err := os.MkdirTemp("", "vpsau-demo-inbox-")
	if err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress("generate")
	}
	t0 := time.Now()
	gs, err := generate.Inbox(dir, generate.Config{Scale: scale, Seed: seed, AsOf: a.day, BadShare: 0.001})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("demo: generate: %w; nothing was published", err)
	}
	as := "as of " + a.day.Format(time.DateOnly)
	switch {
	case a.earlier && !math.IsNaN(a.scale) && (a.scale != scale || a.seed != seed):
		as += fmt.Sprintf(", like the demo's earlier nights here, but those had scale %g, seed %d: these sources differ from theirs", a.scale, a.seed)
	case a.earlier:
		as += ", the sources of the demo's earlier nights in this database"
	case a.expired:
		as += ", new sources: the demo's earlier ones lack the subsidy year this night needs (the mass-change guard may refuse this night once)"
	}
	fmt.Fprintf(w, "demo: generated %d rows (scale %g, seed %d, %s) in %s; serving them from fake source servers on loopback\n",
		sumRows(gs.Files), scale, seed, as, time.Since(t0).Round(time.Millisecond))
	set, err := fakesrc.Start(ctx, dir, fakesrc.Options{ClientID: "vpsau-demo", ClientSecret: "demo-secret"})
	if err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("demo: fake sources: %w; nothing was published", err)
	}
	opt.Sources = map[string]fetch.Config{}
	for sys, u := range set.URLs {
		opt.Sources[sys] = fetch.Config{BaseURL: u, ClientID: "vpsau-demo", ClientSecret: "demo-secret"}
	}
	opt.OriginNote = fmt.Sprintf("demo sources as of %s, scale %g, seed %d", a.day.Format(time.DateOnly), scale, seed)
	return func() { set.Close(); os.RemoveAll(dir) }, nil
}

// anchor is the day the demo's sources are generated for, and what the demo recorded.
type anchor struct {
	day     time.Time
	earlier bool    // the day the demo's last successful night recorded
	expired bool    // there was one, but its sources lack the subsidy year needed
	scale   float64 // the recorded generator's scale and seed, when earlier (NaN: not recorded)
	seed    int64
}

// demoNote matches what a demo night records in its origin (nightly.Options.OriginNote).
var demoNote = regexp.MustCompile(`demo sources as of (\d{4}-\d{2}-\d{2}), scale ([^,]+), seed (-?\d+)`)

// demoAnchor is the day the demo's sources are generated for: the day recorded by the
// last successful demo night of the database (for a demo night before the day was
// recorded, its business date), as long as its sources hold the subsidy year asOf needs;
// otherwise asOf itself, which this night then records for the nights after it.
func demoAnchor(ctx context.Context, c *store.Conn, asOf time.Time) (anchor, error) {
	var origin sql.NullString
	var date time.Time
	err := c.QueryRow(ctx, `SELECT origin, business_date FROM ops.run WHERE trigger = 'demo' AND status = 'succeeded'
		ORDER BY run_id DESC LIMIT 1`).Scan(&origin, &date)
	if errors.Is(err, sql.ErrNoRows) {
		return anchor{day: asOf}, nil
	}
	if err != nil {
		return anchor{}, err
	}
	a := anchor{day: time.Date(date.Year(), date.Month(), date.Day(), 0, 0, 0, 0, asOf.Location()), scale: math.NaN()}
	if m := demoNote.FindStringSubmatch(origin.String); m != nil {
		d, err1 := time.ParseInLocation(time.DateOnly, m[1], asOf.Location())
		sc, err2 := strconv.ParseFloat(m[2], 64)
		sd, err3 := strconv.ParseInt(m[3], 10, 64)
		if err1 == nil && err2 == nil && err3 == nil {
			a.day, a.scale, a.seed = d, sc, sd
		}
	}
	day, ok := anchorFor(a.day, asOf)
	if !ok {
		return anchor{day: asOf, expired: true}, nil
	}
	a.day, a.earlier = day, true
	return a, nil
}

// anchorFor is demoAnchor's rule for sources generated as of day: they serve asOf when
// day is not after it and they hold the subsidy year asOf needs (the year before asOf;
// the generator publishes a year's file from 10 April).
func anchorFor(day, asOf time.Time) (time.Time, bool) {
	published := day.Year() - 1
	if !day.Before(time.Date(day.Year(), time.April, 10, 0, 0, 0, 0, day.Location())) {
		published = day.Year()
	}
	if day.After(asOf) || asOf.Year()-1 > published {
		return asOf, false
	}
	return day, true
}
