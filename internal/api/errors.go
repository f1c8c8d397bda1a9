package api

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// problem is one entry of an error answer: the field (parameter, path segment or body
// field) it is about, if any, and what is wrong — the machine-reporting convention of
// a list of {felt, melding}.
type problem struct {
	Field   string `json:"felt,omitempty"`
	Message string `json:"melding"`
}

// writeError answers status with a JSON list of problems.
func writeError(w http.ResponseWriter, status int, problems ...problem) {
	writeJSON(w, status, problems)
}

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	body := buf.Bytes
	if err := enc.Encode(v); err != nil {
		status = http.StatusInternalServerError
		body = func() []byte { return []byte(`[{"melding":"internal error"}]` + "\n") }
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	w.WriteHeader(status)
	w.Write(body())
}

func readSeeker(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// noRoute answers a request that no route takes as every other error is answered, a JSON
// list of problems: 405 with the Allow header that the mux's handler h gives, else 404.
func noRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	var probe statusProbe
	h.ServeHTTP(&probe, r)
	switch probe.code {
	case http.StatusMethodNotAllowed:
		allow := probe.Header().Get("Allow")
		w.Header().Set("Allow", allow)
		writeError(w, probe.code, problem{Message: "method " + r.Method + " not allowed here; allowed: " + allow})
	default: // 404, or a redirect to the cleaned path, which no route takes either
		writeError(w, http.StatusNotFound, problem{Message: "no such resource; the API's routes are in /openapi.json"})
	}
}

// statusProbe keeps what a handler answers but its body.
type statusProbe struct {
	header http.Header
	code   int
}

func (p *statusProbe) Header() http.Header {
	if p.header == nil {
		p.header = http.Header{}
	}
	return p.header
}

func (p *statusProbe) WriteHeader(code int) {
	if p.code == 0 {
		p.code = code
	}
}

func (p *statusProbe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}
