package exports

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

// maxSheetName is Excel's limit on a sheet name's length.
const maxSheetName = 31

// maxCellChars is Excel's limit on a text cell, in UTF-16 units; excelize
// would silently cut a longer text.
const maxCellChars = 32767

// xlsxWriter writes one workbook through excelize's StreamWriter.
type xlsxWriter struct {
	path     string
	wrap     func(*os.File) io.Writer // Export.Wrap
	tmpDir   string
	receiver string
	cols     []Column
	maxRows  int
	modified time.Time

	f         *excelize.File
	sw        *excelize.StreamWriter
	sheets    []string
	sheetRows int // data rows on the current sheet
	rows      int64
	headStyle int
	dateStyle int
	cells     []any
	ref       []byte
}

func newXLSXWriter(path, tmpDir, receiver string, cols []Column, opts XLSXOptions, modified time.Time) (*xlsxWriter, error) {
	w := &xlsxWriter{
		path:     path,
		tmpDir:   tmpDir,
		receiver: receiver,
		cols:     cols,
		maxRows:  opts.MaxRowsPerSheet,
		modified: modified,
		cells:    make([]any, len(cols)),
	}
	if w.maxRows == 0 {
		w.maxRows = DefaultMaxRowsPerSheet
	}
	w.f = excelize.NewFile(excelize.Options{TmpDir: tmpDir})
	var err error
	if w.headStyle, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		w.abort()
		return nil, err
	}
	dateFmt := "yyyy-mm-dd"
	if w.dateStyle, err = w.f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt}); err != nil {
		w.abort()
		return nil, err
	}
	if err := w.newSheet(); err != nil {
		w.abort()
		return nil, err
	}
	return w, nil
}

// newSheet ends the current sheet, if any, and starts the next with its
// header row.
func (w *xlsxWriter) newSheet() error {
	name := w.receiver
	if n := len(w.sheets); n > 0 {
		if err := w.sw.Flush(); err != nil {
			return err
		}
		name += "_" + strconv.Itoa(n+1)
		if len(name) > maxSheetName {
			return fmt.Errorf("xlsx sheet name %s longer than %d characters", name, maxSheetName)
		}
		if _, err := w.f.NewSheet(name); err != nil {
			return err
		}
	} else if err := w.f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	err = sw.SetPanes(&excelize.Panes{
		Freeze:      true,
		YSplit:      1,
		TopLeftCell: "A2",
		ActivePane:  "bottomLeft",
		Selection:   []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}},
	})
	if err != nil {
		return err
	}
	for i, c := range w.cols {
		w.cells[i] = excelize.Cell{StyleID: w.headStyle, Value: c.Name}
	}
	if err := sw.SetRow("A1", w.cells); err != nil {
		return err
	}
	w.sw, w.sheets, w.sheetRows = sw, append(w.sheets, name), 0
	return nil
}

func (w *xlsxWriter) writeRow(vals []value) error {
	if w.sheetRows == w.maxRows {
		if err := w.newSheet(); err != nil {
			return err
		}
	}
	for i, v := range vals {
		if v.null {
			w.cells[i] = nil
			continue
		}
		switch w.cols[i].Kind {
		case Text, ID:
			if len(v.s) > maxCellChars && len(utf16.Encode([]rune(v.s))) > maxCellChars {
				return fmt.Errorf("text of column %s longer than Excel's %d characters", w.cols[i].Name, maxCellChars)
			}
			w.cells[i] = v.s
		case Int:
			w.cells[i] = v.i
		case Decimal:
			w.cells[i] = v.f
		case Date:
			if serial, ok := excelDate(v.t); ok {
				w.cells[i] = excelize.Cell{StyleID: w.dateStyle, Value: serial}
			} else {
				w.cells[i] = string(appendDate(nil, v.t))
			}
		case Timestamp:
			w.cells[i] = string(appendTimestamp(nil, v.t))
		}
	}
	w.sheetRows++
	w.rows++
	w.ref = append(append(w.ref[:0], 'A'), strconv.Itoa(w.sheetRows+1)...)
	return w.sw.SetRow(string(w.ref), w.cells)
}

// excelDate is t's civil date as an Excel serial day number (1900 date
// system); false before 1900-01-01, which Excel cannot show as a date.
func excelDate(t time.Time) (float64, bool) {
	y, m, d := t.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(excelEpoch).Hours() / 24
	switch {
	case y < 1900:
		return 0, false
	case y == 1900 && m < time.March:
		// Excel counts a 29 February 1900 that never was.
		days--
	}
	return days, true
}

var excelEpoch = time.Date(1899, time.December, 30, 0, 0, 0, 0, time.UTC)

func (w *xlsxWriter) close() (fileResult, error) {
	res, err := w.write()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return res, err
}

// write ends the last sheet and writes the workbook to its file.
func (w *xlsxWriter) write() (fileResult, error) {
	if err := w.sw.Flush(); err != nil {
		return fileResult{}, err
	}
	stamp := w.modified.UTC().Format(time.RFC3339)
	err := w.f.SetDocProps(&excelize.DocProperties{
		Creator:        "vpsau",
		LastModifiedBy: "vpsau",
		Created:        stamp,
		Modified:       stamp,
	})
	if err != nil {
		return fileResult{}, err
	}
	out, err := createHashFile(w.path, w.wrap)
	if err != nil {
		return fileResult{}, err
	}
	zw, err := newSortedZip(out, w.tmpDir, w.modified)
	if err != nil {
		out.abort()
		return fileResult{}, err
	}
	defer zw.remove()
	w.f.SetZipWriter(func(_ io.Writer) excelize.ZipWriter { return zw })
	buf, err := w.f.WriteToBuffer()
	if err == nil && buf.Len() != 0 {
		err = errors.New("xlsx: excelize wrote past the zip writer")
	}
	if err != nil {
		out.abort()
		return fileResult{}, err
	}
	size, sum, err := out.close()
	return fileResult{size: size, sha256: sum, rows: w.rows, sheets: w.sheets}, err
}

func (w *xlsxWriter) abort() { _ = w.f.Close() }
