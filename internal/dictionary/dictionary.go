// Package dictionary writes the data dictionary, docs/dictionary.md: every schema, table,
// view, macro and column of the database with its type and comment, every code list,
// and what crosses the border — the inbox files (from the sources' contracts) and the
// receivers' files. Everything in it comes from the database's own catalogue and from the
// code that defines the files, so that it cannot say something the system does not do;
// its test fails when the checked-in file and the schema disagree.
package dictionary

//go:generate go test -run ^TestDictionary$ . -update

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/receiver"
)

// Input is what the dictionary documents besides the database: the sources' entities
// and the receivers' files.
type Input struct {
	Entities  []*contract.Entity
	Receivers []receiver.Receiver
}

// Schemas lists the documented schemas in the order the dictionary shows them.
var Schemas = []string{"analytics", "src", "cur", "model", "rcv", "ops"}

// column is one column of a table, view or macro.
type column struct {
	name, typ, comment string
	notNull            bool
}

// relation is a table or a view.
type relation struct {
	schema, name, kind, comment string
	cols                        []column
}

func (r relation) full() string { return r.schema + "." + r.name }

// macro is a macro of the analytics schema.
type macro struct {
	name, kind, comment string
	params              []string
	cols                []column // a table macro's result
}

// catalog is what the database says about itself.
type catalog struct {
	rels   []relation
	macros []macro
	codes  map[string][][]string // list → rows of code, meaning
	checks [][]string            // check_code, severity, entity, meaning
	fylker [][]string            // fylke, fylkesnavn, gyldig
	lists  []string              // code lists in order of first position
	schema map[string]string     // schema → meaning
}

// Write writes the dictionary of db, a database whose schema is complete (migrated, and
// with a run's models and analytics views in place), to w.
func Write(ctx context.Context, db *sql.DB, w io.Writer, in Input) error {
	cat, err := read(ctx, db)
	if err != nil {
		return fmt.Errorf("dictionary: %w", err)
	}
	var b strings.Builder
	cat.write(&b, in)
	_, err = io.WriteString(w, b.String())
	return err
}

func read(ctx context.Context, db *sql.DB) (*catalog, error) {
	cat := &catalog{codes: map[string][][]string{}, schema: map[string]string{}}
	order := map[string]int{}
	for i, s := range Schemas {
		order[s] = i
	}
	rows, err := db.QueryContext(ctx, `
		SELECT schema_name, table_name, 'table' AS kind, coalesce(comment, '') FROM duckdb_tables()
		WHERE database_name = current_database() AND NOT temporary AND NOT internal
		UNION ALL
		SELECT schema_name, view_name, 'view', coalesce(comment, '') FROM duckdb_views()
		WHERE database_name = current_database() AND NOT temporary AND NOT internal
		ORDER BY 1, 2`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var r relation
		if err := rows.Scan(&r.schema, &r.name, &r.kind, &r.comment); err != nil {
			rows.Close()
			return nil, err
		}
		if _, ok := order[r.schema]; ok {
			cat.rels = append(cat.rels, r)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.SortStableFunc(cat.rels, func(a, b relation) int { return order[a.schema] - order[b.schema] })
	for i := range cat.rels {
		r := &cat.rels[i]
		cols, err := db.QueryContext(ctx, `SELECT column_name, data_type, coalesce(comment, ''), NOT is_nullable FROM duckdb_columns()
			WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index`, r.schema, r.name)
		if err != nil {
			return nil, err
		}
		for cols.Next() {
			var c column
			if err := cols.Scan(&c.name, &c.typ, &c.comment, &c.notNull); err != nil {
				cols.Close()
				return nil, err
			}
			r.cols = append(r.cols, c)
		}
		cols.Close()
		if err := cols.Err(); err != nil {
			return nil, err
		}
	}

	rows, err = db.QueryContext(ctx, `SELECT function_name, function_type, coalesce(comment, ''), parameters FROM duckdb_functions()
		WHERE database_name = current_database() AND schema_name = 'analytics' AND function_type IN ('macro', 'table_macro')
		ORDER BY function_type DESC, function_name`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var m macro
		var params []any
		if err := rows.Scan(&m.name, &m.kind, &m.comment, &params); err != nil {
			rows.Close()
			return nil, err
		}
		for _, p := range params {
			m.params = append(m.params, fmt.Sprint(p))
		}
		cat.macros = append(cat.macros, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range cat.macros {
		m := &cat.macros[i]
		if m.kind != "table_macro" {
			continue
		}
		args := strings.TrimSuffix(strings.Repeat("NULL, ", len(m.params)), ", ")
		cols, err := db.QueryContext(ctx, `DESCRIBE SELECT * FROM analytics.`+m.name+`(`+args+`)`)
		if err != nil {
			return nil, fmt.Errorf("macro %s: %w", m.name, err)
		}
		for cols.Next() {
			var c column
			var null, key, def, extra sql.NullString
			if err := cols.Scan(&c.name, &c.typ, &null, &key, &def, &extra); err != nil {
				cols.Close()
				return nil, err
			}
			m.cols = append(m.cols, c)
		}
		cols.Close()
	}

	rows, err = db.QueryContext(ctx, `SELECT list, code, meaning FROM analytics.code ORDER BY min(rowid) OVER (PARTITION BY list), position`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var list, code, meaning string
		if err := rows.Scan(&list, &code, &meaning); err != nil {
			rows.Close()
			return nil, err
		}
		if list == "schema" {
			cat.schema[code] = meaning
			continue
		}
		if _, ok := cat.codes[list]; !ok {
			cat.lists = append(cat.lists, list)
		}
		cat.codes[list] = append(cat.codes[list], []string{code, meaning})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if cat.checks, err = strings4(ctx, db, `SELECT check_code, severity, entity, meaning FROM analytics.check_code ORDER BY check_code`); err != nil {
		return nil, err
	}
	if cat.fylker, err = strings4(ctx, db, `SELECT fylke, fylkesnavn, gyldig, '' FROM analytics.fylke ORDER BY fylke`); err != nil {
		return nil, err
	}
	return cat, nil
}

// strings4 reads a query of four text columns.
func strings4(ctx context.Context, db *sql.DB, query string) ([][]string, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		r := make([]string, 4)
		if err := rows.Scan(&r[0], &r[1], &r[2], &r[3]); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// relation returns the table or view schema.name.
func (c *catalog) relation(full string) (relation, bool) {
	for _, r := range c.rels {
		if r.full() == full {
			return r, true
		}
	}
	return relation{}, false
}

// comment returns the comment on a column of a relation ("" when none).
func (c *catalog) comment(full, col string) string {
	r, _ := c.relation(full)
	for _, x := range r.cols {
		if x.name == col {
			return x.comment
		}
	}
	return ""
}

// sameAs names the analytics view whose columns a table macro returns, if any.
func (c *catalog) sameAs(m macro) string {
	for _, r := range c.rels {
		if r.schema != "analytics" || r.kind != "view" || len(r.cols) != len(m.cols) {
			continue
		}
		same := true
		for i := range r.cols {
			if r.cols[i].name != m.cols[i].name || r.cols[i].typ != m.cols[i].typ {
				same = false
				break
			}
		}
		if same {
			return r.full()
		}
	}
	return ""
}

// cell makes text safe for a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

// anchor is the fragment GitHub gives a heading: lower case, letters, digits, _ and -
// kept, spaces made -, everything else dropped.
func anchor(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '_' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (c *catalog) write(b *strings.Builder, in Input) {
	p := func(format string, a ...any) { fmt.Fprintf(b, format, a...) }
	p("# Data dictionary\n\n")
	p("<!-- Generated by `go generate ./internal/dictionary` from the database's catalogue and comments, the sources' contracts and the receivers' definitions. Do not edit: change the comment or the code, then regenerate. -->\n\n")
	p("Every schema, table, view, macro and column of the vpsau database, with its type and what it means; every code list; and the files that cross the border: the inbox files the sources deliver and the receivers' files. ")
	p("It is generated from the database itself (`COMMENT ON` in `sql/migrations` and `sql/models/980_comments.sql`, `990_analytics.sql`), from the sources' contracts (`pipelines/*`) and the receivers' definitions (`internal/receiver`); a test fails when it and the schema disagree.\n\n")
	p("Analysts start with the `analytics` schema: its views answer the usual questions, and its macros answer them as of any past business date. ")
	p("Open the analyst copy read-only with any DuckDB client of the same major version, e.g. `duckdb -readonly vpsau-analyst.duckdb`, or use `vpsau query`:\n\n")
	p("```sql\nSELECT status, count(*) FROM analytics.status GROUP BY ALL ORDER BY 2 DESC;\n")
	p("SELECT fylkesnavn, count(*) FILTER (dvp_trekk) AS under_deduction FROM analytics.status_as_of(DATE '2027-01-04') GROUP BY ALL;\n")
	p("SELECT * FROM analytics.breach WHERE trinn = 'KSL' ORDER BY dager_overskredet DESC;\n```\n\n")

	p("## Contents\n\n")
	p("- [Schemas](#schemas)\n- [Analytics: views](#analytics-views)\n- [Analytics: macros](#analytics-macros)\n- [Code lists](#code-lists)\n")
	p("- [Inbox files](#inbox-files)\n- [Receivers' files](#receivers-files)\n")
	for _, s := range Schemas {
		p("- [Schema %s](#schema-%s)\n", s, s)
	}
	p("\n## Schemas\n\n| schema | what it holds |\n|---|---|\n")
	for _, s := range Schemas {
		p("| [`%s`](#schema-%s) | %s |\n", s, s, cell(c.schema[s]))
	}

	p("\n## Analytics: views\n\n")
	p("The current views show what the latest run computed for its business date. Status and deadlines are read from their history, ")
	p("so that the same questions can be asked as of any past business date with the macros below.\n\n")
	for _, r := range c.rels {
		if r.schema == "analytics" && r.kind == "view" {
			p("- [`%s`](#%s) — %s\n", r.full(), anchor(r.full()), cell(firstSentence(r.comment)))
		}
	}

	p("\n## Analytics: macros\n\n")
	for _, m := range c.macros {
		sig := "analytics." + m.name + "(" + strings.Join(m.params, ", ") + ")"
		kind := "scalar macro"
		if m.kind == "table_macro" {
			kind = "table macro"
		}
		p("### `%s`\n\n*%s.* %s\n\n", sig, kind, m.comment)
		if m.kind != "table_macro" {
			continue
		}
		if v := c.sameAs(m); v != "" {
			p("Returns the columns of [`%s`](#%s).\n\n", v, anchor(v))
			continue
		}
		p("| column | type |\n|---|---|\n")
		for _, col := range m.cols {
			p("| `%s` | %s |\n", col.name, col.typ)
		}
		p("\n")
	}

	p("## Code lists\n\n")
	p("Every value a coded column can take (`analytics.code`, and the tables below it).\n\n")
	for _, l := range c.lists {
		p("### %s\n\n| code | meaning |\n|---|---|\n", l)
		for _, row := range c.codes[l] {
			p("| `%s` | %s |\n", row[0], cell(row[1]))
		}
		p("\n")
	}
	p("### check_code\n\nThe plausibility checks behind `ops.finding` (`analytics.check_code`); a producer's worst severity is its procedure status.\n\n")
	p("| check_code | severity | entity | finds |\n|---|---|---|---|\n")
	for _, r := range c.checks {
		p("| `%s` | `%s` | %s | %s |\n", r[0], r[1], r[2], cell(r[3]))
	}
	p("\n### fylke\n\nCounties by number, the first two digits of a kommunenr (`analytics.fylke`).\n\n| fylke | name | in use |\n|---|---|---|\n")
	for _, r := range c.fylker {
		p("| `%s` | %s | %s |\n", r[0], r[1], r[2])
	}
	p("\n")

	p("## Inbox files\n\n")
	p("A file drop (`vpsau run --inbox DIR`) is a folder with these files, each a full snapshot; the HTTP sources deliver the same columns as JSON. ")
	p("CSV: UTF-8 (BOM tolerated), `,` or `;`, one header row, RFC 4180 quoting, LF or CRLF; an empty field is no value. ")
	p("A row with any field that does not parse or fails its check is a reject (`analytics.reject`); the rest of the file loads. ")
	p("The history of each entity is in its `src` table, its current rows in `cur`.\n\n")
	for _, e := range in.Entities {
		file := e.File
		if e.Name == "subsidy" {
			file = "subsidy/*.csv"
		}
		p("### %s\n\n", file)
		p("Source system `%s`, entity `%s`, HTTP `GET %s`. Key: %s. History: [`%s`](#%s).\n\n", e.System, e.Name, e.Path,
			"`"+strings.Join(e.Key, "`, `")+"`", e.Table, anchor(e.Table))
		if d, ok := c.relation(e.Table); ok {
			p("%s\n\n", d.comment)
		}
		p("| column | type | required | meaning |\n|---|---|---|---|\n")
		for _, f := range e.Fields {
			req := ""
			if f.Required {
				req = "yes"
			}
			p("| `%s` | %s | %s | %s |\n", f.Name, cell(FieldType(f)), req, cell(c.comment(e.Table, f.Col())))
		}
		p("\n")
	}

	p("## Receivers' files\n\n")
	p("Each export is a folder `out/<receiver>/<export id>/` with its files and `manifest.json`. Every file starts with the three columns of the change log; ")
	p("dates are `YYYY-MM-DD` in every dialect. The receivers' history is in `rcv.<receiver>`.\n\n")
	for _, r := range in.Receivers {
		var files []string
		for _, f := range r.Files {
			files = append(files, fileText(f))
		}
		p("### %s\n\n", r.Name)
		if m := c.codeMeaning("receiver", r.Name); m != "" {
			p("%s ", m)
		}
		p("Key: `%s`. Default files: %s. History: [`%s`](#%s).\n\n", strings.Join(r.Key, "`, `"), strings.Join(files, "; "), r.Table, anchor(r.Table))
		p("| column | type | meaning |\n|---|---|---|\n")
		for _, col := range r.ExportColumns() {
			desc := c.comment(r.Table, col.Name)
			switch col.Name {
			case exports.ColChangeNr, exports.ColOperation, exports.ColChangedAt:
				desc = c.comment("ops.change_log", col.Name)
			}
			p("| `%s` | %s | %s |\n", col.Name, kindText(col.Kind), cell(desc))
		}
		p("\n")
	}

	for _, s := range Schemas {
		p("## Schema %s\n\n%s\n\n", s, c.schema[s])
		for _, r := range c.rels {
			if r.schema != s {
				continue
			}
			p("### %s\n\n*%s.* %s\n\n| column | type | meaning |\n|---|---|---|\n", r.full(), r.kind, r.comment)
			for _, col := range r.cols {
				typ := col.typ
				if col.notNull {
					typ += ", not null"
				}
				p("| `%s` | %s | %s |\n", col.name, typ, cell(col.comment))
			}
			p("\n")
		}
	}
}

func (c *catalog) codeMeaning(list, code string) string {
	for _, row := range c.codes[list] {
		if row[0] == code {
			return row[1]
		}
	}
	return ""
}

// firstSentence returns s up to its first full stop followed by a space.
func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// FieldType describes what a field of an inbox file must hold.
func FieldType(f contract.Field) string {
	var s string
	switch f.Type {
	case contract.Text:
		s = "text, at most 200 characters"
	case contract.Code:
		s = "code: text without spaces, at most 64 characters"
	case contract.Produsentnr:
		s = "produsentnr: 10 digits"
	case contract.Orgnr:
		s = "orgnr: 9 digits with a valid mod-11 check digit"
	case contract.VetID:
		s = "vet id: 7 digits"
	case contract.Kommunenr:
		s = "kommunenr: 4 digits (3 digits get a leading zero)"
	case contract.DyreholdID:
		s = "dyrehold id: 7 digits"
	case contract.Phone:
		s = "phone number: 8–15 digits, an optional leading +"
	case contract.Email:
		s = "e-mail address"
	case contract.Date:
		s = "date YYYY-MM-DD"
	case contract.Timestamp:
		s = "timestamp RFC 3339 (a plain date is midnight Europe/Oslo)"
	case contract.Bool:
		s = "ja/nei (also true/false)"
	case contract.Int:
		s = fmt.Sprintf("integer %s–%s", num(f.Min), num(f.Max))
	case contract.Decimal:
		s = fmt.Sprintf("decimal %s–%s, `.` as decimal mark", num(f.Min), num(f.Max))
	case contract.Enum:
		s = "one of `" + strings.Join(f.Values, "`, `") + "`"
	default:
		s = fmt.Sprintf("type %d", f.Type)
	}
	if f.Event {
		s += "; not after the business date"
	}
	if f.Absent {
		s += "; the column may be missing"
	}
	return s
}

func num(f float64) string {
	s := fmt.Sprintf("%.10g", f)
	if len(s) > 4 && !strings.ContainsAny(s, ".e") {
		var out []byte
		for i := range s {
			if i > 0 && (len(s)-i)%3 == 0 {
				out = append(out, '_')
			}
			out = append(out, s[i])
		}
		return strings.ReplaceAll(string(out), "_", " ")
	}
	return s
}

func kindText(k exports.Kind) string {
	switch k {
	case exports.Text:
		return "text"
	case exports.ID:
		return "identifier or code (text)"
	case exports.Int:
		return "integer"
	case exports.Decimal:
		return "decimal"
	case exports.Date:
		return "date YYYY-MM-DD"
	case exports.Timestamp:
		return "timestamp RFC 3339"
	}
	return k.String()
}

func fileText(f exports.FileSpec) string {
	switch f.Format {
	case exports.XLSX:
		return "XLSX (typed cells, identifiers as text)"
	case exports.CSV:
		d := f.Dialect
		mark := "."
		if d.DecimalComma {
			mark = ","
		}
		extra := ""
		if d.BOM {
			extra += ", UTF-8 BOM"
		}
		if d.CRLF {
			extra += ", CRLF"
		}
		return fmt.Sprintf("CSV, %s dialect (`%c`, decimal `%s`%s)", d.Name, d.Comma, mark, extra)
	}
	return string(f.Format)
}
