package nightly

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/land"
)

// fetchedFile, in a run's raw folder, records when each system's payloads were fetched
// (for payloads taken over from an earlier run: when that run fetched them).
const fetchedFile = "fetched.json"

// StaleSource records a source whose snapshot could not be fetched, replaced by the last
// one landed, as configured.
type StaleSource struct {
	System    string    `json:"system"`
	FromRun   int64     `json:"from_run"`
	FetchedAt time.Time `json:"fetched_at"`
	Reason    string    `json:"reason"`
}

func writeFetched(rawDir string, fetched map[string]time.Time) error {
	b, err := json.MarshalIndent(fetched, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(rawDir, fetchedFile), b, 0o644)
}

func readFetched(rawDir string) map[string]time.Time {
	m := map[string]time.Time{}
	if b, err := os.ReadFile(filepath.Join(rawDir, fetchedFile)); err == nil {
		json.Unmarshal(b, &m)
	}
	return m
}

// payloadPaths are where an entity's payloads live in a raw folder: its HTTP pages, or
// its file-drop file (or folder).
func payloadPaths(e *contract.Entity) []string {
	return []string{filepath.Join(land.HTTPDir, e.Name), e.File}
}

// clearPayloads removes whatever a failed fetch left of the entities in rawDir.
func clearPayloads(rawDir string, es []*contract.Entity) {
	for _, e := range es {
		for _, p := range payloadPaths(e) {
			os.RemoveAll(filepath.Join(rawDir, p))
		}
	}
}

// fallback copies the system's payloads from the latest of runs (the ledger's successful
// runs, newest first) whose copy of them is younger than maxAge into rawDir, and says which
// run and when they were fetched.
func fallback(rawRoot, rawDir, system string, es []*contract.Entity, runs []int64, now time.Time, maxAge time.Duration) (int64, time.Time, error) {
	for _, id := range runs {
		dir := filepath.Join(rawRoot, fmt.Sprintf("run-%06d", id))
		at, ok := readFetched(dir)[system]
		if !ok {
			continue
		}
		if now.Sub(at) > maxAge {
			return 0, time.Time{}, fmt.Errorf("the last snapshot of %s (run %d) was fetched %s ago, more than the %s allowed",
				system, id, now.Sub(at).Round(time.Minute), maxAge)
		}
		clearPayloads(rawDir, es)
		copied := 0
		for _, e := range es {
			for _, p := range payloadPaths(e) {
				src := filepath.Join(dir, p)
				if _, err := os.Stat(src); err != nil {
					continue
				}
				if err := files.CopyTree(src, filepath.Join(rawDir, p)); err != nil {
					return 0, time.Time{}, err
				}
				copied++
			}
		}
		if copied == 0 {
			continue
		}
		return id, at, nil
	}
	return 0, time.Time{}, errors.New("no earlier run kept its snapshot")
}
