package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

func queryCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "query", "[--format table|csv|json] [--db FILE] SQL")
	cf := commonFlags(fs, false)
	format := fs.String("format", "table", "output: table, csv or json (one object per line)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("want the SQL to run")
	}
	q := strings.Join(fs.Args(), " ")
	d, err := openReadOnly(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	rows, err := d.SQL().QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	return printRows(e.stdout, rows, *format)
}

// printRows writes a query's result as an aligned table, CSV or JSON lines.
func printRows(w io.Writer, rows *sql.Rows, format string) error {
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	var emit func() error
	var done func() error
	switch format {
	case "table":
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
		emit = func() error {
			s := make([]string, len(vals))
			for i, v := range vals {
				s[i] = cell(text(v))
			}
			_, err := fmt.Fprintln(tw, strings.Join(s, "\t"))
			return err
		}
		done = tw.Flush
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write(cols)
		emit = func() error {
			s := make([]string, len(vals))
			for i, v := range vals {
				s[i] = text(v)
			}
			return cw.Write(s)
		}
		done = func() error { cw.Flush(); return cw.Error() }
	case "json":
		enc := json.NewEncoder(w)
		emit = func() error {
			m := make(map[string]any, len(cols))
			for i, c := range cols {
				m[c] = jsonValue(vals[i])
			}
			return enc.Encode(m)
		}
		done = func() error { return nil }
	default:
		return usageError("--format %q: must be table, csv or json", format)
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := emit(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return done()
}

func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case time.Time:
		if v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format(time.DateOnly)
		}
		return v.UTC().Format(time.RFC3339Nano)
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

// cell keeps a table's cell on its line and in its column: a tab, line break or other
// control character (free text may hold tabs and line breaks) is shown escaped, as \t, \n.
func cell(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			q := strconv.QuoteRune(r) // '\n', '\x00'
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func jsonValue(v any) any {
	switch v := v.(type) {
	case time.Time, []byte:
		return text(v)
	}
	return v
}
