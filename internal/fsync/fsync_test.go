package fsync

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestPath(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		want       error
	}{
		{"file", file, nil},
		{"folder", dir, nil},
		{"missing", filepath.Join(dir, "missing"), fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Path(tt.path); !errors.Is(err, tt.want) {
				t.Errorf("Path(%s) = %v, want %v", tt.path, err, tt.want)
			}
		})
	}
}
