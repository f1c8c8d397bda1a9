package fetch

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// ErrBadResponse marks an answer that breaks the JSON contract: a Content-Type that is not
// JSON, a body that is not JSON, or JSON of the wrong shape.
var ErrBadResponse = errors.New("bad response")

// decoded is a decoded page of items.
type decoded struct {
	items []map[string]*string // nil maps when only checked or decoded by column
	cols  *Columns             // the items by column position (DecodePageColumns)
	next  string
	raw   string // the items array as it stands in the body
}

// len is the number of items.
func (p decoded) len() int {
	if p.cols != nil {
		return p.cols.Len()
	}
	return len(p.items)
}

// Columns is a page's items decoded by column position (DecodePageColumns): for each item
// and each column asked for, whether the item has that member, and its value. The whole
// page is two blocks of memory, not a map per item. Values share the body's memory, as
// DecodePage's do.
type Columns struct {
	width int      // columns asked for
	n     int      // items
	cells []string // item by item: item i's column j at i*width+j (nil when compact)
	state []byte   // per cell: cellAbsent, cellNull or cellValue

	// Compact's form: the values one after the other in text, cell k's ending at ends[k].
	compact bool
	text    []byte
	ends    []uint32
}

const (
	cellAbsent byte = iota
	cellNull
	cellValue
)

// Len is the number of items.
func (c *Columns) Len() int { return c.n }

// Has reports whether item i has a member named column j (a null one too).
func (c *Columns) Has(i, j int) bool { return c.state[c.cell(i, j)] != cellAbsent }

// Get returns item i's value of column j, and false when the item lacks the member or it
// is null (the value is then "").
func (c *Columns) Get(i, j int) (string, bool) {
	k := c.cell(i, j)
	if c.compact {
		var from uint32
		if k > 0 {
			from = c.ends[k-1]
		}
		v := c.text[from:c.ends[k]]
		return unsafe.String(unsafe.SliceData(v), len(v)), c.state[k] == cellValue
	}
	return c.cells[k], c.state[k] == cellValue
}

// Compact returns a copy of c that shares no memory with the body, in two blocks besides
// the states: the values one after the other, and where each ends. A cell takes 5 bytes
// besides its value instead of 17: a page's items kept for later take a fraction of the
// body (a subsidy page's 7 of 200 columns: about a fortieth). It returns nil for items
// whose values add up to 4 GiB or more, which no page accepted (maxBody) holds.
func (c *Columns) Compact() *Columns {
	if c.compact {
		return c
	}
	size := c.values()
	if size > math.MaxUint32 {
		return nil
	}
	out := &Columns{width: c.width, n: c.n, state: slices.Clone(c.state), compact: true,
		text: make([]byte, 0, size), ends: make([]uint32, len(c.cells))}
	for k, v := range c.cells {
		out.text = append(out.text, v...)
		out.ends[k] = uint32(len(out.text))
	}
	return out
}

// values is the bytes of c's values.
func (c *Columns) values() int {
	if c.compact {
		return len(c.text)
	}
	size := 0
	for _, v := range c.cells {
		size += len(v)
	}
	return size
}

// Size is about the bytes c takes: its cells and states, and its values when they are
// its own (compact).
func (c *Columns) Size() int64 {
	return int64(16*len(c.cells) + len(c.state) + len(c.text) + 4*len(c.ends))
}

// CompactSize is the Size that c's Compact copy takes.
func (c *Columns) CompactSize() int64 {
	return int64(c.values() + 5*len(c.state))
}

// cell is the index of item i's column j; a column out of range panics rather than reads
// the next item's cells.
func (c *Columns) cell(i, j int) int {
	if uint(j) >= uint(c.width) {
		panic(fmt.Sprintf("fetch.Columns: column %d of %d", j, c.width))
	}
	return i*c.width + j
}

// reserve makes room for n items in all, so that the cells are not copied as they grow
// (BenchmarkDecodePageColumns: 3.8–3.9 → 3.0–3.2 ms, 2.8 MB → 0.67 MB a page) — but for no
// more cells than take twice the body's bytes: a page whose first item is "{}" says little
// of the others.
func (c *Columns) reserve(n, bodyBytes int) {
	const cellBytes = 17 // a string's header and a state byte
	n = min(n, 2*bodyBytes/(cellBytes*max(c.width, 1)))
	need := n * c.width
	if need <= cap(c.cells) {
		return
	}
	cells := make([]string, len(c.cells), need)
	copy(cells, c.cells)
	state := make([]byte, len(c.state), need)
	copy(state, c.state)
	c.cells, c.state = cells, state
}

// addItem makes room for one more item, every column absent, and returns its first cell.
func (c *Columns) addItem() int {
	base := len(c.cells)
	w := c.width
	c.cells = append(c.cells, make([]string, w)...)
	c.state = append(c.state, make([]byte, w)...)
	c.n++
	return base
}

// DecodePage decodes one page of a paged answer: {"items":[{column: value, …}, …],
// "next_page_token": "…"}. It is strict about the shape: the body must be one JSON object
// whose "items" is an array (possibly empty) of objects and whose "next_page_token" is a
// string ("" on the last page), each once; each item's values must be strings or null. A
// number is accepted and kept as its literal text (1.50 stays "1.50"); a boolean, object
// or array value, an empty key or a null item is an error. Other members of the page are
// ignored (but must be valid JSON); of two equal keys in one item the last wins. A null
// value is a nil *string. Invalid UTF-8 in a string becomes U+FFFD, as encoding/json does.
//
// The values share body's memory (no copy of the page is made): body must not change
// while they are in use.
func DecodePage(body []byte) (items []map[string]*string, next string, err error) {
	p, err := decodeBody(body, false, nil)
	if err != nil {
		return nil, "", err
	}
	return p.items, p.next, nil
}

// DecodePageColumns decodes a page as DecodePage does — the same checks, the same errors
// — but keeps only the named members of each item, by their position in columns, in one
// Columns for the page instead of a map per item: a reader that needs 7 of a subsidy
// year's 200 columns keeps 7 cells an item. Asking for a column twice is an error.
func DecodePageColumns(body []byte, columns []string) (cols *Columns, next string, err error) {
	pos, err := positions(columns)
	if err != nil {
		return nil, "", err
	}
	p, err := decodeBody(body, false, pos)
	if err != nil {
		return nil, "", err
	}
	return p.cols, p.next, nil
}

// positions maps each column to its position.
func positions(columns []string) (map[string]int, error) {
	pos := make(map[string]int, len(columns))
	for j, c := range columns {
		if _, dup := pos[c]; dup {
			return nil, fmt.Errorf("DecodePageColumns: column %q asked for twice", c)
		}
		pos[c] = j
	}
	return pos, nil
}

// checkPage checks a page as decodePage does without building the items (each is a nil
// map): for Pages, which hands the body on verbatim.
func checkPage(body []byte) (decoded, error) {
	return decodeBody(body, true, nil)
}

// decodeBody is a scanner made for the page shape: several times faster than
// encoding/json into maps, and it shares the memory of unescaped strings with the body
// and interns the keys, which repeat in every item. FuzzDecodePage checks it against
// encoding/json. With check it builds no items; with pos, it builds Columns of those keys
// (by their positions) instead of maps.
func decodeBody(body []byte, check bool, pos map[string]int) (decoded, error) {
	// The body is read in place: pages run to tens of megabytes (a subsidy year's 200
	// columns), and a copy of each cost more than the decoding.
	d := pageDecoder{src: unsafe.String(unsafe.SliceData(body), len(body)), keys: make(map[string]string), nulls: make(map[string]string), check: check, pos: pos}
	if pos != nil && !check {
		d.cols = &Columns{width: len(pos)}
	}
	p, err := d.page()
	p.cols = d.cols
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return decoded{}, fmt.Errorf("%w: body of %d bytes is not valid JSON: %v", ErrBadResponse, len(body), se)
		}
		return decoded{}, fmt.Errorf("%w: %v", ErrBadResponse, err)
	}
	return p, nil
}

// syntaxError is a body that is not JSON at all.
type syntaxError struct {
	msg string
	at  int
}

func (e *syntaxError) Error() string {
	if e.at < 0 {
		return e.msg
	}
	return fmt.Sprintf("%s at byte %d", e.msg, e.at)
}

type pageDecoder struct {
	src   string
	i     int
	keys  map[string]string
	check bool           // only check the shape: build no items
	pos   map[string]int // when set, the only members kept, by their column in cols
	cols  *Columns       // with pos: the items decoded so far
	base  int            // with pos: the current item's first cell in cols
	first int            // with pos: where the first item begins, to size cols by it

	// The members of the item before, by position, and whether items keep them: items
	// nearly always list their members in one order, and a key that is where it was in
	// the item before costs a string comparison instead of two map lookups.
	order []member
	nulls map[string]string // `"key":null` by key, so that members met in a new order cost no allocation
}

type member struct {
	key   string
	kept  bool
	col   int    // with pos: its column
	plain bool   // the key stands in the body as it is: no escape, only valid UTF-8
	null  string // `"key":null` when plain (from nulls, made once a page)
}

// maxDepth bounds the nesting of skipped values, as encoding/json does.
const maxDepth = 10000

func (d *pageDecoder) syntax(msg string) error {
	if d.i >= len(d.src) {
		return &syntaxError{msg: "unexpected end of JSON input", at: -1}
	}
	return &syntaxError{msg: msg, at: d.i}
}

func (d *pageDecoder) ws() {
	for d.i < len(d.src) {
		switch d.src[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// peek skips white space and returns the next byte, or 0 at the end (see atEnd).
func (d *pageDecoder) peek() byte {
	d.ws()
	if d.i >= len(d.src) {
		return 0
	}
	return d.src[d.i]
}

// atEnd skips white space and tells whether nothing follows.
func (d *pageDecoder) atEnd() bool {
	d.ws()
	return d.i >= len(d.src)
}

func (d *pageDecoder) expect(c byte) error {
	if d.peek() != c {
		return d.syntax(fmt.Sprintf("invalid character %s, want %q", d.char(), c))
	}
	d.i++
	return nil
}

func (d *pageDecoder) char() string {
	if d.i >= len(d.src) {
		return "end of input"
	}
	return strconv.QuoteRune(rune(d.src[d.i]))
}

func (d *pageDecoder) page() (decoded, error) {
	var p decoded
	var haveItems, haveNext bool
	var shapeErr error // the first shape error; a syntax error later still wins
	if c := d.peek(); c != '{' {
		if err := d.skip(0); err != nil {
			return p, err
		}
		if !d.atEnd() {
			return p, d.syntax("invalid character " + d.char() + " after the top-level value")
		}
		return p, fmt.Errorf("page is a JSON %s, want an object", kind(c))
	}
	d.i++
	if d.peek() == '}' {
		d.i++
	} else {
		for {
			if d.peek() != '"' {
				return p, d.syntax("invalid character " + d.char() + " looking for a member name")
			}
			name, err := d.str()
			if err != nil {
				return p, err
			}
			if err := d.expect(':'); err != nil {
				return p, err
			}
			c := d.peek()
			switch {
			case name == "items" && c == '[':
				if haveItems && shapeErr == nil {
					shapeErr = errors.New(`page has "items" twice`)
				}
				haveItems = true
				start := d.i
				items, err := d.items()
				if err != nil {
					var se *syntaxError
					if errors.As(err, &se) {
						return p, err
					}
					if shapeErr == nil {
						shapeErr = err
					}
					if err := d.skipRest(); err != nil {
						return p, err
					}
					return p, shapeErr
				}
				p.items, p.raw = items, d.src[start:d.i]
			case name == "next_page_token" && c == '"':
				if haveNext && shapeErr == nil {
					shapeErr = errors.New(`page has "next_page_token" twice`)
				}
				haveNext = true
				if p.next, err = d.str(); err != nil {
					return p, err
				}
				p.next = strings.Clone(p.next) // kept longer than the page, e.g. to spot loops
			default:
				if err := d.skip(0); err != nil {
					return p, err
				}
				if shapeErr == nil {
					switch {
					case name == "items" && c == 'n':
						shapeErr = errors.New(`page has no "items" array`)
					case name == "items":
						shapeErr = fmt.Errorf(`"items" is a JSON %s, want an array`, kind(c))
					case name == "next_page_token" && c == 'n':
						shapeErr = errors.New(`page has no "next_page_token" string (the last page has "")`)
					case name == "next_page_token":
						shapeErr = fmt.Errorf(`"next_page_token" is a JSON %s, want a string`, kind(c))
					}
				}
			}
			if d.peek() == ',' {
				d.i++
				continue
			}
			if err := d.expect('}'); err != nil {
				return p, err
			}
			break
		}
	}
	if !d.atEnd() {
		return p, d.syntax("invalid character " + d.char() + " after the top-level value")
	}
	switch {
	case shapeErr != nil:
		return p, shapeErr
	case !haveItems:
		return p, errors.New(`page has no "items" array`)
	case !haveNext:
		return p, errors.New(`page has no "next_page_token" string (the last page has "")`)
	}
	return p, nil
}

// skipRest checks that the rest of the body is valid JSON closing the top-level object,
// after a shape error inside items: the object is left at an unknown depth, so this only
// checks syntax by skipping values from the start again.
func (d *pageDecoder) skipRest() error {
	d.i = 0
	if err := d.skip(0); err != nil {
		return err
	}
	if !d.atEnd() {
		return d.syntax("invalid character " + d.char() + " after the top-level value")
	}
	return nil
}

// items reads the items array; d is at '['.
func (d *pageDecoder) items() ([]map[string]*string, error) {
	d.i++
	items := []map[string]*string{}
	if d.peek() == ']' {
		d.i++
		return items, nil
	}
	width := 8
	for n := 1; ; n++ {
		switch c := d.peek(); c {
		case '{':
			item, err := d.item(n, width)
			if err != nil {
				return nil, err
			}
			width = len(item)
			if d.cols == nil {
				items = append(items, item)
			}
		case 'n':
			if err := d.skip(1); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("item %d is null, want an object", n)
		default:
			at := d.i
			if err := d.skip(1); err != nil {
				return nil, err
			}
			return nil, fmt.Errorf("an item is a JSON %s (at byte %d), want an object", kind(c), at)
		}
		if d.peek() == ',' {
			d.i++
			continue
		}
		if err := d.expect(']'); err != nil {
			return nil, err
		}
		return items, nil
	}
}

// item reads item number n; d is at '{'.
func (d *pageDecoder) item(n, width int) (map[string]*string, error) {
	d.i++
	var item map[string]*string
	var vals []string // one allocation for many values' cells
	switch {
	case d.cols != nil:
		switch d.cols.n {
		case 0:
			d.first = d.i - 1
		case 1: // the page's items take about as many bytes as its first: room for them at once
			d.cols.reserve(2+(len(d.src)-d.i)/max(d.i-1-d.first, 1), len(d.src))
		}
		d.base = d.cols.addItem()
	case !d.check:
		item = make(map[string]*string, width)
		vals = make([]string, 0, width)
	}
	if d.peek() == '}' {
		d.i++
		return item, nil
	}
	for j := 0; ; j++ {
		if !d.nullAsBefore(j, item) {
			if err := d.value(n, j, item, &vals, width); err != nil {
				return nil, err
			}
		}
		if d.peek() == ',' {
			d.i++
			continue
		}
		if err := d.expect('}'); err != nil {
			return nil, err
		}
		return item, nil
	}
}

// nullAsBefore passes member number j of an item and reports true when it is
// `"key":null` with the key the item before had in that position: bytes checked once
// already, compared in place. Most of a subsidy item is such members.
func (d *pageDecoder) nullAsBefore(j int, item map[string]*string) bool {
	if j >= len(d.order) {
		return false
	}
	m := &d.order[j]
	if m.null == "" || !strings.HasPrefix(d.src[d.i:], m.null) {
		return false
	}
	d.i += len(m.null)
	d.setNull(item, m)
	return true
}

// value reads member number j of item n — its name, the colon and its value — into item
// (cells from vals) when the item keeps it.
func (d *pageDecoder) value(n, j int, item map[string]*string, vals *[]string, width int) error {
	if d.peek() != '"' {
		return d.syntax("invalid character " + d.char() + " looking for a member name")
	}
	m, err := d.member(j)
	if err != nil {
		return err
	}
	key := m.key
	if err := d.expect(':'); err != nil {
		return err
	}
	switch c := d.peek(); {
	case c == '"':
		s, err := d.str()
		if err != nil {
			return err
		}
		*vals = d.set(item, *vals, &m, s, width)
	case c == '-' || (c >= '0' && c <= '9'):
		s, err := d.number()
		if err != nil {
			return err
		}
		*vals = d.set(item, *vals, &m, s, width)
	case c == 'n':
		if err := d.literal("null"); err != nil {
			return err
		}
		d.setNull(item, &m)
	default:
		if err := d.skip(1); err != nil {
			return err
		}
		return fmt.Errorf("item %d, %q: %s, want a string or null", n, key, withArticle(kind(c)))
	}
	if key == "" {
		return fmt.Errorf("item %d has an empty key", n)
	}
	return nil
}

// set puts value v of member m in item, its cell taken from vals, if items keep m (in
// cols instead of item when decoding by column).
func (d *pageDecoder) set(item map[string]*string, vals []string, m *member, v string, width int) []string {
	if !m.kept {
		return vals
	}
	if d.cols != nil {
		k := d.base + m.col
		d.cols.cells[k], d.cols.state[k] = v, cellValue
		return vals
	}
	if item == nil {
		return vals
	}
	key := m.key
	if len(vals) == cap(vals) {
		vals = make([]string, 0, max(width, 8))
	}
	vals = append(vals, v)
	item[key] = &vals[len(vals)-1]
	return vals
}

// setNull records member m of the current item as null, if items keep m.
func (d *pageDecoder) setNull(item map[string]*string, m *member) {
	switch {
	case !m.kept:
	case d.cols != nil:
		k := d.base + m.col
		d.cols.cells[k], d.cols.state[k] = "", cellNull
	case item != nil:
		item[m.key] = nil
	}
}

// member reads the name of an item's member number j (from 0), interned, and whether
// items keep it.
func (d *pageDecoder) member(j int) (member, error) {
	start := d.i
	if j < len(d.order) {
		// The raw name as it stands in the body, quotes left out: equal to the member
		// before it in that position when neither has escapes.
		m := d.order[j]
		if end := start + 1 + len(m.key); m.plain && end < len(d.src) && d.src[end] == '"' && d.src[start+1:end] == m.key {
			d.i = end + 1
			return m, nil
		}
	}
	key, err := d.key()
	if err != nil {
		return member{}, err
	}
	kept, col := true, 0
	if d.pos != nil {
		col, kept = d.pos[key]
	}
	raw := d.src[start+1 : d.i-1]
	m := member{key: key, kept: kept, col: col, plain: raw == key && !strings.Contains(raw, `\`)}
	if m.plain && key != "" {
		if m.null = d.nulls[key]; m.null == "" {
			m.null = `"` + key + `":null`
			d.nulls[key] = m.null
		}
	}
	if j < len(d.order) {
		d.order[j] = m
	} else if j == len(d.order) {
		d.order = append(d.order, m)
	}
	return m, nil
}

// key reads a member name and interns it.
func (d *pageDecoder) key() (string, error) {
	start := d.i
	s, err := d.str()
	if err != nil {
		return "", err
	}
	raw := d.src[start:d.i]
	if k, ok := d.keys[raw]; ok {
		return k, nil
	}
	d.keys[raw] = s
	return s, nil
}

// str reads a JSON string; d is at '"'. Unescaped valid strings share the body's memory.
// The scan keeps its index in a local (not d.i, which the compiler writes back each byte)
// and passes plain ASCII bytes on one table lookup.
func (d *pageDecoder) str() (string, error) {
	src := d.src
	start := d.i + 1
	ascii := true
	for i := start; i < len(src); i++ {
		c := src[i]
		if plainASCII[c] {
			continue
		}
		switch {
		case c == '"':
			d.i = i + 1
			s := src[start:i]
			if ascii || utf8.ValidString(s) {
				return s, nil
			}
			return toValidUTF8(s), nil
		case c == '\\':
			d.i = i
			return d.escaped(start)
		case c < 0x20:
			d.i = i
			return "", d.syntax("invalid character " + d.char() + " in string literal")
		default: // c >= 0x80
			ascii = false
		}
	}
	d.i = len(src)
	return "", d.syntax("")
}

// plainASCII holds the bytes a string passes over as they are: ASCII that is neither a
// control character, a quote nor a backslash.
var plainASCII = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// escaped finishes a string with escapes, started at start; d is at the first '\'.
func (d *pageDecoder) escaped(start int) (string, error) {
	b := make([]byte, 0, d.i-start+16)
	b = append(b, d.src[start:d.i]...)
	for d.i < len(d.src) {
		c := d.src[d.i]
		switch {
		case c == '"':
			d.i++
			return toValidUTF8(string(b)), nil
		case c < 0x20:
			return "", d.syntax("invalid character " + d.char() + " in string literal")
		case c != '\\':
			b = append(b, c)
			d.i++
			continue
		}
		d.i++ // past '\'
		if d.i >= len(d.src) {
			return "", d.syntax("")
		}
		e := d.src[d.i]
		d.i++
		switch e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := d.hex4()
			if !ok {
				return "", d.syntax("invalid \\u escape in string literal")
			}
			if utf16.IsSurrogate(r) {
				// a pair makes one rune; anything else is U+FFFD, and what follows is read anew
				if d.i+1 < len(d.src) && d.src[d.i] == '\\' && d.src[d.i+1] == 'u' {
					save := d.i
					d.i += 2
					r2, ok := d.hex4()
					if !ok {
						return "", d.syntax("invalid \\u escape in string literal")
					}
					if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
						b = utf8.AppendRune(b, dec)
						continue
					}
					d.i = save
				}
				r = utf8.RuneError
			}
			b = utf8.AppendRune(b, r)
		default:
			d.i--
			return "", d.syntax("invalid escape character " + d.char() + " in string literal")
		}
	}
	return "", d.syntax("")
}

func (d *pageDecoder) hex4() (rune, bool) {
	if d.i+4 > len(d.src) {
		d.i = len(d.src)
		return 0, false
	}
	var r rune
	for _, c := range []byte(d.src[d.i : d.i+4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	d.i += 4
	return r, true
}

// number reads a JSON number and returns its literal text.
func (d *pageDecoder) number() (string, error) {
	start := d.i
	digits := func() int {
		n := 0
		for d.i < len(d.src) && d.src[d.i] >= '0' && d.src[d.i] <= '9' {
			d.i++
			n++
		}
		return n
	}
	bad := func() error { return d.syntax("invalid character " + d.char() + " in numeric literal") }
	if d.src[d.i] == '-' {
		d.i++
	}
	switch {
	case d.i < len(d.src) && d.src[d.i] == '0':
		d.i++
	case digits() == 0:
		return "", bad()
	}
	if d.i < len(d.src) && d.src[d.i] == '.' {
		d.i++
		if digits() == 0 {
			return "", bad()
		}
	}
	if d.i < len(d.src) && (d.src[d.i] == 'e' || d.src[d.i] == 'E') {
		d.i++
		if d.i < len(d.src) && (d.src[d.i] == '+' || d.src[d.i] == '-') {
			d.i++
		}
		if digits() == 0 {
			return "", bad()
		}
	}
	return d.src[start:d.i], nil
}

func (d *pageDecoder) literal(word string) error {
	if len(d.src)-d.i >= len(word) && d.src[d.i:d.i+len(word)] == word {
		d.i += len(word)
		return nil
	}
	for j := 0; j < len(word) && d.i < len(d.src) && d.src[d.i] == word[j]; j++ {
		d.i++
	}
	return d.syntax("invalid character " + d.char() + " in literal " + word)
}

// skip checks and passes over one value of any kind.
func (d *pageDecoder) skip(depth int) error {
	if depth > maxDepth {
		return d.syntax("exceeded max depth")
	}
	switch c := d.peek(); {
	case c == '"':
		_, err := d.str()
		return err
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := d.number()
		return err
	case c == 't':
		return d.literal("true")
	case c == 'f':
		return d.literal("false")
	case c == 'n':
		return d.literal("null")
	case c == '[':
		d.i++
		if d.peek() == ']' {
			d.i++
			return nil
		}
		for {
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if d.peek() == ',' {
				d.i++
				continue
			}
			return d.expect(']')
		}
	case c == '{':
		d.i++
		if d.peek() == '}' {
			d.i++
			return nil
		}
		for {
			if d.peek() != '"' {
				return d.syntax("invalid character " + d.char() + " looking for a member name")
			}
			if _, err := d.str(); err != nil {
				return err
			}
			if err := d.expect(':'); err != nil {
				return err
			}
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			if d.peek() == ',' {
				d.i++
				continue
			}
			return d.expect('}')
		}
	default:
		return d.syntax("invalid character " + d.char() + " looking for a value")
	}
}

// toValidUTF8 replaces each invalid byte with U+FFFD, as encoding/json does.
func toValidUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\uFFFD"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return string(b)
}

// kind names the JSON type that starts with c.
func kind(c byte) string {
	switch {
	case c == '"':
		return "string"
	case c == '{':
		return "object"
	case c == '[':
		return "array"
	case c == 't' || c == 'f':
		return "boolean"
	case c == 'n':
		return "null"
	default:
		return "number"
	}
}

func withArticle(kind string) string {
	if kind == "object" || kind == "array" {
		return "an " + kind
	}
	return "a " + kind
}
