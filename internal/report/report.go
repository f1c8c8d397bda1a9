// Package report writes the run report: one self-contained HTML page per run under
// <out>/report/ (run-NNNNNN.html, and index.html with the latest) that shows how the
// programme stands at the run's business date — producers by status, breaches by county
// and by deadline type, the trend over the last runs, rejects and findings by source, and
// what went to the receivers. Its charts are SVG drawn here; the page needs no script and
// no file or server besides itself, so it opens offline, from a mail or a share.
//
// Every figure is read from the history the run stored (analytics.status_at,
// analytics.deadline_at for the run's business date and run id), so the report of a past
// run can be written again and says what that run computed — except the receivers'
// unconfirmed changes, which are as of now.
package report

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/store"
	sqlfiles "github.com/dvpsau/vpsau/sql"
)

//go:embed report.html
var pageHTML string

var tmpl = template.Must(template.New("report").Parse(pageHTML))

// The colours: Okabe and Ito's palette, told apart also by people with colour vision
// deficiency, in an order of severity from blue over green to vermillion.
const (
	grey       = "#9AA3AD"
	blue       = "#0072B2"
	green      = "#009E73"
	orange     = "#E69F00"
	vermillion = "#D55E00"
	crimson    = "#8C1D40"
	sky        = "#56B4E9"
)

// statuses are the statuses in order, with what the report calls them.
var statuses = []struct{ code, name, color string }{
	{"IKKE_OMFATTET", "Not covered", grey},
	{"INNRULLERT", "Enrolled", blue},
	{"GODKJENT", "Approved", green},
	{"FRIST_OVERSKREDET", "Deadline missed 1–15 days", orange},
	{"DVP_TREKK", "Deduction (16+ days)", vermillion},
}

var deadlineNames = map[string]string{"BESOK": "Visit", "KURS": "Producer course", "AVVIK": "Closing a deviation"}

// Page is what the report shows.
type Page struct {
	RunID        int64
	BusinessDate time.Time
	Trigger      string
	Started      time.Time
	Origin       string
	Tiles        []Tile
	Figures      []Figure
	Checks       [][]string // check, severity, findings, meaning
	Exports      [][]string // receiver, export, NY, ENDRET, SLETTET, unconfirmed
	Others       []Link     // the other runs' reports, newest first
	Index        bool       // this is index.html
}

// Tile is one headline figure.
type Tile struct {
	Label, Value, Note, Tone string
}

// Figure is one chart with its numbers.
type Figure struct {
	ID, Title, Subtitle string
	Wide                bool
	Chart               template.HTML // empty: Empty is shown instead
	Empty               string
	Legend              []series
	Head                []string
	Rows                [][]string
	Source              string // the query behind it
}

// Link is another run's report.
type Link struct {
	Href, Text string
}

// Name is the file of a run's report.
func Name(runID int64) string { return fmt.Sprintf("run-%06d.html", runID) }

// tmpPrefix begins the name of a report being written.
const tmpPrefix = ".tmp-report-"

// Write writes the report of run runID into dir as run-NNNNNN.html and, when runID is
// the newest report there, as index.html; each file appears complete by one rename.
func Write(ctx context.Context, c *store.Conn, dir string, runID int64) error {
	p, err := Build(ctx, c, runID)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	// Files a killed run left half-written go first: only a run writes reports.
	if err := files.RemoveLeftovers(dir, tmpPrefix); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	others, newest, err := others(dir, runID)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	p.Others = others
	if err := render(dir, Name(runID), p); err != nil {
		return err
	}
	if !newest {
		return nil
	}
	p.Index = true
	return render(dir, "index.html", p)
}

func render(dir, name string, p *Page) error {
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, p); err != nil {
		return fmt.Errorf("report %s: %w", name, err)
	}
	f, err := os.CreateTemp(dir, tmpPrefix)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return fmt.Errorf("report: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// maxOthers is how many other runs' reports a page links to.
const maxOthers = 30

var reportName = regexp.MustCompile(`^run-(\d{6,})\.html$`)

// others lists the reports in dir other than runID's, newest first, and tells whether
// runID's is the newest.
func others(dir string, runID int64) ([]Link, bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, false, err
	}
	var ids []int64
	for _, e := range entries {
		m := reportName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		var id int64
		fmt.Sscan(m[1], &id)
		if id != runID {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	slices.Reverse(ids)
	newest := len(ids) == 0 || ids[0] < runID
	var out []Link
	if len(ids) > maxOthers {
		ids = ids[:maxOthers]
	}
	for _, id := range ids {
		out = append(out, Link{Href: Name(id), Text: fmt.Sprintf("Run %d", id)})
	}
	return out, newest, nil
}

// query runs one of sql/report/*.sql with the run id and hands each row to scan.
func query(ctx context.Context, c *store.Conn, name string, runID int64, scan func(scan func(...any) error) error) error {
	body, err := fs.ReadFile(sqlfiles.FS, "report/"+name+".sql")
	if err != nil {
		return err
	}
	rows, err := c.Query(ctx, string(body), runID)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows.Scan); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return rows.Err()
}

// ErrNoRun reports a run that does not exist or stored nothing.
var ErrNoRun = errors.New("no such run, or it stored nothing")

// Build reads what the report of run runID shows.
func Build(ctx context.Context, c *store.Conn, runID int64) (*Page, error) {
	p := &Page{}
	found := false
	err := query(ctx, c, "run", runID, func(scan func(...any) error) error {
		found = true
		return scan(&p.RunID, &p.BusinessDate, &p.Trigger, &p.Started, &p.Origin)
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("run %d: %w", runID, ErrNoRun)
	}
	p.Started = p.Started.In(contract.Oslo)
	date := p.BusinessDate.Format(time.DateOnly)
	at := fmt.Sprintf("DATE '%s', %d", date, runID)

	// Headline figures.
	var producers, covered, approved, breach, deduction, ksl, rejected, findings int64
	err = query(ctx, c, "summary", runID, func(scan func(...any) error) error {
		return scan(&producers, &covered, &approved, &breach, &deduction, &ksl, &rejected, &findings)
	})
	if err != nil {
		return nil, err
	}
	p.Tiles = []Tile{
		{Label: "Producers in the register", Value: num(float64(producers))},
		{Label: "Covered", Value: num(float64(covered)), Note: share(covered, producers) + " of the register"},
		{Label: "Approved", Value: num(float64(approved)), Note: share(approved, covered) + " of covered", Tone: "good"},
		{Label: "Deadline missed", Value: num(float64(breach)), Note: share(breach, covered) + " of covered", Tone: tone(breach, "warn")},
		{Label: "Under deduction", Value: num(float64(deduction)), Note: "1 kr/kg at slaughter", Tone: tone(deduction, "bad")},
		{Label: "Counting against KSL", Value: num(float64(ksl)), Note: "missed by more than 45 days", Tone: tone(ksl, "bad")},
		{Label: "Rejected rows", Value: num(float64(rejected)), Note: "malformed source rows"},
		{Label: "Findings", Value: num(float64(findings)), Note: "plausibility cross-checks"},
	}

	// Status distribution.
	counts := map[string]int64{}
	err = query(ctx, c, "status", runID, func(scan func(...any) error) error {
		var s string
		var n int64
		if err := scan(&s, &n); err != nil {
			return err
		}
		counts[s] = n
		return nil
	})
	if err != nil {
		return nil, err
	}
	status := barChart{ID: "status", Title: "Producers by status", Unit: "producers"}
	fig := Figure{ID: "status", Title: "Producers by status",
		Subtitle: fmt.Sprintf("Every producer in the register on %s; the highest applicable status wins.", date),
		Head:     []string{"Status", "Code", "Producers", "Share"}, Source: "analytics.status_at(" + at + ")"}
	for _, s := range statuses {
		n := counts[s.code]
		status.Bars = append(status.Bars, bar{Label: s.name, Values: pad(len(status.Series), float64(n)),
			Note: num(float64(n)) + "  (" + share(n, producers) + ")"})
		status.Series = append(status.Series, series{Name: s.name, Color: s.color})
		fig.Rows = append(fig.Rows, []string{s.name, s.code, num(float64(n)), share(n, producers)})
	}
	fig.Chart = status.SVG()
	if status.marks() == 0 {
		fig.Chart, fig.Empty = "", "The register is empty."
	}
	p.Figures = append(p.Figures, fig)

	// Trend over the runs.
	var runs []int64
	dates := map[int64]string{}
	trend := map[int64]map[string]float64{}
	err = query(ctx, c, "trend", runID, func(scan func(...any) error) error {
		var r int64
		var d time.Time
		var s string
		var n int64
		if err := scan(&r, &d, &s, &n); err != nil {
			return err
		}
		if _, ok := trend[r]; !ok {
			runs = append(runs, r)
			trend[r] = map[string]float64{}
			dates[r] = d.Format(time.DateOnly)
		}
		trend[r][s] = float64(n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	line := lineChart{ID: "trend", Title: "Covered producers by status over the last runs"}
	fig = Figure{ID: "trend", Title: "Trend over the last runs", Head: []string{"Run", "Business date"},
		Source: "analytics.status_trend"}
	for _, r := range runs {
		line.X = append(line.X, dates[r])
	}
	for _, s := range statuses[1:] {
		ys := make([]float64, len(runs))
		for i, r := range runs {
			ys[i] = trend[r][s.code]
		}
		line.Series = append(line.Series, series{Name: s.name, Color: s.color})
		line.Y = append(line.Y, ys)
		fig.Head = append(fig.Head, s.name)
	}
	for i, r := range runs {
		row := []string{fmt.Sprint(r), dates[r]}
		for _, ys := range line.Y {
			row = append(row, num(ys[i]))
		}
		fig.Rows = append(fig.Rows, row)
	}
	fig.Legend = line.Series
	switch len(runs) {
	case 0:
		fig.Empty = "No run has stored a status history yet."
	case 1:
		fig.Subtitle = "Covered producers per status, as each run computed them. One run so far: the lines grow with each night."
		fig.Chart = line.SVG()
	default:
		fig.Subtitle = fmt.Sprintf("Covered producers per status, as each of the last %d runs computed them for its business date.", len(runs))
		fig.Chart = line.SVG()
	}
	p.Figures = append(p.Figures, fig)

	// Breaches by county.
	county := barChart{ID: "county", Title: "Covered producers in breach by county", Unit: "producers", Wide: true,
		Series: []series{{Name: statuses[3].name, Color: orange}, {Name: statuses[4].name, Color: vermillion}}}
	fig = Figure{ID: "county", Title: "Breaches by county", Wide: true,
		Subtitle: "Covered producers with a missed deadline, per county (fylke: the first two digits of kommunenr), most first; beside each bar: of how many covered.",
		Head:     []string{"Fylke", "County", "Covered", "Missed 1–15 days", "Deduction", "Share in breach"},
		Source:   "analytics.status_at(" + at + ")", Legend: county.Series}
	err = query(ctx, c, "county", runID, func(scan func(...any) error) error {
		var f, name string
		var cov, over, ded int64
		if err := scan(&f, &name, &cov, &over, &ded); err != nil {
			return err
		}
		label := strings.TrimSpace(f + " " + name)
		if label == "" {
			label = "unknown"
		}
		county.Bars = append(county.Bars, bar{Label: label, Values: []float64{float64(over), float64(ded)},
			Note: fmt.Sprintf("%s of %s  (%s)", num(float64(over+ded)), num(float64(cov)), share(over+ded, cov))})
		fig.Rows = append(fig.Rows, []string{f, name, num(float64(cov)), num(float64(over)), num(float64(ded)), share(over+ded, cov)})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if county.marks() > 0 {
		fig.Chart = county.SVG()
	} else {
		fig.Empty = "No covered producer has missed a deadline."
	}
	p.Figures = append(p.Figures, fig)

	// Missed deadlines by type.
	dl := barChart{ID: "deadline", Title: "Missed deadlines by deadline type and days overdue", Unit: "deadlines",
		Series: []series{{Name: "1–15 days", Color: orange}, {Name: "16–45 days: deduction", Color: vermillion}, {Name: "over 45 days: KSL", Color: crimson}}}
	fig = Figure{ID: "deadline", Title: "Missed deadlines by type",
		Subtitle: "Every missed deadline of covered producers, by how long it is overdue. A producer may miss several.",
		Head:     []string{"Deadline", "1–15 days", "16–45 days", "over 45 days", "All"},
		Source:   "analytics.deadline_at(" + at + ")", Legend: dl.Series}
	err = query(ctx, c, "deadline_type", runID, func(scan func(...any) error) error {
		var t string
		var a, b, k int64
		if err := scan(&t, &a, &b, &k); err != nil {
			return err
		}
		name := deadlineNames[t]
		if name == "" {
			name = t
		}
		dl.Bars = append(dl.Bars, bar{Label: name, Values: []float64{float64(a), float64(b), float64(k)}})
		fig.Rows = append(fig.Rows, []string{name + " (" + t + ")", num(float64(a)), num(float64(b)), num(float64(k)), num(float64(a + b + k))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if dl.marks() > 0 {
		fig.Chart = dl.SVG()
	} else {
		fig.Empty = "No deadline is missed."
	}
	p.Figures = append(p.Figures, fig)

	// Rejects by source.
	rj := barChart{ID: "rejects", Title: "Rejected rows by source", Unit: "rows", Series: []series{{Name: "rejected rows", Color: blue}}}
	fig = Figure{ID: "rejects", Title: "Rejected rows by source",
		Subtitle: "Malformed rows of this run's snapshots: the rest of each file loaded, and a rejected key kept its last good version.",
		Head:     []string{"Source system", "Entity", "Rejected rows"},
		Source:   fmt.Sprintf("analytics.reject WHERE run_id = %d", runID)}
	err = query(ctx, c, "rejects", runID, func(scan func(...any) error) error {
		var sys, ent string
		var n int64
		if err := scan(&sys, &ent, &n); err != nil {
			return err
		}
		rj.Bars = append(rj.Bars, bar{Label: ent + " (" + sys + ")", Values: []float64{float64(n)}})
		fig.Rows = append(fig.Rows, []string{sys, ent, num(float64(n))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rj.marks() > 0 {
		fig.Chart = rj.SVG()
	} else {
		fig.Empty = "No row was rejected."
	}
	p.Figures = append(p.Figures, fig)

	// Findings by source.
	fd := barChart{ID: "findings", Title: "Plausibility findings by source and severity", Unit: "findings",
		Series: []series{{Name: "ERROR", Color: vermillion}, {Name: "WARNING", Color: orange}, {Name: "INFO", Color: sky}}}
	fig = Figure{ID: "findings", Title: "Findings by source",
		Subtitle: "Well-formed records that point at something unknown or do not fit together, by the entity checked.",
		Head:     []string{"Source system", "Entity", "ERROR", "WARNING", "INFO"},
		Source:   fmt.Sprintf("analytics.finding WHERE run_id = %d", runID), Legend: fd.Series}
	err = query(ctx, c, "findings", runID, func(scan func(...any) error) error {
		var sys, ent string
		var info, warn, errs int64
		if err := scan(&sys, &ent, &info, &warn, &errs); err != nil {
			return err
		}
		fd.Bars = append(fd.Bars, bar{Label: ent + " (" + sys + ")", Values: []float64{float64(errs), float64(warn), float64(info)}})
		fig.Rows = append(fig.Rows, []string{sys, ent, num(float64(errs)), num(float64(warn)), num(float64(info))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if fd.marks() > 0 {
		fig.Chart = fd.SVG()
	} else {
		fig.Empty = "No findings."
	}
	p.Figures = append(p.Figures, fig)

	err = query(ctx, c, "checks", runID, func(scan func(...any) error) error {
		var code, sev, meaning string
		var n int64
		if err := scan(&code, &sev, &n, &meaning); err != nil {
			return err
		}
		p.Checks = append(p.Checks, []string{code, sev, num(float64(n)), meaning})
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = query(ctx, c, "exports", runID, func(scan func(...any) error) error {
		var rcv, id string
		var ny, endret, slettet, open int64
		if err := scan(&rcv, &id, &ny, &endret, &slettet, &open); err != nil {
			return err
		}
		p.Exports = append(p.Exports, []string{rcv, id, num(float64(ny)), num(float64(endret)), num(float64(slettet)), num(float64(open))})
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// pad returns n zeros and then v: a bar that colours only its own series.
func pad(n int, v float64) []float64 {
	return append(make([]float64, n), v)
}

// share writes a/b as a percentage with one decimal ("–" when b is 0).
func share(a, b int64) string {
	if b == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(a)/float64(b))
}

func tone(n int64, t string) string {
	if n == 0 {
		return "good"
	}
	return t
}

// DateLong is the business date written out: Monday 4 January 2027.
func (p *Page) DateLong() string { return p.BusinessDate.Format("Monday 2 January 2006") }

// DateISO is the business date as YYYY-MM-DD.
func (p *Page) DateISO() string { return p.BusinessDate.Format(time.DateOnly) }

// StartedText is when the run started, in Norwegian time.
func (p *Page) StartedText() string { return p.Started.Format("2006-01-02 15:04 MST") }
