package exports

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"
)

// csvWriter writes one CSV file in a dialect.
type csvWriter struct {
	d     Dialect
	cols  []Column
	out   *hashFile
	bw    *bufio.Writer
	line  []byte
	rows  int64
	comma []byte
	end   string
}

func newCSVWriter(path string, d Dialect, cols []Column, wrap func(*os.File) io.Writer) (*csvWriter, error) {
	out, err := createHashFile(path, wrap)
	if err != nil {
		return nil, err
	}
	w := &csvWriter{
		d:     d,
		cols:  cols,
		out:   out,
		bw:    bufio.NewWriterSize(out, 64<<10),
		comma: utf8.AppendRune(nil, d.Comma),
		end:   d.lineEnd(),
	}
	if d.BOM {
		w.line = append(w.line, "\xEF\xBB\xBF"...)
	}
	for i, c := range cols {
		if i > 0 {
			w.line = append(w.line, w.comma...)
		}
		w.line = w.appendField(w.line, c.Name)
	}
	w.line = append(w.line, w.end...)
	_, err = w.bw.Write(w.line)
	return w, err
}

func (w *csvWriter) writeRow(vals []value) error {
	line := w.line[:0]
	mark := w.d.decimalMark()
	for i, v := range vals {
		if i > 0 {
			line = append(line, w.comma...)
		}
		if v.null {
			continue
		}
		switch w.cols[i].Kind {
		case Text, ID:
			line = w.appendField(line, v.s)
		case Int:
			line = strconv.AppendInt(line, v.i, 10)
		case Decimal:
			start := len(line)
			line = appendDecimal(line, v.f, mark)
			if rune(mark) == w.d.Comma && bytes.IndexByte(line[start:], mark) >= 0 {
				// A decimal comma in a ','-delimited file: quote it.
				line = append(line, 0)
				copy(line[start+1:], line[start:])
				line[start] = '"'
				line = append(line, '"')
			}
		case Date:
			line = appendDate(line, v.t)
		case Timestamp:
			line = appendTimestamp(line, v.t)
		}
	}
	line = append(line, w.end...)
	w.line = line
	w.rows++
	_, err := w.bw.Write(line)
	return err
}

// appendField appends s, quoted if it holds the delimiter, a quote, CR or LF.
func (w *csvWriter) appendField(dst []byte, s string) []byte {
	if !w.needsQuotes(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

func (w *csvWriter) needsQuotes(s string) bool {
	if w.d.Comma < utf8.RuneSelf {
		c := byte(w.d.Comma)
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case c, '"', '\r', '\n':
				return true
			}
		}
		return false
	}
	return strings.ContainsAny(s, "\"\r\n") || strings.ContainsRune(s, w.d.Comma)
}

func (w *csvWriter) close() (fileResult, error) {
	if err := w.bw.Flush(); err != nil {
		w.abort()
		return fileResult{}, err
	}
	size, sum, err := w.out.close()
	return fileResult{size: size, sha256: sum, rows: w.rows}, err
}

func (w *csvWriter) abort() { w.out.abort() }

// fileResult is what the manifest needs of a finished file.
type fileResult struct {
	size   int64
	sha256 string
	rows   int64
	sheets []string
}
