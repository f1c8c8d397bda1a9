package nightly

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/analytics"
	"github.com/dvpsau/vpsau/internal/rules"
)

// TestReportAndParquet: a run writes its report and the Parquet files after publishing;
// when the report cannot be written the run still succeeds, keeps its exports and says
// why in its warnings.
func TestReportAndParquet(t *testing.T) {
	for _, tt := range []struct {
		name   string
		broken bool // a file where the report folder should be
	}{
		{"written", false},
		{"report folder blocked", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t)
			out := t.TempDir()
			if tt.broken {
				if err := os.WriteFile(filepath.Join(out, "report"), []byte("not a folder"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			opt := Options{
				AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), Inbox: "../../testdata/one-night/inbox", Out: out,
				RawRoot: filepath.Join(t.TempDir(), "raw"), Rules: rules.Defaults(), Guard: DefaultGuard,
			}
			sum, err := Run(context.Background(), db, opt)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if ids, _ := exports.List(out, "dhp"); len(ids) != 1 {
				t.Errorf("dhp exports = %v, want one", ids)
			}
			for _, f := range analytics.Files {
				if _, err := os.Stat(filepath.Join(ParquetDir(opt), f.View+".parquet")); err != nil {
					t.Error(err)
				}
			}
			var sources int
			if err := db.SQL().QueryRow(`SELECT count(*) FROM read_parquet(?)`, filepath.Join(ParquetDir(opt), "run_source.parquet")).Scan(&sources); err != nil || sources != len(Entities()) {
				t.Errorf("run_source.parquet has %d rows, %v; want one per entity (%d)", sources, err, len(Entities()))
			}
			var status string
			if err := db.SQL().QueryRow(`SELECT status FROM ops.run WHERE run_id = ?`, sum.RunID).Scan(&status); err != nil || status != "succeeded" {
				t.Errorf("ledger status = %q, %v; want succeeded", status, err)
			}
			if !tt.broken {
				if sum.Report == "" || len(sum.Warnings) > 0 {
					t.Errorf("Report = %q, Warnings = %v; want a report and no warnings", sum.Report, sum.Warnings)
				}
				if _, err := os.Stat(filepath.Join(out, "report", "index.html")); err != nil {
					t.Error(err)
				}
				return
			}
			if sum.Report != "" || len(sum.Warnings) != 1 || !strings.Contains(sum.Warnings[0], "report") {
				t.Errorf("Report = %q, Warnings = %v; want no report and one warning about it", sum.Report, sum.Warnings)
			}
			var stats string
			db.SQL().QueryRow(`SELECT stats FROM ops.run WHERE run_id = ?`, sum.RunID).Scan(&stats)
			if !strings.Contains(stats, `"Warnings":["report`) {
				t.Errorf("the ledger's stats do not keep the warning: %.200s…", stats)
			}
		})
	}
}
