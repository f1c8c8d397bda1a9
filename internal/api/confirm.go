package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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

// parseConfirmation reads and checks a confirmation body, listing every problem.
func parseConfirmation(body []byte) (confirmation, []problem) {
	var in confirmation
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return in, []problem{{Field: te.Field, Message: "must be " + map[string]string{"endringsnr": "a whole number", "referanse": "a string"}[te.Field]}}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return in, []problem{{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Message: "unknown field"}}
		default:
			return in, []problem{{Message: "the body must be a JSON object {\"endringsnr\": N, \"referanse\": \"…\"}"}}
		}
	}
	if dec.More() {
		return in, []problem{{Message: "the body must hold one JSON object"}}
	}
	var problems []problem
	switch {
	case in.Change == nil:
		problems = append(problems, problem{Field: "endringsnr", Message: "missing: the change number up to which everything is applied"})
	case *in.Change < 0:
		problems = append(problems, problem{Field: "endringsnr", Message: "must be ≥ 0"})
	}
	switch {
	case in.Reference == nil || *in.Reference == "":
		problems = append(problems, problem{Field: "referanse", Message: "missing: your own unique reference of this confirmation"})
	case len(*in.Reference) > 100:
		problems = append(problems, problem{Field: "referanse", Message: "at most 100 bytes"})
	case strings.IndexFunc(*in.Reference, func(r rune) bool { return !unicode.IsPrint(r) || r == unicode.ReplacementChar }) >= 0:
		problems = append(problems, problem{Field: "referanse", Message: "only printable characters"})
	}
	return in, problems
}
