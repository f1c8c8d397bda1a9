package nightly

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/fixtures/generate"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// copyOf is a receiver's copy, built only from the exports it was sent: key → row.
type copyOf map[string]string

// apply applies one export's rows: NY and ENDRET write the row, SLETTET removes the key.
func (c copyOf) apply(t *testing.T, rows []exportRow) {
	t.Helper()
	for _, r := range rows {
		switch r.op {
		case "NY", "ENDRET":
			c[r.key] = r.values
		case "SLETTET":
			delete(c, r.key)
		default:
			t.Fatalf("operasjon %q", r.op)
		}
	}
}

type exportRow struct {
	nr      int64
	op, key string
	values  string
}

func readExport(t *testing.T, c *store.Conn, r receiver.Receiver, from, to int64, full bool) []exportRow {
	t.Helper()
	var rows *receiver.Rows
	var err error
	if full {
		rows, err = receiver.Full(context.Background(), c, r, to)
	} else {
		rows, err = receiver.Delta(context.Background(), c, r, from, to)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []exportRow
	keyIdx := map[int]bool{}
	for i, col := range r.Columns {
		for _, k := range r.Key {
			if col.Name == k {
				keyIdx[i] = true
			}
		}
	}
	seen := map[string]bool{}
	for rows.Next() {
		v := rows.Values()
		var key, vals []string
		for i := range r.Columns {
			s := fmt.Sprint(v[3+i])
			switch x := v[3+i].(type) {
			case time.Time:
				s = x.Format(time.DateOnly)
			case float64:
				if x == 0 {
					s = "0" // -0 and 0 are the same value, written "0" (exports)
				}
			}
			vals = append(vals, s)
			if keyIdx[i] {
				key = append(key, s)
			}
		}
		nr := v[0].(int64)
		if nr <= from || nr > to {
			t.Fatalf("%s: endringsnr %d outside (%d, %d]", r.Name, nr, from, to)
		}
		k := strings.Join(key, "|")
		if seen[k] {
			t.Fatalf("%s: key %s twice in one export", r.Name, k)
		}
		seen[k] = true
		out = append(out, exportRow{nr: nr, op: v[1].(string), key: k, values: strings.Join(vals, ",")})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// mutate drops a random share of the data lines of some files, so that keys disappear
// and come back from night to night.
func mutate(t *testing.T, dir string, rng *rand.Rand) {
	t.Helper()
	for _, name := range []string{"producers.csv", "visits.csv", "deviations.csv", "agreements.csv", "reservations.csv", "slaughter.csv", "courses.csv"} {
		if rng.IntN(2) == 0 {
			continue
		}
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for n := 0; sc.Scan(); n++ {
			if n == 0 || rng.Float64() > 0.15 {
				lines = append(lines, sc.Text())
			}
		}
		f.Close()
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestDeltaProperty: over random sequences of nights (keys appear, change, disappear and
// come back), a receiver that applies each night's export — the delta after its
// watermark — ends with exactly the full export at that point, and applying an export a
// second time changes nothing. The receiver confirms on random nights only, so the next
// delta covers several nights; on the nights it does not confirm, one copy loses what it
// applied (as a receiver that failed before committing would) and another keeps it (a
// receiver that applied but did not confirm): the next delta overlaps what that one has
// applied, and must leave it right too — also for a key that changed after the
// watermark and changed back (PRODUCT.md: "applying … an overlapping one, leaves a
// receiver's copy right").
func TestDeltaProperty(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 99))
			db, err := store.Open(context.Background(), ":memory:", store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c, err := db.Conn(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			receivers := receiver.All()
			copies := map[string]copyOf{}    // what each receiver applied
			confirmed := map[string]copyOf{} // its state at the watermark
			applied := map[string]copyOf{}   // every export applied, confirmed or not
			watermark := map[string]int64{}
			for _, r := range receivers {
				copies[r.Name] = copyOf{}
				confirmed[r.Name] = copyOf{}
				applied[r.Name] = copyOf{}
			}
			asOf := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
			for night := 0; night < 6; night++ {
				asOf = asOf.AddDate(0, 0, 1+rng.IntN(60))
				inbox := t.TempDir()
				if _, err := generate.Inbox(inbox, generate.Config{Scale: 0.003, Seed: int64(seed), AsOf: asOf, BadShare: 0.02}); err != nil {
					t.Fatal(err)
				}
				mutate(t, inbox, rng)
				_, err := Run(context.Background(), db, Options{AsOf: asOf, Inbox: inbox, Out: t.TempDir(), RawRoot: t.TempDir(),
					Rules: rules.Defaults(), Guard: Guard{Accept: true}})
				if err != nil {
					t.Fatalf("night %d: %v", night, err)
				}
				to, err := receiver.LastChange(context.Background(), c, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range receivers {
					delta := readExport(t, c, r, watermark[r.Name], to, false)
					cp := copyOf{}
					for k, v := range confirmed[r.Name] {
						cp[k] = v
					}
					copies[r.Name] = cp
					cp.apply(t, delta)
					once := fmt.Sprint(cp)
					cp.apply(t, delta)
					if fmt.Sprint(cp) != once {
						t.Fatalf("night %d %s: applying the delta twice changed the copy", night, r.Name)
					}
					want := copyOf{}
					want.apply(t, readExport(t, c, r, 0, to, true))
					if got, w := keys(cp), keys(want); got != w || fmt.Sprint(cp) != fmt.Sprint(want) {
						for k, v := range want {
							if cp[k] != v {
								t.Errorf("key %s: copy %q, full %q (watermark %d, to %d)", k, cp[k], v, watermark[r.Name], to)
							}
						}
						t.Fatalf("night %d %s: copy from deltas differs from the full export\n got %d keys\nwant %d keys", night, r.Name, len(cp), len(want))
					}
					overlapping := applied[r.Name]
					overlapping.apply(t, delta)
					if fmt.Sprint(overlapping) != fmt.Sprint(want) {
						for k, v := range want {
							if overlapping[k] != v {
								t.Errorf("key %s: copy %q, full %q (watermark %d, to %d)", k, overlapping[k], v, watermark[r.Name], to)
							}
						}
						for k, v := range overlapping {
							if _, ok := want[k]; !ok {
								t.Errorf("key %s: copy %q, not in the full export (watermark %d, to %d)", k, v, watermark[r.Name], to)
							}
						}
						t.Fatalf("night %d %s: a copy that applied every export, confirmed or not, differs from the full export", night, r.Name)
					}
					if rng.IntN(2) == 0 {
						watermark[r.Name] = to // the receiver confirms what it applied
						confirmed[r.Name] = cp
					}
				}
			}
		})
	}
}

func keys(c copyOf) string {
	var k []string
	for key := range c {
		k = append(k, key)
	}
	sort.Strings(k)
	return strings.Join(k, ";")
}
