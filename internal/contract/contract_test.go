package contract

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var asOf = time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC)

func TestParseField(t *testing.T) {
	tests := []struct {
		name   string
		f      Field
		in     string
		want   any    // the parsed value, when ok
		reason string // the reason, when bad
	}{
		{"produsentnr ok", Field{Type: Produsentnr}, "3000000001", "3000000001", ""},
		{"produsentnr trimmed", Field{Type: Produsentnr}, " 3000000001 ", "3000000001", ""},
		{"produsentnr 9 digits", Field{Type: Produsentnr}, "300000001", nil, "produsentnr must be 10 digits"},
		{"produsentnr letters", Field{Type: Produsentnr}, "30000000A1", nil, "produsentnr must be 10 digits"},
		{"orgnr ok", Field{Type: Orgnr}, "903000910", "903000910", ""},
		{"orgnr check digit 0 (11 → 0)", Field{Type: Orgnr}, "974760673", "974760673", ""},
		{"orgnr bad check digit", Field{Type: Orgnr}, "903000911", nil, "orgnr check digit does not match"},
		{"orgnr 8 digits", Field{Type: Orgnr}, "90300091", nil, "orgnr must be 9 digits"},
		{"vet id ok", Field{Type: VetID}, "5550001", "5550001", ""},
		{"vet id 8 digits", Field{Type: VetID}, "55500011", nil, "vet id must be 7 digits"},
		{"kommunenr 4", Field{Type: Kommunenr}, "0301", "0301", ""},
		{"kommunenr 3 is padded", Field{Type: Kommunenr}, "301", "0301", ""},
		{"kommunenr 2", Field{Type: Kommunenr}, "31", nil, "kommunenr must be 4 digits (3 are padded)"},
		{"kommunenr 5", Field{Type: Kommunenr}, "03011", nil, "kommunenr must be 4 digits (3 are padded)"},
		{"dyrehold_id", Field{Type: DyreholdID}, "1234567", "1234567", ""},
		{"phone with spaces", Field{Type: Phone}, "912 34 567", "91234567", ""},
		{"phone +47", Field{Type: Phone}, "+47 912 34 567", "+4791234567", ""},
		{"phone short", Field{Type: Phone}, "1234", nil, "not a phone number (8–15 digits)"},
		{"phone letters", Field{Type: Phone}, "91234x67", nil, "not a phone number"},
		{"email ok", Field{Type: Email}, "ola@gard.no", "ola@gard.no", ""},
		{"email no domain dot", Field{Type: Email}, "ola@gard", nil, "not an e-mail address"},
		{"email two ats", Field{Type: Email}, "a@b@c.no", nil, "not an e-mail address"},
		// Regression: an address goes to varsler.adresse as it is, so formula text must not pass.
		{"email formula", Field{Type: Email}, "=1+2@evil.no", nil, "not an e-mail address (starts with =, as a spreadsheet formula does)"},
		{"email formula +", Field{Type: Email}, "+cmd@evil.no", nil, "not an e-mail address (starts with +, as a spreadsheet formula does)"},
		{"email formula -", Field{Type: Email}, "-2+3@evil.no", nil, "not an e-mail address (starts with -, as a spreadsheet formula does)"},
		{"email HYPERLINK", Field{Type: Email}, `=HYPERLINK("http://x.no")@x.no`, nil, "not an e-mail address"},
		{"email plus inside", Field{Type: Email}, "ola+sau@gard.no", "ola+sau@gard.no", ""},
		{"date ok", Field{Type: Date}, "2026-02-28", time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), ""},
		{"date 29 Feb not leap", Field{Type: Date}, "2026-02-29", nil, "not a date (YYYY-MM-DD)"},
		{"date other format", Field{Type: Date}, "28.02.2026", nil, "not a date (YYYY-MM-DD)"},
		{"event date on the business date", Field{Type: Date, Event: true}, "2027-01-04", asOf, ""},
		{"event date after the business date", Field{Type: Date, Event: true}, "2027-01-05", nil, "date after the business date 2027-01-04"},
		{"future deadline is fine", Field{Type: Date}, "2030-01-01", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"timestamp RFC 3339", Field{Type: Timestamp}, "2026-05-01T10:00:00+02:00", time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC), ""},
		{"timestamp RFC 3339 in lower case", Field{Type: Timestamp}, "2027-01-04t10:00:00z", time.Date(2027, 1, 4, 10, 0, 0, 0, time.UTC), ""},
		{"timestamp plain date is Oslo midnight", Field{Type: Timestamp}, "2026-05-01", time.Date(2026, 4, 30, 22, 0, 0, 0, time.UTC), ""},
		{"event timestamp after midnight in Oslo", Field{Type: Timestamp, Event: true}, "2027-01-04T23:30:00Z", nil, "time after the business date 2027-01-04"},
		{"event timestamp before midnight in Oslo", Field{Type: Timestamp, Event: true}, "2027-01-04T22:30:00Z", time.Date(2027, 1, 4, 22, 30, 0, 0, time.UTC), ""},
		{"event timestamp the business date in Oslo", Field{Type: Timestamp, Event: true}, "2027-01-04T22:30:00+01:00", time.Date(2027, 1, 4, 21, 30, 0, 0, time.UTC), ""},
		{"timestamp garbage", Field{Type: Timestamp}, "yesterday", nil, "not a timestamp (RFC 3339) or date"},
		{"bool ja", Field{Type: Bool}, "ja", true, ""},
		{"bool NEI", Field{Type: Bool}, "NEI", false, ""},
		{"bool true", Field{Type: Bool}, "true", true, ""},
		{"bool x", Field{Type: Bool}, "x", nil, "not ja/nei"},
		{"int ok", Field{Type: Int, Min: 0, Max: 10}, "7", int64(7), ""},
		{"int negative", Field{Type: Int, Min: 0, Max: 10}, "-1", nil, "out of range 0–10"},
		{"int decimal", Field{Type: Int, Min: 0, Max: 10}, "1.5", nil, "not a whole number"},
		{"share ok", Field{Type: Decimal, Min: 0, Max: 1}, "0.040", 0.04, ""},
		{"share 1", Field{Type: Decimal, Min: 0, Max: 1}, "1", 1.0, ""},
		{"share above 1", Field{Type: Decimal, Min: 0, Max: 1}, "1.2", nil, "out of range 0–1"},
		{"share decimal comma", Field{Type: Decimal, Min: 0, Max: 1}, "0,04", nil, "decimal mark must be '.'"},
		{"share NaN", Field{Type: Decimal, Min: 0, Max: 1}, "NaN", nil, "not a number"},
		{"enum case-insensitive", Field{Type: Enum, Values: []string{"BESOK", "KURS"}}, "kurs", "KURS", ""},
		{"enum unknown", Field{Type: Enum, Values: []string{"BESOK", "KURS"}}, "X", nil, "not one of BESOK, KURS"},
		{"required empty", Field{Type: Text, Required: true}, " ", nil, "missing value"},
		{"optional empty", Field{Type: Email}, "", nil, ""},
		{"text NUL", Field{Type: Text}, "a\x00b", nil, "control character in value"},
		{"text newline", Field{Type: Text}, "a\nb", "a\nb", ""},
		{"text CRLF and tab", Field{Type: Text}, "a\r\nb\tc", "a\r\nb\tc", ""},
		{"text ESC", Field{Type: Text}, "a\x1bb", nil, "control character in value"},
		{"code newline", Field{Type: Code}, "a\nb", nil, "control character in value"},
		{"email tab", Field{Type: Email}, "a@b.no\tx", nil, "control character in value"},
		{"text invalid UTF-8", Field{Type: Text}, "Bj\xf8rn", nil, "not valid UTF-8"},
		// Regression: over HTTP the same bytes arrive as U+FFFD and loaded as a name.
		{"text replacement character", Field{Type: Text}, "Bj\ufffdrn", nil, "not valid UTF-8"},
		{"text too long", Field{Type: Text}, strings.Repeat("ø", 201), nil, "longer than 200 characters"},
		{"text Norwegian", Field{Type: Text}, "Bjørn Ærø", "Bjørn Ærø", ""},
		{"code with space", Field{Type: Code}, "A 1", nil, "contains a space"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, reason := parseField(tt.f, tt.in, asOf)
			if reason != tt.reason {
				t.Fatalf("parseField(%q) reason = %q, want %q", tt.in, reason, tt.reason)
			}
			if tt.reason != "" {
				return
			}
			if g, ok := got.(time.Time); ok {
				if w := tt.want.(time.Time); !g.Equal(w) {
					t.Errorf("parseField(%q) = %v, want %v", tt.in, g, w)
				}
				return
			}
			if got != tt.want {
				t.Errorf("parseField(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestOrgnrValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"903000910", true}, {"903001828", true}, {"974760673", true},
		{"903000911", false}, {"123456789", false}, {"", false}, {"12345678X", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := OrgnrValid(tt.in); got != tt.want {
				t.Errorf("OrgnrValid(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

var testEntity = &Entity{
	Name: "visits",
	Fields: []Field{
		{Name: "besok_id", Type: Code, Required: true},
		{Name: "produsentnr", Type: Produsentnr, Required: true},
		{Name: "besok_dato", Type: Date, Required: true, Event: true},
		{Name: "note", Type: Text, Absent: true},
	},
	Key: []string{"besok_id"},
}

func TestParser(t *testing.T) {
	t.Run("missing column", func(t *testing.T) {
		_, err := testEntity.NewParser([]string{"besok_id", "besok_dato"}, asOf)
		if err == nil || !strings.Contains(err.Error(), "produsentnr") || strings.Contains(err.Error(), "delimiter") {
			t.Fatalf("NewParser without produsentnr: error = %v, want one naming the column", err)
		}
	})
	t.Run("a header of one column with tabs: the delimiter named", func(t *testing.T) {
		_, err := testEntity.NewParser([]string{"besok_id\tprodusentnr\tbesok_dato"}, asOf)
		want := `missing column: besok_id, produsentnr, besok_dato (the header is one column, "besok_id\tprodusentnr\tbesok_dato": the delimiter must be , or ;)`
		if err == nil || err.Error() != want {
			t.Fatalf("NewParser of a tab-separated header: error = %v, want %s", err, want)
		}
	})
	p, err := testEntity.NewParser([]string{"besok_dato", "extra", "produsentnr", "besok_id"}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("columns in any order, extra ignored, absent-tolerant column empty", func(t *testing.T) {
		vals, probs := p.Parse([]string{"2026-01-02", "x", "3000000001", "V1"})
		if len(probs) != 0 {
			t.Fatalf("problems: %v", probs)
		}
		if vals[0] != "V1" || vals[1] != "3000000001" || vals[3] != nil {
			t.Errorf("values = %v", vals)
		}
		if key, ok := p.Key(probs); !ok || key != "V1" {
			t.Errorf("Key = %q, %v; want V1, true", key, ok)
		}
	})
	t.Run("every bad field is reported; the key still parses", func(t *testing.T) {
		_, probs := p.Parse([]string{"2027-01-05", "", "123", "V2"})
		if len(probs) != 2 || probs[0].Field != "produsentnr" || probs[1].Field != "besok_dato" {
			t.Fatalf("problems = %+v", probs)
		}
		if key, ok := p.Key(probs); !ok || key != "V2" {
			t.Errorf("Key = %q, %v; want V2, true", key, ok)
		}
	})
	t.Run("bad key", func(t *testing.T) {
		_, probs := p.Parse([]string{"2026-01-02", "", "3000000001", ""})
		if _, ok := p.Key(probs); ok {
			t.Errorf("Key ok for a row with an empty key")
		}
	})
	t.Run("Pick gives the entity's fields in its order", func(t *testing.T) {
		for _, tt := range []struct{ raw, want []string }{
			{[]string{"2026-01-02", "x", "3000000001", "V1"}, []string{"V1", "3000000001", "2026-01-02", ""}},
			{[]string{"2026-01-02", "x"}, []string{"", "", "2026-01-02", ""}}, // short: the missing fields are empty
			{[]string{}, []string{"", "", "", ""}},
		} {
			picked := p.Pick(nil, tt.raw)
			if !slices.Equal(picked, tt.want) || len(picked) != p.Width() {
				t.Errorf("Pick(%q) = %q, want %q (Width %d)", tt.raw, picked, tt.want, p.Width())
			}
		}
	})
}

// checkHeaderOrder fails t unless the row raw of the shuffled header (note, besok_dato,
// extra, besok_id, produsentnr) parses as the same row does in the header order of p
// (besok_id, produsentnr, besok_dato, note): where a column stands does not matter.
func checkHeaderOrder(t *testing.T, shuffled, p *Parser, raw []string) {
	t.Helper()
	at := func(i int) string {
		if i < len(raw) {
			return raw[i]
		}
		return ""
	}
	vals, probs := shuffled.Parse(raw)
	got := slices.Clone(vals)
	want, wantProbs := p.Parse([]string{at(3), at(4), at(1), at(0)})
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(probs, wantProbs) {
		t.Fatalf("row %q: %v %+v, in header order %v %+v", raw, got, probs, want, wantProbs)
	}
}

// TestPrintable: a rejected value is kept readable — valid UTF-8, no control characters,
// cut short — whatever bytes it had (regression: a Latin-1 value was stored empty, and a
// NUL went into the rejects CSV as it was).
func TestPrintable(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Bjørn", "Bjørn"},
		{"Bj\xf8rn", `Bj\xf8rn`},
		{"a\x00b", `a\x00b`},
		{"two\nlines\r", `two\nlines\r`},
		{"tab\there", `tab\there`},
		{`back\slash`, `back\slash`},
		{"=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"},
		{strings.Repeat("x", 300), strings.Repeat("x", 200) + "…"},
		{strings.Repeat("ø", 150), strings.Repeat("ø", 100) + "…"},
	}
	for _, tt := range tests {
		if got := Printable(tt.in); got != tt.want {
			t.Errorf("Printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	_, probs := (&Entity{Name: "x", Fields: []Field{{Name: "navn", Type: Text}}}).mustParser(t).Parse([]string{"Bj\xf8rn"})
	if len(probs) != 1 || probs[0].Value != `Bj\xf8rn` {
		t.Errorf("Parse(Latin-1) problems = %+v, want the value as Bj\\xf8rn", probs)
	}
}

func (e *Entity) mustParser(t *testing.T) *Parser {
	t.Helper()
	p, err := e.NewParser([]string{"navn"}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzParse checks that no row makes the parser panic, and that a row without problems
// has a key.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"V1|3000000001|2026-01-02|x", "|||", "V\x00|300000000\xff|2027-13-01|", "V1|3000000001|2027-01-05|"} {
		f.Add(s)
	}
	p, err := testEntity.NewParser([]string{"besok_id", "produsentnr", "besok_dato", "note"}, asOf)
	if err != nil {
		f.Fatal(err)
	}
	shuffled, err := testEntity.NewParser([]string{"note", "besok_dato", "extra", "besok_id", "produsentnr"}, asOf)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, row string) {
		raw := strings.Split(row, "|")
		checkHeaderOrder(t, shuffled, p, raw)
		_, probs := p.Parse(raw)
		if _, ok := p.Key(probs); !ok && len(probs) == 0 {
			t.Fatalf("row %q has no problem but no key", row)
		}
		for _, pr := range probs {
			if !utf8.ValidString(pr.Value) || strings.ContainsFunc(pr.Value, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("row %q: problem value %q is not printable", row, pr.Value)
			}
		}
	})
}

// TestKeyPattern: a row whose key did not parse gets a LIKE pattern of the keys it may have
// had: its readable key fields as they stand in keys, with LIKE's own characters escaped,
// and % for the unreadable ones.
func TestKeyPattern(t *testing.T) {
	e := &Entity{Name: "x", Fields: []Field{
		{Name: "produsentnr", Type: Produsentnr}, {Name: "frist", Type: Date}, {Name: "av", Type: Text}, {Name: "merknad", Type: Text},
	}, Key: []string{"produsentnr", "frist", "av"}}
	p, err := e.NewParser([]string{"produsentnr", "frist", "av", "merknad"}, asOf)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		row  []string
		want string
	}{
		{"a date unreadable", []string{"3000000001", "2027-8-01", "ola_n%\\", "x"}, `3000000001|%|ola\_n\%\\`},
		{"the producer unreadable", []string{"300000001", "2027-08-01", "ola", "x"}, `%|2027-08-01|ola`},
		{"all unreadable", []string{"3", "x", "ola\x01", ""}, `%|%|%`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := p.Parse(tt.row)
			if _, ok := p.Key(probs); ok {
				t.Fatalf("Key of %q is readable", tt.row)
			}
			if got := p.KeyPattern(probs); got != tt.want {
				t.Errorf("KeyPattern = %q, want %q", got, tt.want)
			}
		})
	}
}
