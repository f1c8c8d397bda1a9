package fetch

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Errors that a caller may check with errors.Is.
var (
	// ErrGaveUp: a request kept failing in a way worth retrying (5xx, 429, a timeout, a lost
	// connection, a cut-off body) until MaxAttempts was used up.
	ErrGaveUp = errors.New("gave up")
	// ErrPagination: the pages do not make one snapshot (a page token seen before, a page
	// identical to the one before it, more than MaxPages pages).
	ErrPagination = errors.New("pagination broken")
	// ErrUnauthorized: the token endpoint refused the client credentials, or the API answered
	// 401 or 403.
	ErrUnauthorized = errors.New("unauthorized")
)

// Error is what every failing call returns: which source, which request, and why, in one
// line, e.g. "source dataflyt: GET /v1/producers page 3: gave up after 5 attempts: 503
// Service Unavailable".
type Error struct {
	Source string // the source system, as given to New
	Method string // GET
	Path   string // the path asked for, e.g. /v1/producers
	Page   int    // 1-based page number for Pages; 0 for Get
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "source %s: %s %s", e.Source, e.Method, e.Path)
	if e.Page > 0 {
		fmt.Fprintf(&b, " page %d", e.Page)
	}
	b.WriteString(": ")
	b.WriteString(oneLine(e.Err.Error()))
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// StatusError is an HTTP status that is not success, with the server's own message when it
// sent one as JSON ({"error": "…"} or {"error_description": "…"}).
type StatusError struct {
	Code    int
	Message string
	token   bool // from the token endpoint: any refusal there is ErrUnauthorized
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("%d %s", e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is makes a 401 or 403, and any 4xx from the token endpoint, match ErrUnauthorized.
func (e *StatusError) Is(target error) bool {
	if target != ErrUnauthorized {
		return false
	}
	return e.Code == http.StatusUnauthorized || e.Code == http.StatusForbidden ||
		(e.token && e.Code >= 400 && e.Code <= 499)
}

// transient marks an error worth retrying.
type transient struct {
	err   error
	wait  time.Duration
	asked bool // wait is what the server asked for
}

func (t *transient) Error() string { return t.err.Error() }
func (t *transient) Unwrap() error { return t.err }

// oneLine keeps an error message on one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}
