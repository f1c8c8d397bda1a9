package dictionary

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

var update = flag.Bool("update", false, "rewrite docs/dictionary.md from the schema")

const path = "../../docs/dictionary.md"

var (
	once  sync.Once
	built *store.DB
	err   error
)

// database is a database with the whole schema: migrated, and with one night's models
// and analytics views (the worked example of testdata/one-night).
func database(t *testing.T) *store.DB {
	t.Helper()
	once.Do(func() {
		dir, e := os.MkdirTemp("", "vpsau-dictionary-")
		if e != nil {
			err = e
			return
		}
		built, err = store.Open(context.Background(), filepath.Join(dir, "dict.duckdb"), store.Options{})
		if err != nil {
			return
		}
		_, err = nightly.Run(context.Background(), built, nightly.Options{
			AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), Inbox: "../../testdata/one-night/inbox",
			Out: filepath.Join(dir, "out"), RawRoot: filepath.Join(dir, "raw"), Rules: rules.Defaults(), Guard: nightly.DefaultGuard,
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return built
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built != nil {
		built.Close()
		os.RemoveAll(filepath.Dir(built.Path()))
	}
	os.Exit(code)
}

// TestDictionary fails when docs/dictionary.md and the schema disagree; go generate
// (go test -run TestDictionary -update) rewrites the file.
func TestDictionary(t *testing.T) {
	db := database(t)
	var buf bytes.Buffer
	if err := Write(context.Background(), db.SQL(), &buf, Input{Entities: nightly.Entities(), Receivers: receiver.All()}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go generate ./internal/dictionary writes it)", err)
	}
	if diff := cmp.Diff(string(want), buf.String()); diff != "" {
		t.Errorf("docs/dictionary.md and the schema disagree; run go generate ./internal/dictionary (-file +schema):\n%s", diff)
	}
}

// TestEverythingCommented: every table, view and column of the documented schemas, and
// every macro of the analytics schema, says what it is.
func TestEverythingCommented(t *testing.T) {
	db := database(t)
	rows, err := db.SQL().Query(`
		SELECT schema_name || '.' || table_name FROM duckdb_tables()
		WHERE database_name = current_database() AND NOT temporary AND coalesce(comment, '') = '' AND schema_name IN (SELECT unnest(?::VARCHAR[]))
		UNION ALL
		SELECT schema_name || '.' || view_name FROM duckdb_views()
		WHERE database_name = current_database() AND NOT temporary AND NOT internal AND coalesce(comment, '') = '' AND schema_name IN (SELECT unnest(?::VARCHAR[]))
		UNION ALL
		SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns()
		WHERE database_name = current_database() AND coalesce(comment, '') = '' AND schema_name IN (SELECT unnest(?::VARCHAR[]))
		  AND table_name NOT IN (SELECT table_name FROM duckdb_tables() WHERE temporary)
		UNION ALL
		SELECT schema_name || '.' || function_name || '()' FROM duckdb_functions()
		WHERE database_name = current_database() AND schema_name = 'analytics' AND coalesce(comment, '') = ''
		ORDER BY 1`, Schemas, Schemas, Schemas)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var missing []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		missing = append(missing, s)
	}
	if len(missing) > 0 {
		t.Errorf("%d without a comment (COMMENT ON in a migration, or sql/models/980_comments.sql for the tables the models replace):\n%s",
			len(missing), strings.Join(missing, "\n"))
	}
	var schemas int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM duckdb_schemas() WHERE database_name = current_database()
		AND schema_name NOT IN ('main', 'pg_catalog', 'information_schema') AND schema_name NOT IN (SELECT unnest(?::VARCHAR[]))`, Schemas).Scan(&schemas); err != nil {
		t.Fatal(err)
	}
	if schemas != 0 {
		t.Errorf("%d schemas of the database are not in dictionary.Schemas", schemas)
	}
}

// TestInboxAndReceivers: the dictionary documents every column of every inbox file and
// receiver's file, with a meaning.
func TestInboxAndReceivers(t *testing.T) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Skip("no docs/dictionary.md yet")
	}
	doc := string(data)
	for _, e := range nightly.Entities() {
		for _, f := range e.Fields {
			if FieldType(f) == "" || strings.HasPrefix(FieldType(f), "type ") {
				t.Errorf("%s.%s: no description of type %d", e.Name, f.Name, f.Type)
			}
			if !strings.Contains(doc, "| `"+f.Name+"` | "+cell(FieldType(f))+" |") {
				t.Errorf("%s column %s is not in the dictionary", e.File, f.Name)
			}
		}
	}
	for _, r := range receiver.All() {
		if !strings.Contains(doc, "### "+r.Name+"\n") {
			t.Errorf("receiver %s is not in the dictionary", r.Name)
		}
	}
	for ty := contract.Text; ty <= contract.Enum; ty++ {
		if strings.HasPrefix(FieldType(contract.Field{Type: ty}), "type ") {
			t.Errorf("FieldType does not describe contract type %d", ty)
		}
	}
	if strings.Contains(doc, "|  |\n") {
		t.Error("a column of an inbox or receiver's file has no meaning in the dictionary")
	}
}
