package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

// delta answers the receiver's delta after change since, up to the last change, as one
// file: computed from the database into a temporary folder (the database is let go
// before the file is sent), then served like a published file.
func (s *Server) delta(w http.ResponseWriter, r *http.Request) {
	rc := s.receivers[r.PathValue("receiver")]
	problems := unknownParams(r, []string{"since", "format"})
	q := r.URL.Query()
	var since int64
	switch v := q.Get("since"); {
	case !q.Has("since"):
		problems = append(problems, problem{Field: "since", Message: "missing: the change number after which the delta starts (0 for everything)"})
	default:
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			problems = append(problems, problem{Field: "since", Message: "must be a change number ≥ 0"})
		}
		since = n
	}
	spec, ok := s.fileSpec(rc, q.Get("format"))
	if !ok {
		problems = append(problems, problem{Field: "format", Message: "must be csv or xlsx"})
	}
	if len(problems) > 0 {
		writeError(w, http.StatusBadRequest, problems...)
		return
	}

	select {
	case s.deltas <- struct{}{}:
		defer func() { <-s.deltas }()
	case <-r.Context().Done():
		return
	}
	tmp, err := os.MkdirTemp(s.cfg.TempDir, "vpsau-delta-")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer os.RemoveAll(tmp)
	var m exports.Manifest
	var last int64
	err = s.withDB(r.Context(), func(ctx context.Context, c *store.Conn) error {
		var err error
		if last, err = receiver.LastChange(ctx, c, time.Time{}); err != nil {
			return err
		}
		if since > last {
			return errAfterLast
		}
		bdate, err := nightly.BusinessDateOf(ctx, c, time.Time{}, s.cfg.Now())
		if err != nil {
			return err
		}
		st, err := nightly.Write(ctx, c, nightly.WriteOptions{
			Receiver: rc, From: since, To: last, Out: tmp, BusinessDate: bdate, Created: s.cfg.Now(),
			Files: []exports.FileSpec{spec}, XLSX: s.cfg.XLSX, ID: "delta",
		})
		if err != nil {
			return err
		}
		if err := st.Publish(); err != nil {
			st.Discard()
			return err
		}
		m = st.Manifest()
		return nil
	})
	if errors.Is(err, errAfterLast) {
		writeError(w, http.StatusBadRequest, problem{Field: "since", Message: fmt.Sprintf("change %d does not exist yet (the last change is %d)", since, last)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	f := m.Files[0]
	h := w.Header()
	h.Set("Vpsau-Endringsnr-Fra", strconv.FormatInt(m.Changes.From, 10))
	h.Set("Vpsau-Endringsnr-Til", strconv.FormatInt(m.Changes.To, 10))
	h.Set("Vpsau-Rader", strconv.FormatInt(m.Rows.Total, 10))
	download := fmt.Sprintf("%s-delta-%d-%d.%s", rc.Name, m.Changes.From, m.Changes.To, f.Format)
	s.serveFile(w, r, filepath.Join(tmp, rc.Name, "delta", f.Name), f, m.Created, download)
}

var errAfterLast = errors.New("since is after the last change")

// fileSpec maps format to the file to write ("" is csv), with the receiver's configured
// outputs (nightly.Files).
func (s *Server) fileSpec(r receiver.Receiver, format string) (exports.FileSpec, bool) {
	if format == "" {
		format = "csv"
	}
	files, ok := nightly.Files(r, s.cfg.Files[r.Name], format)
	if !ok {
		return exports.FileSpec{}, false
	}
	return files[0], true
}
