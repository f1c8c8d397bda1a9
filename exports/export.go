package exports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"
)

// Kind says how a column's values are written.
type Kind int

// The column kinds; see the package documentation for how each is written.
const (
	Text      Kind = iota // free text, formula-neutralised
	ID                    // an identifier or code: text, never altered
	Int                   // a whole number
	Decimal               // a float64
	Date                  // a civil date
	Timestamp             // an instant
)

var kindNames = [...]string{Text: "text", ID: "id", Int: "int", Decimal: "decimal", Date: "date", Timestamp: "timestamp"}

// String returns the kind's name as the manifest writes it.
func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// MarshalText writes the kind's name.
func (k Kind) MarshalText() ([]byte, error) {
	if k < 0 || int(k) >= len(kindNames) {
		return nil, fmt.Errorf("unknown column kind %d", int(k))
	}
	return []byte(kindNames[k]), nil
}

// UnmarshalText reads a kind's name.
func (k *Kind) UnmarshalText(b []byte) error {
	for i, name := range kindNames {
		if string(b) == name {
			*k = Kind(i)
			return nil
		}
	}
	return fmt.Errorf("unknown column kind %q", b)
}

// Column is one column of an export.
type Column struct {
	Name string `json:"name"`
	Kind Kind   `json:"kind"`
}

// The three columns every export starts with.
const (
	ColChangeNr  = "endringsnr"
	ColOperation = "operasjon"
	ColChangedAt = "endret_tid"
)

// The operations of the operasjon column.
const (
	OpNew     = "NY"
	OpChanged = "ENDRET"
	OpDeleted = "SLETTET"
)

// Format is a data file's format.
type Format string

// The formats.
const (
	CSV  Format = "csv"
	XLSX Format = "xlsx"
)

// FileSpec asks for one data file.
type FileSpec struct {
	Format  Format
	Dialect Dialect // CSV only
}

// DefaultMaxRowsPerSheet is the data rows per XLSX sheet when none is set:
// Excel's 1,048,576 rows less the header.
const DefaultMaxRowsPerSheet = 1<<20 - 1

// XLSXOptions tunes the XLSX file.
type XLSXOptions struct {
	// MaxRowsPerSheet is the number of data rows after which a new sheet
	// starts; 0 means DefaultMaxRowsPerSheet, which is also the maximum.
	MaxRowsPerSheet int
}

// Export describes one export of one receiver.
type Export struct {
	Receiver string // folder and file name; letters, digits, '.', '_', '-'
	ID       string // the export's folder name; same characters, sorted in publication order by List

	// The export holds the changes after FromChange up to and including
	// ToChange. A full export has Full set and FromChange 0.
	FromChange, ToChange int64
	Full                 bool

	BusinessDate time.Time // the civil date the run is for
	Created      time.Time // when the export was made; written to the manifest only

	Columns []Column   // endringsnr, operasjon, endret_tid, then the receiver's columns
	Files   []FileSpec // at most one per format
	XLSX    XLSXOptions

	PrevManifestSHA256 string            // the receiver's previous manifest.json's SHA-256, "" for the first
	Extra              map[string]string // extra manifest fields, such as the run id; may be nil

	// Wrap, when set, makes the writer of each file of the export (data files and
	// manifest) from the file; nil writes to the file itself. Tests put a writer here
	// that fails as a full disk does.
	Wrap func(*os.File) io.Writer
}

// Rows is a stream of rows, such as a database query's result. Values returns
// one value per column, each nil, string, int64, float64, time.Time or bool
// (other integer types and float32 are accepted too); the slice may be reused
// between calls to Next.
type Rows interface {
	Next() bool
	Values() []any
	Err() error
}

var sha256Pattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// validName reports whether s is a receiver's or an export's name: an ASCII letter or
// digit, then up to 99 more or '.', '_' and '-' (the download API checks every request's
// export id with it, so it is a loop rather than a regular expression).
func validName(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == '-'):
		default:
			return false
		}
	}
	return true
}

func (e *Export) validate() error {
	if !validName(e.Receiver) {
		return fmt.Errorf("bad receiver name %q", e.Receiver)
	}
	if !validName(e.ID) {
		return fmt.Errorf("bad export id %q", e.ID)
	}
	if e.FromChange < 0 || e.ToChange < e.FromChange {
		return fmt.Errorf("bad change range %d–%d", e.FromChange, e.ToChange)
	}
	if e.Full && e.FromChange != 0 {
		return fmt.Errorf("full export from change %d, want 0", e.FromChange)
	}
	if e.BusinessDate.IsZero() {
		return errors.New("no business date")
	}
	if e.Created.IsZero() {
		return errors.New("no creation time")
	}
	if p := e.PrevManifestSHA256; p != "" && !sha256Pattern.MatchString(p) {
		return fmt.Errorf("previous manifest sha256 %q is not 64 lowercase hex digits", p)
	}
	if err := validateColumns(e.Columns); err != nil {
		return err
	}
	if len(e.Files) == 0 {
		return errors.New("no files")
	}
	seen := map[Format]bool{}
	for _, fs := range e.Files {
		switch fs.Format {
		case CSV:
			if err := fs.Dialect.validate(); err != nil {
				return err
			}
		case XLSX:
			if n := e.XLSX.MaxRowsPerSheet; n < 0 || n > DefaultMaxRowsPerSheet {
				return fmt.Errorf("xlsx rows per sheet %d, want 1–%d", n, DefaultMaxRowsPerSheet)
			}
			if len(e.Receiver) > maxSheetName {
				return fmt.Errorf("receiver name %q too long for an xlsx sheet name", e.Receiver)
			}
		default:
			return fmt.Errorf("unknown format %q", fs.Format)
		}
		if seen[fs.Format] {
			return fmt.Errorf("two %s files", fs.Format)
		}
		seen[fs.Format] = true
	}
	return nil
}

func validateColumns(cols []Column) error {
	want := []Column{{ColChangeNr, Int}, {ColOperation, Text}, {ColChangedAt, Timestamp}}
	if len(cols) < len(want) {
		return fmt.Errorf("%d columns, want at least %d", len(cols), len(want))
	}
	for i, w := range want {
		c := cols[i]
		if c.Name != w.Name || (c.Kind != w.Kind && !(w.Kind == Text && c.Kind == ID)) {
			return fmt.Errorf("column %d is %s (%s), want %s (%s)", i+1, c.Name, c.Kind, w.Name, w.Kind)
		}
	}
	names := map[string]bool{}
	for _, c := range cols {
		if c.Name == "" {
			return errors.New("column without a name")
		}
		if names[c.Name] {
			return fmt.Errorf("column %s twice", c.Name)
		}
		names[c.Name] = true
		if c.Kind < Text || c.Kind > Timestamp {
			return fmt.Errorf("column %s: unknown kind %d", c.Name, int(c.Kind))
		}
	}
	return nil
}

// fileName is the name of the export's file in format f.
func fileName(receiver string, f Format) string {
	return receiver + "." + string(f)
}
