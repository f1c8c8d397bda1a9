package files

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func TestSync(t *testing.T) {
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
			if err := Sync(tt.path); !errors.Is(err, tt.want) {
				t.Errorf("Sync(%s) = %v, want %v", tt.path, err, tt.want)
			}
		})
	}
}

// TestCopyTree copies a file and a folder of files and folders, into folders that do not
// exist yet, and a source that is not there.
func TestCopyTree(t *testing.T) {
	src := t.TempDir()
	want := writeTree(t, src)
	tests := []struct {
		name, from string
		files      []string // expected under the destination, relative to the source given
		wantErr    error
	}{
		{"a file", "producers.csv", []string{""}, nil},
		{"a folder", "subsidy", []string{"2025.csv", "x/deep.csv"}, nil},
		{"missing", "missing.csv", nil, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := filepath.Join(t.TempDir(), "a", "b", tt.from)
			err := CopyTree(filepath.Join(src, tt.from), dst)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CopyTree = %v, want %v", err, tt.wantErr)
			}
			for _, f := range tt.files {
				got, err := os.ReadFile(filepath.Join(dst, filepath.FromSlash(f)))
				if err != nil {
					t.Fatal(err)
				}
				name := filepath.ToSlash(filepath.Join(tt.from, f))
				if string(got) != want[name] {
					t.Errorf("%s = %q, want %q", name, got, want[name])
				}
			}
		})
	}
}

// writeTree writes a file and a folder of files and folders under dir and returns them by
// slash path.
func writeTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	tree := map[string]string{
		"producers.csv":      "produsentnr\n3000000001\n",
		"subsidy/2025.csv":   "orgnr\n",
		"subsidy/x/deep.csv": "",
	}
	for name, body := range tree {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return tree
}

// TestSyncTree syncs a tree of files and folders, and fails on one that is not there.
func TestSyncTree(t *testing.T) {
	root := t.TempDir()
	run := filepath.Join(root, "run-000001")
	writeTree(t, run)
	tests := []struct {
		name, dir string
		want      error
	}{
		{"a tree", run, nil},
		{"missing", filepath.Join(root, "run-000002"), fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := SyncTree(tt.dir); !errors.Is(err, tt.want) {
				t.Errorf("SyncTree(%s) = %v, want %v", tt.dir, err, tt.want)
			}
		})
	}
}

// TestRemoveLeftovers removes the files and folders under the temporary prefix, and
// nothing else.
func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{".tmp-a", ".tmp-dir/inner/f", "keep.tmp-x", "keep", "[x].tmp-1", "[x]"} {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveLeftovers(dir, ".tmp-"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
	}
	if want := "[[x] [x].tmp-1 keep keep.tmp-x]"; fmt.Sprint(got) != want {
		t.Errorf("left %v, want %s", got, want)
	}
	// A prefix with a glob's special characters is text.
	if err := RemoveLeftovers(dir, "[x].tmp-"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "[x].tmp-1")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("[x].tmp-1 is still there: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "[x]")); err != nil {
		t.Errorf("[x] is gone: %v", err)
	}
	if err := RemoveLeftovers(filepath.Join(dir, "missing"), ".tmp-"); err != nil {
		t.Errorf("a folder that does not exist: %v", err)
	}
}
