package intake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSync(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "run-000001") // a deeper tree is files.TestSyncTree's
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "producers.csv"), []byte("produsentnr\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, wantErr string
	}{
		{"a run's folder", run, ""},
		{"a folder that is not there", filepath.Join(root, "run-000002"), filepath.Join(root, "run-000002") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Sync(tt.dir)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), "raw: sync: ") || !strings.HasSuffix(err.Error(), tt.wantErr)) {
				t.Errorf("Sync(%s) = %v, want %q", tt.dir, err, tt.wantErr)
			}
		})
	}
}
