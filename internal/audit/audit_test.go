package audit_test

import (
	"context"
	"errors"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/dvpsau/vpsau/internal/audit"
	"github.com/dvpsau/vpsau/internal/store"
	sqlfiles "github.com/dvpsau/vpsau/sql"
)

func TestAudits(t *testing.T) {
	tests := []struct {
		name   string
		tamper string
		audit  string // the audit that must fail; "" = all pass
	}{
		{"empty database passes", "", ""},
		{"two current versions of a key", `
			INSERT INTO src.visit VALUES ('V1', 'V1', '3000000001', '5550001', DATE '2026-01-01', now(), NULL, 1, NULL, 'portal', 'visits.csv:2');
			INSERT INTO src.visit VALUES ('V1', 'V1', '3000000001', '5550001', DATE '2026-01-02', now(), NULL, 1, NULL, 'portal', 'visits.csv:3')`,
			"010_unique_current_keys"},
		{"two current versions of a status", `
			INSERT INTO model.status_h (rkey, produsentnr, omfattet, apne_avvik, telte_besok, status, sys_von, von_run)
			VALUES ('3000000001', '3000000001', true, 0, 0, 'INNRULLERT', now(), 1), ('3000000001', '3000000001', true, 0, 1, 'GODKJENT', now(), 2)`,
			"010_unique_current_keys"},
		{"two versions of a key, one ended", `
			INSERT INTO src.visit VALUES ('V1', 'V1', '3000000001', '5550001', DATE '2026-01-01', now(), now(), 1, 2, 'portal', 'visits.csv:2');
			INSERT INTO src.visit VALUES ('V1', 'V1', '3000000001', '5550001', DATE '2026-01-02', now(), NULL, 2, NULL, 'portal', 'visits.csv:3')`,
			""},
		{"a gap in the change numbers", `
			INSERT INTO ops.change_log VALUES (1, 'dhp', '3000000001', 'NY', now(), 1), (3, 'dhp', '3000000002', 'NY', now(), 1)`,
			"020_change_numbers"},
		{"a receiver version pointing at another key's change", `
			CREATE OR REPLACE TABLE model.status AS SELECT '3000000001' AS produsentnr, true AS omfattet;
			INSERT INTO ops.change_log VALUES (1, 'dhp', '3000000002', 'NY', now(), 1);
			INSERT INTO rcv.dhp (rkey, produsentnr, status, dvp_trekk, chg_von, sys_von, von_run)
			VALUES ('3000000001', '3000000001', 'INNRULLERT', 'nei', 1, now(), 1)`,
			"020_change_numbers"},
		{"a receiver version pointing at another receiver's change", `
			CREATE OR REPLACE TABLE model.status AS SELECT '3000000001' AS produsentnr, true AS omfattet;
			INSERT INTO ops.change_log VALUES (1, 'ksl', '3000000001', 'NY', now(), 1);
			INSERT INTO rcv.dhp (rkey, produsentnr, status, dvp_trekk, chg_von, sys_von, von_run)
			VALUES ('3000000001', '3000000001', 'INNRULLERT', 'nei', 1, now(), 1)`,
			"020_change_numbers"},
		{"a receiver version pointing at no change", `
			CREATE OR REPLACE TABLE model.status AS SELECT unnest(['3000000001', '3000000002']) AS produsentnr, true AS omfattet;
			INSERT INTO ops.change_log VALUES (1, 'dhp', '3000000002', 'NY', now(), 1);
			INSERT INTO rcv.dhp (rkey, produsentnr, status, dvp_trekk, chg_von, sys_von, von_run)
			VALUES ('3000000002', '3000000002', 'INNRULLERT', 'nei', 1, now(), 1);
			INSERT INTO rcv.dhp (rkey, produsentnr, status, dvp_trekk, chg_von, sys_von, von_run)
			VALUES ('3000000001', '3000000001', 'INNRULLERT', 'nei', 2, now(), 1)`,
			"020_change_numbers"},
		{"a key figure for a reserved producer", `
			CREATE OR REPLACE TABLE model.active_agreement AS SELECT '3000000001' AS produsentnr, '5550001' AS vet_id;
			CREATE OR REPLACE TABLE model.reservation_state AS SELECT '3000000001' AS produsentnr, true AS reservert, now() AS registrert;
			CREATE OR REPLACE TABLE model.status AS SELECT '3000000001' AS produsentnr, true AS omfattet;
			INSERT INTO ops.change_log VALUES (1, 'nokkeltall', '3000000001|5550001|2025', 'NY', now(), 1);
			INSERT INTO rcv.nokkeltall (rkey, produsentnr, vet_id, sesong, antall_lam, andel_lam_fett1, andel_sau_fett1, chg_von, sys_von, von_run)
			VALUES ('3000000001|5550001|2025', '3000000001', '5550001', 2025, 10, 0.1, 0.1, 1, now(), 1)`,
			"030_referential"},
		{"trekk_fra without dvp_trekk", `
			CREATE OR REPLACE TABLE model.status AS SELECT '3000000001' AS produsentnr, true AS omfattet;
			CREATE OR REPLACE TABLE model.active_agreement AS SELECT '' AS produsentnr, '' AS vet_id;
			CREATE OR REPLACE TABLE model.reservation_state AS SELECT '' AS produsentnr, false AS reservert;
			INSERT INTO ops.change_log VALUES (1, 'dhp', '3000000001', 'NY', now(), 1);
			INSERT INTO rcv.dhp (rkey, produsentnr, status, dvp_trekk, trekk_fra, chg_von, sys_von, von_run)
			VALUES ('3000000001', '3000000001', 'INNRULLERT', 'nei', DATE '2026-01-01', 1, now(), 1)`,
			"040_receiver_values"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, err := store.Open(ctx, ":memory:", store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c, _ := db.Conn(ctx)
			defer c.Close()
			// the referential audit reads the rules' tables; an empty run has made them
			if err := c.Exec(ctx, `CREATE TABLE IF NOT EXISTS model.status AS SELECT ''::VARCHAR AS produsentnr, false AS omfattet LIMIT 0;
				CREATE TABLE IF NOT EXISTS model.active_agreement AS SELECT ''::VARCHAR AS produsentnr, ''::VARCHAR AS vet_id LIMIT 0;
				CREATE TABLE IF NOT EXISTS model.reservation_state AS SELECT ''::VARCHAR AS produsentnr, false AS reservert LIMIT 0`); err != nil {
				t.Fatal(err)
			}
			if tt.tamper != "" {
				if err := c.Exec(ctx, tt.tamper); err != nil {
					t.Fatal(err)
				}
			}
			results, err := audit.Run(ctx, c)
			if tt.audit == "" {
				if err != nil {
					t.Fatalf("Run = %v, want no violation", err)
				}
				return
			}
			if !errors.Is(err, audit.ErrFailed) || !strings.Contains(err.Error(), tt.audit) {
				t.Fatalf("Run = %v, want ErrFailed naming %s", err, tt.audit)
			}
			for _, r := range results {
				if (r.Violations > 0) != (r.Name == tt.audit) {
					t.Errorf("audit %s: %d violations", r.Name, r.Violations)
				}
			}
		})
	}
}

// TestEveryHistoryTableAudited keeps the audit of current keys in step with the schema:
// every table with versions (a sys_bis or chg_bis column) is checked by it.
func TestEveryHistoryTableAudited(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Each versioned table, and the column whose value ends a version: chg_bis where
	// there is one (the receivers' tables), else sys_bis — the first of the two by name.
	tables := query(t, db, `SELECT table_schema || '.' || table_name, min(column_name) FROM information_schema.columns
		WHERE column_name IN ('sys_bis', 'chg_bis') AND table_catalog = current_database() GROUP BY 1 ORDER BY 1`)
	body, err := fs.ReadFile(sqlfiles.FS, "audits/010_unique_current_keys.sql")
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]bool{}
	for _, m := range regexp.MustCompile(`SELECT '([a-z_.]+)'(?: AS tbl)?, rkey FROM ([a-z_.]+) WHERE`).FindAllStringSubmatch(string(body), -1) {
		if m[1] != m[2] {
			t.Errorf("the audit names %s what it reads from %s", m[1], m[2])
		}
		audited[m[2]] = true
	}
	if len(tables) < 18 { // as many as the schema had when this test was written
		t.Fatalf("only %d tables with versions in the schema: %v", len(tables), tables)
	}
	for _, tb := range tables {
		if !audited[tb[0]] {
			t.Errorf("%s has versions but no audit of its current keys", tb[0])
		}
	}

	// And the audit finds them: two current versions of a key in every such table (a key
	// of its own in each) are reported once each, by the table's own name; two versions of
	// another key ended by the column that ends them are not.
	var want []string
	for _, tb := range tables {
		name, ended := tb[0], tb[1]
		insertTwo(t, db, name, "K-"+name, "")
		insertTwo(t, db, name, "E-"+name, ended)
		want = append(want, name+" K-"+name)
	}
	var got []string
	for _, r := range query(t, db, string(body)) {
		got = append(got, r[0]+" "+r[1])
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("the audit of current keys found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// insertTwo inserts two versions of key into table name: every NOT NULL column gets a
// value of its type, and so does the column ended (if not empty); every other column
// stays NULL.
func insertTwo(t *testing.T, db *store.DB, name, key, ended string) {
	t.Helper()
	schema, table, _ := strings.Cut(name, ".")
	literal := map[string]string{"VARCHAR": "'x'", "BIGINT": "1", "INTEGER": "1", "DOUBLE": "0", "BOOLEAN": "false",
		"DATE": "DATE '2026-01-01'", "TIMESTAMP WITH TIME ZONE": "TIMESTAMPTZ '2026-01-01 00:00:00+00'", "JSON": "'{}'"}
	var cols, vals []string
	for _, c := range query(t, db, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = ? AND table_name = ? AND (is_nullable = 'NO' OR column_name = ?) AND table_catalog = current_database()
		ORDER BY ordinal_position`, schema, table, ended) {
		col, v := c[0], literal[c[1]]
		if v == "" {
			t.Fatalf("%s: no test value for %s %s", name, col, c[1])
		}
		if col == "rkey" {
			v = "'" + key + "'"
		}
		cols, vals = append(cols, col), append(vals, v)
	}
	row := "(" + strings.Join(vals, ", ") + ")"
	if _, err := db.SQL().Exec("INSERT INTO " + name + " (" + strings.Join(cols, ", ") + ") VALUES " + row + ", " + row); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// query returns the rows of a query of two text columns.
func query(t *testing.T, db *store.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := db.SQL().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var a, b string
		if err := rows.Scan(&a, &b); err != nil {
			t.Fatal(err)
		}
		out = append(out, []string{a, b})
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
