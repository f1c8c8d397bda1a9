package rules_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// world is a small file-drop inbox, written fresh for each night of a scenario.
type world struct {
	producers, vets, courses, agreements, visits, deviations, reservations, extensions, slaughter []string
	subsidy                                                                                       map[int][]string // year → "orgnr;p145;p146;p139" rows
}

// Producers and orgnrs used by the scenarios (the orgnrs have valid check digits).
const (
	prodA = "3000000001"
	prodB = "3000000002"
	orgA  = "903000910"
	orgB  = "903001828"
	vetX  = "5550001"
	vetY  = "5550002"
)

func base() world {
	return world{
		producers: []string{prodA + "," + orgA + ",A,91234567,a@example.no,3401,3000001"},
		vets:      []string{vetX + ",Vet X,,", vetY + ",Vet Y,,"},
		courses:   []string{"VETERINAER," + vetX + ",DVP_VET_SAU,2021-06-01", "VETERINAER," + vetX + ",DVP_VET_SAU,2024-05-01"},
		subsidy:   map[int][]string{},
	}
}

// sheep sets the spring count of orgnr in year's subsidy file.
func (w *world) sheep(year int, orgnr string, p145, p146, p139 int) {
	w.subsidy[year] = append(w.subsidy[year], fmt.Sprintf("%s;%d;%d;%d", orgnr, p145, p146, p139))
}

func writeFile(t *testing.T, path, header string, rows []string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	body := header + "\n"
	for _, r := range rows {
		body += r + "\n"
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (w world) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "producers.csv"), "produsentnr,orgnr,navn,telefon,epost,kommunenr,dyrehold_id", w.producers)
	writeFile(t, filepath.Join(dir, "vets.csv"), "vet_id,navn,telefon,epost", w.vets)
	writeFile(t, filepath.Join(dir, "courses.csv"), "person_type,person_id,kurskode,fullfort_dato", w.courses)
	writeFile(t, filepath.Join(dir, "agreements.csv"), "produsentnr,vet_id,gyldig_fra,gyldig_til", w.agreements)
	writeFile(t, filepath.Join(dir, "visits.csv"), "besok_id,produsentnr,vet_id,besok_dato", w.visits)
	writeFile(t, filepath.Join(dir, "deviations.csv"), "avvik_id,besok_id,produsentnr,indikator,lukkefrist,lukket_dato", w.deviations)
	writeFile(t, filepath.Join(dir, "reservations.csv"), "produsentnr,reservert,registrert", w.reservations)
	writeFile(t, filepath.Join(dir, "extensions.csv"), "produsentnr,fristtype,avvik_id,ny_frist,innvilget_av", w.extensions)
	writeFile(t, filepath.Join(dir, "slaughter.csv"), "produsentnr,sesong,antall_lam,andel_lam_fett1,andel_sau_fett1,snittvekt_lam_kg", w.slaughter)
	for year, rows := range w.subsidy {
		var lines []string
		for _, r := range rows {
			f := strings.Split(r, ";")
			lines = append(lines, fmt.Sprintf("%d;3401;%s;NAVN;3401;1;1;0;%s;%s;%s", year, f[0], f[1], f[2], f[3]))
		}
		writeFile(t, filepath.Join(dir, "subsidy", fmt.Sprintf("%d.csv", year)),
			"soeknads_aar;saksbehandlende_kommune;orgnr;orgnavn;kommunenr;gaardsnummer;bruksnummer;festenummer;p145_vaar;p146_vaar;p139_vaar", lines)
	}
	return dir
}

// night is one run of a scenario: the world as delivered and the business date.
type night struct {
	asOf string
	w    world
}

// state is what a scenario checks for one producer after its last night.
type state struct {
	Status, Innrullert, Besoksfrist, Kursfrist, Lukkefrist, Trekk, TrekkFra, KSL string
	Dager                                                                        int64
}

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

type harness struct {
	t   *testing.T
	db  *store.DB
	out string
	raw string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	db, err := store.Open(context.Background(), ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &harness{t: t, db: db, out: t.TempDir(), raw: t.TempDir()}
}

func (h *harness) run(n night) (nightly.Summary, error) {
	h.t.Helper()
	return nightly.Run(context.Background(), h.db, nightly.Options{
		AsOf: date(n.asOf), Inbox: n.w.write(h.t), Out: h.out, RawRoot: h.raw,
		Rules: rules.Defaults(), Guard: nightly.Guard{Accept: true},
	})
}

func (h *harness) state(p string) state {
	h.t.Helper()
	var s state
	err := h.db.SQL().QueryRow(`SELECT status, coalesce(strftime(innrullert_dato, '%Y-%m-%d'), ''),
		coalesce(strftime(besoksfrist, '%Y-%m-%d'), ''), coalesce(strftime(kursfrist, '%Y-%m-%d'), ''),
		coalesce(strftime(lukkefrist, '%Y-%m-%d'), ''), CASE WHEN dvp_trekk THEN 'ja' ELSE 'nei' END,
		coalesce(strftime(trekk_fra, '%Y-%m-%d'), ''), CASE WHEN ksl_avvik THEN 'ja' ELSE 'nei' END, dager_overskredet
		FROM model.status WHERE produsentnr = ?`, p).
		Scan(&s.Status, &s.Innrullert, &s.Besoksfrist, &s.Kursfrist, &s.Lukkefrist, &s.Trekk, &s.TrekkFra, &s.KSL, &s.Dager)
	if err != nil {
		h.t.Fatalf("state of %s: %v", p, err)
	}
	return s
}

// covered returns a world where producer A is covered from the 2025 count (as-of in 2026).
func covered() world {
	w := base()
	w.sheep(2025, orgA, 40, 2, 0)
	return w
}

func with(w world, f func(*world)) world {
	c := w
	c.producers = append([]string(nil), w.producers...)
	c.courses = append([]string(nil), w.courses...)
	c.subsidy = map[int][]string{}
	for y, r := range w.subsidy {
		c.subsidy[y] = append([]string(nil), r...)
	}
	f(&c)
	return c
}

func TestRules(t *testing.T) {
	tests := []struct {
		name   string
		nights []night
		want   state
	}{
		{
			name:   "exactly 30 sheep is not covered",
			nights: []night{{"2026-03-01", with(base(), func(w *world) { w.sheep(2025, orgA, 28, 2, 0) })}},
			want:   state{Status: "IKKE_OMFATTET", Trekk: "nei", KSL: "nei"},
		},
		{
			name:   "31 sheep is covered with a first deadline 4 months on",
			nights: []night{{"2026-03-01", with(base(), func(w *world) { w.sheep(2025, orgA, 29, 2, 0) })}},
			want:   state{Status: "INNRULLERT", Innrullert: "2026-03-01", Besoksfrist: "2026-07-01", Kursfrist: "2026-07-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name:   "milk sheep only count",
			nights: []night{{"2026-03-01", with(base(), func(w *world) { w.sheep(2025, orgA, 0, 0, 31) })}},
			want:   state{Status: "INNRULLERT", Innrullert: "2026-03-01", Besoksfrist: "2026-07-01", Kursfrist: "2026-07-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name:   "first deadline clamps to the month's end",
			nights: []night{{"2025-10-31", with(base(), func(w *world) { w.sheep(2024, orgA, 40, 0, 0) })}},
			want:   state{Status: "INNRULLERT", Innrullert: "2025-10-31", Besoksfrist: "2026-02-28", Kursfrist: "2026-02-28", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "missed by 15 days: deadline missed, no deduction yet",
			nights: []night{
				{"2026-01-01", covered()},
				{"2026-05-16", covered()}, // first deadline 2026-05-01
			},
			want: state{Status: "FRIST_OVERSKREDET", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Kursfrist: "2026-05-01", Trekk: "nei", KSL: "nei", Dager: 15},
		},
		{
			name: "missed by 16 days: deduction from day 16",
			nights: []night{
				{"2026-01-01", covered()},
				{"2026-05-17", covered()},
			},
			want: state{Status: "DVP_TREKK", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Kursfrist: "2026-05-01", Trekk: "ja", TrekkFra: "2026-05-17", KSL: "nei", Dager: 16},
		},
		{
			name: "missed by 45 days: not yet a KSL breach",
			nights: []night{
				{"2026-01-01", covered()},
				{"2026-06-15", covered()},
			},
			want: state{Status: "DVP_TREKK", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Kursfrist: "2026-05-01", Trekk: "ja", TrekkFra: "2026-05-17", KSL: "nei", Dager: 45},
		},
		{
			name: "missed by 46 days: a KSL breach",
			nights: []night{
				{"2026-01-01", covered()},
				{"2026-06-16", covered()},
			},
			want: state{Status: "DVP_TREKK", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Kursfrist: "2026-05-01", Trekk: "ja", TrekkFra: "2026-05-17", KSL: "ja", Dager: 46},
		},
		{
			name: "31 August + 18 months in a year that is not a leap year",
			nights: []night{{"2026-01-01", with(covered(), func(w *world) {
				w.visits = []string{"V1," + prodA + "," + vetY + ",2024-08-31"}
				w.courses = append(w.courses, "VETERINAER,"+vetY+",DVP_VET_SAU,2024-01-01", "PRODUSENT,"+prodA+",SAU_VELFERD,2024-01-01")
			})}},
			want: state{Status: "GODKJENT", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "31 August + 18 months lands on 28 February; the first deadline is earlier",
			nights: []night{{"2025-06-01", with(base(), func(w *world) {
				w.sheep(2024, orgA, 40, 0, 0)
				w.visits = []string{"V1," + prodA + "," + vetX + ",2024-08-31"}
			})}},
			want: state{Status: "INNRULLERT", Innrullert: "2025-06-01", Besoksfrist: "2026-02-28", Kursfrist: "2025-10-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "31 August + 18 months lands on 29 February in a leap year",
			nights: []night{{"2023-06-01", with(base(), func(w *world) {
				w.sheep(2022, orgA, 40, 0, 0)
				w.visits = []string{"V1," + prodA + "," + vetX + ",2022-08-31"}
			})}},
			want: state{Status: "INNRULLERT", Innrullert: "2023-06-01", Besoksfrist: "2024-02-29", Kursfrist: "2023-10-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "a visit before coverage counts, the first deadline still holds",
			nights: []night{{"2026-01-01", with(covered(), func(w *world) {
				w.visits = []string{"V1," + prodA + "," + vetX + ",2024-03-01"} // + 18 months = 2025-09-01, before the first deadline
				w.courses = append(w.courses, "PRODUSENT,"+prodA+",SAU_VELFERD,2024-01-01")
			})}},
			want: state{Status: "GODKJENT", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "a visit by a vet whose approval lapsed does not count",
			nights: []night{{"2026-01-01", with(covered(), func(w *world) {
				w.courses = append(w.courses, "VETERINAER,"+vetY+",DVP_VET_SAU,2021-01-01", "PRODUSENT,"+prodA+",SAU_VELFERD,2024-01-01")
				w.visits = []string{"V1," + prodA + "," + vetY + ",2024-01-01"} // approval ended 2023-12-31
			})}},
			want: state{Status: "INNRULLERT", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "a visit on the last day of the vet's approval counts",
			nights: []night{{"2026-01-01", with(covered(), func(w *world) {
				w.courses = append(w.courses, "VETERINAER,"+vetY+",DVP_VET_SAU,2022-06-01")
				w.visits = []string{"V1," + prodA + "," + vetY + ",2025-05-31"} // + 18 months = 2026-11-30
			})}},
			want: state{Status: "INNRULLERT", Innrullert: "2026-01-01", Besoksfrist: "2026-11-30", Kursfrist: "2026-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "an extension after a breach lifts it",
			nights: []night{
				{"2026-01-01", covered()},
				{"2026-06-01", with(covered(), func(w *world) {
					w.extensions = []string{prodA + ",BESOK,,2026-07-01,admin", prodA + ",KURS,,2026-07-01,admin"}
				})},
			},
			want: state{Status: "INNRULLERT", Innrullert: "2026-01-01", Besoksfrist: "2026-07-01", Kursfrist: "2026-07-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "an extension earlier than the computed deadline changes nothing",
			nights: []night{{"2026-01-01", with(covered(), func(w *world) {
				w.extensions = []string{prodA + ",BESOK,,2026-02-01,admin"}
			})}},
			want: state{Status: "INNRULLERT", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Kursfrist: "2026-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "an open deviation's close deadline; the earliest missed deadline decides",
			nights: []night{{"2026-01-20", with(covered(), func(w *world) {
				w.courses = append(w.courses, "PRODUSENT,"+prodA+",SAU_VELFERD,2024-01-01")
				w.visits = []string{"V1," + prodA + "," + vetX + ",2025-06-01"}
				w.deviations = []string{"D1,V1," + prodA + ",IND_03,2025-12-01,", "D2,V1," + prodA + ",IND_04,2026-01-10,"}
			})}},
			want: state{Status: "DVP_TREKK", Innrullert: "2026-01-20", Besoksfrist: "2026-12-01", Lukkefrist: "2025-12-01", Trekk: "ja", TrekkFra: "2025-12-17", KSL: "ja", Dager: 50},
		},
		{
			name: "a deviation is closed on its closing date",
			nights: []night{{"2026-01-20", with(covered(), func(w *world) {
				w.courses = append(w.courses, "PRODUSENT,"+prodA+",SAU_VELFERD,2024-01-01")
				w.visits = []string{"V1," + prodA + "," + vetX + ",2025-06-01"}
				w.deviations = []string{"D1,V1," + prodA + ",IND_03,2025-12-01,2026-01-20"}
			})}},
			want: state{Status: "GODKJENT", Innrullert: "2026-01-20", Besoksfrist: "2026-12-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "a deviation extension moves its close deadline",
			nights: []night{{"2026-01-20", with(covered(), func(w *world) {
				w.courses = append(w.courses, "PRODUSENT,"+prodA+",SAU_VELFERD,2024-01-01")
				w.visits = []string{"V1," + prodA + "," + vetX + ",2025-06-01"}
				w.deviations = []string{"D1,V1," + prodA + ",IND_03,2025-12-01,"}
				w.extensions = []string{prodA + ",AVVIK,D1,2026-02-01,admin"}
			})}},
			want: state{Status: "INNRULLERT", Innrullert: "2026-01-20", Besoksfrist: "2026-12-01", Lukkefrist: "2026-02-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "the coverage date is kept while covered",
			nights: []night{
				{"2026-01-01", covered()},
				{"2026-02-01", covered()},
			},
			want: state{Status: "INNRULLERT", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Kursfrist: "2026-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "a changed orgnr: coverage follows the current orgnr and keeps its date",
			nights: []night{
				{"2026-01-01", with(covered(), func(w *world) { w.sheep(2025, orgB, 50, 0, 0) })},
				{"2026-02-01", with(covered(), func(w *world) {
					w.sheep(2025, orgB, 50, 0, 0)
					w.producers = []string{prodA + "," + orgB + ",A,91234567,,3401,3000001"}
				})},
			},
			want: state{Status: "INNRULLERT", Innrullert: "2026-01-01", Besoksfrist: "2026-05-01", Kursfrist: "2026-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "coverage lost and regained gives a new coverage date",
			nights: []night{
				{"2026-01-01", covered()},
				{"2027-01-01", with(base(), func(w *world) { w.sheep(2025, orgA, 40, 2, 0); w.sheep(2026, orgA, 10, 0, 0) })},
				{"2028-01-01", with(base(), func(w *world) { w.sheep(2026, orgA, 10, 0, 0); w.sheep(2027, orgA, 40, 0, 0) })},
			},
			want: state{Status: "INNRULLERT", Innrullert: "2028-01-01", Besoksfrist: "2028-05-01", Kursfrist: "2028-05-01", Trekk: "nei", KSL: "nei"},
		},
		{
			name: "business dates years ahead of the clock",
			nights: []night{{"2031-03-01", with(base(), func(w *world) {
				w.sheep(2030, orgA, 40, 0, 0)
				w.visits = []string{"V1," + prodA + "," + vetY + ",2031-02-27"}
				w.courses = append(w.courses, "VETERINAER,"+vetY+",DVP_VET_SAU,2030-01-01", "PRODUSENT,"+prodA+",SAU_VELFERD,2031-02-01")
			})}},
			want: state{Status: "GODKJENT", Innrullert: "2031-03-01", Besoksfrist: "2032-08-27", Trekk: "nei", KSL: "nei"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			for _, n := range tt.nights {
				if _, err := h.run(n); err != nil {
					t.Fatalf("run %s: %v", n.asOf, err)
				}
			}
			if got := h.state(prodA); got != tt.want {
				t.Errorf("state(%s) =\n  %+v, want\n  %+v", prodA, got, tt.want)
			}
		})
	}
}

func TestMissingBasisYearFails(t *testing.T) {
	h := newHarness(t)
	w := base()
	w.sheep(2024, orgA, 40, 0, 0)
	_, err := h.run(night{"2026-01-01", w})
	if !errors.Is(err, rules.ErrNoBasis) {
		t.Fatalf("run without the 2025 subsidy file: error = %v, want ErrNoBasis", err)
	}
	if !strings.Contains(err.Error(), "2025") {
		t.Errorf("error %q does not name the missing year", err)
	}
}

// TestKeyFigures checks who the key figures go to and which seasons they cover.
func TestKeyFigures(t *testing.T) {
	seasons := func(w *world) {
		for y := 2019; y <= 2026; y++ {
			w.slaughter = append(w.slaughter, fmt.Sprintf("%s,%d,100,0.04,0.15,18.5", prodA, y))
		}
	}
	agreement := func(til string) func(*world) {
		return func(w *world) {
			seasons(w)
			w.agreements = []string{prodA + "," + vetX + ",2025-01-01," + til}
		}
	}
	kf := func(w world, asOf string, extra ...func(*world)) night {
		c := with(w, func(*world) {})
		for _, f := range extra {
			f(&c)
		}
		c.sheep(2026, orgA, 40, 0, 0)
		c.sheep(2025, orgA, 40, 0, 0)
		return night{asOf, c}
	}
	tests := []struct {
		name   string
		nights []night
		want   string // the seasons of producer A's rows for vet X
	}{
		{"active agreement: the five completed seasons", []night{kf(base(), "2027-01-04", agreement(""))}, "2021 2022 2023 2024 2025"},
		{"the day before 15 April the last season is still open", []night{kf(base(), "2027-04-14", agreement(""))}, "2021 2022 2023 2024 2025"},
		{"from 15 April the season before is completed", []night{kf(base(), "2027-04-15", agreement(""))}, "2022 2023 2024 2025 2026"},
		{"an agreement ending on the business date is active", []night{kf(base(), "2027-01-04", agreement("2027-01-04"))}, "2021 2022 2023 2024 2025"},
		{"an agreement that ended gives nothing", []night{kf(base(), "2027-01-04", agreement("2027-01-03"))}, ""},
		{"an agreement not yet begun gives nothing", []night{kf(base(), "2024-12-31", func(w *world) {
			agreement("")(w)
			w.sheep(2023, orgA, 40, 0, 0)
		})}, ""},
		{"a reservation keeps every figure back", []night{kf(base(), "2027-01-04", agreement(""), func(w *world) {
			w.reservations = []string{prodA + ",ja,2026-06-01T12:00:00+02:00"}
		})}, ""},
		{"a withdrawn reservation: the latest registration decides", []night{kf(base(), "2027-01-04", agreement(""), func(w *world) {
			w.reservations = []string{prodA + ",ja,2026-06-01T12:00:00+02:00", prodA + ",nei,2026-09-01"}
		})}, "2021 2022 2023 2024 2025"},
		{"reserved again after withdrawing", []night{kf(base(), "2027-01-04", agreement(""), func(w *world) {
			w.reservations = []string{prodA + ",ja,2026-06-01", prodA + ",nei,2026-09-01", prodA + ",ja,2026-12-24T08:00:00Z"}
		})}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			for _, n := range tt.nights {
				if _, err := h.run(n); err != nil {
					t.Fatalf("run %s: %v", n.asOf, err)
				}
			}
			var got string
			err := h.db.SQL().QueryRow(`SELECT coalesce(string_agg(sesong::VARCHAR, ' ' ORDER BY sesong), '')
				FROM model.keyfigures WHERE produsentnr = ? AND vet_id = ?`, prodA, vetX).Scan(&got)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("seasons = %q, want %q", got, tt.want)
			}
			var inRcv int
			if err := h.db.SQL().QueryRow(`SELECT count(*) FROM rcv.nokkeltall WHERE produsentnr = ? AND chg_bis IS NULL`, prodA).Scan(&inRcv); err != nil {
				t.Fatal(err)
			}
			if wantN := len(strings.Fields(tt.want)); inRcv != wantN {
				t.Errorf("nokkeltall rows = %d, want %d", inRcv, wantN)
			}
		})
	}
}

// TestNotifications: an event is raised once however many nights it holds, by each channel
// the producer has, and a producer without phone or e-mail gets a finding instead.
func TestNotifications(t *testing.T) {
	h := newHarness(t)
	w := covered() // first deadline 2026-05-01 for a coverage date of 2026-01-01
	w.producers = append(w.producers, prodB+","+orgB+",B,,,3401,3000002")
	w.sheep(2025, orgB, 40, 0, 0)
	for _, n := range []night{{"2026-01-01", w}, {"2026-04-05", w}, {"2026-04-06", w}, {"2026-05-20", w}} {
		if _, err := h.run(n); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := h.db.SQL().Query(`SELECT produsentnr, kanal, meldingstype, strftime(frist, '%Y-%m-%d'), strftime(business_date, '%Y-%m-%d')
		FROM model.notification ORDER BY business_date, produsentnr, meldingstype, kanal`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var p, k, m, f, d string
		rows.Scan(&p, &k, &m, &f, &d)
		got = append(got, strings.Join([]string{d, p, k, m, f}, " "))
	}
	rows.Close()
	want := []string{
		"2026-04-05 3000000001 EPOST BESOKSFRIST_NARMER 2026-05-01",
		"2026-04-05 3000000001 SMS BESOKSFRIST_NARMER 2026-05-01",
		"2026-04-05 3000000001 EPOST KURSFRIST_NARMER 2026-05-01",
		"2026-04-05 3000000001 SMS KURSFRIST_NARMER 2026-05-01",
		"2026-05-20 3000000001 EPOST BESOKSFRIST_OVERSKREDET 2026-05-01",
		"2026-05-20 3000000001 SMS BESOKSFRIST_OVERSKREDET 2026-05-01",
		"2026-05-20 3000000001 EPOST DVP_TREKK 2026-05-01",
		"2026-05-20 3000000001 SMS DVP_TREKK 2026-05-01",
		"2026-05-20 3000000001 EPOST KURSFRIST_OVERSKREDET 2026-05-01",
		"2026-05-20 3000000001 SMS KURSFRIST_OVERSKREDET 2026-05-01",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notifications (-want +got):\n%s", diff)
	}
	var findings int
	if err := h.db.SQL().QueryRow(`SELECT count(*) FROM ops.finding WHERE check_code = 'PRODUCER_NO_CONTACT' AND produsentnr = ?
		AND run_id = (SELECT max(run_id) FROM ops.run)`, prodB).Scan(&findings); err != nil {
		t.Fatal(err)
	}
	if findings != 1 {
		t.Errorf("PRODUCER_NO_CONTACT findings for %s = %d, want 1", prodB, findings)
	}
}
