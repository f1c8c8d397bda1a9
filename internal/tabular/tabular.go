// Package tabular reads the CSV files that sources deliver: UTF-8 with or without a BOM,
// `,` or `;` as delimiter (detected from the header), RFC 4180 quoting, LF or CRLF, one
// header row. It reports every record with the physical line it starts on, and keeps going
// after a malformed record, so that a caller can reject that record and load the rest.
//
// A record on one line whose quoted fields hold no quotes of their own — nearly every
// record of the sources' files — is split directly, on the delimiter; every other record
// goes through encoding/csv, which gives the same fields and names what is wrong.
package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
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
	feed   *feeder
	base   int // physical line before the csv.Reader's line 1 (it starts again after a resync)
	header []string
	comma  rune
	rec    Record
	err    error
	done   bool

	fields []string // the fields of the last record split directly
	slow   bool     // every record through encoding/csv (tests compare the two ways)
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
	feed := &feeder{src: br}
	cr := newCSV(feed, comma)
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return nil, ErrEmpty
		}
		return nil, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	names := make([]string, len(header))
	seen := make(map[string]int, len(header))
	if slices.ContainsFunc(header, func(h string) bool { return strings.Contains(h, "\r") }) {
		// A CR that does not end a line runs every line into one: the header's last
		// name runs into the first row.
		return nil, fmt.Errorf("%w: its lines end in CR alone (save the file with LF or CRLF line ends)", ErrHeader)
	}
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
	return &Reader{cr: cr, feed: feed, header: names, comma: comma}, nil
}

func newCSV(r io.Reader, comma rune) *csv.Reader {
	cr := csv.NewReader(r)
	cr.Comma = comma
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	return cr
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
//
// A malformed record that runs over several lines — a quote opened and never closed, or
// closed lines later with the wrong number of fields — is a record error on the line it
// starts on, and the lines after that one are read again as records of their own: one
// stray quote does not swallow the rest of the file (whose rows would read as deleted).
func (r *Reader) Next() bool {
	for {
		switch r.next() {
		case gotRecord:
			return true
		case atEnd:
			return false
		}
	}
}

// What one call of next did: read a record, reached the end, or skipped a blank line.
const (
	gotRecord = iota
	atEnd
	skipped
)

// next reads one record or skips one blank line (Next loops: a file of a million blank
// lines must not recurse a million deep).
func (r *Reader) next() int {
	if r.done {
		return atEnd
	}
	r.feed.mark()
	if !r.slow {
		line, whole, err := r.feed.peekLine()
		if len(line) == 0 {
			if err != io.EOF {
				r.err = err
			}
			r.done = true
			return atEnd
		}
		if whole {
			content := line
			if n := len(content); content[n-1] == '\n' {
				content = content[:n-1]
			}
			if n := len(content); n > 0 && content[n-1] == '\r' {
				content = content[:n-1] // as encoding/csv: CRLF, or a CR before the end of the file
			}
			if fields, ok := r.split(content); ok {
				at := r.feed.take()
				if len(content) == 0 {
					return skipped // encoding/csv skips it too
				}
				if len(fields) != len(r.header) {
					if len(fields) == 1 && fields[0] == "" {
						return skipped // or one of ""
					}
					r.rec = Record{Line: at, Err: fmt.Errorf("%d fields, the header has %d", len(fields), len(r.header))}
					return gotRecord
				}
				r.rec = Record{Line: at, Fields: fields}
				return gotRecord
			}
		}
		// encoding/csv reads this record, from this line on: a new reader, whose line 1
		// is this one and which reads no further than the record (the feeder hands it
		// one line at a time).
		r.cr = newCSV(r.feed, r.comma)
		r.base = r.feed.lines
	}
	fields, err := r.cr.Read()
	if err == io.EOF {
		r.done = true
		return atEnd
	}
	var pe *csv.ParseError
	switch {
	case err == nil:
		line, _ := r.cr.FieldPos(0)
		line += r.base
		if len(fields) != len(r.header) {
			if len(fields) == 1 && fields[0] == "" {
				return skipped
			}
			if end := r.feed.line(); end > line {
				r.rec = Record{Line: line, Err: fmt.Errorf("%d fields, the header has %d (the record runs over lines %d–%d, a quote on line %d not closed there?; lines %d–%d are read again as records of their own)",
					len(fields), len(r.header), line, end, line, line+1, end)}
				r.resync(line)
				return gotRecord
			}
			r.rec = Record{Line: line, Err: fmt.Errorf("%d fields, the header has %d", len(fields), len(r.header))}
			return gotRecord
		}
		r.rec = Record{Line: line, Fields: fields}
		return gotRecord
	case errors.As(err, &pe):
		start, at := pe.StartLine+r.base, pe.Line+r.base
		msg := fmt.Errorf("malformed CSV at line %d column %d: %v", at, pe.Column, pe.Err)
		if end := r.feed.line(); end > start {
			msg = fmt.Errorf("%w (the record starts on line %d; lines %d–%d are read again as records of their own)", msg, start, start+1, end)
			r.rec = Record{Line: start, Err: msg}
			r.resync(start)
			return gotRecord
		}
		r.rec = Record{Line: start, Err: msg}
		return gotRecord
	default:
		r.err = err
		r.done = true
		return atEnd
	}
}

// split splits one line without its line end on the delimiter, as encoding/csv would,
// into fields that share one string. ok is false when the line needs encoding/csv: a
// quote inside an unquoted field, a doubled quote inside a quoted one, a quoted field not
// closed on the line or followed by anything but the delimiter, or a carriage return.
func (r *Reader) split(line []byte) (fields []string, ok bool) {
	if bytes.IndexByte(line, '\r') >= 0 {
		return nil, false
	}
	comma := byte(r.comma)
	s := string(line)
	fields = r.fields[:0]
	for i := 0; ; {
		if i < len(s) && s[i] == '"' {
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return nil, false
			}
			end := i + 1 + j
			fields = append(fields, s[i+1:end])
			switch {
			case end+1 == len(s):
				r.fields = fields
				return fields, true
			case s[end+1] != comma:
				return nil, false
			}
			i = end + 2
			continue
		}
		j := i
		for j < len(s) && s[j] != comma {
			if s[j] == '"' {
				return nil, false
			}
			j++
		}
		fields = append(fields, s[i:j])
		if j == len(s) {
			r.fields = fields
			return fields, true
		}
		i = j + 1
	}
}

// resync reads the lines the last record took after its first line, start, again with a
// new csv.Reader.
func (r *Reader) resync(start int) {
	r.feed.again(start)
	r.cr = newCSV(r.feed, r.comma)
	r.base = start
}

// Record returns the current record. Its Fields are only valid until the next call to Next.
func (r *Reader) Record() Record { return r.rec }

// Err returns the I/O error that stopped the reader, if any.
func (r *Reader) Err() error { return r.err }

// feeder hands the csv.Reader its input one line at a time, and keeps the lines after
// the first of the record being read, so that a malformed record's later lines can be read
// again. A record of one line (nearly all) costs no copy.
type feeder struct {
	src       *bufio.Reader
	pending   []byte // lines to read again, before src
	carry     []byte // the rest of the line being handed out (src's buffer, or pending's)
	rec       []byte // what was handed out since the first newline after mark
	recording bool   // a newline was handed out since mark
	recLine   int    // the physical line of mark (rec starts on the next one)
	lines     int    // newlines handed out
	last      byte   // the last byte handed out
	err       error  // src's error, once it has no more data
}

func (f *feeder) Read(p []byte) (int, error) {
	if !f.fill() {
		return 0, f.err
	}
	n := copy(p, f.carry)
	f.carry = f.carry[n:]
	out := p[:n]
	if nl := bytes.Count(out, []byte{'\n'}); nl > 0 {
		if !f.recording {
			f.recording = true
			out = out[bytes.IndexByte(out, '\n')+1:]
		}
		f.lines += nl
	} else if !f.recording {
		out = nil
	}
	f.rec = append(f.rec, out...)
	f.last = p[n-1]
	return n, nil
}

// fill puts the next line in carry, unless carry still holds some: from pending first, or
// as much of src's next line as its buffer holds (the slice stays valid until the next
// read from src, after it is handed out). It is false at the end of the input, f.err
// saying why.
func (f *feeder) fill() bool {
	if len(f.carry) > 0 {
		return true
	}
	switch {
	case len(f.pending) > 0:
		n := bytes.IndexByte(f.pending, '\n') + 1
		if n == 0 {
			n = len(f.pending)
		}
		f.carry, f.pending = f.pending[:n], f.pending[n:]
		return true
	case f.err != nil:
		return false
	}
	line, err := f.src.ReadSlice('\n')
	if err != nil && err != bufio.ErrBufferFull {
		f.err = err
	}
	f.carry = line
	return len(line) > 0
}

// peekLine returns the next physical line with its line end, or all of it that fits the
// buffer (whole is false then), without handing it out: it stays for take or for the
// csv.Reader. An empty line means the end of the input, with src's error.
func (f *feeder) peekLine() (line []byte, whole bool, err error) {
	if !f.fill() {
		return nil, false, f.err
	}
	whole = f.carry[len(f.carry)-1] == '\n' || len(f.pending) == 0 && f.err == io.EOF
	return f.carry, whole, nil
}

// take hands out the line peekLine returned, which a caller has read itself, and returns
// its physical line.
func (f *feeder) take() int {
	at := f.lines + 1
	if f.carry[len(f.carry)-1] == '\n' {
		f.lines++
	}
	f.last = f.carry[len(f.carry)-1]
	f.carry = nil
	return at
}

// mark starts a new record: what was handed out before is forgotten.
func (f *feeder) mark() {
	f.rec = f.rec[:0]
	f.recording = false
	f.recLine = f.lines + 1
}

// line returns the physical line of the last byte handed out.
func (f *feeder) line() int {
	if f.last == '\n' {
		return f.lines
	}
	return f.lines + 1
}

// again puts the lines handed out since mark after line start back in front of the input.
func (f *feeder) again(start int) {
	rest := f.rec
	for l := f.recLine + 1; l <= start && len(rest) > 0; l++ {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			rest = nil
			break
		}
		rest = rest[i+1:]
	}
	again := make([]byte, 0, len(rest)+len(f.carry)+len(f.pending))
	again = append(append(append(again, rest...), f.carry...), f.pending...)
	f.pending, f.carry = again, nil
	f.lines = start
	f.last = '\n'
	f.mark()
}
