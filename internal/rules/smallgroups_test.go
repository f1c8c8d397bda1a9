package rules_test

import (
	"fmt"
	"testing"
)

// TestKeyFigureMediansOfSmallGroups: a vet's key figures compare the producer with the
// county's and the nation's median, but only over five producers or more — with a
// reserved producer among two, the median would be the mean of the two, and the vet could
// read the reserved producer's figures off it (regression: the medians of any group went
// out).
func TestKeyFigureMediansOfSmallGroups(t *testing.T) {
	for _, n := range []int{2, 4, 5} {
		t.Run(fmt.Sprintf("%d producers", n), func(t *testing.T) {
			w := base()
			w.agreements = []string{prodA + "," + vetX + ",2020-01-01,"}
			w.sheep(2026, orgA, 80, 2, 0)
			for i := 1; i <= n; i++ {
				p := fmt.Sprintf("300000000%d", i)
				if i > 1 {
					w.producers = append(w.producers, fmt.Sprintf("%s,,P%d,,,3401,300000%d", p, i, i))
					w.reservations = append(w.reservations, p+",ja,2025-01-01")
				}
				for s := 2021; s <= 2025; s++ {
					w.slaughter = append(w.slaughter, fmt.Sprintf("%s,%d,%d,0.%d,0.1,1%d.5", p, s, 100*i, i, i))
				}
			}
			h := newHarness(t)
			if _, err := h.run(night{"2027-01-04", w}); err != nil {
				t.Fatal(err)
			}
			var rows, withMedian int
			err := h.db.SQL().QueryRow(`SELECT count(*), count(antall_lam_median_fylke) + count(antall_lam_median_land)
				+ count(andel_lam_fett1_median_fylke) + count(snittvekt_lam_kg_median_land)
				FROM rcv.nokkeltall WHERE chg_bis IS NULL`).Scan(&rows, &withMedian)
			if err != nil {
				t.Fatal(err)
			}
			want := 0
			if n >= 5 {
				want = 4 * rows
			}
			if rows != 5 || withMedian != want {
				t.Errorf("nokkeltall: %d rows, %d medians; want 5 rows (%s's seasons), %d medians", rows, withMedian, prodA, want)
			}
		})
	}
}
