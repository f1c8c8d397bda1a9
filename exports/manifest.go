package exports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ManifestName is the manifest's file name in an export folder.
const ManifestName = "manifest.json"

// ManifestVersion is the version of the manifest's layout.
const ManifestVersion = 1

// ErrMismatch is returned by Verify when a folder differs from its manifest.
var ErrMismatch = errors.New("export differs from its manifest")

// Manifest describes an export folder. It is written as JSON, with the fields
// in this order.
type Manifest struct {
	Version      int         `json:"manifest_version"`
	Receiver     string      `json:"receiver"`
	ExportID     string      `json:"export_id"`
	Full         bool        `json:"full"`
	Changes      ChangeRange `json:"endringsnr"`
	BusinessDate string      `json:"business_date"` // YYYY-MM-DD
	Created      time.Time   `json:"created"`       // UTC
	Columns      []Column    `json:"columns"`
	Rows         RowCounts   `json:"rows"`
	Files        []File      `json:"files"`

	PrevManifestSHA256 string            `json:"previous_manifest_sha256"`
	Extra              map[string]string `json:"extra,omitempty"`
}

// ChangeRange is the export's change range: the changes after From up to and
// including To.
type ChangeRange struct {
	From int64 `json:"fra"`
	To   int64 `json:"til"`
}

// RowCounts counts an export's rows per operation.
type RowCounts struct {
	New     int64 `json:"NY"`
	Changed int64 `json:"ENDRET"`
	Deleted int64 `json:"SLETTET"`
	Total   int64 `json:"total"`
}

// File is one data file of an export.
type File struct {
	Name    string   `json:"name"`
	Format  Format   `json:"format"`
	Dialect *Dialect `json:"dialect,omitempty"` // CSV only
	Sheets  []string `json:"sheets,omitempty"`  // XLSX only
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256"` // lowercase hex
	Rows    int64    `json:"rows"`   // data rows, without headers
}

// encode writes the manifest as indented JSON with a trailing newline.
func (m *Manifest) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ReadManifest reads the manifest of the export folder dir.
func ReadManifest(dir string) (Manifest, error) {
	_, m, err := ReadManifestBytes(dir)
	return m, err
}

// ReadManifestBytes reads the manifest of the export folder dir once: its bytes as
// published (what a manifest's SHA-256 is taken of) and what they say.
func ReadManifestBytes(dir string) ([]byte, Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, Manifest{}, fmt.Errorf("read manifest %s: %w", dir, err)
	}
	if m.Version != ManifestVersion {
		return nil, Manifest{}, fmt.Errorf("read manifest %s: version %d, want %d", dir, m.Version, ManifestVersion)
	}
	return b, m, nil
}

// Verify checks the export folder dir against its manifest: every listed file
// is there with its size and SHA-256, and nothing else is. All differences
// are reported in one error that wraps ErrMismatch.
func Verify(dir string) error {
	m, err := ReadManifest(dir)
	if err != nil {
		return err
	}
	var problems []string
	listed := map[string]bool{ManifestName: true}
	for _, f := range m.Files {
		if f.Name != filepath.Base(f.Name) || f.Name == ManifestName || f.Name == "." || f.Name == ".." {
			problems = append(problems, fmt.Sprintf("bad file name %q", f.Name))
			continue
		}
		listed[f.Name] = true
		size, sum, err := hashOf(filepath.Join(dir, f.Name))
		switch {
		case errors.Is(err, os.ErrNotExist):
			problems = append(problems, f.Name+" missing")
		case err != nil:
			return fmt.Errorf("verify %s: %w", dir, err)
		case size != f.Size:
			problems = append(problems, fmt.Sprintf("%s is %d bytes, manifest says %d", f.Name, size, f.Size))
		case sum != f.SHA256:
			problems = append(problems, fmt.Sprintf("%s has sha256 %s, manifest says %s", f.Name, sum, f.SHA256))
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !listed[e.Name()] {
			problems = append(problems, e.Name()+" not in the manifest")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("verify %s: %w: %s", dir, ErrMismatch, strings.Join(problems, "; "))
	}
	return nil
}

// manifestOf builds the manifest of e.
func manifestOf(e *Export, counts RowCounts, files []File) Manifest {
	m := Manifest{
		Version:            ManifestVersion,
		Receiver:           e.Receiver,
		ExportID:           e.ID,
		Full:               e.Full,
		Changes:            ChangeRange{From: e.FromChange, To: e.ToChange},
		BusinessDate:       string(appendDate(nil, e.BusinessDate)),
		Created:            e.Created.UTC(),
		Columns:            slices.Clone(e.Columns),
		Rows:               counts,
		Files:              files,
		PrevManifestSHA256: e.PrevManifestSHA256,
	}
	if len(e.Extra) > 0 {
		m.Extra = make(map[string]string, len(e.Extra))
		for k, v := range e.Extra {
			m.Extra[k] = v
		}
	}
	return m
}
