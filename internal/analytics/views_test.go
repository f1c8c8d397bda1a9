package analytics_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/analytics"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// The two nights every test here reads: a generated inbox (a fiftieth of Norway, 1 % bad
// rows) run on d1, when every covered producer is new and has until its first deadline
// (d1 + 4 months), then again on d2, after it, with one producer whose key figures were
// visible reserving itself in between. The state after the first night is kept, so that
// "as of d1" can be compared with what the first night computed; mid lies between the
// first deadline and d2, where only the passing of days tells breaches from the first
// night's results.
var (
	d1  = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	mid = time.Date(2027, 5, 10, 0, 0, 0, 0, time.UTC)
	d2  = time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
)

type world struct {
	db       *store.DB
	out      string
	reserved string // the producer that reserved itself before the second night
	status1  [][]string
	dead1    [][]string
	kf1      [][]string // model.keyfigures after night 1
}

var (
	once   sync.Once
	shared *world
	setup  error
)

// nights runs the two nights once for the package.
func nights(t *testing.T) *world {
	t.Helper()
	once.Do(func() { shared, setup = runNights() })
	if setup != nil {
		t.Fatal(setup)
	}
	return shared
}

func runNights() (*world, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "vpsau-analytics-test-")
	if err != nil {
		return nil, err
	}
	inbox := filepath.Join(dir, "inbox")
	if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.02, Seed: 1, AsOf: d1, BadShare: 0.01}); err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, filepath.Join(dir, "test.duckdb"), store.Options{})
	if err != nil {
		return nil, err
	}
	w := &world{db: db, out: filepath.Join(dir, "out")}
	night := func(asOf time.Time) error {
		_, err := nightly.Run(ctx, db, nightly.Options{
			AsOf: asOf, Inbox: inbox, Out: w.out, RawRoot: filepath.Join(dir, "raw"),
			Rules: rules.Defaults(), Guard: nightly.DefaultGuard,
		})
		return err
	}
	if err := night(d1); err != nil {
		return nil, fmt.Errorf("night 1: %w", err)
	}
	if w.status1, err = rowsOf(db.SQL(), `SELECT * FROM model.status ORDER BY produsentnr`); err != nil {
		return nil, err
	}
	if w.dead1, err = rowsOf(db.SQL(), `SELECT * FROM model.deadline ORDER BY produsentnr, fristtype, avvik_id`); err != nil {
		return nil, err
	}
	// A producer whose figures the vets could see reserves itself.
	if err := db.SQL().QueryRow(`SELECT min(produsentnr) FROM model.keyfigures`).Scan(&w.reserved); err != nil {
		return nil, fmt.Errorf("no key figures after night 1: %w", err)
	}
	if w.kf1, err = rowsOf(db.SQL(), `SELECT * FROM model.keyfigures WHERE produsentnr <> ? ORDER BY produsentnr, vet_id, sesong`, w.reserved); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(inbox, "reservations.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "%s,ja,%s\n", w.reserved, d1.AddDate(0, 0, 10).Format(time.DateOnly))
	if err := f.Close(); err != nil {
		return nil, err
	}
	if err := night(d2); err != nil {
		return nil, fmt.Errorf("night 2: %w", err)
	}
	return w, nil
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.db.Close()
		os.RemoveAll(filepath.Dir(shared.db.Path()))
	}
	os.Exit(code)
}

// rowsOf reads a query's rows as text.
func rowsOf(q *sql.DB, query string, args ...any) ([][]string, error) {
	rows, err := q.Query(query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = text(v)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return "∅"
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

func count(t *testing.T, q *sql.DB, query string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := q.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// objects lists the analytics schema's views, and its table macros with the arguments
// to call them with (d2 and the second run).
func objects(t *testing.T, q *sql.DB) (views []string, macros map[string]string) {
	t.Helper()
	rows, err := rowsOf(q, `SELECT view_name FROM duckdb_views() WHERE schema_name = 'analytics' AND NOT internal ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		views = append(views, r[0])
	}
	rows, err = rowsOf(q, `SELECT function_name, len(parameters) FROM duckdb_functions()
		WHERE schema_name = 'analytics' AND function_type = 'table_macro' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	macros = map[string]string{}
	for _, r := range rows {
		args := "DATE '" + d2.Format(time.DateOnly) + "'"
		if r[1] == "2" {
			args += ", 2"
		}
		macros[r[0]] = args
	}
	return views, macros
}

// TestEveryView queries every view and table macro of the analytics schema after the two
// nights and wants rows from each.
func TestEveryView(t *testing.T) {
	w := nights(t)
	q := w.db.SQL()
	views, macros := objects(t, q)
	want := []string{"breach", "confirmation", "deadline", "export", "finding", "keyfigures", "receiver", "reject",
		"run", "run_source", "season_stats", "status", "status_history", "status_trend"}
	if diff := cmp.Diff(want, views); diff != "" {
		t.Errorf("analytics views (-want +got):\n%s", diff)
	}
	if _, err := q.Exec(`INSERT INTO ops.watermark (receiver, endringsnr, confirmed, confirmed_by, previous) VALUES ('dhp', 1, now(), 'test', 0)`); err != nil {
		t.Fatal(err)
	}
	for _, v := range views {
		t.Run(v, func(t *testing.T) {
			if n := count(t, q, `SELECT count(*) FROM analytics.`+v); n == 0 {
				t.Errorf("analytics.%s is empty", v)
			}
		})
	}
	for m, args := range macros {
		t.Run(m, func(t *testing.T) {
			if n := count(t, q, `SELECT count(*) FROM analytics.`+m+`(`+args+`)`); n == 0 {
				t.Errorf("analytics.%s(%s) is empty", m, args)
			}
		})
	}
}

// TestCurrentIsTheModel: the current views, read from the history, say exactly what the
// latest run's model tables say.
func TestCurrentIsTheModel(t *testing.T) {
	q := nights(t).db.SQL()
	cols := `produsentnr, status, omfattet, fylke, kommunenr, orgnr, grunnlag_aar, vinterfora_sau, innrullert_dato, forste_frist,
		besoksfrist, kursfrist, lukkefrist, apne_avvik, neste_frist, tidligste_overskredet, dager_overskredet, dvp_trekk,
		trekk_fra, ksl_avvik, besoksfrist_overskredet, lukkefrist_overskredet, kurs_fullfort, telte_besok, siste_telte_besok`
	want, err := rowsOf(q, `SELECT `+cols+` FROM model.status ORDER BY produsentnr`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rowsOf(q, `SELECT `+cols+` FROM analytics.status ORDER BY produsentnr`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("analytics.status vs model.status (-model +view):\n%s", diff)
	}
	dcols := `produsentnr, fristtype, avvik_id, beregnet, forlenget_til, frist, dager_overskredet`
	want, err = rowsOf(q, `SELECT `+dcols+` FROM model.deadline ORDER BY produsentnr, fristtype, avvik_id`)
	if err != nil {
		t.Fatal(err)
	}
	got, err = rowsOf(q, `SELECT `+dcols+` FROM analytics.deadline ORDER BY produsentnr, fristtype, avvik_id`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("analytics.deadline vs model.deadline (-model +view):\n%s", diff)
	}
	var breaches, missed int64
	breaches = count(t, q, `SELECT count(*) FROM analytics.breach`)
	missed = count(t, q, `SELECT count(*) FROM model.deadline WHERE dager_overskredet > 0`)
	if breaches != missed || breaches == 0 {
		t.Errorf("analytics.breach has %d rows, model.deadline %d missed deadlines; want the same, not 0", breaches, missed)
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.breach b JOIN model.status s USING (produsentnr)
		WHERE b.avgjorende AND b.frist <> s.tidligste_overskredet OR b.trekk_kr_per_kg <> CASE WHEN s.dvp_trekk THEN 1 ELSE 0 END`); n != 0 {
		t.Errorf("%d breaches disagree with the producer's earliest missed deadline or deduction", n)
	}
}

// TestAsOf: the status and deadlines as of the first night's business date are what the
// first night computed, although the second night has replaced the model tables since;
// a date between the nights counts its days overdue to that date; before the first
// night there is nothing.
func TestAsOf(t *testing.T) {
	w := nights(t)
	q := w.db.SQL()
	got, err := rowsOf(q, `SELECT * EXCLUDE (fylkesnavn, findings_severity, findings, business_date, run_id)
		FROM analytics.status_as_of(?) ORDER BY produsentnr`, d1)
	if err != nil {
		t.Fatal(err)
	}
	// model.status has the same columns in its own order: compare by name.
	want, err := reorder(q, w.status1, `SELECT * EXCLUDE (fylkesnavn, findings_severity, findings, business_date, run_id) FROM analytics.status LIMIT 0`,
		`SELECT * FROM model.status LIMIT 0`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status_as_of(d1) vs the first night's model.status (-night 1 +as of):\n%s", diff)
	}
	// The key figures as night 1 left them (less the producer reserved since), and as
	// night 2 did: the current view's.
	kf, err := rowsOf(q, `SELECT * EXCLUDE (business_date, run_id) FROM analytics.keyfigures_as_of(?) ORDER BY produsentnr, vet_id, sesong`, d1)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.kf1) == 0 || !cmp.Equal(w.kf1, kf) {
		t.Errorf("keyfigures_as_of(d1) vs the first night's model.keyfigures (-night 1 +as of):\n%s", cmp.Diff(w.kf1, kf))
	}
	if n := count(t, q, `SELECT count(*) FROM (SELECT * EXCLUDE (business_date, run_id) FROM analytics.keyfigures_as_of(?)
		EXCEPT ALL SELECT * EXCLUDE (fylke, business_date, run_id) FROM analytics.keyfigures)`, d2); n != 0 {
		t.Errorf("keyfigures_as_of(d2) has %d rows the current view does not", n)
	}
	if count(t, q, `SELECT count(*) FROM analytics.keyfigures_as_of(?)`, d2) != count(t, q, `SELECT count(*) FROM analytics.keyfigures`) {
		t.Errorf("keyfigures_as_of(d2) and the current view differ in rows")
	}
	dead, err := rowsOf(q, `SELECT produsentnr, fristtype, avvik_id, beregnet, forlenget_til, frist, dager_overskredet
		FROM analytics.deadline_as_of(?) ORDER BY produsentnr, fristtype, avvik_id`, d1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(w.dead1, dead); diff != "" {
		t.Errorf("deadline_as_of(d1) vs the first night's model.deadline (-night 1 +as of):\n%s", diff)
	}

	if n := count(t, q, `SELECT count(*) FROM analytics.status_as_of(?) WHERE run_id <> 1`, mid); n != 0 {
		t.Errorf("status_as_of(mid) has %d rows not from run 1", n)
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.status_as_of(?) s
		WHERE s.dager_overskredet <> CASE WHEN s.omfattet AND s.neste_frist < ?::DATE THEN ?::DATE - s.neste_frist ELSE 0 END
		   OR (s.status = 'DVP_TREKK') <> (s.dager_overskredet >= 16)
		   OR (s.status = 'FRIST_OVERSKREDET') <> (s.dager_overskredet BETWEEN 1 AND 15)
		   OR s.ksl_avvik <> (s.dager_overskredet > 45)`, mid, mid, mid); n != 0 {
		t.Errorf("status_as_of(mid): %d rows whose days overdue or escalation do not follow from the date", n)
	}
	escalated := count(t, q, `SELECT count(*) FROM analytics.status_as_of(?) m JOIN analytics.status_as_of(?) a USING (produsentnr)
		WHERE a.status IN ('INNRULLERT', 'GODKJENT') AND m.status IN ('FRIST_OVERSKREDET', 'DVP_TREKK')`, mid, d1)
	if escalated == 0 {
		t.Errorf("no producer escalated between d1 and mid by the passing of days alone")
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.status_as_of(?)`, d1.AddDate(0, 0, -1)); n != 0 {
		t.Errorf("status_as_of(d1 − 1) has %d rows, want none (no run before)", n)
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.breach_as_of(?) WHERE run_id <> 1 OR dager_overskredet <= 0`, mid); n != 0 {
		t.Errorf("breach_as_of(mid): %d rows not missed or not from run 1", n)
	}

	// The trend: every run counts every producer of its register once.
	trend, err := rowsOf(q, `SELECT run_id, sum(produsenter) FROM analytics.status_trend GROUP BY run_id ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	regs, err := rowsOf(q, `SELECT run_id, count(*) FROM analytics.status_at(?, 1) GROUP BY run_id
		UNION ALL SELECT run_id, count(*) FROM analytics.status GROUP BY run_id ORDER BY run_id`, d1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(regs, trend); diff != "" {
		t.Errorf("status_trend producers per run (-register +trend):\n%s", diff)
	}
	// Per status, the view's running sum equals its definition: the versions valid at
	// each run's system time, counted.
	trend, err = rowsOf(q, `SELECT run_id, status, produsenter FROM analytics.status_trend ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	valid, err := rowsOf(q, `SELECT r.run_id, h.status, count(*) FROM ops.run r
		JOIN model.status_h h ON h.sys_von <= r.sys_time AND (h.sys_bis IS NULL OR h.sys_bis > r.sys_time)
		WHERE r.sys_time IS NOT NULL AND r.run_id IN (SELECT run_id FROM model.run_param)
		GROUP BY ALL ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(valid, trend); diff != "" {
		t.Errorf("status_trend per run and status (-versions valid at the run +trend):\n%s", diff)
	}
}

// reorder puts rows whose columns are those of the query from in the column order of
// the query to.
func reorder(q *sql.DB, rows [][]string, to, from string) ([][]string, error) {
	names := func(query string) ([]string, error) {
		r, err := q.Query(query)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return r.Columns()
	}
	toCols, err := names(to)
	if err != nil {
		return nil, err
	}
	fromCols, err := names(from)
	if err != nil {
		return nil, err
	}
	var idx []int
	for _, c := range toCols {
		i := slices.Index(fromCols, c)
		if i < 0 {
			return nil, fmt.Errorf("column %s missing from %s", c, from)
		}
		idx = append(idx, i)
	}
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, j := range idx {
			out[i] = append(out[i], r[j])
		}
	}
	return out, nil
}

// keyFigureColumn tells whether a column carries an individual key figure.
func keyFigureColumn(name string) bool {
	for _, k := range []string{"antall_lam", "andel_lam_fett1", "andel_sau_fett1", "snittvekt_lam_kg"} {
		if strings.HasPrefix(name, k) {
			return true
		}
	}
	return false
}

// TestNoReservedKeyFigures: no view or macro of the analytics schema shows a key figure
// in a row of a producer whose latest reservation says reserved — the one that reserved
// itself between the nights included, whose figures were visible before.
func TestNoReservedKeyFigures(t *testing.T) {
	w := nights(t)
	q := w.db.SQL()
	reserved := count(t, q, `SELECT count(*) FROM model.reservation_state WHERE reservert`)
	if reserved < 2 {
		t.Fatalf("%d reserved producers; the generated data should have several", reserved)
	}
	if n := count(t, q, `SELECT count(*) FROM model.reservation_state WHERE reservert AND produsentnr = ?`, w.reserved); n != 1 {
		t.Fatalf("producer %s did not reserve itself", w.reserved)
	}
	if n := count(t, q, `SELECT count(*) FROM cur.slaughter s JOIN model.active_agreement a USING (produsentnr)
		JOIN model.reservation_state r USING (produsentnr) WHERE r.reservert AND s.sesong IN (SELECT sesong FROM model.season_window)`); n == 0 {
		t.Fatal("no reserved producer with an agreement and figures: the test would prove nothing")
	}
	views, macros := objects(t, q)
	from := map[string]string{}
	for _, v := range views {
		from[v] = "analytics." + v
	}
	for m, args := range macros {
		from[m+"()"] = "analytics." + m + "(" + args + ")"
	}
	checked := 0
	for name, src := range from {
		r, err := q.Query(`SELECT * FROM ` + src + ` LIMIT 0`)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		r.Close()
		var figs []string
		for _, c := range cols {
			if keyFigureColumn(c) {
				figs = append(figs, c+" IS NOT NULL")
			}
		}
		if len(figs) == 0 {
			continue
		}
		if !slices.Contains(cols, "produsentnr") {
			continue // aggregates (season_stats) over everyone are allowed
		}
		checked++
		n := count(t, q, `SELECT count(*) FROM `+src+` v WHERE (`+strings.Join(figs, " OR ")+`)
			AND v.produsentnr IN (SELECT produsentnr FROM model.reservation_state WHERE reservert)`)
		if n != 0 {
			t.Errorf("%s shows key figures of reserved producers in %d rows", name, n)
		}
	}
	if checked == 0 {
		t.Error("no analytics view has individual key figures: analytics.keyfigures is missing")
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.keyfigures`); n == 0 {
		t.Error("analytics.keyfigures is empty")
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.season_stats WHERE produsenter < 5 AND antall_lam_median IS NOT NULL`); n != 0 {
		t.Errorf("season_stats shows medians of %d groups of fewer than 5 producers", n)
	}
}

// TestLedgerAndTransfers: the run ledger, the sources, rejects, findings and the
// receivers' transfers say what the two nights did.
func TestLedgerAndTransfers(t *testing.T) {
	q := nights(t).db.SQL()
	runs, err := rowsOf(q, `SELECT run_id, status, business_date, rows_read > 0, rows_rejected > 0, exports FROM analytics.run ORDER BY run_id`)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"1", "succeeded", d1.Format(time.RFC3339), "true", "true", "5"},
		{"2", "succeeded", d2.Format(time.RFC3339), "true", "true", "5"},
	}
	if diff := cmp.Diff(want, runs); diff != "" {
		t.Errorf("analytics.run (-want +got):\n%s", diff)
	}
	if n := count(t, q, `SELECT count(DISTINCT entity) FROM analytics.run_source WHERE run_id = 2`); n != int64(len(nightly.Entities())) {
		t.Errorf("run_source has %d entities for run 2, want %d", n, len(nightly.Entities()))
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.run r WHERE rows_rejected <> (SELECT sum(rows_rejected) FROM analytics.run_source s WHERE s.run_id = r.run_id)`); n != 0 {
		t.Errorf("%d runs whose rejected rows differ from the sum over their sources", n)
	}
	// The ledger's counts, each against the table it counts, and the sources' figures
	// against the run's stats read another way (json_extract).
	for _, c := range []struct{ name, differ string }{
		{"findings", `r.findings <> (SELECT count(*) FROM ops.finding f WHERE f.run_id = r.run_id) OR r.findings = 0`},
		{"changes", `r.changes <> (SELECT count(*) FROM ops.change_log l WHERE l.run_id = r.run_id) OR r.changes = 0`},
		{"exports", `r.exports <> (SELECT count(*) FROM ops.export x WHERE x.run_id = r.run_id)`},
		{"export_rows", `r.export_rows IS DISTINCT FROM (SELECT sum(rows_ny + rows_endret + rows_slettet) FROM ops.export x WHERE x.run_id = r.run_id)`},
		{"rows_read", `r.rows_read <> (SELECT sum(rows_read) FROM analytics.run_source s WHERE s.run_id = r.run_id)`},
		{"rows_accepted", `r.rows_accepted <> (SELECT sum(rows_accepted) FROM analytics.run_source s WHERE s.run_id = r.run_id) OR r.rows_accepted >= r.rows_read`},
		{"run_source", `(SELECT list_sort(list(s.entity || ' ' || s.payloads || ' ' || s.rows_read || ' ' || s.rows_accepted || ' ' || s.rows_rejected
			|| ' ' || s.rows_new || ' ' || s.rows_changed || ' ' || s.rows_deleted || ' ' || s.current_rows)) FROM analytics.run_source s WHERE s.run_id = r.run_id)
			IS DISTINCT FROM (SELECT list_sort(list(e->>'Entity' || ' ' || (e->>'Payloads') || ' ' || (e->>'Read') || ' ' || (e->>'Accepted') || ' ' || (e->>'Rejected')
			|| ' ' || (e->'Diff'->>'New') || ' ' || (e->'Diff'->>'Changed') || ' ' || (e->'Diff'->>'Deleted') || ' ' || (e->>'After')))
			FROM ops.run o, unnest(CAST(json_extract(o.stats, '$.Sources') AS JSON[])) AS u(e) WHERE o.run_id = r.run_id)`},
	} {
		if n := count(t, q, `SELECT count(*) FROM analytics.run r WHERE `+c.differ); n != 0 {
			t.Errorf("analytics.run: %d runs whose %s is not what the ledger holds", n, c.name)
		}
	}
	for _, v := range []string{"reject", "finding"} {
		if n := count(t, q, `SELECT count(*) FROM analytics.`+v+` WHERE src_system IS NULL OR business_date IS NULL`); n != 0 {
			t.Errorf("analytics.%s: %d rows without source system or business date", v, n)
		}
		if n := count(t, q, `SELECT count(*) FROM analytics.`+v+` WHERE latest_run`); n == 0 {
			t.Errorf("analytics.%s: nothing of the latest run", v)
		}
	}
	rcv, err := rowsOf(q, `SELECT receiver, current_rows > 0, last_change > 0, exports FROM analytics.receiver ORDER BY receiver`)
	if err != nil {
		t.Fatal(err)
	}
	wantRcv := [][]string{
		{"dhp", "true", "true", "2"}, {"ksl", "true", "true", "2"}, {"nokkeltall", "true", "true", "2"},
		{"saukontrollen", "true", "true", "2"}, {"varsler", "true", "true", "2"},
	}
	if diff := cmp.Diff(wantRcv, rcv); diff != "" {
		t.Errorf("analytics.receiver (-want +got):\n%s", diff)
	}
	if n := count(t, q, `SELECT count(*) FROM analytics.receiver r
		WHERE unconfirmed_changes <> (SELECT count(*) FROM ops.change_log l WHERE l.receiver = r.receiver AND l.endringsnr > r.watermark)`); n != 0 {
		t.Errorf("%d receivers whose unconfirmed changes are not the changes after their watermark", n)
	}
}

// TestParquet writes the Parquet files and reads them back.
func TestParquet(t *testing.T) {
	w := nights(t)
	dir := t.TempDir()
	// What a run killed while it wrote the files left behind.
	stale := filepath.Join(dir, ".tmp-parquet-1234")
	if err := os.MkdirAll(stale, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stale, "status.parquet"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := w.db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := analytics.WriteParquet(context.Background(), c, dir); err != nil {
		t.Fatalf("WriteParquet: %v", err)
	}
	for _, f := range analytics.Files {
		t.Run(f.View, func(t *testing.T) {
			path := filepath.Join(dir, f.View+".parquet")
			src := "analytics." + f.View
			if f.Where != "" {
				src += " WHERE " + f.Where
			}
			want := count(t, w.db.SQL(), `SELECT count(*) FROM `+src)
			got := count(t, w.db.SQL(), `SELECT count(*) FROM read_parquet(?)`, path)
			if got != want || got == 0 {
				t.Errorf("%s has %d rows, the view %d; want the same, not 0", path, got, want)
			}
		})
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(analytics.Files) {
		t.Errorf("%d entries in the folder, want %d (no temporary folder left, a killed run's neither)", len(entries), len(analytics.Files))
	}
}
