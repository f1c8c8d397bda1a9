// Package tabular reads the CSV files that sources deliver: UTF-8 with or without a BOM,
// `,` or `;` as delimiter (detected from the header), RFC 4180 quoting, LF or CRLF, one
// header row. It reports every record with the physical line it starts on, and keeps going
// after a malformed record, so that a caller can reject that record and load the rest.
package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Errors that make a whole file unreadable.
var (
	ErrEmpty    = errors.New("file is empty: no header row")
	ErrEncoding = errors.New("file is not UTF-8")
	ErrHeader   = errors.New("bad header")
)

// Record is one data row of a file.
type Record struct {
	Line   int      // physical line (1-based) the record starts on; the header is line 1
	Fields []string // the fields in header order; nil when Err is set and the row could not be split
	Err    error    // a problem with the record itself (quoting, number of fields); nil if well-formed
}

// Reader reads records from a CSV file. It is not safe for concurrent use.
type Reader struct {
	cr     *csv.Reader
	header []string
	comma  rune
	rec    Record
	err    error
	done   bool
}

// NewReader reads and checks the header row. The header names are trimmed and lower-cased;
// an empty or duplicate name is an error, as is a file with no header at all.
func NewReader(r io.Reader) (*Reader, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	head, err := br.Peek(4)
	if err != nil && len(head) == 0 {
		if err == io.EOF {
			return nil, ErrEmpty
		}
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}), bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return nil, fmt.Errorf("%w: it is UTF-16 (save it as UTF-8)", ErrEncoding)
	case len(head) >= 2 && (head[0] == 0 || head[1] == 0):
		// A header never starts with a NUL: this is UTF-16 (or UTF-32) without a
		// byte-order mark, whose columns would otherwise all look missing.
		return nil, fmt.Errorf("%w: it starts with NUL bytes, as UTF-16 without a byte-order mark does (save it as UTF-8)", ErrEncoding)
	}
	comma, err := sniffComma(br)
	if err != nil {
		return nil, err
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, ErrEmpty
		}
		return nil, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	names := make([]string, len(header))
	seen := make(map[string]int, len(header))
	for i, h := range header {
		if !utf8.ValidString(h) {
			return nil, fmt.Errorf("%w: the name of column %d is not UTF-8 (save the file as UTF-8)", ErrEncoding, i+1)
		}
		n := strings.ToLower(strings.TrimSpace(h))
		if n == "" {
			return nil, fmt.Errorf("%w: column %d has no name", ErrHeader, i+1)
		}
		if j, dup := seen[n]; dup {
			return nil, fmt.Errorf("%w: column %q appears twice (columns %d and %d)", ErrHeader, n, j+1, i+1)
		}
		seen[n] = i
		names[i] = n
	}
	return &Reader{cr: cr, header: names, comma: comma}, nil
}

// sniffComma picks `;` when the header line has more semicolons than commas outside
// quotes, else `,`.
func sniffComma(br *bufio.Reader) (rune, error) {
	var commas, semis int
	inQuote := false
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if len(b) < i {
			if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
				return 0, err
			}
			break
		}
		c := b[i-1]
		if c == '"' {
			inQuote = !inQuote
		}
		if inQuote {
			continue
		}
		if c == '\n' {
			break
		}
		switch c {
		case ',':
			commas++
		case ';':
			semis++
		}
		if i == br.Size() {
			break
		}
	}
	if semis > commas {
		return ';', nil
	}
	return ',', nil
}

// Header returns the normalised column names.
func (r *Reader) Header() []string { return r.header }

// Comma returns the detected delimiter.
func (r *Reader) Comma() rune { return r.comma }

// Next advances to the next record. It returns false at the end of the file or on an I/O
// error (see Err).
func (r *Reader) Next() bool {
	if r.done {
		return false
	}
	fields, err := r.cr.Read()
	if err == io.EOF {
		r.done = true
		return false
	}
	var pe *csv.ParseError
	switch {
	case err == nil:
		line, _ := r.cr.FieldPos(0)
		if len(fields) != len(r.header) {
			if len(fields) == 1 && fields[0] == "" {
				return r.Next() // a blank line
			}
			r.rec = Record{Line: line, Err: fmt.Errorf("%d fields, the header has %d", len(fields), len(r.header))}
			return true
		}
		r.rec = Record{Line: line, Fields: fields}
		return true
	case errors.As(err, &pe):
		r.rec = Record{Line: pe.StartLine, Err: fmt.Errorf("malformed CSV at line %d column %d: %v", pe.Line, pe.Column, pe.Err)}
		return true
	default:
		r.err = err
		r.done = true
		return false
	}
}

// Record returns the current record. Its Fields are only valid until the next call to Next.
func (r *Reader) Record() Record { return r.rec }

// Err returns the I/O error that stopped the reader, if any.
func (r *Reader) Err() error { return r.err }
