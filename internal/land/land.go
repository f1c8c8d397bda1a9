// Package land loads one run's raw payloads of a source entity into its history table:
// every row is parsed against the entity's contract and either staged or rejected with its
// reason; duplicate keys are rejected; the staged snapshot then replaces the current state
// (history.Apply), while keys whose row was rejected keep their last good version.
package land

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/history"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/internal/tabular"
	"github.com/klauspost/compress/zstd"
)

// ErrMassChange reports a snapshot that would delete more than the allowed share of the
// current rows: most likely a truncated delivery, not a real change.
var ErrMassChange = errors.New("mass change")

// ErrMissing reports a source file that is not there.
var ErrMissing = errors.New("missing")

// Options are the run's parameters.
type Options struct {
	RunID            int64
	SysTime          time.Time
	AsOf             time.Time // business date (UTC midnight)
	MaxShrink        float64   // largest share of current rows a snapshot may delete; 0 = no limit
	AcceptMassChange bool
}

// Result counts what happened to one entity.
type Result struct {
	System, Entity string
	Payloads       int   // files or pages read
	Read           int64 // data rows read
	Accepted       int64 // rows staged (after duplicates)
	Rejected       int64 // rows rejected
	Before, After  int64 // current rows in scope before (the subsidy: of the years delivered), all current rows after
	Diff           history.Diff
	// EmptiedYears are the subsidy years whose file (named for the year) held no row, and
	// EmptiedRows the current rows they had: an empty snapshot of a year, which the
	// mass-change guard weighs on its own (among other years' rows it is a small share).
	EmptiedYears []string `json:",omitempty"`
	EmptiedRows  int64    `json:",omitempty"`
}

// Payload is one raw file of an entity: a CSV file of a file drop or a JSON page of an
// HTTP snapshot, kept verbatim in the run's raw folder.
type Payload struct {
	Name string // path relative to the raw folder, as shown in rejects
	JSON bool
}

// HTTPDir is the folder, relative to a run's raw folder, that holds HTTP pages:
// http/<entity>/<page>.json.zst, and for subsidy http/subsidy/<year>/<page>.json.zst.
const HTTPDir = "http"

// PageExt ends the name of a stored HTTP page: the body byte for byte as it came,
// compressed with zstd (with its checksum). A subsidy page is mostly null members and
// shrinks about 30 times; writing new file pages was the largest cost of a pull (2.4 s a
// GB of kernel time on our disk), and a run's raw folder is kept for raw_keep_days.
// Pages stored plain (.json), as runs before 2026-11-30 stored them, are read as well.
const PageExt = ".json.zst"

var (
	pageEncoder = sync.OnceValue(func() *zstd.Encoder {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest))
		if err != nil {
			panic(err) // only for invalid options
		}
		return enc
	})
	pageDecoder = sync.OnceValue(func() *zstd.Decoder {
		dec, err := zstd.NewReader(nil)
		if err != nil {
			panic(err) // only for invalid options
		}
		return dec
	})
)

// CompressPage appends body compressed as a stored page (PageExt) to dst. It is safe for
// concurrent use.
func CompressPage(dst, body []byte) []byte {
	return pageEncoder().EncodeAll(body, dst)
}

// Payloads lists the raw files of an entity in a run's raw folder, in load order. An
// entity fetched over HTTP has a folder of pages; otherwise its file-drop file must exist
// (the subsidy folder may be empty: no year delivered).
func Payloads(rawDir string, e *contract.Entity) ([]Payload, error) {
	httpDir := filepath.Join(rawDir, HTTPDir, e.Name)
	if st, err := os.Stat(httpDir); err == nil && st.IsDir() {
		var out []Payload
		err := filepath.WalkDir(httpDir, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && (strings.HasSuffix(p, PageExt) || strings.HasSuffix(p, ".json")) {
				rel, _ := filepath.Rel(rawDir, p)
				out = append(out, Payload{Name: filepath.ToSlash(rel), JSON: true})
			}
			return nil
		})
		sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
		return out, err
	}
	full := filepath.Join(rawDir, e.File)
	st, err := os.Stat(full)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && e.Name == "subsidy" {
			return nil, nil
		}
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w (a source delivers a full snapshot; an empty one is a header-only file)", e.File, ErrMissing)
		}
		return nil, err
	}
	if !st.IsDir() {
		return []Payload{{Name: e.File}}, nil
	}
	entries, err := os.ReadDir(full)
	if err != nil {
		return nil, err
	}
	var out []Payload
	for _, de := range entries {
		if !de.IsDir() && strings.EqualFold(path.Ext(de.Name()), ".csv") {
			out = append(out, Payload{Name: e.File + "/" + de.Name()})
		}
	}
	return out, nil
}

// Entity loads the entity's payloads from rawDir into its history table (Load). Inside
// a transaction of c an error leaves the caller to roll back; a run uses StageAll and
// Staged.Historise instead, so that its stages are committed before its transaction.
func Entity(ctx context.Context, c *store.Conn, rawDir string, e *contract.Entity, opt Options) (Result, error) {
	return Load(ctx, c, Start(rawDir, e, opt.AsOf), opt)
}

// Load stages the rows p parses (Stage) and historises them (Staged.Historise) on c, in
// the caller's transaction if it has one, then drops the stage. p is used up either way.
func Load(ctx context.Context, c *store.Conn, p *Parsed, opt Options) (Result, error) {
	s, err := Stage(ctx, c, p)
	if err != nil {
		return Result{System: p.e.System, Entity: p.e.Name, Payloads: len(p.payloads)}, err
	}
	res, err := s.Historise(ctx, c, opt)
	derr := s.Drop(context.WithoutCancel(ctx), c) // fails in a transaction the error aborted
	if err != nil {
		return res, err
	}
	return res, derr
}

// Staged is an entity's accepted rows in a temp table of the connection (stg_<entity>),
// with what the parse found: its rejects and the keys they keep (temp tables rej_<entity>
// and keep_<entity>), its payloads by number (pay_<entity>), and the keys that may be
// duplicated.
type Staged struct {
	p *Parsed // read to its end: its batches channel is closed
}

// Stage reads the rows p parses into the temp table stg_<entity> of c and waits for the
// parse to end. A run stages every entity before its transaction begins, so that each
// stage is committed when the transaction historises it: an insert from rows the
// transaction appended itself (DuckDB's transaction-local storage) took twice as long as
// from committed ones (a million subsidy rows: 1.55 s against 0.81 s), and the commit
// then had the stages to merge as well (14.6 s of a first night at generator scale 100,
// 2.8 s without). A stage is scratch, never part of the database file: Drop removes it.
// p is used up either way.
func Stage(ctx context.Context, c *store.Conn, p *Parsed) (*Staged, error) {
	defer p.Close()
	e := p.e
	cols := e.Columns()
	if err := c.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE %s AS
		SELECT rkey, %s, 0::BIGINT AS _pay, 0::BIGINT AS _line, 0::BIGINT AS _ord
		FROM %s LIMIT 0;
		CREATE OR REPLACE TEMP TABLE %s (file VARCHAR, line BIGINT, field VARCHAR, value VARCHAR, reason VARCHAR, rkey VARCHAR);
		CREATE OR REPLACE TEMP TABLE %s (rkey VARCHAR, pattern VARCHAR);
		CREATE OR REPLACE TEMP TABLE %s (_pay BIGINT, _file VARCHAR)`,
		stageTable(e), strings.Join(cols, ", "), e.Table, rejectTable(e), keepTable(e), payloadTable(e))); err != nil {
		return nil, fmt.Errorf("stage %s: %w", e.Name, err)
	}
	err := c.Append(ctx, "temp", stageTable(e), func(a *store.Appender) error {
		for b := range p.batches {
			for _, row := range b {
				if err := a.AppendRow(row...); err != nil {
					return err
				}
			}
		}
		return p.err // set before batches was closed
	})
	if err == nil {
		err = stageRejects(ctx, c, p)
	}
	if err == nil {
		err = c.Append(ctx, "temp", payloadTable(e), func(a *store.Appender) error {
			for i, pl := range p.payloads {
				if err := a.AppendRow(int64(i), pl.Name); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		// The appender has committed what it had: drop the half stage, which nobody will.
		_ = dropStage(context.WithoutCancel(ctx), c, e)
		return nil, err
	}
	return &Staged{p: p}, nil
}

// stageRejects moves the parse's rejects and the keys they keep out of memory into the
// entity's temp tables rej_<entity> and keep_<entity>, committed like the stage: a run
// stages every entity before it historises any, and a delivery that is bad throughout
// holds a reject per failing field.
func stageRejects(ctx context.Context, c *store.Conn, p *Parsed) error {
	e := p.e
	if err := appendRejects(ctx, c, e, p.rejects); err != nil {
		return err
	}
	if len(p.keepKeys)+len(p.keepPatterns) > 0 {
		if err := c.Append(ctx, "temp", keepTable(e), func(a *store.Appender) error {
			for _, k := range p.keepKeys {
				if err := a.AppendRow(k, nil); err != nil {
					return err
				}
			}
			for pat := range p.keepPatterns {
				if err := a.AppendRow(nil, pat); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
	}
	p.rejects, p.keepKeys = nil, nil
	return nil
}

// StageAll stages the entities one after the other (Stage), the next one's parse starting
// as the current one is appended, and calls progress, when not nil, with
// "stage <system>/<entity>" as each begins. It returns the stages made so far also when
// one fails: the caller drops them.
func StageAll(ctx context.Context, c *store.Conn, rawDir string, es []*contract.Entity, asOf time.Time, progress func(string)) ([]*Staged, error) {
	ready := make(chan string, len(es))
	for _, e := range es {
		ready <- e.System
	}
	close(ready)
	staged, _, err := StageAsReady(ctx, c, rawDir, nil, es, asOf, progress, ready)
	return staged, err
}

// ErrNotReady is StageAsReady's error for an entity whose system never came ready.
var ErrNotReady = errors.New("its source's snapshot never came into the raw folder")

// StageAsReady stages the entities as StageAll does, system by system as each system's
// name arrives on ready — the sign that its payloads are complete in rawDir — so that a
// run stages the snapshots that are in while the others are still being fetched. Within a
// system the entities are staged in the order of es, and the systems in the order they
// came. A name sent again is ignored; the caller closes ready when no more will come.
// The stages are returned in the order of es, nil where an entity was not staged: Historise
// them in that order, DropAll them either way. busy is the time it spent staging, not
// waiting for a system to come. A page that arrived keeps (nil: none) is taken from there
// rather than decoded from its file.
//
// The error does not depend on the order the systems came in: it is the first entity's
// in the order of es that failed to stage. After a failure only the entities before it
// are staged (one of them may fail first). Only when none failed is an entity whose system
// never came an error, ErrNotReady.
func StageAsReady(ctx context.Context, c *store.Conn, rawDir string, arrived *Arrived, es []*contract.Entity, asOf time.Time, progress func(string), ready <-chan string) (_ []*Staged, busy time.Duration, _ error) {
	began := time.Now()
	var waited time.Duration
	defer func() { busy = time.Since(began) - waited }()
	out := make([]*Staged, len(es))
	seen := map[string]bool{}
	for _, e := range es {
		if seen[e.Name] { // the stages are named by entity and live side by side
			return nil, 0, fmt.Errorf("%s/%s: two entities of that name", e.System, e.Name)
		}
		seen[e.Name] = true
	}
	failed, ferr := len(es), error(nil) // the first failing entity of es, and its error
	var queue []int                     // entities of systems that came, not yet started
	came := map[string]bool{}
	open := true
	receive := func(sys string, ok bool) {
		if !ok {
			open = false
			return
		}
		if came[sys] {
			return
		}
		came[sys] = true
		for i, e := range es {
			if e.System == sys {
				queue = append(queue, i)
			}
		}
	}
	// pop returns the next entity to stage (one before the failure, if any), -1 if none is
	// queued; with wait it waits for a system to come until ready is closed.
	pop := func(wait bool) (int, error) {
		for {
			for len(queue) > 0 {
				i := queue[0]
				queue = queue[1:]
				if i < failed {
					return i, nil
				}
			}
			if !open {
				return -1, nil
			}
			if wait {
				t0 := time.Now()
				select {
				case sys, ok := <-ready:
					receive(sys, ok)
				case <-ctx.Done():
					return -1, ctx.Err()
				}
				waited += time.Since(t0)
				continue
			}
			select {
			case sys, ok := <-ready:
				receive(sys, ok)
			default:
				return -1, nil
			}
		}
	}
	var next *Parsed // the entity whose parse has started ahead
	nextAt := -1
	defer func() {
		if next != nil {
			next.Close()
		}
	}()
	for {
		if next == nil {
			i, err := pop(true)
			if err != nil {
				return out, 0, err
			}
			if i < 0 {
				break
			}
			next, nextAt = start(rawDir, es[i], asOf, arrived), i
		}
		cur, at := next, nextAt
		next = nil
		if i, err := pop(false); err == nil && i >= 0 {
			next, nextAt = start(rawDir, es[i], asOf, arrived), i
		}
		e := es[at]
		if progress != nil {
			progress("stage " + e.System + "/" + e.Name)
		}
		s, err := Stage(ctx, c, cur)
		if err != nil {
			failed, ferr = at, fmt.Errorf("%s/%s: %w", e.System, e.Name, err) // at < failed: pop saw to it
			if next != nil && nextAt > at {
				next.Close()
				next = nil
			}
			continue
		}
		out[at] = s
	}
	if ferr != nil {
		return out, 0, ferr
	}
	for i, e := range es {
		if out[i] == nil {
			return out, 0, fmt.Errorf("%s/%s: %w", e.System, e.Name, ErrNotReady)
		}
	}
	return out, 0, nil
}

// LoadAll lands the entities as a run does, without the rest of the run: all staged
// first (StageAll), then historised in one transaction of their own on c, then the
// stages dropped.
func LoadAll(ctx context.Context, c *store.Conn, rawDir string, es []*contract.Entity, opt Options) ([]Result, error) {
	staged, err := StageAll(ctx, c, rawDir, es, opt.AsOf, nil)
	defer DropAll(context.WithoutCancel(ctx), c, staged) // scratch: a leftover is replaced next time
	if err != nil {
		return nil, err
	}
	return HistoriseAll(ctx, c, staged, opt)
}

// HistoriseAll historises every stage of staged, in order, in one transaction of its own
// on c, and leaves the stages to the caller to drop.
func HistoriseAll(ctx context.Context, c *store.Conn, staged []*Staged, opt Options) ([]Result, error) {
	var out []Result
	err := c.InTx(ctx, func() error {
		for _, s := range staged {
			res, err := s.Historise(ctx, c, opt)
			if err != nil {
				return err
			}
			out = append(out, res)
		}
		return nil
	})
	return out, err
}

// Drop removes the entity's stage, rejects, kept keys and payload names from c.
func (s *Staged) Drop(ctx context.Context, c *store.Conn) error { return dropStage(ctx, c, s.p.e) }

// DropAll drops every stage of ss (nil: none) from c and returns what failed.
func DropAll(ctx context.Context, c *store.Conn, ss []*Staged) error {
	var errs []error
	for _, s := range ss {
		if s == nil {
			continue // not staged
		}
		errs = append(errs, s.Drop(ctx, c))
	}
	return errors.Join(errs...)
}

// stageTable, rejectTable, keepTable and payloadTable name an entity's temp tables: its
// staged rows, its rejects, the keys of its rejected rows, which keep their current
// version, and its payloads by number (_pay, _file). A staged row names its payload by
// number: a file's name in each of a million rows was a string the appender copied into
// DuckDB a million times.
func stageTable(e *contract.Entity) string   { return "stg_" + e.Name }
func rejectTable(e *contract.Entity) string  { return "rej_" + e.Name }
func keepTable(e *contract.Entity) string    { return "keep_" + e.Name }
func payloadTable(e *contract.Entity) string { return "pay_" + e.Name }

func dropStage(ctx context.Context, c *store.Conn, e *contract.Entity) error {
	return c.Exec(ctx, `DROP TABLE IF EXISTS temp.`+stageTable(e)+`; DROP TABLE IF EXISTS temp.`+rejectTable(e)+
		`; DROP TABLE IF EXISTS temp.`+keepTable(e)+`; DROP TABLE IF EXISTS temp.`+payloadTable(e))
}

// Historise rejects what the parse and the duplicate check refused and makes the staged
// rows the current state of the entity's history table. Run it inside the run's
// transaction, once: an error leaves the caller to roll back.
func (s *Staged) Historise(ctx context.Context, c *store.Conn, opt Options) (Result, error) {
	p := s.p
	e := p.e
	res := Result{System: e.System, Entity: e.Name, Payloads: len(p.payloads)}
	stage, keep := stageTable(e), keepTable(e)
	cols := e.Columns()
	var err error
	res.Read = p.read

	// Duplicate keys: the first row stays, every later one is a reject. Only keys the
	// parse's filter flagged can be duplicated: a few a night (up to some hundreds of an
	// entity at generator scale 10), and no query is made when there are none.
	// A subsidy file's rows of another year go first: a stray row is no first copy.
	var nyears int64
	if e.Name == "subsidy" {
		if nyears, err = otherYears(ctx, c, stage, rejectTable(e), keep, payloadTable(e)); err != nil {
			return res, fmt.Errorf("years %s: %w", e.Name, err)
		}
	}
	var ndup int64
	if len(p.flagged) > 0 {
		var dups []reject
		if ndup, err = duplicates(ctx, c, e, stage, payloadTable(e), p.flagged, &dups); err != nil {
			return res, fmt.Errorf("duplicates %s: %w", e.Name, err)
		}
		if err := appendRejects(ctx, c, e, dups); err != nil { // undone with the transaction
			return res, err
		}
	}
	res.Rejected = p.rejectedRows + nyears + ndup
	if err := c.Exec(ctx, `INSERT INTO ops.reject (run_id, src_system, entity, file, line, field, value, reason, rkey)
		SELECT $1, $2, $3, file, line, field, value, reason, rkey FROM temp.`+rejectTable(e), opt.RunID, e.System, e.Name); err != nil {
		return res, fmt.Errorf("rejects %s: %w", e.Name, err)
	}

	spec := history.Spec{Target: e.Table, Stage: stage, Cols: cols, Source: e.System, Payloads: payloadTable(e), Keep: keep,
		KeepPatterns: len(p.keepPatterns) > 0, KeepAll: p.keepPatterns[contract.AnyKey]}
	if e.Name == "subsidy" {
		// A year's file replaces that year; a year without a file keeps what it had (rows
		// of another year in a file are rejects: otherYears). A file named for its year
		// with no rows is that year's empty snapshot (PRODUCT.md: a header-only file is
		// one), which the guard then weighs like any shrink.
		spec.Scope = "t.aar IN (SELECT aar FROM " + stage + ")"
		if empty := emptyYears(p.payloads, p.readFrom); len(empty) > 0 {
			spec.Scope = "(" + spec.Scope + " OR t.aar IN (" + strings.Join(empty, ", ") + "))"
			res.EmptiedYears = empty
			if err := c.QueryRow(ctx, `SELECT count(*) FROM `+e.Table+` WHERE sys_bis IS NULL AND aar IN (`+strings.Join(empty, ", ")+`)`).Scan(&res.EmptiedRows); err != nil {
				return res, fmt.Errorf("count %s: %w", e.Name, err)
			}
		}
	}
	scope := "TRUE"
	if spec.Scope != "" {
		scope = spec.Scope
	}
	if err := c.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s t WHERE t.sys_bis IS NULL AND %s`, e.Table, scope)).Scan(&res.Before); err != nil {
		return res, fmt.Errorf("count %s: %w", e.Name, err)
	}
	if err := c.QueryRow(ctx, `SELECT count(*) FROM `+stage).Scan(&res.Accepted); err != nil {
		return res, fmt.Errorf("count %s: %w", e.Name, err)
	}
	d, err := history.Apply(ctx, c, spec, opt.SysTime, opt.RunID)
	if err != nil {
		return res, err
	}
	res.Diff = d
	res.After = res.Before - d.Deleted + d.New
	if spec.Scope != "" { // the years not delivered keep their rows, current too
		if err := c.QueryRow(ctx, `SELECT count(*) FROM `+e.Table+` WHERE sys_bis IS NULL`).Scan(&res.After); err != nil {
			return res, fmt.Errorf("count %s: %w", e.Name, err)
		}
	}
	if opt.MaxShrink > 0 && !opt.AcceptMassChange && res.Before > 0 && float64(d.Deleted) > opt.MaxShrink*float64(res.Before) {
		return res, fmt.Errorf("%w: %s/%s would delete %d of %d rows (%.1f %% > %.0f %% allowed); check the delivery, or rerun with --accept-mass-change",
			ErrMassChange, e.System, e.Name, d.Deleted, res.Before, 100*float64(d.Deleted)/float64(res.Before), 100*opt.MaxShrink)
	}
	return res, nil
}

type reject struct {
	file, field, value, reason string
	line                       int64
	rkey                       string // the row's key, "" when it could not be read
}

// appendRejects appends rs to the entity's temp table of rejects (rejectTable).
func appendRejects(ctx context.Context, c *store.Conn, e *contract.Entity, rs []reject) error {
	if len(rs) == 0 {
		return nil
	}
	return c.Append(ctx, "temp", rejectTable(e), func(a *store.Appender) error {
		for _, r := range rs {
			var field, value, rkey any
			if r.field != "" {
				field = r.field
				value = r.value
			}
			if r.rkey != "" {
				rkey = r.rkey
			}
			if err := a.AppendRow(r.file, r.line, field, value, r.reason, rkey); err != nil {
				return err
			}
		}
		return nil
	})
}

// Parsed is an entity's payloads being read and checked in a goroutine of its own, ahead of
// the appender that stages them (Start, then Stage). At most aheadRows accepted rows wait
// in memory; the rejects wait whole, until the entity is staged.
type Parsed struct {
	e        *contract.Entity
	payloads []Payload

	batches chan [][]any // accepted rows: rkey, the entity's columns, _pay (the payload's index), _line, _ord
	stop    chan struct{}
	once    sync.Once

	// Written by the parsing goroutine (err also by Start when the payloads cannot be
	// listed), read once batches is closed.
	err      error
	rejects  []reject
	keepKeys []string // keys of rejected rows: they keep their current version
	// keepPatterns are, for rejected rows whose key could not be read, LIKE patterns of
	// the keys they may have (contract.KeyPattern): every current version they match is
	// kept too, as a reject is never a deletion. Only AnyKey when it is among them, or
	// when there would be more than maxKeepPatterns.
	keepPatterns       map[string]bool
	read, rejectedRows int64
	// readFrom counts the records read from each payload: a subsidy file named for its
	// year (YYYY.csv, or the pages of http/subsidy/YYYY/) that holds none is that year's
	// empty snapshot.
	readFrom map[string]int64
	// flagged are the keys of accepted rows that the filter may have seen before: every
	// duplicated key is among them (with a few that are not duplicated).
	flagged []string
}

const (
	batchRows = 1024
	aheadRows = 128 * batchRows
)

// Start begins parsing the entity's payloads in rawDir for business date asOf.
func Start(rawDir string, e *contract.Entity, asOf time.Time) *Parsed {
	return start(rawDir, e, asOf, nil)
}

// start is Start, taking the pages that arrived holds from there.
func start(rawDir string, e *contract.Entity, asOf time.Time, arrived *Arrived) *Parsed {
	p := &Parsed{e: e, batches: make(chan [][]any, aheadRows/batchRows), stop: make(chan struct{}), readFrom: map[string]int64{}}
	if p.payloads, p.err = Payloads(rawDir, e); p.err != nil {
		close(p.batches)
		return p
	}
	go p.parse(rawDir, asOf, arrived)
	return p
}

// errStopped ends a parse whose rows nobody will load.
var errStopped = errors.New("stopped")

func (p *Parsed) parse(rawDir string, asOf time.Time, arrived *Arrived) {
	defer close(p.batches)
	e := p.e
	width := len(e.Columns()) + 4
	var slab []any // the rows of a batch, in one allocation
	var batch [][]any
	send := func() bool {
		select {
		case p.batches <- batch:
			batch, slab = nil, nil
			return true
		case <-p.stop:
			return false
		}
	}
	var bits uint64
	for _, pl := range p.payloads {
		bits += filterBitsFor(filepath.Join(rawDir, filepath.FromSlash(pl.Name)), pl.JSON)
	}
	keys := newKeyFilter(bits)
	var ord int64
	var pages *pageReader // made at the first HTTP page
	for pay, pl := range p.payloads {
		readBefore := p.read
		row := func(pr *contract.Parser, line int64, raw []string, rowErr error) error {
			p.read++
			ord++
			if rowErr != nil {
				p.rejects = append(p.rejects, reject{file: pl.Name, line: line, reason: rowErr.Error()})
				p.rejectedRows++
				p.keepPattern(contract.AnyKey) // none of its fields can be trusted
				return nil
			}
			vals, probs := pr.ParsePicked(raw)
			key, keyOK := pr.Key(probs)
			// What is kept past the row is copied (strings.Clone): a key or a value may
			// be a part of its line, or of a whole decoded HTTP page, which it would keep.
			if len(probs) > 0 {
				p.rejectedRows++
				var rkey string
				if keyOK {
					rkey = strings.Clone(key)
				}
				for _, x := range probs {
					p.rejects = append(p.rejects, reject{file: pl.Name, line: line, field: x.Field, value: strings.Clone(x.Value), reason: x.Reason, rkey: rkey})
				}
				if keyOK {
					p.keepKeys = append(p.keepKeys, rkey)
				} else {
					p.keepPattern(pr.KeyPattern(probs))
				}
				return nil
			}
			if keys.seen(key) {
				p.flagged = append(p.flagged, strings.Clone(key))
			}
			if slab == nil {
				slab = make([]any, 0, batchRows*width)
				batch = make([][]any, 0, batchRows)
			}
			n := len(slab)
			slab = append(slab, key)
			slab = append(slab, vals...)
			slab = append(slab, int64(pay), line, ord)
			batch = append(batch, slab[n:len(slab):len(slab)])
			if len(batch) == batchRows && !send() {
				return errStopped
			}
			return nil
		}
		var err error
		if pl.JSON {
			if pages == nil {
				pages, err = newPageReader(e, asOf, arrived)
			}
			if err == nil {
				err = pages.read(filepath.Join(rawDir, filepath.FromSlash(pl.Name)), row)
			}
		} else {
			err = readFile(rawDir, pl, e, asOf, row)
		}
		p.readFrom[pl.Name] = p.read - readBefore
		if err != nil {
			if !errors.Is(err, errStopped) {
				p.err = fmt.Errorf("%s: %w", pl.Name, err)
			}
			return
		}
	}
	if len(batch) > 0 {
		send()
	}
}

// keyFilter is a Bloom filter of keys: a key it was given it always reports as seen, one
// it was not given it reports as unseen but for a few (four probes of one 64-bit hash).
// It is sized by the rows the payloads hold (filterBitsFor): for files 16 to 32 bits a
// row, fewer than one key in 400 falsely flagged; for stored HTTP pages two bits a
// compressed byte, as before (a page that compresses well gets fewer bits a row: one key
// in 50 flagged, in a review's synthetic pages); at most 16 MiB. A filter sized by bytes
// instead (two bits a byte) gave the wide subsidy rows 16 MiB, 128 bits a key, and paid
// for it in cache misses: keyFilter.seen was 0.7 s of CPU on the parse's goroutine of a
// first night at generator scale 10 (BenchmarkKeyFilter).
type keyFilter struct {
	bits []uint64
	mask uint64
}

// filterBits, when not 0, is the size of every key filter (a test's 1 flags every key
// after the first).
var filterBits uint64

// bitsPerRow is what a filter is given for each row a payload is estimated to hold.
const bitsPerRow = 16

// filterBitsFor is a payload's share of its entity's key filter: bitsPerRow for each row
// of a file, estimated from the bytes per line of its first 64 KiB (a low estimate only
// flags more keys for the duplicate check); a stored HTTP page, compressed, two bits a
// byte of it (some 30 bits a row for the generator's pages, fewer for pages that
// compress better). A payload that cannot be read adds nothing: its
// read fails the parse.
func filterBitsFor(path string, page bool) uint64 {
	if page {
		st, err := os.Stat(path)
		if err != nil {
			return 0
		}
		return 2 * uint64(st.Size())
	}
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0
	}
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	if n == 0 {
		return 0
	}
	lines := int64(bytes.Count(head[:n], []byte{'\n'}))
	if lines == 0 {
		lines = 1 // one line longer than the sample
	}
	return bitsPerRow * uint64(st.Size()*lines/int64(n)+1)
}

// newKeyFilter makes a filter of at least bits bits (a power of two, 2^16 to 2^27).
func newKeyFilter(bits uint64) *keyFilter {
	n := uint64(1) << 16
	for n < bits && n < 1<<27 {
		n <<= 1
	}
	if filterBits != 0 {
		n = filterBits
	}
	return &keyFilter{bits: make([]uint64, (n+63)/64), mask: n - 1}
}

// seen reports whether key may have been seen before, and adds it.
func (f *keyFilter) seen(key string) bool {
	h := uint64(14695981039346656037) // FNV-1a, then SplitMix64's finaliser
	for i := 0; i < len(key); i++ {
		h ^= uint64(key[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	h ^= h >> 31
	step := h>>32 | h<<32 | 1
	seen := true
	for i := uint64(0); i < 4; i++ {
		b := (h + i*step) & f.mask
		w, m := b/64, uint64(1)<<(b%64)
		if f.bits[w]&m == 0 {
			seen = false
			f.bits[w] |= m
		}
	}
	return seen
}

// maxKeepPatterns bounds the patterns of keys to keep: each is matched against every key
// that would go (a nested loop); past it the entity deletes nothing that night, as if a
// row's key could not be read at all.
const maxKeepPatterns = 1000

// keepPattern adds a pattern of keys to keep (keepPatterns).
func (p *Parsed) keepPattern(pat string) {
	if p.keepPatterns[contract.AnyKey] {
		return
	}
	if pat == contract.AnyKey || len(p.keepPatterns) >= maxKeepPatterns {
		pat, p.keepPatterns = contract.AnyKey, nil
	}
	if p.keepPatterns == nil {
		p.keepPatterns = map[string]bool{}
	}
	p.keepPatterns[pat] = true
}

// Close stops the parsing, if it still runs, and waits for it to end. Load calls it; a
// run that ends before loading a started entity must.
func (p *Parsed) Close() {
	p.once.Do(func() { close(p.stop) })
	for range p.batches {
	}
}

// rowFunc receives each row of a payload: its line, its fields in the entity's field order
// (contract.Parser.Pick), or the error that kept it from being split into fields.
type rowFunc func(pr *contract.Parser, line int64, raw []string, rowErr error) error

// pageReader reads an entity's stored HTTP pages: it asks each page for the entity's
// fields in order, then errorMember (PageColumns), and parses them with one parser for all
// the pages.
type pageReader struct {
	e       *contract.Entity
	cols    []string // the fields, then errorMember
	errCol  int      // errorMember's position in cols
	pr      *contract.Parser
	arrived *Arrived // pages decoded on arrival
}

func newPageReader(e *contract.Entity, asOf time.Time, arrived *Arrived) (*pageReader, error) {
	cols := PageColumns(e)
	pr, err := e.NewParser(cols[:len(e.Fields)], asOf) // an item's members are its row's columns by name
	if err != nil {
		return nil, err
	}
	return &pageReader{e: e, cols: cols, errCol: len(e.Fields), pr: pr, arrived: arrived}, nil
}

// read decodes the stored page at path, or takes its items from arrived, and calls fn per
// item (rows).
func (r *pageReader) read(path string, fn rowFunc) error {
	// A page is decoded whole, into memory of its own: the rows' strings share it.
	body, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	items := r.arrived.take(path, body)
	if items == nil {
		if strings.HasSuffix(path, PageExt) {
			if body, err = pageDecoder().DecodeAll(body, nil); err != nil {
				return fmt.Errorf("stored page damaged: %w", err)
			}
		}
		if items, _, err = fetch.DecodePageColumns(body, r.cols); err != nil {
			return err
		}
	}
	if err := r.columnsPresent(items); err != nil {
		return err
	}
	return r.rows(items, fn)
}

// readFile reads one file-drop file, binding a parser to its header, and calls fn per row
// with the row's fields as the parser's Pick gives them.
//
// The file is read and split into fields on a goroutine of its own (readRecords), a
// batch of rows ahead of fn: the parse of a large entity was one goroutine's work, a core
// busy while DuckDB's appender left the other half idle.
func readFile(rawDir string, p Payload, e *contract.Entity, asOf time.Time, fn rowFunc) error {
	f, err := os.Open(filepath.Join(rawDir, filepath.FromSlash(p.Name)))
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := tabular.NewReader(f)
	if err != nil {
		return err
	}
	pr, err := e.NewParser(r.Header(), asOf)
	if err != nil {
		return err
	}
	batches := make(chan []record, 4)
	stop := make(chan struct{})
	go readRecords(r, pr, batches, stop)
	defer func() {
		close(stop)
		for range batches { // the reader has let go of the file once batches is closed
		}
	}()
	for b := range batches {
		for _, rec := range b {
			if err := fn(pr, rec.line, rec.fields, rec.err); err != nil {
				return err
			}
		}
	}
	return r.Err() // read after batches was closed
}

// record is one row of a file as readRecords hands it on: its line, the fields its
// parser reads (Pick), or the error that kept it from being split.
type record struct {
	line   int64
	fields []string
	err    error
}

// recordBatch is how many rows readRecords hands on at a time.
const recordBatch = 512

// readRecords reads r's rows into batches, each row's picked fields in one slab per
// batch, and sends them on out until the file ends or stop is closed; then it closes out.
func readRecords(r *tabular.Reader, pr *contract.Parser, out chan<- []record, stop <-chan struct{}) {
	defer close(out)
	var batch []record
	var slab []string
	for r.Next() {
		if batch == nil {
			batch = make([]record, 0, recordBatch)
			slab = make([]string, 0, recordBatch*pr.Width())
		}
		rec := r.Record()
		x := record{line: int64(rec.Line), err: rec.Err}
		if rec.Err == nil {
			n := len(slab)
			slab = pr.Pick(slab, rec.Fields)
			x.fields = slab[n:len(slab):len(slab)]
		}
		batch = append(batch, x)
		if len(batch) == recordBatch {
			select {
			case out <- batch:
				batch = nil
			case <-stop:
				return
			}
		}
	}
	if len(batch) > 0 {
		select {
		case out <- batch:
		case <-stop:
		}
	}
}

// errorMember is the member of a page's item that marks a row the source could not split
// into fields; its value says why.
const errorMember = "_error"

// rows calls fn per item of a decoded page: an item's members are its row's columns by
// name (a missing member or null is an empty value; other members are ignored); the
// "line" of an item is its 1-based position in the page. An item with an "_error" member
// is a row the source could not split into fields: a reject with that reason.
func (r *pageReader) rows(items *fetch.Columns, fn rowFunc) error {
	raw := make([]string, r.errCol)
	for n := range items.Len() {
		if items.Has(n, r.errCol) {
			reason := "malformed row"
			if msg, ok := items.Get(n, r.errCol); ok {
				reason = "malformed row: " + msg
			}
			if err := fn(r.pr, int64(n+1), nil, errors.New(reason)); err != nil {
				return err
			}
			continue
		}
		for i := range raw {
			raw[i], _ = items.Get(n, i)
		}
		if err := fn(r.pr, int64(n+1), raw, nil); err != nil {
			return err
		}
	}
	return nil
}

// columnsPresent checks a page as NewParser checks a file's header: an item's keys are the
// source file's column names (a null value is an empty cell), so a column the entity needs
// that no item of the page has is a column the source's file lacks — the whole page is
// refused rather than every row read as empty there.
func (r *pageReader) columnsPresent(items *fetch.Columns) error {
	// Items the source could not split ("_error") hold only the fields it could: they say
	// nothing of the file's columns, and are rejects of their own.
	var good []int
	for n := range items.Len() {
		if !items.Has(n, r.errCol) {
			good = append(good, n)
		}
	}
	if len(good) == 0 {
		return nil
	}
	var missing []string
	for j, f := range r.e.Fields {
		if f.Absent {
			continue
		}
		found := false
		for _, n := range good {
			if items.Has(n, j) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s (no item of the page has it)", contract.ErrMissingColumn, strings.Join(missing, ", "))
	}
	return nil
}

// yearNamed matches a subsidy payload named for its year: subsidy/YYYY.csv, or a page of
// http/subsidy/YYYY/.
var yearNamed = regexp.MustCompile(`^(?:subsidy/(\d{4})\.(?i:csv)|http/subsidy/(\d{4})/[^/]+)$`)

// emptyYears lists the years (as SQL numbers) whose payloads, named for the year, hold no
// record at all: a header-only YYYY.csv, or a year whose every page over HTTP is empty.
func emptyYears(payloads []Payload, readFrom map[string]int64) []string {
	records := map[string]int64{}
	for _, pl := range payloads {
		m := yearNamed.FindStringSubmatch(pl.Name)
		if m == nil {
			continue
		}
		year := m[1] + m[2]
		records[year] += readFrom[pl.Name]
	}
	var out []string
	for y, n := range records {
		if n == 0 {
			out = append(out, y)
		}
	}
	slices.Sort(out)
	return out
}

// otherYears rejects the staged subsidy rows whose application year is not their file's:
// a file is one year's snapshot, which replaces that year (the year most of its rows have;
// of two as common, the later), and a stray row of another year would otherwise replace
// that year whole — its rows deleted — although its file was not delivered. The pages of
// a year fetched over HTTP (http/subsidy/<year>/) are one file here. It moves them from
// the stage to the rejects, their keys to those that keep their current version (a reject
// is never a deletion: the row's year may be delivered by another file), and returns how
// many.
func otherYears(ctx context.Context, c *store.Conn, stage, rejects, keep, payloads string) (int64, error) {
	// Counted per file and year first — one pass over the stage, a few rows out —, and
	// the rows themselves looked at only in a file where a year is out of place.
	if err := c.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE _year AS
		WITH files AS (
			SELECT n._pay, p._file, n.aar, n.n,
			       CASE WHEN p._file LIKE 'http/%%' THEN regexp_replace(p._file, '/[^/]*$', '') ELSE p._file END AS delivery
			FROM (SELECT _pay, aar, count(*) AS n FROM %[1]s GROUP BY _pay, aar) n JOIN %[2]s p USING (_pay)
		), years AS (
			SELECT delivery, arg_max(aar, n * 10000 + aar) AS aar
			FROM (SELECT delivery, aar, sum(n) AS n FROM files GROUP BY ALL)
			GROUP BY delivery
		)
		SELECT f._pay, f._file, f.aar, f.n, y.aar AS file_aar
		FROM files f JOIN years y USING (delivery)
		WHERE f.aar <> y.aar`, stage, payloads)); err != nil {
		return 0, err
	}
	var n int64
	if err := c.QueryRow(ctx, `SELECT coalesce(sum(n), 0) FROM _year`).Scan(&n); err != nil || n == 0 {
		return 0, err
	}
	if err := c.Exec(ctx, fmt.Sprintf(`INSERT INTO %[1]s (file, line, field, value, reason, rkey)
		SELECT y._file, s._line, 'soeknads_aar', s.aar::VARCHAR,
		       'application year ' || s.aar || ' in a file of year ' || y.file_aar || ' (a year''s file replaces that year)', s.rkey
		FROM %[2]s s JOIN _year y ON y._pay = s._pay AND y.aar = s.aar ORDER BY s._ord;
		INSERT INTO %[3]s (rkey) SELECT s.rkey FROM %[2]s s JOIN _year y ON y._pay = s._pay AND y.aar = s.aar;
		DELETE FROM %[2]s s USING _year y WHERE y._pay = s._pay AND y.aar = s.aar`, rejects, stage, keep)); err != nil {
		return 0, err
	}
	return n, nil
}

// duplicates adds a reject for every staged row whose key an earlier row of the snapshot
// has (by _ord), removes those rows from the stage, and returns how many there were.
// Only keys in maybe can be duplicated (the keys the parse's filter flagged).
func duplicates(ctx context.Context, c *store.Conn, e *contract.Entity, stage, payloads string, maybe []string, rejects *[]reject) (int64, error) {
	if err := c.Exec(ctx, `CREATE OR REPLACE TEMP TABLE _maybe (rkey VARCHAR)`); err != nil {
		return 0, err
	}
	if err := c.Append(ctx, "temp", "_maybe", func(a *store.Appender) error {
		for _, k := range maybe {
			if err := a.AppendRow(k); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return 0, err
	}
	// Only the rows of the flagged keys are windowed: a few among millions.
	if err := c.Exec(ctx, fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE _dup AS
		SELECT p._file, s._line, s.rkey, s._ord,
		       first_value(p._file || ' line ' || s._line) OVER (PARTITION BY s.rkey ORDER BY s._ord) AS first_line,
		       row_number() OVER (PARTITION BY s.rkey ORDER BY s._ord) AS n
		FROM %[1]s s JOIN %[2]s p USING (_pay) WHERE s.rkey IN (SELECT rkey FROM _maybe)`, stage, payloads)); err != nil {
		return 0, err
	}
	dups, err := c.Query(ctx, `SELECT _file, _line, rkey, first_line FROM _dup WHERE n > 1 ORDER BY _ord`)
	if err != nil {
		return 0, err
	}
	defer dups.Close()
	keyField := strings.Join(e.Key, "|")
	var n int64
	for dups.Next() {
		r := reject{field: keyField}
		var first string
		if err := dups.Scan(&r.file, &r.line, &r.value, &first); err != nil {
			return 0, err
		}
		r.rkey = r.value
		r.reason = "duplicate key (first on " + first + ")"
		*rejects = append(*rejects, r)
		n++
	}
	if err := dups.Err(); err != nil {
		return 0, err
	}
	dups.Close()
	err = c.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE _ord IN (SELECT _ord FROM _dup WHERE n > 1)`, stage))
	return n, err
}
