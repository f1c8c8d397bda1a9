// Package analytics publishes the analytics schema for tools that do not speak DuckDB: the
// main views as Parquet files, written after each run. The views themselves are SQL
// (sql/models/990_analytics.sql), defined by every run after the models that make the
// tables they read, and
// documented in docs/dictionary.md.
package analytics

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/store"
)

// File is one Parquet file: a view of the analytics schema, or the part of it a tool
// needs (Where).
type File struct {
	View  string // the view in the analytics schema; the file is <View>.parquet
	Where string // optional filter on the view
	Order string // ORDER BY of the rows
}

// Files lists the Parquet files written after each run. Findings are the latest run's
// only: every run checks everything again, so earlier runs' findings mostly repeat.
var Files = []File{
	{View: "status", Order: "produsentnr"},
	{View: "deadline", Order: "produsentnr, fristtype, avvik_id"},
	{View: "breach", Order: "produsentnr, fristtype, avvik_id"},
	{View: "status_trend", Order: "run_id, status"},
	{View: "keyfigures", Order: "produsentnr, vet_id, sesong"},
	{View: "season_stats", Order: "sesong, nivaa, fylke"},
	{View: "finding", Where: "latest_run", Order: "check_code, produsentnr, ref"},
	{View: "reject", Order: "run_id, src_system, entity, file, line, field"},
	{View: "run", Order: "run_id"},
	{View: "run_source", Order: "run_id, src_system, entity"},
	{View: "export", Order: "created, receiver"},
	{View: "receiver", Order: "receiver"},
}

var ident = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
var clause = regexp.MustCompile(`^[a-z0-9_, ]*$`)

// tmpPrefix begins the name of the folder the files are written in before they are
// renamed into place.
const tmpPrefix = ".tmp-parquet-"

// WriteParquet writes every file of Files into dir, replacing what an earlier run wrote:
// each is written under a temporary name in dir first, and only when all are written are
// they renamed into place, one rename each, so that a reader never sees a half-written
// file. When writing fails, the files already in place are left as they were; a rename
// that fails (rare: the same folder) can leave some files new and some old.
func WriteParquet(ctx context.Context, c *store.Conn, dir string) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	// Folders a killed run left half-written go first: only a run writes these files.
	if err := files.RemoveLeftovers(dir, tmpPrefix); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	tmp, err := os.MkdirTemp(dir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range Files {
		if !ident.MatchString(f.View) || !clause.MatchString(f.Where) || !clause.MatchString(f.Order) {
			return fmt.Errorf("parquet %s: bad view, filter or order", f.View)
		}
		q := "SELECT * FROM analytics." + f.View
		if f.Where != "" {
			q += " WHERE " + f.Where
		}
		if f.Order != "" {
			q += " ORDER BY " + f.Order
		}
		// COPY takes no bound parameter for its file: the path is quoted as a literal.
		path := filepath.Join(tmp, f.View+".parquet")
		if err := c.Exec(ctx, "COPY ("+q+") TO '"+quote(path)+"' (FORMAT parquet, COMPRESSION zstd)"); err != nil {
			return fmt.Errorf("parquet %s: %w", f.View, err)
		}
	}
	var errs []error
	for _, f := range Files {
		name := f.View + ".parquet"
		if err := os.Rename(filepath.Join(tmp, name), filepath.Join(dir, name)); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("parquet: %w", err)
	}
	return nil
}

// quote doubles the single quotes of s for a SQL string literal.
func quote(s string) string { return strings.ReplaceAll(s, "'", "''") }
