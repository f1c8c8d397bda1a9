package nightly

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"

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
// is published; the two only read the database, so they are written side by side, the
// report on a connection of its own. A failure here does not fail the run — the
// receivers' exports and the analyst copy are out and stay out, and the next run writes
// both again — so it is logged and kept as warnings in the summary (and so in the ledger).
func publishAnalytics(ctx context.Context, db *store.DB, c *store.Conn, opt Options, sum *Summary, log *slog.Logger) {
	// The ledger gets the run's stats when Run returns; analytics.run and run_source read
	// them for the Parquet files now, so the ledger holds what is known so far (the final
	// stats replace them).
	if stats, err := json.Marshal(sum); err == nil {
		if err := c.Exec(ctx, `UPDATE ops.run SET stats = ? WHERE run_id = ?`, string(stats), sum.RunID); err != nil {
			log.Warn("interim stats", "error", err.Error())
		}
	}
	reportDir, parquetDir := ReportDir(opt), ParquetDir(opt)
	var reportErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		rc, err := db.Conn(ctx)
		if err != nil {
			reportErr = fmt.Errorf("report: %w", err)
			return
		}
		defer rc.Close()
		reportErr = report.Write(ctx, rc, reportDir, sum.RunID)
	})
	parquetErr := analytics.WriteParquet(ctx, c, parquetDir)
	wg.Wait()
	if reportErr != nil {
		log.Warn("no run report", "error", reportErr.Error())
		sum.Warnings = append(sum.Warnings, reportErr.Error())
	} else {
		sum.Report = filepath.Join(reportDir, report.Name(sum.RunID))
	}
	if parquetErr != nil {
		log.Warn("no parquet files", "error", parquetErr.Error())
		sum.Warnings = append(sum.Warnings, parquetErr.Error())
	} else {
		sum.Parquet = parquetDir
	}
}
