package tabular

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type row struct {
	Line   int
	Fields []string
	Err    string
}

func readAll(t testing.TB, in string) (*Reader, []row, error) {
	t.Helper()
	return read(in, false)
}

// read reads a whole file; slow sends every record through encoding/csv.
func read(in string, slow bool) (*Reader, []row, error) {
	r, err := NewReader(strings.NewReader(in))
	if err != nil {
		return nil, nil, err
	}
	r.slow = slow
	var rows []row
	for r.Next() {
		rec := r.Record()
		x := row{Line: rec.Line, Fields: append([]string(nil), rec.Fields...)}
		if rec.Err != nil {
			x.Err = rec.Err.Error()
		}
		rows = append(rows, x)
	}
	return r, rows, r.Err()
}

func TestReader(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		header []string
		comma  rune
		rows   []row
	}{
		{
			name:   "comma LF",
			in:     "a,b\n1,2\n3,4\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{{Line: 2, Fields: []string{"1", "2"}}, {Line: 3, Fields: []string{"3", "4"}}},
		},
		{
			name:   "semicolon CRLF BOM no final newline",
			in:     "\xef\xbb\xbfA ; B\r\n1;2\r\n3;4",
			header: []string{"a", "b"}, comma: ';',
			rows: []row{{Line: 2, Fields: []string{"1", "2"}}, {Line: 3, Fields: []string{"3", "4"}}},
		},
		{
			name:   "quoted delimiter and newline keep line numbers",
			in:     "a,b\n\"x,y\",\"two\nlines\"\n5,6\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{{Line: 2, Fields: []string{"x,y", "two\nlines"}}, {Line: 4, Fields: []string{"5", "6"}}},
		},
		{
			name:   "semicolons inside quoted header names do not count",
			in:     "\"a;x\",b,c\n1,2,3\n",
			header: []string{"a;x", "b", "c"}, comma: ',',
			rows: []row{{Line: 2, Fields: []string{"1", "2", "3"}}},
		},
		{
			name:   "wrong field count is a record error and reading goes on",
			in:     "a,b\n1,2,3\n4,5\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{{Line: 2, Err: "3 fields, the header has 2"}, {Line: 3, Fields: []string{"4", "5"}}},
		},
		{
			name:   "bare quote is a record error and reading goes on",
			in:     "a,b\n1,x\"y\n4,5\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{{Line: 2, Err: `malformed CSV at line 2 column 4: bare " in non-quoted-field`}, {Line: 3, Fields: []string{"4", "5"}}},
		},
		// Regression: a stray quote swallowed the rest of the file into one reject, and
		// the rows in it read as deleted.
		{
			name:   "a quote never closed does not swallow the lines after it",
			in:     "a,b\n1,\"x\n2,3\r\n\n4,5\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{
				{Line: 2, Err: `malformed CSV at line 5 column 5: extraneous or missing " in quoted-field (the record starts on line 2; lines 3–5 are read again as records of their own)`},
				{Line: 3, Fields: []string{"2", "3"}}, {Line: 5, Fields: []string{"4", "5"}},
			},
		},
		{
			name:   "a quote closed lines later with the wrong number of fields",
			in:     "a,b\n1,\"x\n2,3\n4\",5,6\n7,8\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{
				{Line: 2, Err: "4 fields, the header has 2 (the record runs over lines 2–4, a quote on line 2 not closed there?; lines 3–4 are read again as records of their own)"},
				{Line: 3, Fields: []string{"2", "3"}},
				{Line: 4, Err: `malformed CSV at line 4 column 2: bare " in non-quoted-field`},
				{Line: 5, Fields: []string{"7", "8"}},
			},
		},
		{
			name:   "blank lines are skipped",
			in:     "a\n\n1\n\n2\n",
			header: []string{"a"}, comma: ',',
			rows: []row{{Line: 3, Fields: []string{"1"}}, {Line: 5, Fields: []string{"2"}}},
		},
		{
			name:   "quoted fields on one line, empty fields, a trailing delimiter",
			in:     "a,b,c\n\"Berg, Ola\",,\"\"\n\"x\",\"y;z\",\n",
			header: []string{"a", "b", "c"}, comma: ',',
			rows: []row{{Line: 2, Fields: []string{"Berg, Ola", "", ""}}, {Line: 3, Fields: []string{"x", "y;z", ""}}},
		},
		{
			name:   "doubled quotes and a CR inside a field go through encoding/csv",
			in:     "a,b\n\"say \"\"hi\"\"\",2\r\nx\ry,3\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{{Line: 2, Fields: []string{`say "hi"`, "2"}}, {Line: 3, Fields: []string{"x\ry", "3"}}},
		},
		{
			name:   "a quoted field followed by more text is malformed",
			in:     "a,b\n\"x\"y,2\n3,4\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{{Line: 2, Err: `malformed CSV at line 2 column 3: extraneous or missing " in quoted-field`}, {Line: 3, Fields: []string{"3", "4"}}},
		},
		{
			name:   "a line longer than the read buffer",
			in:     "a,b\n" + strings.Repeat("x", 70000) + ",1\n\"" + strings.Repeat("y", 70000) + "\",2\n3,4",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{
				{Line: 2, Fields: []string{strings.Repeat("x", 70000), "1"}},
				{Line: 3, Fields: []string{strings.Repeat("y", 70000), "2"}},
				{Line: 4, Fields: []string{"3", "4"}},
			},
		},
		// Regression: each blank line skipped by recursion overflowed the stack (a fatal
		// error, not a reject) at about a million of them.
		{
			name:   "a million blank lines and lines of \"\"",
			in:     "a,b\n" + strings.Repeat("\n", 1_000_000) + strings.Repeat("\"\"\r\n", 300_000) + "1,2\n",
			header: []string{"a", "b"}, comma: ',',
			rows: []row{{Line: 1_300_002, Fields: []string{"1", "2"}}},
		},
		{
			name:   "header only",
			in:     "a,b\r\n",
			header: []string{"a", "b"}, comma: ',',
		},
	}
	for _, tt := range tests {
		for _, slow := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/slow=%v", tt.name, slow), func(t *testing.T) {
				r, rows, err := read(tt.in, slow)
				if err != nil {
					t.Fatalf("read: %v", err)
				}
				if diff := cmp.Diff(tt.header, r.Header()); diff != "" {
					t.Errorf("Header() (-want +got):\n%s", diff)
				}
				if r.Comma() != tt.comma {
					t.Errorf("Comma() = %q, want %q", r.Comma(), tt.comma)
				}
				if diff := cmp.Diff(tt.rows, rows); diff != "" {
					t.Errorf("records (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// failingReader serves its text, then fails.
type failingReader struct{ s string }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.s == "" {
		return 0, errors.New("boom")
	}
	n := copy(p, f.s)
	f.s = f.s[n:]
	return n, nil
}

// TestReaderReadError: a read that fails in the middle of a line ends the file with that
// error, and the cut-off line is no record — the same both ways (the direct split took it
// for the file's last line).
func TestReaderReadError(t *testing.T) {
	for _, slow := range []bool{false, true} {
		t.Run(fmt.Sprintf("slow=%v", slow), func(t *testing.T) {
			r, err := NewReader(&failingReader{s: "a,b\n1,2\n3,4"})
			if err != nil {
				t.Fatal(err)
			}
			r.slow = slow
			var rows []row
			for r.Next() {
				rows = append(rows, row{Line: r.Record().Line, Fields: append([]string(nil), r.Record().Fields...)})
			}
			if want := []row{{Line: 2, Fields: []string{"1", "2"}}}; !cmp.Equal(rows, want) {
				t.Errorf("records %v, want %v", rows, want)
			}
			if r.Err() == nil || r.Err().Error() != "boom" {
				t.Errorf("Err() = %v, want boom", r.Err())
			}
		})
	}
}

func TestReaderFileErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", ErrEmpty},
		{"only BOM", "\xef\xbb\xbf", ErrEmpty},
		{"UTF-16 LE", "\xff\xfea\x00", ErrEncoding},
		{"UTF-16 BE", "\xfe\xff\x00a", ErrEncoding},
		// Regression: without a byte-order mark UTF-16 read as a file whose columns were all missing.
		{"UTF-16 LE without BOM", "a\x00,\x00b\x00\n\x00", ErrEncoding},
		{"UTF-16 BE without BOM", "\x00a\x00,\x00b\x00\n", ErrEncoding},
		{"Latin-1 column name", "navn,f\xf8dt\n", ErrEncoding},
		{"duplicate column", "a,b,A\n", ErrHeader},
		{"empty column name", "a,,b\n", ErrHeader},
		// Before, the header ran into the rows and a column was said to have no name.
		{"lines ending in CR alone", "vet_id,navn,telefon,epost\r5550001,Vet A,,\r5550002,Vet B,,\r", ErrHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(strings.NewReader(tt.in))
			if !errors.Is(err, tt.want) {
				t.Errorf("NewReader(%q) error = %v, want %v", tt.in, err, tt.want)
			}
			if strings.Contains(tt.in, "\r5") && (err == nil || !strings.Contains(err.Error(), "CR alone")) {
				t.Errorf("NewReader(%q) error = %v, want it to name the line ends", tt.in, err)
			}
		})
	}
}

// FuzzReader checks that records split directly are those encoding/csv gives, that no
// input makes the reader panic or loop, that each record starts on a line after the one
// before (also when a malformed record's lines are read again), and that every
// well-formed record has as many fields as the header.
func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "\xef\xbb\xbfa;b\r\n1;\"x\r\ny\"\r\n", "a\n\"unterminated\n", "a,b\n1,x\"y\n",
		"a\x00,b\n\x00,1\n", "\xff\xfe", "a;b,c\n1;2,3\n", "\"a\"\"\",b\n1,2\n",
		"a,b\n1,\"x\n2,3\r\n\n4,5\n", "a,b\n1,\"x\n2,3\n4\",5,6\n7,8\n", "a,b\n\"\n\"\n\"\n\"\"\n",
		"a,b,c\n\"Berg, Ola\",,\"\"\n\"x\",\"y;z\",\n", "a,b\n\"x\"y,2\n3,4\r", "a,b\nx\ry,3\r\n\r\n1,\"\"\"\"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Records split directly are the records encoding/csv gives.
		_, fast, ferr := read(in, false)
		_, slow, serr := read(in, true)
		if fmt.Sprint(ferr) != fmt.Sprint(serr) {
			t.Fatalf("error %v split directly, %v through encoding/csv", ferr, serr)
		}
		if diff := cmp.Diff(slow, fast); diff != "" {
			t.Fatalf("records (-encoding/csv +split directly):\n%s", diff)
		}
		r, err := NewReader(strings.NewReader(in))
		if err != nil {
			return
		}
		last := 1
		for n := 0; r.Next(); n++ {
			rec := r.Record()
			if rec.Line <= last {
				t.Fatalf("a record on line %d after one on line %d", rec.Line, last)
			}
			last = rec.Line
			if rec.Err == nil && len(rec.Fields) != len(r.Header()) {
				t.Fatalf("record at line %d has %d fields, header %d", rec.Line, len(rec.Fields), len(r.Header()))
			}
			if n > len(in)+1 {
				t.Fatal(fmt.Sprintf("more records (%d) than bytes (%d)", n, len(in)))
			}
		}
	})
}
