package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// TestCopyToSweepsKilledCopies: a copy that a killed process left half-written beside the
// destination (each as large as the database) is removed by the next copy, and the new
// copy opens (regression: they stayed for ever).
func TestCopyToSweepsKilledCopies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, filepath.Join(dir, "v.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	dst := filepath.Join(dir, "copy", "v-analyst.duckdb")
	os.MkdirAll(filepath.Dir(dst), 0o755)
	left := []string{dst + ".tmp-4242", dst + ".tmp-4242.wal"}
	for _, p := range left {
		if err := os.WriteFile(p, []byte("half a database"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := CopyTo(ctx, c, dst, nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dst))
	if len(entries) != 1 || entries[0].Name() != "v-analyst.duckdb" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("beside the copy: %v, want only v-analyst.duckdb", names)
	}
	cp, err := Open(ctx, dst, Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("the copy: %v", err)
	}
	cp.Close()
}
