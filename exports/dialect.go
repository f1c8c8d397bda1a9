package exports

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Dialect is a CSV dialect.
type Dialect struct {
	Name         string // written to the manifest
	Comma        rune   // field delimiter
	DecimalComma bool   // decimals with ',' instead of '.'
	BOM          bool   // a UTF-8 byte order mark first
	CRLF         bool   // lines end with CRLF instead of LF
}

// Machine is the dialect for programs: RFC 4180 quoting, ',', '.' decimals,
// no BOM, LF line endings.
var Machine = Dialect{Name: "machine", Comma: ','}

// Excel is the dialect for a Norwegian Excel: UTF-8 BOM, ';', decimal comma,
// CRLF line endings.
var Excel = Dialect{Name: "excel", Comma: ';', DecimalComma: true, BOM: true, CRLF: true}

func (d Dialect) validate() error {
	if d.Name == "" {
		return errors.New("csv dialect without a name")
	}
	if d.Comma == 0 || d.Comma == '"' || d.Comma == '\r' || d.Comma == '\n' || !utf8.ValidRune(d.Comma) || d.Comma == utf8.RuneError {
		return fmt.Errorf("csv dialect %s: bad delimiter %q", d.Name, d.Comma)
	}
	return nil
}

func (d Dialect) decimalMark() byte {
	if d.DecimalComma {
		return ','
	}
	return '.'
}

func (d Dialect) lineEnd() string {
	if d.CRLF {
		return "\r\n"
	}
	return "\n"
}

// dialectJSON is how a dialect reads in the manifest.
type dialectJSON struct {
	Name        string `json:"name"`
	Delimiter   string `json:"delimiter"`
	DecimalMark string `json:"decimal_mark"`
	BOM         bool   `json:"bom"`
	LineEnding  string `json:"line_ending"`
}

// MarshalJSON writes the dialect in full, so that a receiver can read a file
// from its manifest alone.
func (d Dialect) MarshalJSON() ([]byte, error) {
	le := "LF"
	if d.CRLF {
		le = "CRLF"
	}
	return json.Marshal(dialectJSON{
		Name:        d.Name,
		Delimiter:   string(d.Comma),
		DecimalMark: string(d.decimalMark()),
		BOM:         d.BOM,
		LineEnding:  le,
	})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (d *Dialect) UnmarshalJSON(b []byte) error {
	var j dialectJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	comma, n := utf8.DecodeRuneInString(j.Delimiter)
	if n == 0 || n != len(j.Delimiter) {
		return fmt.Errorf("csv dialect %s: bad delimiter %q", j.Name, j.Delimiter)
	}
	if j.DecimalMark != "." && j.DecimalMark != "," {
		return fmt.Errorf("csv dialect %s: bad decimal mark %q", j.Name, j.DecimalMark)
	}
	if j.LineEnding != "LF" && j.LineEnding != "CRLF" {
		return fmt.Errorf("csv dialect %s: bad line ending %q", j.Name, j.LineEnding)
	}
	*d = Dialect{Name: j.Name, Comma: comma, DecimalComma: j.DecimalMark == ",", BOM: j.BOM, CRLF: j.LineEnding == "CRLF"}
	return nil
}
