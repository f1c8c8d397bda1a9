package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

// MaxBody is the most a request body may hold (a confirmation is a few dozen bytes).
const MaxBody = 4 << 10

// confirmation is the body of POST /v1/receivers/{receiver}/confirmations.
type confirmation struct {
	Change    *int64  `json:"endringsnr"`
	Reference *string `json:"referanse"`
}

// confirm moves the receiver's watermark through receiver.Confirm, the one confirmation
// path: 201 with the confirmation; the same referanse again answers the same 201 and
// body and changes nothing; the same referanse with another endringsnr is a conflict.
func (s *Server) confirm(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("receiver")
	if problems := unknownParams(r, nil); len(problems) > 0 {
		writeError(w, http.StatusBadRequest, problems...)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, problem{Message: fmt.Sprintf("the body may hold at most %d bytes", MaxBody)})
		return
	}
	if err != nil {
		return // the client went away
	}
	in, problems := parseConfirmation(body)
	if len(problems) > 0 {
		writeError(w, http.StatusBadRequest, problems...)
		return
	}
	info := infoOf(r.Context())
	by := "api"
	if info != nil && info.tokenName != "" {
		by = info.tokenName
	}
	var conf receiver.Confirmation
	var first bool
	err = s.withDB(r.Context(), func(ctx context.Context, c *store.Conn) error {
		var err error
		conf, first, err = receiver.Confirm(ctx, c, name, *in.Change, by, *in.Reference, s.cfg.Now())
		return err
	})
	switch {
	case errors.Is(err, receiver.ErrNoSuchChange):
		writeError(w, http.StatusBadRequest, problem{Field: "endringsnr", Message: err.Error()})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	if !first && conf.Change != *in.Change {
		writeError(w, http.StatusConflict, problem{Field: "referanse",
			Message: fmt.Sprintf("already used for endringsnr %d (confirmed %s); choose a new referanse for a new confirmation", conf.Change, conf.Confirmed.Format(time.RFC3339))})
		return
	}
	if !first {
		w.Header().Set("Vpsau-Gjentatt", "ja")
	}
	writeJSON(w, http.StatusCreated, conf)
}

// parseConfirmation reads and checks a confirmation body, listing every problem: each
// unknown field (by name, in order), then endringsnr's and referanse's.
func parseConfirmation(body []byte) (confirmation, []problem) {
	var in confirmation
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil || fields == nil {
		return in, []problem{{Message: "the body must be a JSON object {\"endringsnr\": N, \"referanse\": \"…\"}"}}
	}
	if dec.More() {
		return in, []problem{{Message: "the body must hold one JSON object"}}
	}
	var problems []problem
	var unknown []string
	for name := range fields {
		if name != "endringsnr" && name != "referanse" {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		problems = append(problems, problem{Field: name, Message: "unknown field"})
	}
	var n int64
	if p := bodyField(fields, "endringsnr", &n, "must be a whole number", "missing: the change number up to which everything is applied"); p != nil {
		problems = append(problems, *p)
	} else {
		in.Change = &n
	}
	if in.Change != nil && *in.Change < 0 {
		problems = append(problems, problem{Field: "endringsnr", Message: "must be ≥ 0"})
	}
	var ref string
	if p := bodyField(fields, "referanse", &ref, "must be a string", "missing: your own unique reference of this confirmation"); p != nil {
		problems = append(problems, *p)
	} else {
		in.Reference = &ref
	}
	if in.Reference != nil {
		switch ref := *in.Reference; {
		case ref == "":
			problems = append(problems, problem{Field: "referanse", Message: "missing: your own unique reference of this confirmation"})
		case len(ref) > 100:
			problems = append(problems, problem{Field: "referanse", Message: "at most 100 bytes"})
		case strings.IndexFunc(ref, func(r rune) bool { return !unicode.IsPrint(r) || r == unicode.ReplacementChar }) >= 0:
			problems = append(problems, problem{Field: "referanse", Message: "only printable characters"})
		}
	}
	if len(problems) > 0 {
		return confirmation{}, problems
	}
	return in, nil
}

// bodyField decodes the body's field name into dst, or says what is wrong with it:
// missing when it is absent or null (no value), badType when it does not decode.
func bodyField(fields map[string]json.RawMessage, name string, dst any, badType, missing string) *problem {
	raw, ok := fields[name]
	if !ok || string(raw) == "null" {
		return &problem{Field: name, Message: missing}
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return &problem{Field: name, Message: badType}
	}
	return nil
}
