package nightly

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PruneRaw removes the raw payload folders (run-NNNNNN) under root that are older than
// keep, never the one of the current run. It returns the folders it removed.
func PruneRaw(root string, keep time.Duration, now time.Time, current string) ([]string, error) {
	if keep <= 0 || root == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(root)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("raw retention: %w", err)
	}
	var removed []string
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "run-") || filepath.Join(root, e.Name()) == filepath.Clean(current) {
			continue
		}
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) <= keep {
			continue
		}
		if err := os.RemoveAll(filepath.Join(root, e.Name())); err != nil {
			return removed, fmt.Errorf("raw retention: %w", err)
		}
		removed = append(removed, e.Name())
	}
	return removed, nil
}
