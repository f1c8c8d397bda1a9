package analytics_test

import (
	"io/fs"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/pipelines/didac"
	"github.com/dvpsau/vpsau/pipelines/portal"
	sqlfiles "github.com/dvpsau/vpsau/sql"
)

func codes(t *testing.T, list string) []string {
	t.Helper()
	rows, err := rowsOf(nights(t).db.SQL(), `SELECT code FROM analytics.code WHERE list = ? ORDER BY position`, list)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r[0])
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return slices.Compact(s)
}

func model(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(sqlfiles.FS, "models/"+name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCodeListsMatchTheCode keeps the code lists in step with where the codes are made:
// the rules' SQL, the contracts of the sources and the receivers.
func TestCodeListsMatchTheCode(t *testing.T) {
	var statuses []string
	for _, m := range regexp.MustCompile(`(?:THEN|ELSE)\s+'([A-Z_]+)'`).FindAllStringSubmatch(model(t, "060_status.sql"), -1) {
		statuses = append(statuses, m[1])
	}
	var entities, systems []string
	var entityRows [][]string
	for i, e := range nightly.Entities() {
		entities = append(entities, e.Name)
		if !slices.Contains(systems, e.System) {
			systems = append(systems, e.System)
		}
		entityRows = append(entityRows, []string{e.System, e.Name, e.File, e.Table, strconv.Itoa(i + 1)})
	}
	tests := []struct {
		list string
		want []string
		sort bool
	}{
		{"status", statuses, true},
		{"fristtype", []string{portal.DeadlineVisit, portal.DeadlineCourse, portal.DeadlineDeviation}, false},
		{"kurskode", []string{didac.ProducerCourse, didac.VetCourse}, false},
		{"person_type", []string{didac.Producer, didac.Vet}, false},
		{"receiver", receiver.Names(), false},
		{"operasjon", []string{exports.OpNew, exports.OpChanged, exports.OpDeleted}, false},
		{"src_system", systems, false},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			got := codes(t, tt.list)
			if tt.sort {
				got, tt.want = sorted(got), sorted(tt.want)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("code list %s (-code +list):\n%s", tt.list, diff)
			}
		})
	}
	t.Run("check_code", func(t *testing.T) {
		// SELECT 'CODE' [AS check_code], 'SEVERITY' [AS severity], <produsentnr>, 'entity'
		re := regexp.MustCompile(`SELECT '([A-Z_]+)'(?: AS check_code)?, '([A-Z]+)'(?: AS severity)?, [^,]+, '([a-z]+)'`)
		var want [][]string
		for _, m := range re.FindAllStringSubmatch(model(t, "080_findings.sql"), -1) {
			want = append(want, m[1:])
		}
		sort.Slice(want, func(i, j int) bool { return want[i][0] < want[j][0] })
		got, err := rowsOf(nights(t).db.SQL(), `SELECT check_code, severity, entity FROM analytics.check_code ORDER BY check_code`)
		if err != nil {
			t.Fatal(err)
		}
		if len(want) < 10 {
			t.Fatalf("found only %d checks in 080_findings.sql: the pattern no longer matches", len(want))
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("analytics.check_code vs 080_findings.sql (-sql +list):\n%s", diff)
		}
	})
	t.Run("source_entity", func(t *testing.T) {
		got, err := rowsOf(nights(t).db.SQL(), `SELECT src_system, entity, file, history, position FROM analytics.source_entity ORDER BY position`)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(entityRows, got); diff != "" {
			t.Errorf("analytics.source_entity vs nightly.Entities() (-code +table):\n%s", diff)
		}
	})
}

// TestStoredCodesAreListed: every coded value the two nights stored is in its code list.
func TestStoredCodesAreListed(t *testing.T) {
	q := nights(t).db.SQL()
	tests := []struct{ list, query string }{
		{"status", `SELECT status FROM model.status UNION SELECT status FROM rcv.dhp UNION SELECT status FROM rcv.saukontrollen UNION SELECT status FROM model.status_h`},
		{"fristtype", `SELECT fristtype FROM model.deadline UNION SELECT fristtype FROM cur.extension`},
		{"trinn", `SELECT trinn FROM analytics.deadline WHERE trinn IS NOT NULL`},
		{"severity", `SELECT severity FROM ops.finding`},
		{"meldingstype", `SELECT meldingstype FROM model.notification`},
		{"kanal", `SELECT kanal FROM model.notification`},
		{"operasjon", `SELECT operasjon FROM ops.change_log`},
		{"receiver", `SELECT receiver FROM ops.change_log UNION SELECT receiver FROM ops.export`},
		{"src_system", `SELECT src_system FROM ops.reject UNION SELECT src_system FROM src.producer`},
		{"run_status", `SELECT status FROM ops.run`},
		{"trigger", `SELECT trigger FROM ops.run`},
		{"nivaa", `SELECT nivaa FROM model.season_stats`},
		{"kurskode", `SELECT kurskode FROM cur.course`},
		{"person_type", `SELECT person_type FROM cur.course`},
		{"schema", `SELECT schema_name FROM duckdb_schemas() WHERE database_name = current_database()
			AND schema_name NOT IN ('main', 'pg_catalog', 'information_schema')`},
	}
	for _, tt := range tests {
		t.Run(tt.list, func(t *testing.T) {
			rows, err := rowsOf(q, `SELECT v FROM (`+tt.query+`) t(v) WHERE v NOT IN (SELECT code FROM analytics.code WHERE list = ?)`, tt.list)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) > 0 {
				t.Errorf("stored but not in code list %s: %v", tt.list, rows)
			}
			if n := count(t, q, `SELECT count(*) FROM (`+tt.query+`)`); n == 0 {
				t.Errorf("nothing stored to check list %s against", tt.list)
			}
		})
	}
	for _, tt := range []struct{ what, query string }{
		{"check_code", `SELECT check_code FROM ops.finding WHERE check_code NOT IN (SELECT check_code FROM analytics.check_code)`},
		{"entity", `SELECT entity FROM ops.reject UNION SELECT entity FROM ops.finding EXCEPT SELECT entity FROM analytics.source_entity`},
		{"fylke", `SELECT fylke FROM model.status WHERE fylke NOT IN (SELECT fylke FROM analytics.fylke)`},
	} {
		t.Run(tt.what, func(t *testing.T) {
			if rows, err := rowsOf(q, tt.query); err != nil || len(rows) > 0 {
				t.Errorf("%s not listed: %v %v", tt.what, rows, err)
			}
		})
	}
}
