// Package audit runs the write-audit-publish checks: after a run has written everything
// and before anything is published, each query of sql/audits must find nothing. A query
// returns one row (tbl, rkey) per violation.
package audit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strings"
	"time"

	"github.com/dvpsau/vpsau/internal/store"
	sqlfiles "github.com/dvpsau/vpsau/sql"
)

// ErrFailed reports an audit that found violations.
var ErrFailed = errors.New("audit failed")

// Result is one audit's outcome.
type Result struct {
	Name       string        `json:"name"`
	Violations int64         `json:"violations"`
	Examples   []string      `json:"examples,omitempty"` // up to five "table key"
	Took       time.Duration `json:"took"`
}

// Run runs every audit inside the caller's transaction. It returns all results and, when
// any audit found violations, an ErrFailed naming the first.
func Run(ctx context.Context, c *store.Conn) ([]Result, error) {
	entries, err := fs.ReadDir(sqlfiles.FS, "audits")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	var results []Result
	var failed []string
	for _, name := range names {
		body, err := fs.ReadFile(sqlfiles.FS, "audits/"+name)
		if err != nil {
			return results, err
		}
		t0 := time.Now()
		rows, err := c.Query(ctx, string(body))
		if err != nil {
			return results, fmt.Errorf("audit %s: %w", name, err)
		}
		r := Result{Name: strings.TrimSuffix(name, ".sql")}
		for rows.Next() {
			var tbl, key string
			if err := rows.Scan(&tbl, &key); err != nil {
				rows.Close()
				return results, fmt.Errorf("audit %s: %w", name, err)
			}
			r.Violations++
			if len(r.Examples) < 5 {
				r.Examples = append(r.Examples, tbl+" "+key)
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return results, fmt.Errorf("audit %s: %w", name, err)
		}
		r.Took = time.Since(t0)
		results = append(results, r)
		if r.Violations > 0 {
			failed = append(failed, fmt.Sprintf("%s: %d violations, e.g. %s", r.Name, r.Violations, strings.Join(r.Examples, "; ")))
		}
	}
	if len(failed) > 0 {
		return results, fmt.Errorf("%w: %s", ErrFailed, strings.Join(failed, " | "))
	}
	return results, nil
}
