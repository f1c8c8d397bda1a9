package exports

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// value is one field, checked against its column's kind and ready for every
// writer.
type value struct {
	null bool
	s    string    // Text (already neutralised), ID
	i    int64     // Int
	f    float64   // Decimal
	t    time.Time // Date (its own Y-M-D), Timestamp
}

// toValue checks v against kind k.
func toValue(k Kind, v any) (value, error) {
	if v == nil {
		return value{null: true}, nil
	}
	switch k {
	case Text:
		switch v := v.(type) {
		case string:
			return value{s: neutralise(v)}, nil
		case bool:
			if v {
				return value{s: "ja"}, nil
			}
			return value{s: "nei"}, nil
		}
		if i, ok := asInt(v); ok {
			return value{s: strconv.FormatInt(i, 10)}, nil
		}
	case ID:
		if s, ok := v.(string); ok {
			return value{s: s}, nil
		}
		if i, ok := asInt(v); ok {
			return value{s: strconv.FormatInt(i, 10)}, nil
		}
	case Int:
		if i, ok := asInt(v); ok {
			return value{i: i}, nil
		}
	case Decimal:
		var f float64
		switch v := v.(type) {
		case float64:
			f = v
		case float32:
			f = float64(v)
		default:
			i, ok := asInt(v)
			if !ok {
				return value{}, badType(k, v)
			}
			f = float64(i)
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return value{}, fmt.Errorf("decimal %v has no representation", f)
		}
		if f == 0 {
			f = 0 // no "-0"
		}
		return value{f: f}, nil
	case Date:
		switch v := v.(type) {
		case time.Time:
			return value{t: v}, nil
		case string:
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return value{}, fmt.Errorf("date %q is not YYYY-MM-DD", v)
			}
			return value{t: t}, nil
		}
	case Timestamp:
		switch v := v.(type) {
		case time.Time:
			return value{t: v}, nil
		case string:
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return value{}, fmt.Errorf("timestamp %q is not RFC 3339", v)
			}
			return value{t: t}, nil
		}
	}
	return value{}, badType(k, v)
}

func badType(k Kind, v any) error {
	return fmt.Errorf("got %T, want %s", v, k)
}

// asInt accepts Go's integer types that fit an int64.
func asInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case int32:
		return int64(v), true
	case int16:
		return int64(v), true
	case int8:
		return int64(v), true
	case uint32:
		return int64(v), true
	case uint16:
		return int64(v), true
	case uint8:
		return int64(v), true
	case uint:
		if uint64(v) <= math.MaxInt64 {
			return int64(v), true
		}
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v), true
		}
	}
	return 0, false
}

// neutralise puts a single quote in front of a text that a spreadsheet would
// take for a formula: one beginning with '=', '+', '-', '@', a tab or a
// carriage return (OWASP's CSV injection rule).
func neutralise(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// appendDate appends t's civil date as YYYY-MM-DD.
func appendDate(dst []byte, t time.Time) []byte {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(dst, time.DateOnly)
	}
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	dst = append(dst, byte('0'+m/10), byte('0'+m%10), '-')
	return append(dst, byte('0'+d/10), byte('0'+d%10))
}

// appendTimestamp appends t as RFC 3339 in UTC, with sub-second digits only
// when present.
func appendTimestamp(dst []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(dst, time.RFC3339Nano)
}

// appendDecimal appends f in its shortest form with the given decimal mark.
func appendDecimal(dst []byte, f float64, mark byte) []byte {
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	if mark != '.' {
		for i := start; i < len(dst); i++ {
			if dst[i] == '.' {
				dst[i] = mark
				break
			}
		}
	}
	return dst
}

// rowChecker checks the three change columns of each row and counts the
// operations.
type rowChecker struct {
	from, to int64
	full     bool
	counts   RowCounts
}

func (c *rowChecker) check(vals []value) error {
	nr, op := vals[0], vals[1]
	if nr.null {
		return fmt.Errorf("no %s", ColChangeNr)
	}
	if nr.i <= c.from || nr.i > c.to {
		return fmt.Errorf("%s %d outside the export's range %d–%d", ColChangeNr, nr.i, c.from, c.to)
	}
	if vals[2].null {
		return fmt.Errorf("no %s", ColChangedAt)
	}
	switch op.s {
	case OpNew:
		c.counts.New++
	case OpChanged:
		c.counts.Changed++
	case OpDeleted:
		c.counts.Deleted++
	default:
		return fmt.Errorf("%s %q, want %s, %s or %s", ColOperation, op.s, OpNew, OpChanged, OpDeleted)
	}
	if c.full && op.s != OpNew {
		return fmt.Errorf("%s %s in a full export", ColOperation, op.s)
	}
	c.counts.Total++
	return nil
}
