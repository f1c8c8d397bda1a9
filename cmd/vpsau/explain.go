package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"strings"

	"github.com/dvpsau/vpsau/internal/store"
)

func explainCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "explain", "PRODUSENTNR [--db FILE]")
	cf := commonFlags(fs, false)
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageError("want one PRODUSENTNR")
	}
	p := strings.TrimSpace(fs.Arg(0))
	d, err := openReadOnly(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	return explain(ctx, e.stdout, d, p)
}

// explain prints the chain of evidence behind a producer's status, from what the last
// run computed: the rules' tables for the evidence, the analytics views for the
// deadlines, the status, its history over the runs and the findings.
func explain(ctx context.Context, w io.Writer, d *store.DB, p string) error {
	q := d.SQL()
	var asOf sql.NullString
	var runID sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT strftime(as_of, '%Y-%m-%d'), run_id FROM model.param`).Scan(&asOf, &runID)
	if err != nil {
		return fmt.Errorf("no run has computed the rules yet (%v)", oneLine(err.Error()))
	}
	var exists bool
	if err := q.QueryRowContext(ctx, `SELECT count(*) > 0 FROM analytics.status WHERE produsentnr = ?`, p).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return fmt.Errorf("produsentnr %s is not in the producer register of run %d", p, runID.Int64)
	}
	fmt.Fprintf(w, "Producer %s as of business date %s (run %d)\n", p, asOf.String, runID.Int64)

	section := func(title, query string, args ...any) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("%s: %w", title, err)
		}
		defer rows.Close()
		fmt.Fprintf(w, "\n%s\n", title)
		var buf strings.Builder
		if err := printRows(&buf, rows, "table"); err != nil {
			return err
		}
		lines := strings.Split(strings.TrimRight(buf.String(), "\n"), "\n")
		if len(lines) <= 1 {
			fmt.Fprintln(w, "  (none)")
			return nil
		}
		for _, l := range lines {
			fmt.Fprintln(w, "  "+l)
		}
		return nil
	}
	steps := []struct {
		title, query string
	}{
		{"Register (Landbrukets dataflyt)", `SELECT produsentnr, orgnr, kommunenr, navn,
			telefon IS NOT NULL AS har_telefon, epost IS NOT NULL AS har_epost, src_ref AS kilde
			FROM cur.producer WHERE produsentnr = ?`},
		{"Coverage basis: winter-fed sheep (P145 + P146 + P139, spring count) of the year before", `SELECT b.grunnlag_aar, b.orgnr, b.i_soknad AS i_soknadsfil,
			b.p145_vaar, b.p146_vaar, b.p139_vaar, b.vinterfora_sau, prm.threshold AS terskel, b.over_terskel
			FROM model.basis b, model.param prm WHERE b.produsentnr = ?`},
		{"Coverage periods", `SELECT innrullert_dato, utmeldt_dato,
			(innrullert_dato + to_months((SELECT first_deadline_months FROM model.param)))::DATE AS forste_frist
			FROM model.coverage WHERE produsentnr = ? AND sys_bis IS NULL ORDER BY innrullert_dato`},
		{"Visits (a visit counts when its vet held a valid DVP vet approval on the visit date)", `SELECT besok_id, besok_dato, vet_id, telles, begrunnelse
			FROM model.visit_eval WHERE produsentnr = ? ORDER BY besok_dato`},
		{"Producer course (SAU_VELFERD)", `SELECT kurskode, fullfort_dato, src_ref AS kilde FROM cur.course
			WHERE person_type = 'PRODUSENT' AND person_id = ? ORDER BY fullfort_dato`},
		{"Deviations", `SELECT d.avvik_id, d.besok_id, d.indikator, d.lukkefrist, d.lukket_dato,
			(d.lukket_dato IS NULL OR d.lukket_dato > prm.as_of) AS apen
			FROM cur.deviation d, model.param prm WHERE d.produsentnr = ? ORDER BY d.lukkefrist`},
		{"Extensions (an extension only moves a deadline later)", `SELECT fristtype, avvik_id, ny_frist, innvilget_av
			FROM cur.extension WHERE produsentnr = ? ORDER BY fristtype, ny_frist`},
		{"Deadlines (escalation: FRIST_OVERSKREDET 1–15 days, DVP_TREKK from day 16, KSL after 45)", `SELECT fristtype, avvik_id, beregnet, forlenget_til, frist, dager_overskredet, trinn
			FROM analytics.deadline WHERE produsentnr = ? ORDER BY frist`},
		{"Status", `SELECT s.status, s.omfattet, s.innrullert_dato, s.besoksfrist, s.kursfrist, s.lukkefrist, s.apne_avvik,
			s.tidligste_overskredet, s.dager_overskredet, s.dvp_trekk, s.trekk_fra, s.ksl_avvik,
			prm.deduction_day AS trekk_fra_dag, prm.ksl_days AS ksl_etter_dager
			FROM analytics.status s, model.param prm WHERE s.produsentnr = ?`},
		{"Status over the runs (the latest 10 versions; each holds from its run up to the next)", `SELECT from_run AS run, from_business_date AS fra,
			to_business_date AS til, status, innrullert_dato, besoksfrist, kursfrist, lukkefrist, apne_avvik
			FROM analytics.status_history WHERE produsentnr = ? ORDER BY from_run DESC LIMIT 10`},
		{"Key figures: agreements and reservation", `SELECT 'agreement' AS hva, vet_id AS verdi, NULL AS registrert FROM model.active_agreement WHERE produsentnr = ?
			UNION ALL SELECT 'reservation', CASE WHEN reservert THEN 'reservert' ELSE 'ikke reservert' END, registrert
			FROM model.reservation_state WHERE produsentnr = ?`},
		{"Findings of the run", `SELECT severity, check_code, ref, message FROM analytics.finding
			WHERE latest_run AND produsentnr = ? ORDER BY severity, check_code, ref`},
	}
	for _, s := range steps {
		args := []any{p}
		if strings.Count(s.query, "?") == 2 {
			args = append(args, p)
		}
		if err := section(s.title, s.query, args...); err != nil {
			return err
		}
	}
	return nil
}
