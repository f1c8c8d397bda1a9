// Package exportstest helps tests that check what a run published: a snapshot of every
// published export, to compare before and after a run that must not publish, or must
// publish exactly one export a receiver.
package exportstest

import (
	"crypto/sha256"
	"encoding/hex"
	"path/filepath"
	"testing"

	"github.com/dvpsau/vpsau/exports"
)

// Manifests returns every export published under out for the receivers, as
// "receiver/export id" → the SHA-256 of its manifest.json. Each export is verified
// (exports.Verify) on the way; a failure is reported with t.Errorf, and a folder that
// cannot be listed stops the test.
func Manifests(t testing.TB, out string, receivers []string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, r := range receivers {
		ids, err := exports.List(out, r)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			dir := filepath.Join(out, r, id)
			if err := exports.Verify(dir); err != nil {
				t.Errorf("export %s/%s: %v", r, id, err)
			}
			b, _, err := exports.ReadManifestBytes(dir)
			if err != nil {
				t.Errorf("export %s/%s: %v", r, id, err)
			}
			sum := sha256.Sum256(b)
			m[r+"/"+id] = hex.EncodeToString(sum[:])
		}
	}
	return m
}
