package main

import (
	"bufio"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/internal/tabular"
)

const badInput = "../../testdata/badinput"

// TestBadInput runs every case of testdata/badinput (see its README) through vpsau run:
// the worked example's inbox with the case's files in place of its own. A case ends either
// in rejects — the rejects file equals the case's rejects.csv — or in the refusal of a
// file as a whole — one line equal to its error.txt, exit 1, nothing published. Never in a
// crash, and never in silent loss: every record of every file of the case is loaded or
// rejected, by its line. No receiver's file holds a field that a spreadsheet would read as
// a formula.
func TestBadInput(t *testing.T) {
	entries, err := os.ReadDir(badInput)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		if !de.IsDir() {
			continue
		}
		name := de.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(badInput, name)
			inbox := filepath.Join(t.TempDir(), "inbox")
			copyDir(t, "../../testdata/one-night/inbox", inbox)
			copyDir(t, filepath.Join(dir, "inbox"), inbox)
			c := runBadInput(t, inbox)
			c.check(t, dir)
			c.noSilentLoss(t, filepath.Join(dir, "inbox"))
			switch name {
			case "formula-text":
				c.query(t, `SELECT navn FROM cur.producer WHERE produsentnr = '3000000001'`, `=HYPERLINK("http://evil.example/","Klikk")`)
			case "unknown-references":
				c.query(t, `SELECT string_agg(DISTINCT check_code, ' ' ORDER BY check_code) FROM ops.finding
					WHERE check_code IN ('VISIT_UNKNOWN_PRODUCER', 'COURSE_UNKNOWN_VET')`, "COURSE_UNKNOWN_VET VISIT_UNKNOWN_PRODUCER")
			case "nul-and-newlines":
				// RFC 4180 lets a quoted field hold line breaks: a name over two lines, or
				// with a CR in it, is still the producer's name.
				c.query(t, `SELECT string_agg(produsentnr || '=' || replace(replace(navn, chr(10), '\n'), chr(13), '\r'), ' ' ORDER BY produsentnr)
					FROM cur.producer WHERE produsentnr IN ('3000000005', '3000000006')`, `3000000005=To\nlinjer 3000000006=Se\rks`)
			case "dialects":
				c.query(t, `SELECT string_agg(kommunenr || ' ' || coalesce(telefon, '-'), ', ' ORDER BY produsentnr) FROM cur.producer`,
					"3401 +4791234567, 0301 -, 3401 -")
			}
		})
	}

	// A field of 100 MB: made here, not kept in the repository.
	t.Run("field-100mb", func(t *testing.T) {
		inbox := filepath.Join(t.TempDir(), "inbox")
		copyDir(t, "../../testdata/one-night/inbox", inbox)
		f, err := os.OpenFile(filepath.Join(inbox, "producers.csv"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		w := bufio.NewWriter(f)
		w.WriteString("3000000004,903003642,Fire ")
		chunk := strings.Repeat("sau og lam ", 1000)
		for n := 0; n < 100<<20; n += len(chunk) {
			w.WriteString(chunk)
		}
		w.WriteString(",,,3401,3000004\n3000000005,903003642,Fem,,,3401,3000005\n")
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		c := runBadInput(t, inbox)
		took := time.Since(t0)
		runtime.ReadMemStats(&after)
		if c.code != 0 {
			t.Fatalf("exit %d: %s", c.code, c.stderr)
		}
		want := "file,line,field,value,reason\nproducers.csv,5,navn,Fire " + strings.Repeat("sau og lam ", 18)[:195] + "…,longer than 200 characters\n"
		if c.rejects != want {
			t.Errorf("rejects:\n%.500s\nwant:\n%s", c.rejects, want)
		}
		c.query(t, `SELECT string_agg(produsentnr, ' ' ORDER BY produsentnr) FROM cur.producer`, "3000000001 3000000002 3000000003 3000000005")
		t.Logf("a 100 MB field: rejected in a run of %s; %d MB allocated", took.Round(time.Millisecond), (after.TotalAlloc-before.TotalAlloc)>>20)
	})
}

// badRun is what vpsau run did with a case.
type badRun struct {
	db, out       string
	code          int
	stderr        string
	rejects       string // the rejects file, "" when none was written
	rejectsExists bool
}

func runBadInput(t *testing.T, inbox string) badRun {
	t.Helper()
	dir := filepath.Dir(inbox)
	r := badRun{db: filepath.Join(dir, "v.duckdb"), out: filepath.Join(dir, "out")}
	r.code, _, r.stderr = vpsau(t, time.Date(2027, 1, 4, 3, 30, 0, 0, time.UTC), "run", "--inbox", inbox, "--as-of", "2027-01-04",
		"--db", r.db, "--out", r.out, "--quiet")
	if b, err := os.ReadFile(filepath.Join(r.out, "rejects", "run-000001.csv")); err == nil {
		r.rejects, r.rejectsExists = string(b), true
	}
	return r
}

// check compares the outcome with the case's error.txt or rejects.csv (-update writes
// them), and checks what goes with each outcome.
func (r badRun) check(t *testing.T, dir string) {
	t.Helper()
	errFile, rejFile := filepath.Join(dir, "error.txt"), filepath.Join(dir, "rejects.csv")
	if *update {
		os.Remove(errFile)
		os.Remove(rejFile)
		if r.code != 0 {
			golden(t, errFile, []byte(r.stderr))
		} else {
			golden(t, rejFile, []byte(r.rejects))
		}
	}
	if _, err := os.Stat(errFile); err == nil {
		golden(t, errFile, []byte(r.stderr))
		if r.code != 1 || strings.Count(r.stderr, "\n") != 1 || !strings.HasSuffix(r.stderr, "; nothing was published\n") {
			t.Errorf("exit %d, %q; want 1 and one line ending in: nothing was published", r.code, r.stderr)
		}
		for _, name := range receiver.Names() {
			if ids, _ := exports.List(r.out, name); len(ids) > 0 {
				t.Errorf("%s: %d exports published", name, len(ids))
			}
		}
		if r.rejectsExists {
			t.Errorf("a rejects file was published")
		}
		return
	}
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	golden(t, rejFile, []byte(r.rejects))
	noFormulas(t, r.out)
}

// noSilentLoss checks that every record of every file of the case is either loaded (its
// line is a current row's src_ref) or rejected (its line is in the rejects file).
func (r badRun) noSilentLoss(t *testing.T, caseInbox string) {
	t.Helper()
	if r.code != 0 {
		return // refused as a whole: nothing of the night was loaded
	}
	rejected := map[string]bool{}
	recs, err := csv.NewReader(strings.NewReader(r.rejects)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		rejected[rec[0]+":"+rec[1]] = true
	}
	d, err := store.Open(t.Context(), r.db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	filepath.WalkDir(caseInbox, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(caseInbox, p)
		rel = filepath.ToSlash(rel)
		e := entityOf(rel)
		if e == nil {
			t.Errorf("%s: no entity reads it", rel)
			return nil
		}
		loaded := map[string]bool{}
		rows, err := d.SQL().Query(`SELECT src_ref FROM `+e.Table+` WHERE sys_bis IS NULL AND starts_with(src_ref, ?)`, rel+":")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var ref string
			rows.Scan(&ref)
			loaded[ref] = true
		}
		rows.Close()
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		tr, err := tabular.NewReader(f)
		if err != nil {
			return nil // a file refused as a whole makes the run fail (checked above)
		}
		for tr.Next() {
			ref := rel + ":" + strconv.Itoa(tr.Record().Line)
			switch {
			case loaded[ref] && rejected[ref]:
				t.Errorf("%s: loaded and rejected", ref)
			case !loaded[ref] && !rejected[ref]:
				t.Errorf("%s: neither loaded nor rejected (lost)", ref)
			}
		}
		return nil
	})
}

// entityOf returns the entity that reads an inbox file.
func entityOf(rel string) *contract.Entity {
	for _, e := range nightly.Entities() {
		if rel == e.File || strings.HasPrefix(rel, e.File+"/") {
			return e
		}
	}
	return nil
}

func (r badRun) query(t *testing.T, q, want string) {
	t.Helper()
	d, err := store.Open(t.Context(), r.db, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var got string
	if err := d.SQL().QueryRow(q).Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("%s = %q, want %q", q, got, want)
	}
}

// formulaLike matches a field a spreadsheet would read as a formula: one that starts with
// =, @, a tab or CR, or with + or - not followed by a plain number.
var formulaLike = regexp.MustCompile(`^(=|@|\t|\r|[+-]([^0-9]|[0-9]*[^0-9.,]))`)

// noFormulas checks every CSV file of every published export for formula-like fields.
func noFormulas(t *testing.T, out string) {
	t.Helper()
	for _, name := range receiver.Names() {
		files, _ := filepath.Glob(filepath.Join(out, name, "*", "*.csv"))
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff")))
			cr.Comma = ','
			if strings.HasPrefix(string(b), "\ufeff") {
				cr.Comma = ';'
			}
			recs, err := cr.ReadAll()
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			for _, rec := range recs {
				if i := slices.IndexFunc(rec, formulaLike.MatchString); i >= 0 {
					t.Errorf("%s: field %q reads as a formula", p, rec[i])
				}
			}
		}
	}
}
