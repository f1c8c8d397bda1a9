package nightly

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
	sqlfiles "github.com/dvpsau/vpsau/sql"
)

var nightScale = flag.Float64("nscale", 1, "BenchmarkNight: generator scale")

// floorScript is the floor of a night: one bare DuckDB script that reads the inbox's
// files with read_csv, computes the same rules with the same models (a first night: every
// covered producer covered from the business date, no history), and writes each
// receiver's file in its default format — no validation, rejects, history, change
// numbers, audits, manifests or copies. Its two lists of statements are timed apart.
type floorScript struct {
	read   []string // the inbox's files into tables
	models []string // the rules' models on them
}

func floorSQL(inbox string, asOf time.Time) (floorScript, error) {
	q := func(p string) string { return "'" + strings.ReplaceAll(p, "'", "''") + "'" }
	stmts := []string{
		"CREATE SCHEMA cur", "CREATE SCHEMA model",
		fmt.Sprintf(`CREATE TABLE cur.producer AS SELECT produsentnr, orgnr, navn, telefon, epost, lpad(kommunenr, 4, '0') AS kommunenr, dyrehold_id
			FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "producers.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.vet AS SELECT * FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "vets.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.slaughter AS SELECT produsentnr::VARCHAR AS produsentnr, sesong::BIGINT AS sesong, antall_lam::BIGINT AS antall_lam,
			andel_lam_fett1::DOUBLE AS andel_lam_fett1, andel_sau_fett1::DOUBLE AS andel_sau_fett1, snittvekt_lam_kg::DOUBLE AS snittvekt_lam_kg
			FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "slaughter.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.course AS SELECT person_type, person_id, kurskode, fullfort_dato::DATE AS fullfort_dato FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "courses.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.agreement AS SELECT produsentnr, vet_id, gyldig_fra::DATE AS gyldig_fra, gyldig_til::DATE AS gyldig_til FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "agreements.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.visit AS SELECT besok_id, produsentnr, vet_id, besok_dato::DATE AS besok_dato FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "visits.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.deviation AS SELECT avvik_id, besok_id, produsentnr, indikator, lukkefrist::DATE AS lukkefrist, lukket_dato::DATE AS lukket_dato FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "deviations.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.reservation AS SELECT produsentnr, reservert = 'ja' AS reservert, registrert::TIMESTAMPTZ AS registrert FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "reservations.csv"))),
		fmt.Sprintf(`CREATE TABLE cur.extension AS SELECT produsentnr, fristtype, avvik_id, ny_frist::DATE AS ny_frist, innvilget_av FROM read_csv(%s, all_varchar = true)`, q(filepath.Join(inbox, "extensions.csv"))),
	}
	years, err := filepath.Glob(filepath.Join(inbox, "subsidy", "*.csv"))
	if err != nil {
		return floorScript{}, err
	}
	var parts []string
	for _, y := range years {
		parts = append(parts, fmt.Sprintf(`SELECT soeknads_aar::BIGINT AS aar, orgnr::VARCHAR AS orgnr, p139_vaar::BIGINT AS p139_vaar,
			p145_vaar::BIGINT AS p145_vaar, p146_vaar::BIGINT AS p146_vaar FROM read_csv(%s, all_varchar = true)`, q(y)))
	}
	read := append(stmts, "CREATE TABLE cur.subsidy AS "+strings.Join(parts, " UNION ALL "))
	p := rules.Defaults()
	stmts = []string{fmt.Sprintf(`CREATE TABLE model.param AS SELECT DATE '%s' AS as_of, 1::BIGINT AS run_id, %d AS threshold, %d AS weight_p145,
		%d AS weight_p146, %d AS weight_p139, %d AS first_deadline_months, %d AS visit_interval_months, %d AS vet_approval_years,
		%d AS deduction_day, %d AS ksl_days, %d AS season_start_month, %d AS season_start_day, %d AS seasons, %d AS notice_days`,
		asOf.Format(time.DateOnly), p.Threshold, p.WeightP145, p.WeightP146, p.WeightP139, p.FirstDeadlineMonths, p.VisitIntervalMonths,
		p.VetApprovalYears, p.DeductionDay, p.KSLDays, p.SeasonStartMonth, p.SeasonStartDay, p.Seasons, p.NoticeDays),
		`CREATE TABLE model.notification (produsentnr VARCHAR, kanal VARCHAR, adresse VARCHAR, meldingstype VARCHAR, frist DATE, run_id BIGINT, business_date DATE)`}
	for _, m := range []string{"010_basis.sql", "coverage", "030_vets.sql", "040_visits.sql", "050_deadlines.sql", "060_status.sql", "070_keyfigures.sql", "090_notifications.sql"} {
		if m == "coverage" { // a first night: covered from the business date
			stmts = append(stmts, `CREATE TABLE model.coverage AS SELECT produsentnr, (SELECT as_of FROM model.param) AS innrullert_dato,
				NULL::DATE AS utmeldt_dato, NULL::TIMESTAMPTZ AS sys_bis FROM model.basis WHERE over_terskel`)
			continue
		}
		b, err := fs.ReadFile(sqlfiles.FS, "models/"+m)
		if err != nil {
			return floorScript{}, err
		}
		stmts = append(stmts, string(b))
	}
	return floorScript{read: read, models: stmts}, nil
}

// floorTimes is how long each part of the floor took.
type floorTimes struct{ read, models, write time.Duration }

// runFloor runs the floor script and writes the receivers' files into out.
func runFloor(ctx context.Context, c *store.Conn, f floorScript, out string) (floorTimes, error) {
	var t floorTimes
	for _, part := range []struct {
		stmts []string
		took  *time.Duration
	}{{f.read, &t.read}, {f.models, &t.models}} {
		start := time.Now()
		for _, s := range part.stmts {
			if err := c.Exec(ctx, s); err != nil {
				return t, fmt.Errorf("%.80s: %w", s, err)
			}
		}
		*part.took = time.Since(start)
	}
	start := time.Now()
	err := writeFloor(ctx, c, out)
	t.write = time.Since(start)
	return t, err
}

// writeFloor writes each receiver's whole first transfer in its default formats: COPY for
// CSV, bare excelize for XLSX.
func writeFloor(ctx context.Context, c *store.Conn, out string) error {
	for _, r := range receiver.All() {
		body, err := fs.ReadFile(sqlfiles.FS, "receivers/"+r.Name+".sql")
		if err != nil {
			return err
		}
		sel := fmt.Sprintf(`SELECT row_number() OVER () AS endringsnr, 'NY' AS operasjon, now() AS endret_tid, * EXCLUDE (rkey) FROM (%s) ORDER BY %s`,
			body, strings.Join(r.Key, ", "))
		for _, f := range r.Files {
			path := filepath.Join(out, r.Name+"."+string(f.Format))
			switch {
			case f.Format == "csv" && f.Dialect.Comma == ';':
				err = c.Exec(ctx, fmt.Sprintf(`COPY (%s) TO '%s' (HEADER, DELIMITER ';')`, sel, path))
			case f.Format == "csv":
				err = c.Exec(ctx, fmt.Sprintf(`COPY (%s) TO '%s' (HEADER)`, sel, path))
			default:
				err = bareXLSX(ctx, c, sel, path)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", r.Name, err)
			}
		}
	}
	return nil
}

// bareXLSX writes a query's rows with excelize's StreamWriter, nothing else.
func bareXLSX(ctx context.Context, c *store.Conn, sel, path string) error {
	rows, err := c.Query(ctx, sel)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return err
	}
	header := make([]any, len(cols))
	for i, c := range cols {
		header[i] = c
	}
	sw.SetRow("A1", header)
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for n := 2; rows.Next(); n++ {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		row := make([]any, len(vals))
		copy(row, vals)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.SaveAs(path)
}

// BenchmarkNight compares a whole first night from a file drop (vpsau run: fetch, land,
// rules, receivers, audits, exports with manifests, rejects, the analyst copy) with its
// floor, a bare DuckDB script that reads the same files and writes the same receivers'
// files (floorSQL), side by side on the same generated inbox:
//
//	go test ./internal/nightly/ -run '^$' -bench Night -count 5 [-nscale 10]
func BenchmarkNight(b *testing.B) {
	ctx := context.Background()
	asOf := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	inbox := b.TempDir()
	if _, err := generate.Inbox(inbox, generate.Config{Scale: *nightScale, Seed: 1, AsOf: asOf}); err != nil {
		b.Fatal(err)
	}
	b.Run("vpsau", func(b *testing.B) {
		var stages stageTimes
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			db, err := store.Open(ctx, filepath.Join(dir, "v.duckdb"), store.Options{MemoryLimit: "2GB"})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			restore := TuneGC(os.Getenv) // as vpsau run does
			sum, err := Run(ctx, db, Options{AsOf: asOf, Inbox: inbox, Out: filepath.Join(dir, "out"), RawRoot: filepath.Join(dir, "raw"),
				Rules: rules.Defaults(), Guard: DefaultGuard, Analyst: AnalystCopy{Path: filepath.Join(dir, "v-analyst.duckdb")}})
			restore()
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			stages.add(sum)
			db.Close()
			b.StartTimer()
		}
		stages.report(b)
	})
	script, err := floorSQL(inbox, asOf)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("floor", func(b *testing.B) {
		var parts floorTimes
		for b.Loop() {
			b.StopTimer()
			dir := b.TempDir()
			db, err := store.Open(ctx, filepath.Join(dir, "f.duckdb"), store.Options{Bare: true, MemoryLimit: "2GB"})
			if err != nil {
				b.Fatal(err)
			}
			c, err := db.Conn(ctx)
			if err != nil {
				b.Fatal(err)
			}
			out := filepath.Join(dir, "out")
			os.MkdirAll(out, 0o755)
			b.StartTimer()
			t, err := runFloor(ctx, c, script, out)
			if err != nil {
				b.Fatal(err)
			}
			parts.read += t.read
			parts.models += t.models
			parts.write += t.write
			b.StopTimer()
			c.Close()
			db.Close()
			b.StartTimer()
		}
		n := float64(b.N)
		b.ReportMetric(float64(parts.read.Milliseconds())/n, "read-ms")
		b.ReportMetric(float64(parts.models.Milliseconds())/n, "models-ms")
		b.ReportMetric(float64(parts.write.Milliseconds())/n, "write-ms")
	})
}
