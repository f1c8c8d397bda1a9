// Package receiver defines the receivers' files — their columns, keys and default formats —
// stores each night's rows in the receivers' history with numbered changes, and reads any
// delta or full export back from that history.
package receiver

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/history"
	"github.com/dvpsau/vpsau/internal/store"
	sqlfiles "github.com/dvpsau/vpsau/sql"
)

// Receiver is one receiver's feed.
type Receiver struct {
	Name    string             // dhp, ksl, saukontrollen, nokkeltall, varsler
	Table   string             // its history table
	Key     []string           // the columns that identify a row
	Columns []exports.Column   // the business columns, in file order
	Files   []exports.FileSpec // default formats
	// Expected, when set, is a SQL predicate on a deleted row (alias t) that makes its
	// deletion expected rather than suspicious — left out of the mass-change guard.
	Expected string
	// DeleteByKey makes a SLETTET row of a delta carry its key alone, the other columns
	// empty: the values a key last had may be what must no longer leave (the key figures
	// of a producer who has since reserved, or whose agreement with the vet has ended).
	DeleteByKey bool
	// Withheld, when set, is an SQL condition on a row's columns for rows that must not
	// leave now, whatever state is exported: a re-issue of a past state (export
	// --as-of-time, --since) leaves out the key figures of a producer who has reserved
	// since — a NY row is left out, an ENDRET one goes as SLETTET with its key alone (the
	// receiver had the key's earlier values), a SLETTET one as it is. Needs DeleteByKey.
	Withheld string
}

// ColumnNames returns the business columns' names.
func (r Receiver) ColumnNames() []string {
	out := make([]string, len(r.Columns))
	for i, c := range r.Columns {
		out[i] = c.Name
	}
	return out
}

// ExportColumns returns the file's columns: endringsnr, operasjon, endret_tid, then the
// business columns.
func (r Receiver) ExportColumns() []exports.Column {
	return append([]exports.Column{
		{Name: exports.ColChangeNr, Kind: exports.Int},
		{Name: exports.ColOperation, Kind: exports.ID},
		{Name: exports.ColChangedAt, Kind: exports.Timestamp},
	}, r.Columns...)
}

var (
	machineCSV = exports.FileSpec{Format: exports.CSV, Dialect: exports.Machine}
	excelCSV   = exports.FileSpec{Format: exports.CSV, Dialect: exports.Excel}
	xlsx       = exports.FileSpec{Format: exports.XLSX}
)

func id(n string) exports.Column   { return exports.Column{Name: n, Kind: exports.ID} }
func date(n string) exports.Column { return exports.Column{Name: n, Kind: exports.Date} }
func num(n string) exports.Column  { return exports.Column{Name: n, Kind: exports.Int} }
func dec(n string) exports.Column  { return exports.Column{Name: n, Kind: exports.Decimal} }

// All returns the receivers in the order their changes are numbered.
func All() []Receiver {
	return []Receiver{
		{
			Name: "dhp", Table: "rcv.dhp", Key: []string{"produsentnr"},
			Columns: []exports.Column{id("produsentnr"), id("orgnr"), id("status"), date("besoksfrist"), date("kursfrist"),
				date("lukkefrist"), id("dvp_trekk"), date("trekk_fra")},
			Files: []exports.FileSpec{machineCSV},
		},
		{
			Name: "ksl", Table: "rcv.ksl", Key: []string{"produsentnr"},
			Columns: []exports.Column{id("produsentnr"), id("orgnr"), date("innrullert_dato"), date("besoksfrist_overskredet"),
				date("lukkefrist_overskredet"), id("ksl_avvik")},
			Files: []exports.FileSpec{machineCSV},
		},
		{
			Name: "saukontrollen", Table: "rcv.saukontrollen", Key: []string{"produsentnr"},
			Columns: []exports.Column{id("produsentnr"), id("status"), date("neste_frist"), num("apne_avvik")},
			Files:   []exports.FileSpec{excelCSV, xlsx},
		},
		{
			Name: "nokkeltall", Table: "rcv.nokkeltall", Key: []string{"produsentnr", "vet_id", "sesong"},
			Columns: []exports.Column{id("produsentnr"), id("vet_id"), num("sesong"), num("antall_lam"),
				dec("andel_lam_fett1"), dec("andel_sau_fett1"), dec("snittvekt_lam_kg"),
				dec("antall_lam_snitt5"), dec("antall_lam_trend"), dec("antall_lam_median_fylke"), dec("antall_lam_median_land"),
				dec("andel_lam_fett1_snitt5"), dec("andel_lam_fett1_trend"), dec("andel_lam_fett1_median_fylke"), dec("andel_lam_fett1_median_land"),
				dec("andel_sau_fett1_snitt5"), dec("andel_sau_fett1_trend"), dec("andel_sau_fett1_median_fylke"), dec("andel_sau_fett1_median_land"),
				dec("snittvekt_lam_kg_snitt5"), dec("snittvekt_lam_kg_trend"), dec("snittvekt_lam_kg_median_fylke"), dec("snittvekt_lam_kg_median_land")},
			Files: []exports.FileSpec{machineCSV},
			// On 15 April a season completes: the oldest one leaves the window, for everyone.
			Expected: "t.sesong NOT IN (SELECT sesong FROM model.season_window)",
			// A row goes when the producer reserves itself or its agreement ends: from then
			// on no figure of it may leave, not even in the row that deletes it, nor in a
			// re-issue of a state from before the reservation.
			DeleteByKey: true,
			Withheld:    "produsentnr IN (SELECT produsentnr FROM model.reservation_state WHERE reservert)",
		},
		{
			Name: "varsler", Table: "rcv.varsler", Key: []string{"produsentnr", "kanal", "meldingstype", "frist"},
			Columns: []exports.Column{id("produsentnr"), id("kanal"), id("adresse"), id("meldingstype"), date("frist")},
			Files:   []exports.FileSpec{machineCSV},
		},
	}
}

// Lookup returns the named receiver.
func Lookup(name string) (Receiver, bool) {
	for _, r := range All() {
		if r.Name == name {
			return r, true
		}
	}
	return Receiver{}, false
}

// Names lists the receivers' names.
func Names() []string {
	var out []string
	for _, r := range All() {
		out = append(out, r.Name)
	}
	return out
}

// Store computes the receiver's rows from the rules' tables (sql/receivers/<name>.sql)
// and makes them its current state, numbering every change. Run it inside the run's
// transaction, after the rules.
func Store(ctx context.Context, c *store.Conn, r Receiver, sysTime time.Time, runID int64) (history.Diff, error) {
	body, err := fs.ReadFile(sqlfiles.FS, "receivers/"+r.Name+".sql")
	if err != nil {
		return history.Diff{}, fmt.Errorf("receiver %s: %w", r.Name, err)
	}
	// The stage is a view, not a copy: every receiver's SELECT projects one model table
	// (with a filter), which the history reads three times (diff, count, insert) at less
	// cost than copying it once inside the transaction — for the 490,000 key-figure rows
	// at scale 10, 0.4 s for the copy, and numbering the changes after it was 0.3 s slower.
	stage := "stg_rcv_" + r.Name
	if err := c.Exec(ctx, "CREATE OR REPLACE TEMP VIEW "+stage+" AS "+string(body)); err != nil {
		return history.Diff{}, fmt.Errorf("receiver %s: %w", r.Name, err)
	}
	// The file's schema: the SELECT must give exactly the contract's columns, in order.
	rows, err := c.Query(ctx, "SELECT column_name FROM (DESCRIBE "+stage+")")
	if err != nil {
		return history.Diff{}, fmt.Errorf("receiver %s: %w", r.Name, err)
	}
	var got []string
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			rows.Close()
			return history.Diff{}, err
		}
		if col != "rkey" {
			got = append(got, col)
		}
	}
	rows.Close()
	if want := r.ColumnNames(); strings.Join(got, ",") != strings.Join(want, ",") {
		return history.Diff{}, fmt.Errorf("receiver %s: the file's columns would be %v; its contract is %v", r.Name, got, want)
	}
	d, err := history.Apply(ctx, c, history.Spec{Target: r.Table, Stage: stage, Cols: r.ColumnNames(), Receiver: r.Name}, sysTime, runID)
	if err != nil {
		return d, fmt.Errorf("receiver %s: %w", r.Name, err)
	}
	return d, nil
}

var deltaTmpl = template.Must(template.ParseFS(sqlfiles.FS, "history/delta.sql"))

func render(name string, r Receiver) (string, error) {
	if r.Withheld != "" && !r.DeleteByKey {
		return "", fmt.Errorf("receiver %s: Withheld needs DeleteByKey (a withheld row goes by its key alone)", r.Name)
	}
	var buf bytes.Buffer
	// Gone lists, per column, what a SLETTET row carries: the key's last value, or NULL.
	gone := map[string]string{}
	for _, c := range r.ColumnNames() {
		gone[c] = "g." + c
		if r.DeleteByKey && !slices.Contains(r.Key, c) {
			gone[c] = "NULL"
		}
	}
	err := deltaTmpl.ExecuteTemplate(&buf, name, struct {
		Table     string
		Cols, Key []string
		Gone      map[string]string
		Withheld  string
	}{r.Table, r.ColumnNames(), r.Key, gone, r.Withheld})
	return buf.String(), err
}

// Delta reads the receiver's delta after change from up to and including change to.
func Delta(ctx context.Context, c *store.Conn, r Receiver, from, to int64) (*Rows, error) {
	q, err := render("delta", r)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, q, r.Name, from, to)
	if err != nil {
		return nil, fmt.Errorf("delta %s: %w", r.Name, err)
	}
	return newRows(rows)
}

// Full reads every row the receiver had at change to, each as NY with its last change.
func Full(ctx context.Context, c *store.Conn, r Receiver, to int64) (*Rows, error) {
	q, err := render("full", r)
	if err != nil {
		return nil, err
	}
	rows, err := c.Query(ctx, q, to)
	if err != nil {
		return nil, fmt.Errorf("full %s: %w", r.Name, err)
	}
	return newRows(rows)
}

// Withholds reports whether an export of r — the delta after change from up to to, or
// with full everything at to — holds a row with values that are withheld now
// (Receiver.Withheld): such an export, published before, must not leave again.
func Withholds(ctx context.Context, c *store.Conn, r Receiver, full bool, from, to int64) (bool, error) {
	if r.Withheld == "" {
		return false, nil
	}
	// The rows with values are the versions current at to: every one of them in a full
	// export, in a delta those made by a change after from (a key whose last change in the
	// range deleted it goes by its key alone).
	var found bool
	err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+r.Table+` t
		WHERE t.chg_von <= $1 AND (t.chg_bis IS NULL OR t.chg_bis > $1) AND ($2 OR t.chg_von > $3)
		  AND (`+r.Withheld+`))`, to, full, from).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("receiver %s: %w", r.Name, err)
	}
	return found, nil
}

// LastChange returns the highest change number in the database (0 when none), or the
// highest stored at or before system time asOf when asOf is not zero.
func LastChange(ctx context.Context, c *store.Conn, asOf time.Time) (int64, error) {
	var n int64
	var err error
	if asOf.IsZero() {
		err = c.QueryRow(ctx, `SELECT coalesce(max(endringsnr), 0) FROM ops.change_log`).Scan(&n)
	} else {
		err = c.QueryRow(ctx, `SELECT coalesce(max(endringsnr), 0) FROM ops.change_log WHERE endret_tid <= ?`, asOf).Scan(&n)
	}
	return n, err
}

// Rows streams export rows from a query; it implements exports.Rows.
type Rows struct {
	rows *sql.Rows
	vals []any
	ptrs []any
	err  error
}

func newRows(rows *sql.Rows) (*Rows, error) {
	cols, err := rows.Columns()
	if err != nil {
		rows.Close()
		return nil, err
	}
	r := &Rows{rows: rows, vals: make([]any, len(cols)), ptrs: make([]any, len(cols))}
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r, nil
}

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = err
		return false
	}
	return true
}

// Values returns the current row's values.
func (r *Rows) Values() []any { return r.vals }

// Err returns the first error met.
func (r *Rows) Err() error {
	if r.err != nil {
		return r.err
	}
	return r.rows.Err()
}

// Close releases the query.
func (r *Rows) Close() error { return r.rows.Close() }

// Confirmation is a receiver's confirmation that it has applied everything up to a change.
type Confirmation struct {
	Receiver  string    `json:"receiver"`
	Change    int64     `json:"endringsnr"`
	Previous  int64     `json:"forrige_endringsnr"`
	Confirmed time.Time `json:"bekreftet"`
	By        string    `json:"av"`
	Reference string    `json:"referanse,omitempty"`
}

// ErrNoSuchChange reports a confirmation of a change that does not exist yet.
var ErrNoSuchChange = errors.New("does not exist yet")

// Confirm moves the receiver's watermark to change n (it may move back: the receiver
// restarts from there). A reference already used by the receiver returns the
// confirmation it made the first time, changing nothing (idempotency). Every confirmation
// is kept in ops.watermark; its time is now in UTC to the microsecond, as stored, so that a
// first answer and its replay say the same.
func Confirm(ctx context.Context, c *store.Conn, name string, n int64, by, reference string, now time.Time) (Confirmation, bool, error) {
	now = now.UTC().Truncate(time.Microsecond) // as the database keeps it: a replay answers the same time
	var out Confirmation
	first := true
	err := c.InTx(ctx, func() error {
		if reference != "" {
			var prev Confirmation
			err := c.QueryRow(ctx, `SELECT receiver, endringsnr, coalesce(previous, 0), confirmed, confirmed_by, referanse FROM ops.watermark
				WHERE receiver = ? AND referanse = ? ORDER BY confirmed LIMIT 1`, name, reference).
				Scan(&prev.Receiver, &prev.Change, &prev.Previous, &prev.Confirmed, &prev.By, &prev.Reference)
			if err == nil {
				prev.Confirmed = prev.Confirmed.UTC()
				out, first = prev, false
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		last, err := LastChange(ctx, c, time.Time{})
		if err != nil {
			return err
		}
		if n < 0 || n > last {
			return fmt.Errorf("change %d %w (the last change is %d)", n, ErrNoSuchChange, last)
		}
		var prev int64
		if err := c.QueryRow(ctx, `SELECT coalesce(arg_max(endringsnr, confirmed), 0) FROM ops.watermark WHERE receiver = ?`, name).Scan(&prev); err != nil {
			return err
		}
		var ref any
		if reference != "" {
			ref = reference
		}
		if err := c.Exec(ctx, `INSERT INTO ops.watermark (receiver, endringsnr, confirmed, confirmed_by, referanse, previous) VALUES (?, ?, ?, ?, ?, ?)`,
			name, n, now, by, ref, prev); err != nil {
			return err
		}
		out = Confirmation{Receiver: name, Change: n, Previous: prev, Confirmed: now, By: by, Reference: reference}
		return nil
	})
	return out, first, err
}

// GuardedDeletes counts the keys run runID deleted from the receiver whose deletion is
// not expected (see Receiver.Expected): what the mass-change guard weighs.
func GuardedDeletes(ctx context.Context, c *store.Conn, r Receiver, runID int64) (int64, error) {
	q := `SELECT count(*) FROM ` + r.Table + ` t WHERE t.bis_run = ? AND t.rkey NOT IN (SELECT rkey FROM ` + r.Table + ` WHERE chg_bis IS NULL)`
	if r.Expected != "" {
		q += ` AND NOT (` + r.Expected + `)`
	}
	var n int64
	err := c.QueryRow(ctx, q, runID).Scan(&n)
	return n, err
}
