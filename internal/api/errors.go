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
