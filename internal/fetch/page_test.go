package fetch

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func str(s string) *string { return &s }

func TestDecodePage(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		want     []map[string]*string
		wantNext string
		wantErr  string // a part of the message; "" for success
	}{
		{
			name:     "strings and nulls",
			body:     `{"items":[{"produsentnr":"3000000001","epost":null},{"produsentnr":"3000000002","epost":"a@b.no"}],"next_page_token":"abc"}`,
			want:     []map[string]*string{{"produsentnr": str("3000000001"), "epost": nil}, {"produsentnr": str("3000000002"), "epost": str("a@b.no")}},
			wantNext: "abc",
		},
		{
			name: "last page, empty",
			body: `{"items":[],"next_page_token":""}`,
			want: []map[string]*string{},
		},
		{
			name: "numbers kept as their literal text",
			body: `{"items":[{"andel":0.040,"antall":120,"neg":-1e3}],"next_page_token":""}`,
			want: []map[string]*string{{"andel": str("0.040"), "antall": str("120"), "neg": str("-1e3")}},
		},
		{
			name: "escapes and unicode",
			body: "{\"items\":[{\"navn\":\"Bj\\u00f8rn \\\"B\\\" \\\\ Li\\nnje\",\"sted\":\"Nærøy\"}],\"next_page_token\":\"\"}",
			want: []map[string]*string{{"navn": str("Bjørn \"B\" \\ Li\nnje"), "sted": str("Nærøy")}},
		},
		{
			name: "whitespace and other members",
			body: " {\n \"total\": 3, \"next_page_token\" : \"\" , \"items\" : [ { \"a\" : \"1\" } ] }\n",
			want: []map[string]*string{{"a": str("1")}},
		},
		{name: "empty body", body: ``, wantErr: "bad response: body of 0 bytes is not valid JSON"},
		{name: "truncated", body: `{"items":[{"a":"1"`, wantErr: "bad response: body of 18 bytes is not valid JSON: unexpected end of JSON input"},
		{name: "html", body: `<html>Service Unavailable</html>`, wantErr: "not valid JSON"},
		{name: "array", body: `[{"a":"1"}]`, wantErr: "page is a JSON array, want an object"},
		{name: "no items", body: `{"next_page_token":""}`, wantErr: `page has no "items" array`},
		{name: "null items", body: `{"items":null,"next_page_token":""}`, wantErr: `page has no "items" array`},
		{name: "items an object", body: `{"items":{"a":"1"},"next_page_token":""}`, wantErr: `"items" is a JSON object, want an array`},
		{name: "item a string", body: `{"items":["a"],"next_page_token":""}`, wantErr: "an item is a JSON string (at byte 10), want an object"},
		{name: "null item", body: `{"items":[{"a":"1"},null],"next_page_token":""}`, wantErr: "item 2 is null, want an object"},
		{name: "no next", body: `{"items":[]}`, wantErr: `page has no "next_page_token" string`},
		{name: "null next", body: `{"items":[],"next_page_token":null}`, wantErr: `page has no "next_page_token" string`},
		{name: "numeric next", body: `{"items":[],"next_page_token":2}`, wantErr: `"next_page_token" is a JSON number, want a string`},
		{name: "boolean value", body: `{"items":[{"reservert":true}],"next_page_token":""}`, wantErr: `item 1, "reservert": a boolean, want a string or null`},
		{name: "object value", body: `{"items":[{"a":"1"},{"a":{"b":"c"}}],"next_page_token":""}`, wantErr: `item 2, "a": an object, want a string or null`},
		{name: "array value", body: `{"items":[{"a":["1"]}],"next_page_token":""}`, wantErr: `item 1, "a": an array, want a string or null`},
		{name: "empty key", body: `{"items":[{"":"1"}],"next_page_token":""}`, wantErr: "item 1 has an empty key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, next, err := DecodePage([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrBadResponse) {
					t.Fatalf("DecodePage(%s) = %v, want an ErrBadResponse containing %q", tt.body, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodePage(%s) = %v, want nil", tt.body, err)
			}
			if !reflect.DeepEqual(got, tt.want) || next != tt.wantNext {
				t.Errorf("DecodePage(%s) = %s, %q, want %s, %q", tt.body, show(got), next, show(tt.want), tt.wantNext)
			}
		})
	}
}

func show(items []map[string]*string) string {
	b, _ := json.Marshal(items)
	return string(b)
}

// referenceDecode is what DecodePage accepts, written plainly with encoding/json: the
// oracle for FuzzDecodePage.
func referenceDecode(body []byte) (items []map[string]*string, next string, ok bool) {
	if !json.Valid(body) {
		return nil, "", false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, _ := dec.Token(); tok != json.Delim('{') {
		return nil, "", false
	}
	var haveItems, haveNext bool
	for dec.More() {
		tok, _ := dec.Token()
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, "", false
		}
		switch tok.(string) {
		case "items":
			if haveItems || raw[0] != '[' {
				return nil, "", false
			}
			haveItems = true
			var arr []json.RawMessage
			json.Unmarshal(raw, &arr)
			items = make([]map[string]*string, 0, len(arr))
			for _, it := range arr {
				if it[0] != '{' {
					return nil, "", false
				}
				var obj map[string]json.RawMessage
				json.Unmarshal(it, &obj)
				item := make(map[string]*string, len(obj))
				for k, v := range obj {
					switch c := v[0]; {
					case k == "":
						return nil, "", false
					case c == '"':
						var s string
						json.Unmarshal(v, &s)
						item[k] = &s
					case c == 'n':
						item[k] = nil
					case c == '-' || (c >= '0' && c <= '9'):
						s := string(v)
						item[k] = &s
					default:
						return nil, "", false
					}
				}
				items = append(items, item)
			}
		case "next_page_token":
			if haveNext || raw[0] != '"' {
				return nil, "", false
			}
			haveNext = true
			json.Unmarshal(raw, &next)
		}
	}
	return items, next, haveItems && haveNext
}

// FuzzDecodePage checks DecodePage against referenceDecode, that its errors are one line
// and ErrBadResponse, and that what it accepts survives a round trip through
// encoding/json (numbers come back as strings, with the same text).
func FuzzDecodePage(f *testing.F) {
	seeds := []string{
		`{"items":[{"produsentnr":"3000000001","epost":null}],"next_page_token":"abc"}`,
		`{"items":[],"next_page_token":""}`,
		`{"items":[{"a":1.50,"b":-0,"c":"\u00e6\\\"","d":2e-3}],"next_page_token":"x"}`,
		`{"items":[{"a":"\ud83d\ude00 \ud800 \udc00x \ud800\u0041"}],"next_page_token":""}`,
		`{"items":[{"a":true}],"next_page_token":""}`,
		`{"items":[null],"next_page_token":""}`,
		`{"items":"x","next_page_token":""}`,
		`{"items":[{"a":"1"`,
		`{"total":{"n":[1,2,{"x":null}]},"items":[],"next_page_token":"","more":false}`,
		`{"items":[],"items":[],"next_page_token":""}`,
		`{"ITEMS":[],"next_page_token":""}`,
		`[]`,
		`null`,
		``,
		"{\"items\":[{\"a\":\"\xff\xc3(\"}],\"next_page_token\":\"\"}",
		`{"items":[{"a":"1","a":"2"}],"next_page_token":""}`,
		`{"items":[{"a":01}],"next_page_token":""}`,
		`{"items":[{"a":"x"}],"next_page_token":""} x`,
		`{"items":[{"a":"1","b":"2"},{"a":"3","b":"4"},{"b":"5","a":"6"},{"a":"7"}],"next_page_token":""}`,
		`{"items":[{"a\\":"1","b":"2"},{"a\"":"3"},{"a\\":"4"}],"next_page_token":""}`,
		`{"items":[{"\u0061":"1"},{"a":"2"},{"\u0061":"3","produsentnr":null}],"next_page_token":""}`,
		"{\"items\":[{\"a\xff\":\"1\"},{\"a\xff\":\"2\"}],\"next_page_token\":\"\"}",
		`{"items":[{"a":null,"b":null},{"a":null,"b":"x"},{"a":null ,"b":null},{"a":null}],"next_page_token":""}`,
		`{"items":[{"a":null,"b":null},{"a":nullx}],"next_page_token":""}`,
		`{"items":[{"a":null,"b":null},{"a":null,"b":null`,
		`{"items":[{"a":"1","a":null},{"a":null,"a":"1"}],"next_page_token":""}`,
		`{"items":[{"a":null,"b":"x"},{"a":null,"a":"2"},{"a":"3","a":null}],"next_page_token":""}`,
		`{"items":[{"a":null,"b":null,"c":null},{"c":null,"b":null,"a":null},{"a":null},{}],"next_page_token":""}`,
		`{"items":[{"\u0061":null},{"a":null},{"a":"v"}],"next_page_token":""}`,
		`{"items":[{"a":"1"}],"items":[{"a":"2"}],"next_page_token":""}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		items, next, err := DecodePage(body)
		// DecodePageColumns: the same outcome, the items cut to the columns asked for.
		cols := []string{"a", "produsentnr", "_error"}
		checkColumns(t, body, items, next, err, cols)
		// And every key the page's items have, in an order the body picks, with one that
		// no item has: each column must come out at its own position.
		keys := map[string]bool{}
		for _, it := range items {
			for k := range it {
				keys[k] = true
			}
		}
		all := slices.Sorted(maps.Keys(keys))
		if len(all) > 0 {
			r := len(body) % len(all)
			all = append(all[r:], all[:r]...)
			if len(body)%2 == 1 {
				slices.Reverse(all)
			}
		}
		checkColumns(t, body, items, next, err, append(all, "\x00absent"))
		// checkPage: the same outcome without building the items.
		checked, checkErr := checkPage(body)
		if fmt.Sprint(checkErr) != fmt.Sprint(err) || checked.next != next || len(checked.items) != len(items) {
			t.Fatalf("checkPage(%q) = %d items %q %v, DecodePage %d items %q %v", body, len(checked.items), checked.next, checkErr, len(items), next, err)
		}
		wantItems, wantNext, wantOK := referenceDecode(body)
		if (err == nil) != wantOK {
			t.Fatalf("DecodePage(%q) = %v, want ok=%v (as encoding/json sees it)", body, err, wantOK)
		}
		if err != nil {
			if !errors.Is(err, ErrBadResponse) {
				t.Fatalf("DecodePage(%q) = %v, want an ErrBadResponse", body, err)
			}
			if strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("DecodePage(%q) error %q is not one line", body, err)
			}
			if json.Valid(body) && strings.Contains(err.Error(), "not valid JSON") {
				t.Fatalf("DecodePage(%q) = %v, but it is valid JSON", body, err)
			}
			if !json.Valid(body) && !strings.Contains(err.Error(), "not valid JSON") {
				t.Fatalf("DecodePage(%q) = %v, want it called not valid JSON", body, err)
			}
			return
		}
		if next != wantNext || !reflect.DeepEqual(items, wantItems) {
			t.Fatalf("DecodePage(%q) = %s %q, want %s %q", body, show(items), next, show(wantItems), wantNext)
		}
		again, err := json.Marshal(map[string]any{"items": items, "next_page_token": next})
		if err != nil {
			t.Fatalf("json.Marshal(items of %q) = %v", body, err)
		}
		items2, next2, err := DecodePage(again)
		if err != nil {
			t.Fatalf("DecodePage(%q) (re-encoded from %q) = %v, want nil", again, body, err)
		}
		if next2 != next || !reflect.DeepEqual(items2, items) {
			t.Fatalf("round trip of %q: got %s %q, want %s %q", body, show(items2), next2, show(items), next)
		}
	})
}

// checkColumns checks DecodePageColumns(body, cols) against DecodePage's outcome (items,
// next, err): the same error and token, and each item's columns present, null or with
// their value as the maps have them; and the same of the items' Compact copy once the
// body it was decoded from is overwritten.
func checkColumns(t *testing.T, body []byte, items []map[string]*string, next string, err error, cols []string) {
	t.Helper()
	mine := bytes.Clone(body)
	some, someNext, someErr := DecodePageColumns(mine, cols)
	n := 0
	if some != nil {
		n = some.Len()
	}
	if fmt.Sprint(someErr) != fmt.Sprint(err) || someNext != next || n != len(items) || (err != nil) != (some == nil) {
		t.Fatalf("DecodePageColumns(%q) = %d items %q %v, DecodePage %d items %q %v", body, n, someNext, someErr, len(items), next, err)
	}
	if some == nil {
		return
	}
	same := func(what string, c *Columns) {
		t.Helper()
		if c.Len() != len(items) {
			t.Fatalf("%s of %q: %d items, want %d", what, body, c.Len(), len(items))
		}
		for i, it := range items {
			for j, col := range cols {
				v, has := it[col]
				want, wantOK := "", has && v != nil
				if wantOK {
					want = *v
				}
				if got, ok := c.Get(i, j); c.Has(i, j) != has || got != want || ok != wantOK {
					t.Fatalf("%s of (%q, %q) item %d %q = %q (has %v, not null %v), want %q (has %v, not null %v)",
						what, body, cols, i+1, col, got, c.Has(i, j), ok, want, has, wantOK)
				}
			}
		}
	}
	same("DecodePageColumns", some)
	kept := some.Compact()
	if kept.Size() != some.CompactSize() {
		t.Fatalf("Compact of %q takes %d bytes, CompactSize says %d", body, kept.Size(), some.CompactSize())
	}
	for i := range mine {
		mine[i] = '#'
	}
	same("Compact", kept)
	if kept.Compact() != kept {
		t.Fatalf("Compact of a compact copy made another")
	}
}

func TestDecodePageColumnsAskedTwice(t *testing.T) {
	_, _, err := DecodePageColumns([]byte(`{"items":[{"a":"1"}],"next_page_token":""}`), []string{"a", "b", "a"})
	if err == nil || !strings.Contains(err.Error(), `"a" asked for twice`) {
		t.Fatalf("DecodePageColumns with a column twice: %v, want an error naming it", err)
	}
}

// TestColumnsReserved: the cells are sized by the page's first item — once, for the
// items the rest of the body holds if they are as long — but never beyond twice the
// body's bytes, whatever the first item says; and the items decode the same either way.
func TestColumnsReserved(t *testing.T) {
	item := func(i int) string { return fmt.Sprintf(`{"a":"%d","b":null,"c":"%s"}`, i, strings.Repeat("x", 40)) }
	page := func(first string, n int) []byte {
		var b strings.Builder
		b.WriteString(`{"items":[`)
		if first != "" {
			b.WriteString(first)
		}
		for i := range n {
			if i > 0 || first != "" {
				b.WriteString(",")
			}
			b.WriteString(item(i))
		}
		b.WriteString(`],"next_page_token":""}`)
		return []byte(b.String())
	}
	tests := []struct {
		name               string
		body               []byte
		minItems, maxItems int // the cells' room, in items (0: no claim)
	}{
		{"items alike", page("", 1000), 1000, 1100}, // the first item is the shortest; appends alone leave room for 1194
		{"a first item of no members", page("{}", 1000), 0, 0},
		{"a long first item", page(`{"a":"`+strings.Repeat("y", 5000)+`"}`, 1000), 0, 0},
		{"one item", page("", 1), 0, 0},
		{"no item", page("", 0), 0, 0},
	}
	cols := []string{"a", "c", "absent"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, next, err := DecodePage(tt.body)
			checkColumns(t, tt.body, items, next, err, cols)
			c, _, err := DecodePageColumns(tt.body, cols)
			if err != nil {
				t.Fatal(err)
			}
			room := cap(c.cells) / len(cols)
			if room < tt.minItems || tt.maxItems > 0 && room > tt.maxItems {
				t.Errorf("room for %d items, want %d to %d", room, tt.minItems, tt.maxItems)
			}
			// Growing by appends may double past the body; the reservation itself may not.
			if bytes := cap(c.cells) * 17; bytes > 2*len(tt.body) && room > 2*c.Len()+8 {
				t.Errorf("cells of %d bytes (room for %d items, %d decoded) for a body of %d bytes", bytes, room, c.Len(), len(tt.body))
			}
		})
	}
}
