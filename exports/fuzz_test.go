package exports

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// FuzzVerify reads any manifest.json beside a data file: ReadManifest and Verify never
// panic, and Verify passes only a folder whose every file is listed, by a plain name,
// with its size and SHA-256.
func FuzzVerify(f *testing.F) {
	data := []byte("endringsnr,operasjon\n1,NY\n")
	sum := sha256.Sum256(data)
	good := `{"manifest_version": 1, "receiver": "dhp", "export_id": "x", "files": [{"name": "dhp.csv", "format": "csv", "size": 26, "sha256": "` + hex.EncodeToString(sum[:]) + `", "rows": 1}]}`
	for _, s := range []string{good, `{"manifest_version": 1, "files": [{"name": "../dhp.csv"}]}`, `{"manifest_version": 1, "files": [{"name": "manifest.json"}]}`,
		`{"manifest_version": 2}`, `{`, `null`, `{"manifest_version": 1, "files": [{"name": "dhp.csv", "size": -1}]}`, `{"manifest_version": 1, "files": [{"name": "."}, {"name": ""}]}`} {
		f.Add([]byte(s))
	}
	if dir := f.TempDir(); os.WriteFile(filepath.Join(dir, "dhp.csv"), data, 0o644) != nil ||
		os.WriteFile(filepath.Join(dir, ManifestName), []byte(good), 0o644) != nil || Verify(dir) != nil {
		f.Fatalf("the good seed does not pass Verify: %v", Verify(dir))
	}
	f.Fuzz(func(t *testing.T, manifest []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "dhp.csv"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ManifestName), manifest, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(dir)
		if verr := Verify(dir); verr != nil || err != nil {
			return
		}
		listed := map[string]bool{ManifestName: true}
		for _, f := range m.Files {
			if f.Name != filepath.Base(f.Name) || f.Name == ManifestName {
				t.Fatalf("Verify passed a file named %q", f.Name)
			}
			size, sum, err := hashOf(filepath.Join(dir, f.Name))
			if err != nil || size != f.Size || sum != f.SHA256 {
				t.Fatalf("Verify passed %s: %d bytes %s, listed as %d %s (%v)", f.Name, size, sum, f.Size, f.SHA256, err)
			}
			listed[f.Name] = true
		}
		if !listed["dhp.csv"] {
			t.Fatalf("Verify passed a folder with a file its manifest does not list")
		}
	})
}

// FuzzValidName checks validName against the pattern it replaced:
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$.
func FuzzValidName(f *testing.F) {
	pattern := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)
	for _, s := range []string{"000001-20261102", "dhp", ".tmp-stage", "", "a", "-a", "a/b", "a\x00", "æ", "a\n",
		strings.Repeat("a", 100), strings.Repeat("a", 101), "A.b_c-D9", "_x", "x_"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := validName(s), pattern.MatchString(s); got != want {
			t.Fatalf("validName(%q) = %v, the pattern says %v", s, got, want)
		}
	})
}
