package nightly

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPruneRaw(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2027, 4, 1, 4, 30, 0, 0, time.UTC)
	ages := map[string]time.Duration{"run-000001": 120 * 24 * time.Hour, "run-000002": 91 * 24 * time.Hour,
		"run-000003": 89 * 24 * time.Hour, "run-000004": 0, "notes": 200 * 24 * time.Hour}
	for name, age := range ages {
		p := filepath.Join(root, name)
		os.MkdirAll(p, 0o755)
		os.Chtimes(p, now.Add(-age), now.Add(-age))
	}
	removed, err := PruneRaw(root, 90*24*time.Hour, now, filepath.Join(root, "run-000004"))
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || removed[0] != "run-000001" || removed[1] != "run-000002" {
		t.Errorf("removed %v, want run-000001 and run-000002", removed)
	}
	for _, keep := range []string{"run-000003", "run-000004", "notes"} {
		if _, err := os.Stat(filepath.Join(root, keep)); err != nil {
			t.Errorf("%s was removed", keep)
		}
	}
}
