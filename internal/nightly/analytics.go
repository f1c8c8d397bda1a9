package nightly

import (
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/dvpsau/vpsau/internal/analytics"
	"github.com/dvpsau/vpsau/internal/report"
	"github.com/dvpsau/vpsau/internal/store"
)

// ReportDir is where a run's report goes: <out>/report/run-NNNNNN.html and index.html.
func ReportDir(opt Options) string { return filepath.Join(opt.Out, "report") }

// ParquetDir is where the Parquet files of the analytics views go: beside the analyst
// copy (<copy without extension>-parquet/), or <out>/analytics/ without a copy.
func ParquetDir(opt Options) string {
	if p := opt.Analyst.Path; p != "" {
		return strings.TrimSuffix(p, filepath.Ext(p)) + "-parquet"
	}
	return filepath.Join(opt.Out, "analytics")
}

// publishAnalytics writes the run's report and the Parquet files, after everything else
// is published. A failure here does not fail the run — the receivers' exports and the
// analyst copy are out and stay out, and the next run writes both again — so it is logged
// and kept as warnings in the summary (and so in the ledger).
func publishAnalytics(ctx context.Context, c *store.Conn, opt Options, sum *Summary, log *slog.Logger) {
	// The ledger gets the run's stats when Run returns; analytics.run and run_source read
	// them for the Parquet files now, so the ledger holds what is known so far (the final
	// stats replace them).
	if stats, err := json.Marshal(sum); err == nil {
		if err := c.Exec(ctx, `UPDATE ops.run SET stats = ? WHERE run_id = ?`, string(stats), sum.RunID); err != nil {
			log.Warn("interim stats", "error", err.Error())
		}
	}
	dir := ReportDir(opt)
	if err := report.Write(ctx, c, dir, sum.RunID); err != nil {
		log.Warn("no run report", "error", err.Error())
		sum.Warnings = append(sum.Warnings, err.Error())
	} else {
		sum.Report = filepath.Join(dir, report.Name(sum.RunID))
	}
	dir = ParquetDir(opt)
	if err := analytics.WriteParquet(ctx, c, dir); err != nil {
		log.Warn("no parquet files", "error", err.Error())
		sum.Warnings = append(sum.Warnings, err.Error())
	} else {
		sum.Parquet = dir
	}
}
