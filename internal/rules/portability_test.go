package rules

import (
	"io/fs"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	sqlfiles "github.com/dvpsau/vpsau/sql"
)

// dialect lists the DuckDB-specific constructs the portability test knows, by the name
// docs/scale.md's table gives them, with a pattern that finds each in SQL.
var dialect = map[string]*regexp.Regexp{
	"to_months":               regexp.MustCompile(`(?i)\bto_months\s*\(`),
	"to_days":                 regexp.MustCompile(`(?i)\bto_days\s*\(`),
	"to_years":                regexp.MustCompile(`(?i)\bto_years\s*\(`),
	"interval":                regexp.MustCompile(`(?i)\binterval\s+\d`),
	"::":                      regexp.MustCompile(`::`),
	"date - date":             regexp.MustCompile(`(?i)as_of\s*-\s*(greatest|[a-z_.]*frist|[a-z_.]*dato)`),
	"greatest":                regexp.MustCompile(`(?i)\bgreatest\s*\(`),
	"strftime":                regexp.MustCompile(`(?i)\bstrftime\s*\(`),
	"median":                  regexp.MustCompile(`(?i)\bmedian\s*\(`),
	"regr_slope":              regexp.MustCompile(`(?i)\bregr_slope\s*\(`),
	"filter (":                regexp.MustCompile(`(?i)\bfilter\s*\(`),
	"arg_max":                 regexp.MustCompile(`(?i)\barg_max\s*\(`),
	"group by all":            regexp.MustCompile(`(?i)\bgroup\s+by\s+all\b`),
	"grouping sets":           regexp.MustCompile(`(?i)\bgrouping\s+sets\b`),
	"semi join":               regexp.MustCompile(`(?i)\bsemi\s+join\b`),
	"range(":                  regexp.MustCompile(`(?i)\brange\s*\(`),
	"make_date":               regexp.MustCompile(`(?i)\bmake_date\s*\(`),
	"left(":                   regexp.MustCompile(`(?i)\bleft\s*\(`),
	"create or replace table": regexp.MustCompile(`(?i)\bcreate\s+or\s+replace\s+table\b`),
	"temp table":              regexp.MustCompile(`(?i)\btemp\s+table\b`),
	"qualify":                 regexp.MustCompile(`(?i)\bqualify\b`),
	"by name":                 regexp.MustCompile(`(?i)\bby\s+name\b`),
	"update … from":           regexp.MustCompile(`(?is)\bupdate\s+\S+(\s+as\s+\S+)?\s+set\b[^;]*?\bfrom\b`),
	"is not distinct from":    regexp.MustCompile(`(?i)\bis\s+not\s+distinct\s+from\b`),
	"list_value":              regexp.MustCompile(`(?i)\blist_value\s*\(|\[\s*\]`),
	"exclude":                 regexp.MustCompile(`(?i)\*\s*exclude\b`),
	"unnest":                  regexp.MustCompile(`(?i)\bunnest\s*\(`),
}

var comments = regexp.MustCompile(`(?m)--.*$|(?s)\{\{/\*.*?\*/\}\}`)

// TestPortability keeps docs/scale.md's table of dialect differences exact for the SQL
// of the rules (sql/models 0xx, sql/receivers, sql/history): every DuckDB-specific
// construct they use is listed there, and the table lists none they do not use.
func TestPortability(t *testing.T) {
	used := map[string][]string{}
	for _, dir := range []string{"models", "receivers", "history"} {
		entries, err := fs.ReadDir(sqlfiles.FS, dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if dir == "models" && !strings.HasPrefix(e.Name(), "0") {
				continue // 9xx: analysts' history and views, not the rules
			}
			b, err := fs.ReadFile(sqlfiles.FS, dir+"/"+e.Name())
			if err != nil {
				t.Fatal(err)
			}
			sql := comments.ReplaceAllString(string(b), "")
			for name, re := range dialect {
				if re.MatchString(sql) {
					used[name] = append(used[name], dir+"/"+e.Name())
				}
			}
		}
	}
	doc, err := os.ReadFile("../../docs/scale.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "| `") {
			name := strings.SplitN(strings.TrimPrefix(line, "| `"), "`", 2)[0]
			listed[name] = true
		}
	}
	var names []string
	for n := range used {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if !listed[n] {
			t.Errorf("%s is used by %v but not listed in docs/scale.md", n, used[n])
		}
	}
	for n := range listed {
		if _, known := dialect[n]; !known {
			t.Errorf("docs/scale.md lists %q, which the test does not know", n)
		} else if len(used[n]) == 0 {
			t.Errorf("docs/scale.md lists %q, which the SQL no longer uses", n)
		}
	}
}
