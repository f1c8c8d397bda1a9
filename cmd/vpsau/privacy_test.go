package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/api"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/internal/token"
)

// figures are one producer's key figures, the same every season, and the texts they show
// as in files, views and answers (the value, and the five-season means as rounded).
type figures struct {
	produsentnr                string
	lambs                      int
	fatLambs, fatSheep, weight string
	tokens                     []string
}

var (
	// reservedFirst reserved itself before night 1: none of its figures may ever leave.
	reservedFirst = figures{"3000000002", 56789, "0.567891", "0.678912", "35.6789", []string{"56789", "0.567891", "0.678912", "35.6789", "0.5679", "0.6789", "35.68"}}
	// reservedLater reserved itself on 15 January, between night 1 and night 2: its
	// figures went out on night 1 (the control that the scan finds them), and from
	// night 2 nothing new carries them.
	reservedLater = figures{"3000000001", 98765, "0.987654", "0.876543", "39.8765", []string{"98765", "0.987654", "0.876543", "39.8765", "0.9877", "0.8765", "39.88"}}
)

func (f figures) rows() string {
	var b strings.Builder
	for s := 2020; s <= 2026; s++ {
		fmt.Fprintf(&b, "%s,%d,%d,%s,%s,%s\n", f.produsentnr, s, f.lambs, f.fatLambs, f.fatSheep, f.weight)
	}
	return b.String()
}

func (f figures) pattern() *regexp.Regexp {
	var alts []string
	for _, tok := range f.tokens {
		alts = append(alts, regexp.QuoteMeta(tok))
	}
	return regexp.MustCompile(`\b(` + strings.Join(alts, "|") + `)\b`)
}

// Contact data of the privacy scenario: names must reach no receiver, phones and e-mail
// addresses only varsler's adresse.
var (
	personNames = []string{"Personvern Én", "Personvern To", "Personvern Tre", "Personvern Fire", "Dyrlege Hemmelig"}
	contacts    = []string{"41234501", "41234502", "41234504", "en@personvern.example", "to@personvern.example", "fire@personvern.example", "47654321", "vet@personvern.example"}
)

// privacyInboxes writes the two nights of testdata/nights with the figures and contact
// data above.
func privacyInboxes(t *testing.T, dir string) (night1, night2 string) {
	t.Helper()
	night1, night2 = filepath.Join(dir, "inbox1"), filepath.Join(dir, "inbox2")
	copyDir(t, "../../testdata/one-night/inbox", night1)
	copyDir(t, "../../testdata/nights/night2/inbox", night2)
	head := "produsentnr,sesong,antall_lam,andel_lam_fett1,andel_sau_fett1,snittvekt_lam_kg\n"
	vets := "vet_id,navn,telefon,epost\n5550001,Dyrlege Hemmelig,47654321,vet@personvern.example\n"
	agreements := "produsentnr,vet_id,gyldig_fra,gyldig_til\n3000000001,5550001,2025-06-01,\n3000000002,5550001,2025-06-01,\n"
	write := func(inbox, name, body string) {
		if err := os.WriteFile(filepath.Join(inbox, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, inbox := range []string{night1, night2} {
		write(inbox, "slaughter.csv", head+reservedLater.rows()+reservedFirst.rows())
		write(inbox, "vets.csv", vets)
		write(inbox, "agreements.csv", agreements)
	}
	write(night1, "producers.csv", "produsentnr,orgnr,navn,telefon,epost,kommunenr,dyrehold_id\n"+
		"3000000001,903000910,Personvern Én,41234501,en@personvern.example,3401,3000001\n"+
		"3000000002,903001828,Personvern To,41234502,to@personvern.example,3401,3000002\n"+
		"3000000003,903002735,Personvern Tre,,,3401,3000003\n")
	write(night1, "reservations.csv", "produsentnr,reservert,registrert\n3000000002,ja,2026-06-01T10:00:00+02:00\n")
	write(night2, "producers.csv", "produsentnr,orgnr,navn,telefon,epost,kommunenr,dyrehold_id\n"+
		"3000000001,903000910,Personvern Én,41234501,en@personvern.example,3401,3000001\n"+
		"3000000002,903001828,Personvern To,41234502,to@personvern.example,3401,3000002\n"+
		"3000000004,903003642,Personvern Fire,41234504,fire@personvern.example,4601,3000004\n")
	write(night2, "reservations.csv", "produsentnr,reservert,registrert\n3000000002,ja,2026-06-01T10:00:00+02:00\n3000000001,ja,2027-01-15T10:00:00+01:00\n")
	return night1, night2
}

// TestPrivacy runs two nights in which one producer is reserved from the start and another
// reserves itself between them, and looks for their key figures everywhere something
// leaves the system or an analyst reads: every file under --out (exports, CSV and XLSX,
// manifests, rejects, the run report), the Parquet files and the analyst copy, every view
// of the analytics schema, every answer of the download API, every log line. The first
// producer's figures are nowhere; the second's are in night 1's nokkeltall export only
// (which shows that the scan finds them). It also checks that every receiver's file has
// exactly its contract's columns, that no name reaches a receiver, and that phones and
// e-mail addresses reach only varsler's adresse.
func TestPrivacy(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	dbPath, out, analystCopy := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out"), filepath.Join(dir, "v-analyst.duckdb")
	inbox1, inbox2 := privacyInboxes(t, dir)
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	night := func(inbox string, asOf time.Time) {
		t.Helper()
		d, err := store.Open(ctx, dbPath, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		sum, err := nightly.Run(ctx, d, nightly.Options{AsOf: asOf, Inbox: inbox, Out: out, RawRoot: dbPath + ".raw",
			Rules: rules.Defaults(), Guard: nightly.DefaultGuard, Analyst: nightly.AnalystCopy{Path: analystCopy}, Log: log})
		if err != nil {
			t.Fatalf("night of %s: %v", asOf.Format(time.DateOnly), err)
		}
		if len(sum.Warnings) > 0 {
			t.Logf("warnings: %v", sum.Warnings)
		}
	}
	first, later := reservedFirst.pattern(), reservedLater.pattern()

	night(inbox1, time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC))
	night1Files := map[string]bool{}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			night1Files[p] = true
		}
		return err
	})
	var sawLater bool
	for p := range night1Files {
		text := fileText(t, p)
		noMatch(t, first, p, text)
		if strings.Contains(p, "nokkeltall") && later.MatchString(text) {
			sawLater = true
		}
	}
	if !sawLater {
		t.Fatalf("night 1's nokkeltall export does not show %s's figures: the scan would find nothing", reservedLater.produsentnr)
	}

	night(inbox2, time.Date(2027, 2, 4, 0, 0, 0, 0, time.UTC))
	// Files: everything night 2 wrote, and night 1's files for the producer reserved from
	// the start.
	var nFiles, nViews int
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(p, filepath.Join(dir, "inbox")) || strings.HasPrefix(p, dbPath) {
			return err // the inboxes, the database and its raw payloads are the sources' own data
		}
		if p == analystCopy {
			return nil // scanned by its views below
		}
		text := fileText(t, p)
		noMatch(t, first, p, text)
		if !night1Files[p] {
			noMatch(t, later, p, text)
		}
		nFiles++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Views: every view and table of the analytics schema, in the database and the copy.
	for _, path := range []string{dbPath, analystCopy} {
		d, err := store.Open(ctx, path, store.Options{ReadOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, rel := range relations(t, d.SQL(), "analytics") {
			text := queryText(t, d.SQL(), "SELECT * FROM "+rel)
			noMatch(t, first, filepath.Base(path)+" "+rel, text)
			noMatch(t, later, filepath.Base(path)+" "+rel, text)
			nViews++
		}
		d.Close()
	}
	// The download API: every answer about every receiver's feed.
	var apiLogs bytes.Buffer
	answers := apiAnswers(t, dbPath, out, slog.New(slog.NewJSONHandler(&apiLogs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	// Night 1's files, published before the second producer reserved itself, stay on disk
	// as published, but the API no longer serves them (410).
	var gone int
	for _, a := range answers {
		noMatch(t, first, a.what, a.text)
		noMatch(t, later, a.what, a.text)
		if a.night1 && strings.Contains(a.what, "nokkeltall") && strings.Contains(a.text, "reserved itself since") {
			gone++
		}
	}
	if gone == 0 {
		t.Errorf("no answer refused night 1's nokkeltall file")
	}
	// Logs of both nights and of the API.
	noMatch(t, first, "the log", logs.String()+apiLogs.String())
	noMatch(t, later, "the log", logs.String()+apiLogs.String())

	contractColumns(t, out)
	t.Logf("scanned %d files, %d views and tables (database and analyst copy), %d API answers, %d bytes of log",
		nFiles, nViews, len(answers), logs.Len()+apiLogs.Len())
}

// noMatch reports each of pattern's matches in text.
func noMatch(t *testing.T, pattern *regexp.Regexp, where, text string) {
	t.Helper()
	if m := pattern.FindAllString(text, 5); len(m) > 0 {
		i := pattern.FindStringIndex(text)
		from, to := max(i[0]-120, 0), min(i[1]+60, len(text))
		t.Errorf("%s shows a reserved producer's key figures %v: …%s…", where, m, text[from:to])
	}
}

// fileText returns what a file says: the text of a text file, the XML of each part of an
// XLSX file, the values of a Parquet file.
func fileText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch filepath.Ext(path) {
	case ".xlsx":
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var sb strings.Builder
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(&sb, rc)
			rc.Close()
		}
		return sb.String()
	case ".parquet":
		d, err := store.Open(context.Background(), ":memory:", store.Options{Bare: true})
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		return queryText(t, d.SQL(), fmt.Sprintf("SELECT * FROM read_parquet('%s')", strings.ReplaceAll(path, "'", "''")))
	}
	return string(b)
}

// relations lists the views and tables of a schema.
func relations(t *testing.T, db *sql.DB, schema string) []string {
	t.Helper()
	rows, err := db.Query(`SELECT view_name FROM duckdb_views() WHERE schema_name = ? AND NOT internal
		UNION ALL SELECT table_name FROM duckdb_tables() WHERE schema_name = ? ORDER BY 1`, schema, schema)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, schema+"."+n)
	}
	if len(out) == 0 {
		t.Fatalf("schema %s has no views or tables", schema)
	}
	return out
}

// queryText returns every value of a query's rows as text, one row a line.
func queryText(t *testing.T, db *sql.DB, q string) string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var sb strings.Builder
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			fmt.Fprintf(&sb, "%v\t", v)
		}
		sb.WriteByte('\n')
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return sb.String()
}

type answer struct {
	what, text string
	night1     bool // an answer about night 1's published export
}

// apiAnswers asks the download API everything a receiver can ask about its feed, with its
// own token: the list, every export's manifest and files, and the delta since 0 and since
// night 1, as CSV and XLSX.
func apiAnswers(t *testing.T, dbPath, out string, log *slog.Logger) []answer {
	t.Helper()
	ctx := context.Background()
	db := &store.Shared{Path: dbPath, Idle: 50 * time.Millisecond, Wait: 5 * time.Second}
	defer db.Close()
	tokens := map[string]string{}
	err := db.Use(ctx, func(d *store.DB) error {
		c, err := d.Conn(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		for _, r := range receiver.Names() {
			if tokens[r], _, err = token.Create(ctx, c, r, r+"-privacy", time.Time{}, time.Now()); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Config{Out: out, DB: db, Now: time.Now, TempDir: t.TempDir(), RatePerMinute: 60000, Burst: 10000, Log: log})
	if err := srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	get := func(r, path string) (int, string) {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+tokens[r])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		text := string(b)
		if strings.Contains(resp.Header.Get("Content-Type"), "spreadsheetml") {
			p := filepath.Join(t.TempDir(), "a.xlsx")
			os.WriteFile(p, b, 0o644)
			text = fileText(t, p)
		}
		return resp.StatusCode, text
	}
	var answers []answer
	for _, r := range receiver.Names() {
		ids, err := exports.List(out, r)
		if err != nil || len(ids) != 2 {
			t.Fatalf("%s: exports %v, %v; want two", r, ids, err)
		}
		paths := []string{"/v1/receivers/" + r + "/exports"}
		for _, id := range ids {
			m, err := exports.ReadManifest(filepath.Join(out, r, id))
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, "/v1/receivers/"+r+"/exports/"+id, "/v1/receivers/"+r+"/exports/"+id+"/"+exports.ManifestName)
			for _, f := range m.Files {
				paths = append(paths, "/v1/receivers/"+r+"/exports/"+id+"/"+f.Name)
			}
		}
		m1, _ := exports.ReadManifest(filepath.Join(out, r, ids[0]))
		for _, since := range []int64{0, m1.Changes.To} {
			for _, format := range []string{"csv", "xlsx"} {
				paths = append(paths, fmt.Sprintf("/v1/receivers/%s/delta?since=%d&format=%s", r, since, format))
			}
		}
		for _, p := range paths {
			code, text := get(r, p)
			// Night 1's nokkeltall file holds the figures of a producer reserved since: gone.
			want := 200
			if r == "nokkeltall" && strings.Contains(p, "/exports/"+ids[0]+"/nokkeltall.") {
				want = http.StatusGone
			}
			if code != want {
				t.Errorf("GET %s = %d %s, want %d", p, code, text, want)
			}
			answers = append(answers, answer{what: "GET " + p, text: text, night1: strings.Contains(p, "/exports/"+ids[0])})
		}
	}
	return answers
}

// contractColumns checks every published file against the receivers' contracts in
// PRODUCT.md: its columns are exactly endringsnr, operasjon, endret_tid and the
// contract's (nokkeltall: then comparison columns of each figure); no person's name is in
// any file, and phone numbers and e-mail addresses only in varsler's adresse.
func contractColumns(t *testing.T, out string) {
	t.Helper()
	contract := map[string][]string{
		"dhp":           {"produsentnr", "orgnr", "status", "besoksfrist", "kursfrist", "lukkefrist", "dvp_trekk", "trekk_fra"},
		"ksl":           {"produsentnr", "orgnr", "innrullert_dato", "besoksfrist_overskredet", "lukkefrist_overskredet", "ksl_avvik"},
		"saukontrollen": {"produsentnr", "status", "neste_frist", "apne_avvik"},
		"nokkeltall":    {"produsentnr", "vet_id", "sesong", "antall_lam", "andel_lam_fett1", "andel_sau_fett1", "snittvekt_lam_kg"},
		"varsler":       {"produsentnr", "kanal", "adresse", "meldingstype", "frist"},
	}
	comparison := regexp.MustCompile(`^(antall_lam|andel_lam_fett1|andel_sau_fett1|snittvekt_lam_kg)_(snitt5|trend|median_fylke|median_land)$`)
	sawAddress := false
	for r, cols := range contract {
		files, _ := filepath.Glob(filepath.Join(out, r, "*", "*"))
		for _, p := range files {
			if filepath.Base(p) == exports.ManifestName {
				continue
			}
			var recs [][]string
			if filepath.Ext(p) == ".xlsx" {
				recs = xlsxRows(t, p)
			} else {
				b, _ := os.ReadFile(p)
				cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\ufeff"))))
				if bytes.HasPrefix(b, []byte("\ufeff")) {
					cr.Comma = ';'
				}
				var err error
				if recs, err = cr.ReadAll(); err != nil {
					t.Fatalf("%s: %v", p, err)
				}
			}
			head := recs[0]
			want := append([]string{"endringsnr", "operasjon", "endret_tid"}, cols...)
			if len(head) < len(want) || !slices.Equal(head[:len(want)], want) {
				t.Errorf("%s: columns %v, want %v first", p, head, want)
			}
			for _, extra := range head[min(len(want), len(head)):] {
				if r != "nokkeltall" || !comparison.MatchString(extra) {
					t.Errorf("%s: column %q is not in the contract", p, extra)
				}
			}
			for _, rec := range recs[1:] {
				for i, v := range rec {
					for _, name := range personNames {
						if strings.Contains(v, name) {
							t.Errorf("%s: a name in column %s: %q", p, head[i], v)
						}
					}
					for _, c := range contacts {
						if strings.Contains(v, c) {
							if r == "varsler" && head[i] == "adresse" {
								sawAddress = true
							} else {
								t.Errorf("%s: contact data in column %s: %q", p, head[i], v)
							}
						}
					}
				}
			}
		}
	}
	if !sawAddress {
		t.Errorf("no varsler adresse of the scenario's producers: the check of contact data saw nothing")
	}
}

// xlsxRows reads the rows of an XLSX file's sheets (as text).
func xlsxRows(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	var out [][]string
	for i, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		if i > 0 && len(rows) > 0 {
			rows = rows[1:] // each sheet repeats the header
		}
		out = append(out, rows...)
	}
	return out
}
