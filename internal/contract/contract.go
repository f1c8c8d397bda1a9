// Package contract describes what the sources deliver — each entity's fields, their types,
// its key and its checks — and turns one raw row of text into typed values or a list of
// problems that make it a reject. It is pure Go (no database), so that it can be fuzzed.
package contract

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Oslo on machines without a zoneinfo database
	"unicode/utf8"
)

// Type is the type of a field as delivered.
type Type int

// Field types. Identifiers are validated for their form and kept as text.
const (
	Text        Type = iota // free text: trimmed, valid UTF-8, no control characters but tab and line breaks, at most 200 characters
	Code                    // a short code or reference (besok_id, indikator): like Text, at most 64 characters, no spaces
	Produsentnr             // 10 digits
	Orgnr                   // 9 digits with a valid mod-11 check digit
	VetID                   // 7 digits (HPR number)
	Kommunenr               // 4 digits; 3 digits are padded with a leading zero
	DyreholdID              // 7 digits
	Phone                   // a phone number: digits, an optional leading +, spaces and dashes ignored; 8–15 digits
	Email                   // an e-mail address
	Date                    // YYYY-MM-DD
	Timestamp               // RFC 3339; a plain date means midnight Europe/Oslo
	Bool                    // ja/nei (also true/false)
	Int                     // integer within [Min, Max]
	Decimal                 // decimal number with '.' within [Min, Max]
	Enum                    // one of Values (case-insensitive, stored upper-case)
)

// Field is one column of an entity.
type Field struct {
	Name     string  // column name in the file (lower-case)
	Column   string  // column name in the database; empty = Name
	Type     Type    //
	Required bool    // an empty value is a reject
	Event    bool    // a date of an event: after the business date is a reject
	Absent   bool    // the column may be missing from a file (its values are then empty)
	Min, Max float64 // Int and Decimal ranges
	Values   []string
}

// Col is the database column of the field.
func (f Field) Col() string {
	if f.Column != "" {
		return f.Column
	}
	return f.Name
}

// Entity is one kind of record a source system delivers.
type Entity struct {
	System string   // source system: dataflyt, slakt, didac, portal
	Name   string   // entity name: producers, subsidy, …
	File   string   // file-drop name relative to the inbox (subsidy: a folder)
	Path   string   // HTTP path of the snapshot
	Table  string   // history table, e.g. src.producer
	Fields []Field  //
	Key    []string // key field names
	// Check, when set, runs cross-field checks on a row whose fields all parsed.
	Check func(r Row) []Problem
}

// Problem is one reason a row is rejected.
type Problem struct {
	Field  string
	Value  string
	Reason string
}

// Oslo is the time zone of business dates and plain-date timestamps.
var Oslo = mustLoad("Europe/Oslo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // the binary embeds time/tzdata
	}
	return loc
}

// ErrMissingColumn reports a file without a column the entity needs.
var ErrMissingColumn = errors.New("missing column")

// Parser parses the rows of one file of an entity.
type Parser struct {
	e    *Entity
	idx  []int // position of each field in the header; -1 when absent
	key  []int // field indexes of the key
	asOf time.Time
	vals []any
}

// NewParser binds the entity to a file's header. A field that is not Absent-tolerant and
// missing from the header is an error naming the column.
func (e *Entity) NewParser(header []string, asOf time.Time) (*Parser, error) {
	pos := make(map[string]int, len(header))
	for i, h := range header {
		pos[h] = i
	}
	p := &Parser{e: e, idx: make([]int, len(e.Fields)), asOf: asOf, vals: make([]any, len(e.Fields))}
	var missing []string
	for i, f := range e.Fields {
		j, ok := pos[f.Name]
		if !ok {
			if !f.Absent {
				missing = append(missing, f.Name)
			}
			j = -1
		}
		p.idx[i] = j
	}
	if len(missing) > 0 {
		if len(header) == 1 && strings.ContainsAny(header[0], "\t|") {
			return nil, fmt.Errorf("%w: %s (the header is one column, \"%s\": the delimiter must be , or ;)",
				ErrMissingColumn, strings.Join(missing, ", "), Printable(header[0]))
		}
		return nil, fmt.Errorf("%w: %s", ErrMissingColumn, strings.Join(missing, ", "))
	}
	for _, k := range e.Key {
		i := e.FieldIndex(k)
		if i < 0 {
			return nil, fmt.Errorf("entity %s: key %s is not a field", e.Name, k)
		}
		p.key = append(p.key, i)
	}
	return p, nil
}

// FieldIndex returns the index of the named field, or -1.
func (e *Entity) FieldIndex(name string) int {
	for i, f := range e.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Columns returns the database columns of the entity's fields, in order.
func (e *Entity) Columns() []string {
	cols := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		cols[i] = f.Col()
	}
	return cols
}

// Parse parses one row (the raw fields in header order): ParsePicked of its Pick.
func (p *Parser) Parse(raw []string) ([]any, []Problem) { return p.ParsePicked(p.Pick(nil, raw)) }

// Pick appends to dst the fields of raw (in header order) that the parser reads, one per
// entity field in the entity's order ("" for a field the header lacks), and returns it.
// ParsePicked parses them: a reader can hand on the few fields a wide file's
// rows are read for instead of every field's slot (the fields are parts of their line's
// one string, which they keep).
func (p *Parser) Pick(dst, raw []string) []string {
	for _, j := range p.idx {
		s := ""
		if j >= 0 && j < len(raw) {
			s = raw[j]
		}
		dst = append(dst, s)
	}
	return dst
}

// Width is the number of fields Pick gives a row: the entity's fields.
func (p *Parser) Width() int { return len(p.idx) }

// ParsePicked parses one row's fields in the entity's order, as Pick gives them. It
// returns the typed values (one per entity field, valid until the next call) and the
// problems; the row is a reject when there is any problem.
func (p *Parser) ParsePicked(fields []string) ([]any, []Problem) {
	var probs []Problem
	for i, f := range p.e.Fields {
		s := ""
		if i < len(fields) {
			s = fields[i]
		}
		v, reason := parseField(f, s, p.asOf)
		if reason != "" {
			probs = append(probs, Problem{Field: f.Name, Value: Printable(s), Reason: reason})
		}
		p.vals[i] = v
	}
	if len(probs) == 0 && p.e.Check != nil {
		probs = p.e.Check(Row{p: p})
	}
	return p.vals, probs
}

// Key returns the row's key as text (key values joined by |), from the values of the last
// Parse. ok is false when a key field did not parse.
func (p *Parser) Key(probs []Problem) (key string, ok bool) {
	for _, pr := range probs {
		for _, k := range p.e.Key {
			if pr.Field == k {
				return "", false
			}
		}
	}
	if len(p.key) == 1 {
		return Format(p.vals[p.key[0]]), true // a text key is its own string: no copy
	}
	var b strings.Builder
	for n, i := range p.key {
		if n > 0 {
			b.WriteByte('|')
		}
		b.WriteString(Format(p.vals[i]))
	}
	return b.String(), true
}

// KeyPattern returns, for a row whose key did not parse (Key's ok is false), a LIKE pattern
// (escape character '\') that matches every key the row may have had: the key's fields
// that parsed as they stand in keys (Format), % for those that did not. AnyKey is the
// pattern of a row of which nothing could be read.
func (p *Parser) KeyPattern(probs []Problem) string {
	var b strings.Builder
	for n, i := range p.key {
		if n > 0 {
			b.WriteByte('|')
		}
		name := p.e.Fields[i].Name
		if slices.ContainsFunc(probs, func(pr Problem) bool { return pr.Field == name }) {
			b.WriteByte('%')
			continue
		}
		for _, r := range Format(p.vals[i]) {
			if r == '\\' || r == '%' || r == '_' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// AnyKey is the KeyPattern that matches every key.
const AnyKey = "%"

// Format renders a parsed value as canonical text (used for keys).
func Format(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		if v {
			return "ja"
		}
		return "nei"
	case time.Time:
		if v.Location() == time.UTC && v.Hour() == 0 && v.Minute() == 0 && v.Second() == 0 && v.Nanosecond() == 0 {
			return v.Format(time.DateOnly)
		}
		return v.UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprint(v)
}

// Row gives checks access to the parsed values of a row.
type Row struct{ p *Parser }

// Get returns the parsed value of the named field (nil when empty).
func (r Row) Get(name string) any {
	if i := r.p.e.FieldIndex(name); i >= 0 {
		return r.p.vals[i]
	}
	return nil
}

// String returns the field as text ("" when empty).
func (r Row) String(name string) string {
	s, _ := r.Get(name).(string)
	return s
}

// Time returns a date or timestamp field (zero when empty).
func (r Row) Time(name string) time.Time {
	t, _ := r.Get(name).(time.Time)
	return t
}

// Int returns an integer field and whether it had a value.
func (r Row) Int(name string) (int64, bool) {
	v, ok := r.Get(name).(int64)
	return v, ok
}

// AsOf returns the business date.
func (r Row) AsOf() time.Time { return r.p.asOf }

// Printable shows a rejected value as valid UTF-8 text without control characters, cut
// to about 200 bytes: a byte that is not UTF-8 as \xNN, a control character as \n, \t,
// \x00 and so on (a backslash itself stays as it is). Rejects keep the value as it was
// delivered, readable in a CSV file and a database column, and a Latin-1 "ø" shows as \xf8.
func Printable(s string) string {
	const max = 200
	var b strings.Builder
	for i := 0; i < len(s); {
		if b.Len() >= max {
			b.WriteString("…")
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x20 || r == 0x7f:
			q := strconv.QuoteRune(r) // '\n', '\x00'
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// textControl reports whether free text may hold control character r: a tab, and the
// line breaks RFC 4180 allows inside a quoted field (a name over two lines is still the
// producer's name; rejecting it would drop the producer, or an extension, for a line
// break no receiver ever sees).
func textControl(r rune) bool { return r == '\t' || r == '\n' || r == '\r' }

// parseField parses one value; a non-empty reason means it is bad.
func parseField(f Field, s string, asOf time.Time) (any, string) {
	s = strings.TrimSpace(s)
	if s == "" {
		if f.Required {
			return nil, "missing value"
		}
		return nil, ""
	}
	if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
		// U+FFFD is what a decoder leaves of bytes that were not UTF-8 (JSON pages of a
		// source whose file was Latin-1): the same reject as the bytes themselves.
		return nil, "not valid UTF-8"
	}
	for _, r := range s {
		if (r < 0x20 || r == 0x7f) && !(f.Type == Text && textControl(r)) {
			return nil, "control character in value"
		}
	}
	switch f.Type {
	case Text:
		if utf8.RuneCountInString(s) > 200 {
			return nil, "longer than 200 characters"
		}
		return s, ""
	case Code:
		if len(s) > 64 {
			return nil, "longer than 64 characters"
		}
		if strings.ContainsAny(s, " \t") {
			return nil, "contains a space"
		}
		return s, ""
	case Produsentnr:
		return digits(s, 10, "produsentnr")
	case VetID:
		return digits(s, 7, "vet id")
	case DyreholdID:
		return digits(s, 7, "dyrehold_id")
	case Orgnr:
		if v, reason := digits(s, 9, "orgnr"); reason != "" {
			return v, reason
		}
		if !OrgnrValid(s) {
			return nil, "orgnr check digit does not match"
		}
		return s, ""
	case Kommunenr:
		if !allDigits(s) || len(s) < 3 || len(s) > 4 {
			return nil, "kommunenr must be 4 digits (3 are padded)"
		}
		if len(s) == 3 {
			s = "0" + s
		}
		return s, ""
	case Phone:
		return phone(s)
	case Email:
		return email(s)
	case Date:
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return nil, "not a date (YYYY-MM-DD)"
		}
		if f.Event && t.After(asOf) {
			return nil, "date after the business date " + asOf.Format(time.DateOnly)
		}
		return t, ""
	case Timestamp:
		// RFC 3339 (5.6) allows "t" and "z" in lower case; Go's layout only upper.
		t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
		if err != nil {
			d, derr := time.ParseInLocation(time.DateOnly, s, Oslo)
			if derr != nil {
				return nil, "not a timestamp (RFC 3339) or date"
			}
			t = d
		}
		if f.Event {
			day := t.In(Oslo)
			if time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC).After(asOf) {
				return nil, "time after the business date " + asOf.Format(time.DateOnly)
			}
		}
		return t.UTC(), ""
	case Bool:
		switch strings.ToLower(s) {
		case "ja", "true":
			return true, ""
		case "nei", "false":
			return false, ""
		}
		return nil, "not ja/nei"
	case Int:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, "not a whole number"
		}
		if float64(n) < f.Min || float64(n) > f.Max {
			return nil, fmt.Sprintf("out of range %s–%s", num(f.Min), num(f.Max))
		}
		return n, ""
	case Decimal:
		if strings.Contains(s, ",") {
			return nil, "decimal mark must be '.'"
		}
		x, err := strconv.ParseFloat(s, 64)
		if err != nil || x != x || x > 1e300 || x < -1e300 {
			return nil, "not a number"
		}
		if x < f.Min || x > f.Max {
			return nil, fmt.Sprintf("out of range %s–%s", num(f.Min), num(f.Max))
		}
		return x, ""
	case Enum:
		u := strings.ToUpper(s)
		for _, v := range f.Values {
			if u == v {
				return v, ""
			}
		}
		return nil, "not one of " + strings.Join(f.Values, ", ")
	}
	return nil, fmt.Sprintf("unknown field type %d", f.Type)
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func digits(s string, n int, what string) (any, string) {
	if len(s) != n || !allDigits(s) {
		return nil, fmt.Sprintf("%s must be %d digits", what, n)
	}
	return s, ""
}

// OrgnrValid reports whether a 9-digit organisation number has a valid mod-11 check digit
// (weights 3,2,7,6,5,4,3,2; c = 11 − sum mod 11; 11 → 0; 10 is never valid).
func OrgnrValid(s string) bool {
	if len(s) != 9 || !allDigits(s) {
		return false
	}
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(s[i]-'0') * w
	}
	c := 11 - sum%11
	if c == 11 {
		c = 0
	}
	return c != 10 && c == int(s[8]-'0')
}

func phone(s string) (any, string) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return nil, "not a phone number"
		}
	}
	out := b.String()
	n := len(strings.TrimPrefix(out, "+"))
	if n < 8 || n > 15 {
		return nil, "not a phone number (8–15 digits)"
	}
	return out, ""
}

func email(s string) (any, string) {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(s) > 254 || strings.ContainsAny(s, " \t,;<>\"()") || strings.Contains(domain, "@") {
		return nil, "not an e-mail address"
	}
	// An address reaches varsler.adresse as it is (an identifier, not text that exports
	// neutralise): one that a spreadsheet would read as a formula is refused here.
	if strings.ContainsRune("=+-@", rune(s[0])) {
		return nil, "not an e-mail address (starts with " + s[:1] + ", as a spreadsheet formula does)"
	}
	dot := strings.LastIndexByte(domain, '.')
	if dot <= 0 || dot == len(domain)-1 {
		return nil, "not an e-mail address"
	}
	return s, ""
}
