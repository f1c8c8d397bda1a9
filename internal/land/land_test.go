package land_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures"
	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/history"
	"github.com/dvpsau/vpsau/internal/land"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/pipelines/dataflyt"
	"github.com/dvpsau/vpsau/pipelines/didac"
	"github.com/dvpsau/vpsau/pipelines/portal"
	"github.com/dvpsau/vpsau/pipelines/slakt"
)

var asOf = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)

func conn(t *testing.T) (*store.DB, *store.Conn) {
	t.Helper()
	db, err := store.Open(context.Background(), ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); db.Close() })
	return db, c
}

func copyLDIR(t *testing.T, src, dst string) int {
	t.Helper()
	f, err := fixtures.LDIR().Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if _, err := io.Copy(out, f); err != nil {
		t.Fatal(err)
	}
	b, _ := fs.ReadFile(fixtures.LDIR(), src)
	return strings.Count(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") - 1 // data rows (every file ends with a newline)
}

// TestRealSubsidyFiles loads Landbruksdirektoratet's files of every year 2017–2026 as
// published (comma or semicolon, BOM or not, LF or CRLF, quoted names, 46 to 200
// columns, 3-digit kommunenr in older years): every row is accepted.
func TestRealSubsidyFiles(t *testing.T) {
	files := map[int]string{2026: "2026/dataset.csv"}
	for y := 2017; y <= 2025; y++ {
		files[y] = fmt.Sprintf("samples/%d-sample.csv", y)
	}
	for year := 2017; year <= 2026; year++ {
		t.Run(fmt.Sprint(year), func(t *testing.T) {
			_, c := conn(t)
			raw := t.TempDir()
			want := copyLDIR(t, files[year], filepath.Join(raw, "subsidy", fmt.Sprintf("%d.csv", year)))
			res, err := land.Entity(context.Background(), c, raw, dataflyt.Subsidy, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err != nil {
				t.Fatalf("land: %v", err)
			}
			if res.Read != int64(want) || res.Accepted != int64(want) || res.Rejected != 0 {
				t.Errorf("read %d, accepted %d, rejected %d; want %d, %d, 0", res.Read, res.Accepted, res.Rejected, want, want)
			}
			var short, years int64
			if err := c.QueryRow(context.Background(), `SELECT count(*) FILTER (length(kommunenr) <> 4), count(DISTINCT aar) FROM cur.subsidy`).Scan(&short, &years); err != nil {
				t.Fatal(err)
			}
			if short != 0 || years != 1 {
				t.Errorf("kommunenr not 4 digits: %d; years: %d", short, years)
			}
		})
	}
}

// TestReal2026Coverage checks the real 2026 file against the figures DOMAIN.md quotes:
// 12,816 enterprises with sheep, 8,322 of them above 30.
func TestReal2026Coverage(t *testing.T) {
	_, c := conn(t)
	raw := t.TempDir()
	copyLDIR(t, "2026/dataset.csv", filepath.Join(raw, "subsidy", "2026.csv"))
	if _, err := land.Entity(context.Background(), c, raw, dataflyt.Subsidy, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	var withSheep, above int64
	err := c.QueryRow(context.Background(), `SELECT
		count(*) FILTER (coalesce(p145_vaar,0) + coalesce(p146_vaar,0) + coalesce(p139_vaar,0) > 0),
		count(*) FILTER (coalesce(p145_vaar,0) + coalesce(p146_vaar,0) + coalesce(p139_vaar,0) > 30)
		FROM cur.subsidy WHERE aar = 2026`).Scan(&withSheep, &above)
	if err != nil {
		t.Fatal(err)
	}
	if withSheep != 12816 || above != 8322 {
		t.Errorf("2026: %d with sheep, %d above 30; want 12816, 8322", withSheep, above)
	}
}

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(body)
	if strings.HasSuffix(name, land.PageExt) && !strings.HasPrefix(body, "damaged") {
		data = land.CompressPage(nil, data) // stored as intake stores a page
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

type rejectRow struct {
	File  string
	Line  int64
	Field string
	Value string
	Why   string
}

func rejects(t *testing.T, c *store.Conn, run int64) []rejectRow {
	t.Helper()
	rows, err := c.Query(context.Background(), `SELECT file, line, coalesce(field, ''), coalesce(value, ''), reason FROM ops.reject WHERE run_id = ? ORDER BY line, field`, run)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []rejectRow
	for rows.Next() {
		var r rejectRow
		rows.Scan(&r.File, &r.Line, &r.Field, &r.Value, &r.Why)
		out = append(out, r)
	}
	return out
}

// TestRejectsAndHistory walks one entity through three snapshots: a bad row is rejected
// with its file, line, field, value and reason while the rest loads; a rejected key keeps
// its last good version; a row that disappears is a storno; identical snapshots change
// nothing.
func TestRejectsAndHistory(t *testing.T) {
	_, c := conn(t)
	ctx := context.Background()
	hdr := "besok_id,produsentnr,vet_id,besok_dato\n"
	nights := []struct {
		name    string
		body    string
		rejects []rejectRow
		current []string // besok_id|besok_dato
		diff    [3]int64 // new, changed, deleted
	}{
		{
			name: "first snapshot with bad rows",
			body: hdr + "V1,3000000001,5550001,2026-01-02\nV2,300000000,5550001,2026-01-03\nV3,3000000003,5550001,2027-02-01\nV1,3000000001,5550001,2026-01-05\n\"V4,3000000004\n",
			rejects: []rejectRow{
				{"visits.csv", 3, "produsentnr", "300000000", "produsentnr must be 10 digits"},
				{"visits.csv", 4, "besok_dato", "2027-02-01", "date after the business date 2027-01-04"},
				{"visits.csv", 5, "besok_id", "V1", "duplicate key (first on visits.csv line 2)"},
				{"visits.csv", 6, "", "", "malformed CSV at line 6 column 16: extraneous or missing \" in quoted-field"},
			},
			current: []string{"V1|2026-01-02"},
			diff:    [3]int64{1, 0, 0},
		},
		{
			name:    "V2 and V3 now good, V1 changed",
			body:    hdr + "V1,3000000001,5550001,2026-01-04\nV2,3000000002,5550001,2026-01-03\nV3,3000000003,5550001,2027-01-01\n",
			current: []string{"V1|2026-01-04", "V2|2026-01-03", "V3|2027-01-01"},
			diff:    [3]int64{2, 1, 0},
		},
		{
			name: "V2 rejected keeps its version, V3 deleted",
			body: hdr + "V1,3000000001,5550001,2026-01-04\nV2,3000000002,55500,2026-01-03\n",
			rejects: []rejectRow{
				{"visits.csv", 3, "vet_id", "55500", "vet id must be 7 digits"},
			},
			current: []string{"V1|2026-01-04", "V2|2026-01-03"},
			diff:    [3]int64{0, 0, 1},
		},
		{
			name:    "the same snapshot again changes nothing",
			body:    hdr + "V1,3000000001,5550001,2026-01-04\nV2,3000000002,55500,2026-01-03\n",
			rejects: []rejectRow{{"visits.csv", 3, "vet_id", "55500", "vet id must be 7 digits"}},
			current: []string{"V1|2026-01-04", "V2|2026-01-03"},
		},
	}
	for i, n := range nights {
		t.Run(n.name, func(t *testing.T) {
			raw := t.TempDir()
			write(t, raw, "visits.csv", n.body)
			run := int64(i + 1)
			res, err := land.Entity(ctx, c, raw, portal.Visits, land.Options{RunID: run, SysTime: time.Date(2027, 1, 4, 0, i, 0, 0, time.UTC), AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			got := rejects(t, c, run)
			if fmt.Sprint(got) != fmt.Sprint(n.rejects) {
				t.Errorf("rejects =\n %v\nwant\n %v", got, n.rejects)
			}
			if d := [3]int64{res.Diff.New, res.Diff.Changed, res.Diff.Deleted}; d != n.diff {
				t.Errorf("diff = %v, want %v", d, n.diff)
			}
			rows, err := c.Query(ctx, `SELECT besok_id || '|' || strftime(besok_dato, '%Y-%m-%d') FROM cur.visit ORDER BY besok_id`)
			if err != nil {
				t.Fatal(err)
			}
			var cur []string
			for rows.Next() {
				var s string
				rows.Scan(&s)
				cur = append(cur, s)
			}
			rows.Close()
			if fmt.Sprint(cur) != fmt.Sprint(n.current) {
				t.Errorf("current = %v, want %v", cur, n.current)
			}
		})
	}
	var versions, cancelled int64
	if err := c.QueryRow(ctx, `SELECT count(*), count(sys_bis) FROM src.visit`).Scan(&versions, &cancelled); err != nil {
		t.Fatal(err)
	}
	if versions != 4 || cancelled != 2 {
		t.Errorf("history holds %d versions (%d cancelled); want 4 (2): V1 twice, V2, V3", versions, cancelled)
	}
}

// TestStageThenHistorise stages outside the transaction that historises, as a run does:
// a rolled-back transaction leaves the history as it was and the stage as it was staged
// (duplicates found inside it included), so historising again gives the same result, and
// Drop leaves no temp table behind. A Load drops its stage itself.
func TestStageThenHistorise(t *testing.T) {
	_, c := conn(t)
	ctx := context.Background()
	raw := t.TempDir()
	write(t, raw, "visits.csv", "besok_id,produsentnr,vet_id,besok_dato\n"+
		"V1,3000000001,5550001,2026-01-02\nV2,3000000002,5550001,2026-01-03\nV1,3000000001,5550001,2026-01-05\nV3,300000000,5550001,2026-01-03\n")
	temps := func() (n int64) {
		t.Helper()
		if err := c.QueryRow(ctx, `SELECT count(*) FROM duckdb_tables() WHERE temporary AND (table_name LIKE 'stg\_%' ESCAPE '\' OR table_name LIKE 'rej\_%' ESCAPE '\' OR table_name LIKE 'keep\_%' ESCAPE '\')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	count := func(q string) (n int64) {
		t.Helper()
		if err := c.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	st, err := land.Stage(ctx, c, land.Start(raw, portal.Visits, asOf))
	if err != nil {
		t.Fatal(err)
	}
	opt := land.Options{RunID: 1, SysTime: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), AsOf: asOf}
	rollback := errors.New("rollback")
	if err := c.InTx(ctx, func() error {
		if _, err := st.Historise(ctx, c, opt); err != nil {
			return err
		}
		return rollback
	}); !errors.Is(err, rollback) {
		t.Fatalf("InTx = %v", err)
	}
	if n := count(`SELECT count(*) FROM src.visit`); n != 0 {
		t.Errorf("%d history rows after the rollback, want 0", n)
	}
	if n := count(`SELECT count(*) FROM stg_visits`); n != 3 {
		t.Errorf("the stage holds %d rows after the rollback, want the 3 staged (V1 twice, V2)", n)
	}
	// The parse's rejects wait in their own committed temp table, not in memory; the
	// duplicate's reject, found inside the transaction, went with the rollback.
	if n := count(`SELECT count(*) FROM rej_visits`); n != 1 {
		t.Errorf("%d staged rejects after the rollback, want V3's produsentnr alone", n)
	}
	if n := count(`SELECT count(*) FROM ops.reject`); n != 0 {
		t.Errorf("%d rejects stored after the rollback, want 0", n)
	}
	var res land.Result
	if err := c.InTx(ctx, func() (err error) { res, err = st.Historise(ctx, c, opt); return err }); err != nil {
		t.Fatal(err)
	}
	if res.Read != 4 || res.Accepted != 2 || res.Rejected != 2 || res.Diff.New != 2 {
		t.Errorf("historised again: %+v; want 4 read, 2 accepted, 2 rejected, 2 new", res)
	}
	if n := count(`SELECT count(*) FROM ops.reject WHERE run_id = 1`); n != 2 {
		t.Errorf("%d rejects, want 2: the duplicate V1 and V3's produsentnr, once", n)
	}
	if n := temps(); n != 3 {
		t.Errorf("%d stage tables before Drop, want 3 (stage, rejects and kept keys)", n)
	}
	if err := st.Drop(ctx, c); err != nil {
		t.Fatal(err)
	}
	if n := temps(); n != 0 {
		t.Errorf("%d stage tables after Drop", n)
	}
	if _, err := land.Load(ctx, c, land.Start(raw, portal.Visits, asOf), land.Options{RunID: 2, SysTime: opt.SysTime.Add(time.Hour), AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	if n := temps(); n != 0 {
		t.Errorf("%d stage tables after Load", n)
	}
	write(t, raw, "visits.csv", "besok_id,produsentnr,vet_id,besok_dato\nV2,3000000002,5550001,2026-01-04\n")
	rs, err := land.LoadAll(ctx, c, raw, []*contract.Entity{portal.Visits}, land.Options{RunID: 3, SysTime: opt.SysTime.Add(2 * time.Hour), AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 1 || rs[0].Diff != (history.Diff{Changed: 1, Deleted: 1}) {
		t.Errorf("LoadAll = %+v; want V2 changed and V1 deleted", rs)
	}
	if n := temps(); n != 0 {
		t.Errorf("%d stage tables after LoadAll", n)
	}
	// Stages are named by entity: two of one name would overwrite each other.
	if _, err := land.StageAll(ctx, c, raw, []*contract.Entity{portal.Visits, portal.Visits}, asOf, nil); err == nil || !strings.Contains(err.Error(), "two entities of that name") {
		t.Errorf("StageAll of visits twice = %v", err)
	}
}

// TestDuplicateKeys rejects every later row of a key, the first staying: on a first night,
// whose rows are inserted without a diff, and on a later night, whose rows are compared;
// within a file and across the files of the subsidy folder (read in name order: 10.csv
// before 9.csv). The first row's src_ref is what stays. It runs with the key filter sized
// by the input (only the duplicated keys flagged) and with a filter of one bit, which
// flags every key after the first, as if all collided.
func TestDuplicateKeys(t *testing.T) {
	for _, bits := range []uint64{0, 1} {
		t.Run(fmt.Sprintf("filter bits %d", bits), func(t *testing.T) {
			defer land.SetFilterBits(land.SetFilterBits(bits))
			testDuplicateKeys(t)
		})
	}
}

func testDuplicateKeys(t *testing.T) {
	_, c := conn(t)
	ctx := context.Background()
	hdr := "soeknads_aar,orgnr,orgnavn,kommunenr,p139_vaar,p145_vaar,p146_vaar\n"
	files := map[string]string{
		"10.csv": hdr + "2025,971203420,A,3401,1,2,3\n2025,974760673,B,3401,1,2,3\n2025,971203420,C,3401,1,2,3\n",
		"8.csv":  hdr + "2024,971203420,E,3401,1,2,3\n", // a file is one year's
		"9.csv":  hdr + "2025,974760673,D,3401,1,2,3\n",
	}
	want := []rejectRow{
		{"subsidy/9.csv", 2, "soeknads_aar|orgnr", "2025|974760673", "duplicate key (first on subsidy/10.csv line 3)"},
		{"subsidy/10.csv", 4, "soeknads_aar|orgnr", "2025|971203420", "duplicate key (first on subsidy/10.csv line 2)"},
	}
	for night, name := range []string{"first night", "a later night"} {
		t.Run(name, func(t *testing.T) {
			raw := t.TempDir()
			for f, body := range files {
				write(t, raw, "subsidy/"+f, body)
			}
			run := int64(night + 1)
			res, err := land.Entity(ctx, c, raw, dataflyt.Subsidy, land.Options{RunID: run, SysTime: time.Date(2027, 1, 4, 0, night, 0, 0, time.UTC), AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			if got := rejects(t, c, run); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("rejects =\n %v\nwant\n %v", got, want)
			}
			if res.Accepted != 3 || res.Rejected != 2 || res.After != 3 {
				t.Errorf("accepted %d, rejected %d, after %d; want 3, 2, 3", res.Accepted, res.Rejected, res.After)
			}
			var names, refs string
			if err := c.QueryRow(ctx, `SELECT string_agg(orgnavn, '' ORDER BY orgnavn), string_agg(src_ref, ' ' ORDER BY src_ref) FROM cur.subsidy`).Scan(&names, &refs); err != nil {
				t.Fatal(err)
			}
			if names != "ABE" || refs != "subsidy/10.csv:2 subsidy/10.csv:3 subsidy/8.csv:2" {
				t.Errorf("current rows %s from %s; want ABE from subsidy/10.csv:2 subsidy/10.csv:3 subsidy/8.csv:2", names, refs)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"missing column", "besok_id,produsentnr,besok_dato\nV1,3000000001,2026-01-02\n", "visits.csv: missing column: vet_id"},
		{"empty file", "", "visits.csv: file is empty: no header row"},
		{"UTF-16", "\xff\xfeb\x00", "visits.csv: file is not UTF-8: it is UTF-16 (save it as UTF-8)"},
		{"UTF-16 without BOM", "b\x00e\x00s\x00", "visits.csv: file is not UTF-8: it starts with NUL bytes, as UTF-16 without a byte-order mark does (save it as UTF-8)"},
		{"duplicate header", "besok_id,besok_id,produsentnr,vet_id,besok_dato\n", "visits.csv: bad header: column \"besok_id\" appears twice (columns 1 and 2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := conn(t)
			raw := t.TempDir()
			write(t, raw, "visits.csv", tt.body)
			_, err := land.Entity(context.Background(), c, raw, portal.Visits, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err == nil || err.Error() != tt.want {
				t.Errorf("land = %v, want %q", err, tt.want)
			}
			// The failed stage is dropped: the appender committed what it had.
			var n int64
			if err := c.QueryRow(context.Background(), `SELECT count(*) FROM duckdb_tables() WHERE temporary`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d temp tables after the failure (%v)", n, err)
			}
		})
	}
	// Regression: a subsidy file whose sheep columns were renamed loaded as a year without
	// sheep (the columns were optional); by file drop and over HTTP alike it is refused.
	subsidy := []struct{ name, file, body, want string }{
		{"subsidy without sheep columns", "subsidy/2026.csv",
			"soeknads_aar;orgnr;orgnavn;kommunenr;p145_vaar_sau;p146_vaar_sau;p139_vaar_melk\n2026;903000910;A;3401;80;2;0\n",
			"subsidy/2026.csv: missing column: p139_vaar, p145_vaar, p146_vaar"},
		{"subsidy without soeknads_aar", "subsidy/2026.csv",
			"aar;orgnr;orgnavn;kommunenr;p139_vaar;p145_vaar;p146_vaar\n2026;903000910;A;3401;0;80;2\n",
			"subsidy/2026.csv: missing column: soeknads_aar"},
		{"subsidy page without sheep columns", "http/subsidy/2026/000001.json",
			`{"items": [{"soeknads_aar": "2026", "orgnr": "903000910", "orgnavn": "A", "kommunenr": "3401", "p145_vaar_sau": "80", "p146_vaar": null, "p139_vaar": null}], "next_page_token": ""}`,
			"http/subsidy/2026/000001.json: missing column: p145_vaar (no item of the page has it)"},
		{"stored page without sheep columns", "http/subsidy/2026/000001.json.zst",
			`{"items": [{"soeknads_aar": "2026", "orgnr": "903000910", "orgnavn": "A", "kommunenr": "3401", "p145_vaar_sau": "80", "p146_vaar": null, "p139_vaar": null}], "next_page_token": ""}`,
			"http/subsidy/2026/000001.json.zst: missing column: p145_vaar (no item of the page has it)"},
		{"damaged stored page", "http/subsidy/2026/000001.json.zst", "damaged: not zstd",
			"http/subsidy/2026/000001.json.zst: stored page damaged: invalid input: magic number mismatch"},
	}
	for _, tt := range subsidy {
		t.Run(tt.name, func(t *testing.T) {
			_, c := conn(t)
			raw := t.TempDir()
			write(t, raw, tt.file, tt.body)
			_, err := land.Entity(context.Background(), c, raw, dataflyt.Subsidy, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err == nil || err.Error() != tt.want {
				t.Errorf("land = %v, want %q", err, tt.want)
			}
		})
	}
	// A page whose only item the source could not split (the last page of a snapshot, say)
	// is one reject, not a page refused for the columns that item lacks.
	// Pages are stored compressed (PageExt); runs before that stored them plain.
	for _, page := range []string{"http/visits/000001.json", "http/visits/000001" + land.PageExt} {
		t.Run("page of one malformed item, "+path.Base(page), func(t *testing.T) {
			_, c := conn(t)
			raw := t.TempDir()
			write(t, raw, page,
				`{"items": [{"besok_id": "V9", "produsentnr": "3000000001", "_error": "wrong number of fields"}], "next_page_token": ""}`)
			res, err := land.Entity(context.Background(), c, raw, portal.Visits, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err != nil {
				t.Fatalf("land = %v, want one reject", err)
			}
			want := []rejectRow{{page, 1, "", "", "malformed row: wrong number of fields"}}
			if got := rejects(t, c, 1); res.Rejected != 1 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("rejected %d: %v, want %v", res.Rejected, got, want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, c := conn(t)
		_, err := land.Entity(context.Background(), c, t.TempDir(), portal.Visits, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
		if err == nil || !strings.Contains(err.Error(), "visits.csv") {
			t.Errorf("land = %v, want an error naming visits.csv", err)
		}
	})
}

// TestParsedAhead: rows parsed ahead of the appender land like rows parsed on the way
// (every row, in order, with their rejects), and a parse whose rows nobody loads — the run
// failed on the entity before — stops when closed, though it waits on a full buffer.
func TestParsedAhead(t *testing.T) {
	asOf := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	const rows = 300_000 // more than the parse may hold ahead
	row := func(i int) (csv, item string) {
		if i == 1000 { // one reject among them
			return "V-bad,3000000001,5550001,2026-13-01\n", `{"besok_id":"V-bad","produsentnr":"3000000001","vet_id":"5550001","besok_dato":"2026-13-01"}`
		}
		return fmt.Sprintf("V%d,3000000001,5550001,2026-04-20\n", i),
			fmt.Sprintf(`{"besok_id":"V%d","produsentnr":"3000000001","vet_id":"5550001","besok_dato":"2026-04-20"}`, i)
	}
	// The same rows as a file drop and as 300 stored pages of 1000 items.
	file, pages := t.TempDir(), t.TempDir()
	var b strings.Builder
	b.WriteString("besok_id,produsentnr,vet_id,besok_dato\n")
	var pg strings.Builder
	for i := range rows {
		line, item := row(i)
		b.WriteString(line)
		if i%1000 == 0 {
			pg.Reset()
			pg.WriteString(`{"items":[`)
		} else {
			pg.WriteString(",")
		}
		pg.WriteString(item)
		if i%1000 == 999 {
			pg.WriteString(`],"next_page_token":""}`)
			write(t, pages, fmt.Sprintf("http/visits/%06d%s", i/1000+1, land.PageExt), pg.String())
		}
	}
	write(t, file, "visits.csv", b.String())

	tests := []struct {
		name, raw         string
		firstRef, lastRef string
		rejectFile        string
		rejectLine        int64
	}{
		{"file drop", file, "visits.csv:2", "visits.csv:300001", "visits.csv", 1002},
		{"stored pages", pages, "http/visits/000001.json.zst:1", "http/visits/000300.json.zst:1000", "http/visits/000002.json.zst", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name+", closed before loading", func(t *testing.T) {
			before := runtime.NumGoroutine()
			p := land.Start(tt.raw, portal.Visits, asOf)
			time.Sleep(500 * time.Millisecond) // time to fill the buffer and wait on it
			done := make(chan struct{})
			go func() { p.Close(); close(done) }()
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatal("Close did not stop the parse")
			}
			// Nothing goes on reading: the parse has ended.
			for deadline := time.Now().Add(10 * time.Second); runtime.NumGoroutine() > before; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("%d goroutines after Close, %d before Start", runtime.NumGoroutine(), before)
				}
			}
		})
		t.Run(tt.name+", loaded", func(t *testing.T) {
			_, c := conn(t)
			res, err := land.Load(context.Background(), c, land.Start(tt.raw, portal.Visits, asOf),
				land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			if res.Read != rows || res.Accepted != rows-1 || res.Rejected != 1 {
				t.Errorf("read %d, accepted %d, rejected %d; want %d, %d, 1", res.Read, res.Accepted, res.Rejected, rows, rows-1)
			}
			// Order and lineage survive the batches: the first and the last row point at their lines.
			var first, last string
			if err := c.QueryRow(context.Background(), `SELECT max(src_ref) FILTER (besok_id = 'V0'), max(src_ref) FILTER (besok_id = 'V299999') FROM src.visit`).Scan(&first, &last); err != nil {
				t.Fatal(err)
			}
			if first != tt.firstRef || last != tt.lastRef {
				t.Errorf("src_ref of the first and last rows: %s, %s; want %s, %s", first, last, tt.firstRef, tt.lastRef)
			}
			if got := rejects(t, c, 1); len(got) != 1 || got[0].File != tt.rejectFile || got[0].Line != tt.rejectLine || got[0].Field != "besok_dato" {
				t.Errorf("rejects %v, want one for besok_dato in %s line %d", got, tt.rejectFile, tt.rejectLine)
			}
		})
	}
}

// TestStageAsReady stages each system's entities as the system comes ready, in any order:
// the stages come back in the order of the entities, whatever the order of the systems; a
// system that never comes is an error naming its entity; and of two entities that fail,
// the error is the first's in the order of the entities, not the first in time.
func TestStageAsReady(t *testing.T) {
	es := []*contract.Entity{dataflyt.Vets, slakt.Slaughter, didac.Courses, portal.Visits}
	files := map[string]string{
		"vets.csv":      "vet_id,navn,telefon,epost\n5550001,Vet A,,\n5550002,Vet B,,\n",
		"slaughter.csv": "produsentnr,sesong,antall_lam,andel_lam_fett1,andel_sau_fett1,snittvekt_lam_kg\n3000000001,2025,100,0.01,0.02,20.5\n",
		"courses.csv":   "person_type,person_id,kurskode,fullfort_dato\nPRODUSENT,3000000001,SAU_VELFERD,2026-03-01\n",
		"visits.csv":    "besok_id,produsentnr,vet_id,besok_dato\nV1,3000000001,5550001,2026-01-02\nV2,3000000002,5550001,2026-01-03\nV3,3000000003,5550002,2026-01-04\n",
	}
	broken := map[string]string{ // a missing column: the file, not a row, is refused
		"vets.csv":    "vet_id,navn,epost\n5550001,Vet A,\n",
		"courses.csv": "person_type,person_id,fullfort_dato\nPRODUSENT,3000000001,2026-03-01\n",
		"visits.csv":  "besok_id,produsentnr,besok_dato\nV1,3000000001,2026-01-02\n",
	}
	all := []string{"dataflyt", "slakt", "didac", "portal"}
	tests := []struct {
		name    string
		systems []string // sent on ready, in this order, before it is closed
		broken  []string // files replaced by their broken version
		want    string   // the error; "" for every entity staged
	}{
		{"in order", all, nil, ""},
		{"reverse order", []string{"portal", "didac", "slakt", "dataflyt"}, nil, ""},
		{"a system sent twice", []string{"portal", "portal", "didac", "slakt", "dataflyt", "didac"}, nil, ""},
		{"a system that never comes", []string{"portal", "didac", "dataflyt"}, nil, "slakt/slaughter: " + land.ErrNotReady.Error()},
		{"two failures, in order", all, []string{"courses.csv", "visits.csv"}, "didac/courses: courses.csv: missing column: kurskode"},
		{"two failures, the later one first", []string{"portal", "didac", "slakt", "dataflyt"}, []string{"courses.csv", "visits.csv"}, "didac/courses: courses.csv: missing column: kurskode"},
		{"two failures apart, in order", all, []string{"vets.csv", "visits.csv"}, "dataflyt/vets: vets.csv: missing column: telefon"},
		{"two failures apart, the later one first", []string{"portal", "didac", "slakt", "dataflyt"}, []string{"vets.csv", "visits.csv"}, "dataflyt/vets: vets.csv: missing column: telefon"},
		{"a failure after a system that never comes", []string{"portal"}, []string{"visits.csv"}, "portal/visits: visits.csv: missing column: vet_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			_, c := conn(t)
			raw := t.TempDir()
			for name, body := range files {
				if slices.Contains(tt.broken, name) {
					body = broken[name]
				}
				write(t, raw, name, body)
			}
			ready := make(chan string, len(tt.systems))
			for _, s := range tt.systems {
				ready <- s
			}
			close(ready)
			staged, _, err := land.StageAsReady(ctx, c, raw, nil, es, asOf, nil, ready)
			defer land.DropAll(ctx, c, staged)
			if tt.want != "" {
				if err == nil || err.Error() != tt.want {
					t.Fatalf("StageAsReady = %v, want %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			rs, err := land.HistoriseAll(ctx, c, staged, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, fmt.Sprintf("%s/%s %d", r.System, r.Entity, r.Accepted))
			}
			want := []string{"dataflyt/vets 2", "slakt/slaughter 1", "didac/courses 1", "portal/visits 3"}
			if !slices.Equal(got, want) {
				t.Errorf("historised %v, want %v", got, want)
			}
		})
	}
	// Cancelled while it waits for a system that never comes (nor is ready closed): it
	// returns, with the context's error, whether visits was staged before or not.
	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		_, c := conn(t)
		raw := t.TempDir()
		for name, body := range files {
			write(t, raw, name, body)
		}
		ready := make(chan string, 1)
		ready <- "portal"
		go func() { time.Sleep(100 * time.Millisecond); cancel() }()
		staged, _, err := land.StageAsReady(ctx, c, raw, nil, es, asOf, nil, ready)
		defer land.DropAll(context.Background(), c, staged)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("StageAsReady = %v, want context.Canceled", err)
		}
	})
}

// TestArrived: pages whose items the pull kept (land.Arrived) are staged from memory, and
// land exactly as the same pages read from their files; a page whose file does not hold
// the bytes its items came from is read from the file, and so are pages past the limit.
func TestArrived(t *testing.T) {
	ctx := context.Background()
	asOf := time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)
	pages := []string{
		`{"items":[{"besok_id":"V1","produsentnr":"3000000001","vet_id":"5550001","besok_dato":"2026-04-20"},` +
			`{"besok_id":"V2","produsentnr":"3000000002","vet_id":"5550001","besok_dato":"2026-13-01"}],"next_page_token":"a"}`,
		`{"items":[{"besok_id":"V3","produsentnr":"3000000003","vet_id":"5550002","besok_dato":"2026-04-21"},` +
			`{"besok_id":"V4","produsentnr":"3000000004","vet_id":null,"besok_dato":"2026-04-22"},` +
			`{"besok_id":"V5","produsentnr":"3000000005","besok_dato":"2026-04-23","_error":"wrong number of fields"}],"next_page_token":"b"}`,
		`{"items":[{"besok_id":"V6","produsentnr":"3000000006","vet_id":"5550003","besok_dato":"2026-04-24"}],"next_page_token":""}`,
	}
	// other is what page 2 might have held: its items kept, another page stored.
	other := `{"items":[{"besok_id":"X1","produsentnr":"3000000009","vet_id":"5550009","besok_dato":"2026-05-01"}],"next_page_token":"b"}`
	name := func(n int) string { return fmt.Sprintf("http/visits/%06d%s", n, land.PageExt) }
	raw := t.TempDir()
	for i, body := range pages {
		write(t, raw, name(i+1), body)
	}
	// keep keeps page n's items, decoded from body, as if stored as that body.
	keep := func(t *testing.T, a *land.Arrived, n int, body string) {
		items, _, err := fetch.DecodePageColumns([]byte(body), land.PageColumns(portal.Visits))
		if err != nil {
			t.Fatal(err)
		}
		a.Put(filepath.Join(raw, name(n)), land.CompressPage(nil, []byte(body)), items)
	}
	// landed stages and historises the pages with a and tells what landed.
	landed := func(t *testing.T, a *land.Arrived) string {
		_, c := conn(t)
		ready := make(chan string, 1)
		ready <- "portal"
		close(ready)
		staged, _, err := land.StageAsReady(ctx, c, raw, a, []*contract.Entity{portal.Visits}, asOf, nil, ready)
		defer land.DropAll(ctx, c, staged)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := land.HistoriseAll(ctx, c, staged, land.Options{RunID: 1, SysTime: time.Now(), AsOf: asOf}); err != nil {
			t.Fatal(err)
		}
		rows, err := c.Query(ctx, `SELECT besok_id, coalesce(vet_id, '-'), besok_dato::VARCHAR, src_ref FROM src.visit ORDER BY besok_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var b strings.Builder
		for rows.Next() {
			var id, vet, date, ref string
			if err := rows.Scan(&id, &vet, &date, &ref); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %s %s %s\n", id, vet, date, ref)
		}
		fmt.Fprintf(&b, "rejects %v", rejects(t, c, 1))
		return b.String()
	}
	fromFiles := landed(t, nil)
	if !strings.Contains(fromFiles, "V6 5550003 2026-04-24 http/visits/000003.json.zst:1") || !strings.Contains(fromFiles, "besok_dato") {
		t.Fatalf("from the files:\n%s\nwant V6 from page 3 and a reject for besok_dato", fromFiles)
	}
	tests := []struct {
		name      string
		limit     int64
		kept      map[int]string // page → the body its items are kept from
		wantTaken int
	}{
		{"every page kept", land.ArrivedLimit, map[int]string{1: pages[0], 2: pages[1], 3: pages[2]}, 3},
		{"some pages kept", land.ArrivedLimit, map[int]string{3: pages[2]}, 1},
		{"a page stored unlike its kept items", land.ArrivedLimit, map[int]string{1: pages[0], 2: other, 3: pages[2]}, 2},
		{"no room", 1, map[int]string{1: pages[0], 2: pages[1], 3: pages[2]}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := land.NewArrived(tt.limit)
			for n, body := range tt.kept {
				keep(t, a, n, body)
			}
			if got := landed(t, a); got != fromFiles {
				t.Errorf("landed:\n%s\nwant, as from the files:\n%s", got, fromFiles)
			}
			if got := a.Taken(); got != tt.wantTaken {
				t.Errorf("%d pages taken from memory, want %d", got, tt.wantTaken)
			}
		})
	}
}

// TestRejectedKeyKeeps: a rejected row whose key could not be read deletes nothing it may
// have been (a reject is never a deletion): with part of its key readable, the current
// versions of keys that match that part are kept and others absent from the snapshot go;
// with none of it readable — a key of one field, or a row that could not be split — no
// current version is deleted that night. A readable key keeps exactly its own version.
func TestRejectedKeyKeeps(t *testing.T) {
	ctx := context.Background()
	const res = "produsentnr,reservert,registrert\n"
	const prod = "produsentnr,orgnr,navn,telefon,epost,kommunenr,dyrehold_id\n"
	const p1, p2, p3 = "3000000001,903000910,Eksempel 1,,,3401,3000001\n", "3000000002,903001828,Eksempel 2,,,3401,3000002\n", "3000000003,903002735,Eksempel 3,,,3401,3000003\n"
	// Past 1000 such rows the entity deletes nothing that night (each pattern is matched
	// against every key that would go): here 1001 producers' registrations whose dates do
	// not parse, and an absent registration no pattern matches.
	var many, manyKept strings.Builder
	many.WriteString(res)
	for i := range 1001 {
		fmt.Fprintf(&many, "30%08d,ja,2026-12-01\n", i)
	}
	first := many.String() + "3999999999,ja,2026-12-01\n"
	many.Reset()
	many.WriteString(res)
	for i := range 1001 {
		fmt.Fprintf(&many, "30%08d,ja,2026-12-01T25:00\n", i)
		fmt.Fprintf(&manyKept, "30%08d|2026-11-30T23:00:00Z ", i)
	}
	manyKept.WriteString("3999999999|2026-11-30T23:00:00Z")
	tests := []struct {
		name         string
		e            *contract.Entity
		file         string
		first, night string
		wantCurrent  string // the current keys after the second night
		wantDeleted  int64
		wantRejected int64 // default 1
	}{
		{"1001 reservations' dates unreadable: no reservation deleted", portal.Reservations, "reservations.csv",
			first, many.String(), manyKept.String(), 0, 1001},
		{"a reservation's date unreadable: its producer's registrations kept, another absent one deleted", portal.Reservations, "reservations.csv",
			res + "3000000001,ja,2026-12-01\n3000000002,nei,2026-12-01\n3000000003,ja,2026-11-01\n",
			res + "3000000001,ja,2026-12-01T10:00\n3000000002,nei,2026-12-01\n",
			"3000000001|2026-11-30T23:00:00Z 3000000002|2026-11-30T23:00:00Z", 1, 0},
		{"a reservation's producer unreadable: registrations of its date kept, another date's deleted", portal.Reservations, "reservations.csv",
			res + "3000000001,ja,2026-12-01\n3000000002,nei,2026-12-01\n3000000003,ja,2026-11-01\n",
			res + "300000001,ja,2026-12-01\n3000000002,nei,2026-12-01\n",
			"3000000001|2026-11-30T23:00:00Z 3000000002|2026-11-30T23:00:00Z", 1, 0},
		{"an extension's date unreadable: LIKE's own characters in its readable fields match only themselves", portal.Extensions, "extensions.csv",
			"produsentnr,fristtype,avvik_id,ny_frist,innvilget_av\n3000000003,BESOK,,2027-08-01,adm_1\n3000000003,BESOK,,2027-08-01,admx1\n",
			"produsentnr,fristtype,avvik_id,ny_frist,innvilget_av\n3000000003,BESOK,,2027-8-01,adm_1\n",
			"3000000003|BESOK||2027-08-01|adm_1", 1, 0},
		{"a producer's number unreadable: no producer deleted", dataflyt.Producers, "producers.csv",
			prod + p1 + p2 + p3,
			prod + "300000002,903001828,Eksempel 2,,,3401,3000002\n" + p1,
			"3000000001 3000000002 3000000003", 0, 0},
		{"a producer's row that cannot be split: no producer deleted", dataflyt.Producers, "producers.csv",
			prod + p1 + p2 + p3,
			prod + p1 + "3000000002,\"903001828,Eksempel 2,,,3401,3000002\n",
			"3000000001 3000000002 3000000003", 0, 0},
		{"a readable key rejected: it keeps its version, an absent one is deleted", dataflyt.Producers, "producers.csv",
			prod + p1 + p2 + p3,
			prod + p1 + "3000000002,903001829,Eksempel 2,,,3401,3000002\n",
			"3000000001 3000000002", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := conn(t)
			for night, body := range []string{tt.first, tt.night} {
				raw := t.TempDir()
				write(t, raw, tt.file, body)
				r, err := land.Entity(ctx, c, raw, tt.e, land.Options{RunID: int64(night + 1), SysTime: time.Date(2027, 1, 4, night, 0, 0, 0, time.UTC), AsOf: asOf})
				if err != nil {
					t.Fatal(err)
				}
				if night == 1 {
					if want := max(tt.wantRejected, 1); r.Rejected != want {
						t.Errorf("the second night rejected %d rows, want %d", r.Rejected, want)
					}
					if r.Diff.Deleted != tt.wantDeleted {
						t.Errorf("the second night deleted %d keys, want %d", r.Diff.Deleted, tt.wantDeleted)
					}
				}
			}
			var current string
			if err := c.QueryRow(ctx, `SELECT string_agg(rkey, ' ' ORDER BY rkey) FROM `+tt.e.Table+` WHERE sys_bis IS NULL`).Scan(&current); err != nil {
				t.Fatal(err)
			}
			if current != tt.wantCurrent {
				t.Errorf("current keys %q, want %q", current, tt.wantCurrent)
			}
		})
	}
}

// TestSubsidyYearPerFile: a subsidy file is one year's snapshot. A row of another year in
// it is a reject, naming both years: it does not replace that other year (whose file was
// not delivered, so it keeps what it had), and the file still replaces its own year.
func TestSubsidyYearPerFile(t *testing.T) {
	ctx := context.Background()
	_, c := conn(t)
	hdr := "soeknads_aar,orgnr,orgnavn,kommunenr,p139_vaar,p145_vaar,p146_vaar\n"
	nights := []struct {
		name        string
		files       map[string]string
		wantRejects []rejectRow
		wantCurrent string // aar|orgnr of the current rows
	}{
		{"two years", map[string]string{
			"2025.csv": hdr + "2025,903000910,A,3401,1,2,3\n2025,903001828,B,3401,1,2,3\n2025,903002735,C,3401,1,2,3\n",
			"2026.csv": hdr + "2026,903000910,A,3401,1,2,3\n2026,903001828,B,3401,1,2,3\n",
		}, nil, "2025|903000910 2025|903001828 2025|903002735 2026|903000910 2026|903001828"},
		{"2026 again, with a stray 2025 row, and no 2025 file", map[string]string{
			"2026.csv": hdr + "2026,903000910,A,3401,1,2,3\n2025,903000910,A,3401,9,9,9\n2026,903002735,C,3401,1,2,3\n",
		}, []rejectRow{{"subsidy/2026.csv", 3, "soeknads_aar", "2025", "application year 2025 in a file of year 2026 (a year's file replaces that year)"}},
			"2025|903000910 2025|903001828 2025|903002735 2026|903000910 2026|903002735"},
		{"2025 delivered, with 903001828 only as a stray row of 2024.csv, read first", map[string]string{
			"2024.csv": hdr + "2024,903000910,A,3401,1,2,3\n2025,903001828,B,3401,9,9,9\n2024,903002735,C,3401,1,2,3\n",
			"2025.csv": hdr + "2025,903000910,A,3401,1,2,3\n2025,903001828,B,3401,1,2,3\n2025,903002735,C,3401,1,2,3\n",
		}, []rejectRow{{"subsidy/2024.csv", 3, "soeknads_aar", "2025", "application year 2025 in a file of year 2024 (a year's file replaces that year)"}},
			"2024|903000910 2024|903002735 2025|903000910 2025|903001828 2025|903002735 2026|903000910 2026|903002735"},
		{"2025 delivered without 903001828, which only a stray row of 2026.csv has: its reject keeps it", map[string]string{
			"2025.csv": hdr + "2025,903000910,A,3401,1,2,3\n2025,903002735,C,3401,1,2,3\n",
			"2026.csv": hdr + "2026,903000910,A,3401,1,2,3\n2025,903001828,B,3401,9,9,9\n2026,903002735,C,3401,1,2,3\n",
		}, []rejectRow{{"subsidy/2026.csv", 3, "soeknads_aar", "2025", "application year 2025 in a file of year 2026 (a year's file replaces that year)"}},
			"2024|903000910 2024|903002735 2025|903000910 2025|903001828 2025|903002735 2026|903000910 2026|903002735"},
		{"2024.csv header-only: the year's empty snapshot", map[string]string{
			"2024.csv": hdr,
		}, nil, "2025|903000910 2025|903001828 2025|903002735 2026|903000910 2026|903002735"},
		{"a header-only file not named for its year tells no year", map[string]string{
			"soknader.csv": hdr,
		}, nil, "2025|903000910 2025|903001828 2025|903002735 2026|903000910 2026|903002735"},
		{"every row of 2026.CSV rejected: the year is not empty, it keeps what it had", map[string]string{
			"2026.CSV": hdr + "2026,903000911,A,3401,1,2,3\n",
		}, []rejectRow{{"subsidy/2026.CSV", 2, "orgnr", "903000911", "orgnr check digit does not match"}},
			"2025|903000910 2025|903001828 2025|903002735 2026|903000910 2026|903002735"},
		{"an empty page of 2025 over HTTP: the year's empty snapshot", map[string]string{
			"http/subsidy/2025/000001.json.zst": `{"items": [], "next_page_token": ""}`,
		}, nil, "2026|903000910 2026|903002735"},
	}
	for i, n := range nights {
		t.Run(n.name, func(t *testing.T) {
			raw := t.TempDir()
			for f, body := range n.files {
				if !strings.HasPrefix(f, "http/") {
					f = "subsidy/" + f
				}
				write(t, raw, f, body)
			}
			run := int64(i + 1)
			res, err := land.Entity(ctx, c, raw, dataflyt.Subsidy, land.Options{RunID: run, SysTime: time.Date(2027, 1, 4, 0, i, 0, 0, time.UTC), AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			if got := rejects(t, c, run); fmt.Sprint(got) != fmt.Sprint(n.wantRejects) {
				t.Errorf("rejects =\n %v\nwant\n %v", got, n.wantRejects)
			}
			if res.Rejected != int64(len(n.wantRejects)) {
				t.Errorf("%d rows rejected, want %d", res.Rejected, len(n.wantRejects))
			}
			var current string
			if err := c.QueryRow(ctx, `SELECT string_agg(aar || '|' || orgnr, ' ' ORDER BY aar, orgnr) FROM cur.subsidy`).Scan(&current); err != nil {
				t.Fatal(err)
			}
			if current != n.wantCurrent {
				t.Errorf("current %s, want %s", current, n.wantCurrent)
			}
			if strings.Contains(n.name, "header-only: the year") && (res.Diff.Deleted != 2 || res.EmptiedRows != 2 || fmt.Sprint(res.EmptiedYears) != "[2024]") {
				t.Errorf("deleted %d rows, emptied %d of %v; want 2024's 2", res.Diff.Deleted, res.EmptiedRows, res.EmptiedYears)
			}
			// Each new version names the file and line it came from (src_ref): the file
			// among the night's several, by its payload's number in the stage.
			refs, err := c.Query(ctx, `SELECT src_ref, aar || ',' || orgnr FROM src.subsidy WHERE von_run = ?`, run)
			if err != nil {
				t.Fatal(err)
			}
			defer refs.Close()
			for refs.Next() {
				var ref, row string
				if err := refs.Scan(&ref, &row); err != nil {
					t.Fatal(err)
				}
				file, line, _ := strings.Cut(ref, ":")
				lines := strings.Split(n.files[strings.TrimPrefix(file, "subsidy/")], "\n")
				if l, err := strconv.Atoi(line); err != nil || l < 1 || l > len(lines) || !strings.HasPrefix(lines[l-1], row+",") {
					t.Errorf("src_ref %s of row %s: not its file's line", ref, row)
				}
			}
			if err := refs.Err(); err != nil {
				t.Fatal(err)
			}
			// The ledger's count of current rows holds the years not delivered too.
			if want := int64(len(strings.Fields(n.wantCurrent))); res.After != want {
				t.Errorf("After = %d, want %d (every current row)", res.After, want)
			}
		})
	}
}
