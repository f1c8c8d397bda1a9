package store

import (
	"regexp"
	"strings"
)

// queryContext starts the lines with which DuckDB shows where in a query an error is.
var queryContext = regexp.MustCompile(`^LINE \d+:`)

// Line returns an error message on one line. DuckDB's messages run over several lines,
// ending with the query and a caret (LINE 1: …), and errors.Join puts each error on a
// line of its own: the lines up to a blank one or the query are joined with spaces.
func Line(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	var parts []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		l = strings.TrimSpace(l)
		if queryContext.MatchString(l) || (l == "" && len(parts) > 0) {
			break
		}
		if l != "" {
			parts = append(parts, l)
		}
	}
	return strings.Join(parts, " ")
}

// OneLine returns err with its message on one line (see Line); errors.Is and errors.As
// see through it. It returns nil for nil.
func OneLine(err error) error {
	if err == nil {
		return nil
	}
	if msg := err.Error(); strings.ContainsAny(msg, "\r\n") {
		return &lineError{err: err, msg: Line(msg)}
	}
	return err
}

type lineError struct {
	err error
	msg string
}

func (e *lineError) Error() string { return e.msg }
func (e *lineError) Unwrap() error { return e.err }
