package api

import (
	"context"
	"database/sql"
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
		bdate, err := businessDate(ctx, c, last, s.cfg.Now())
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

// fileSpec maps format to the file to write: csv keeps the receiver's configured CSV
// dialect; "" is csv.
func (s *Server) fileSpec(r receiver.Receiver, format string) (exports.FileSpec, bool) {
	files := s.cfg.Files[r.Name]
	if len(files) == 0 {
		files = r.Files
	}
	switch format {
	case "xlsx":
		return exports.FileSpec{Format: exports.XLSX}, true
	case "", "csv":
		for _, f := range files {
			if f.Format == exports.CSV {
				return f, true
			}
		}
		return exports.FileSpec{Format: exports.CSV, Dialect: exports.Machine}, true
	}
	return exports.FileSpec{}, false
}

// businessDate is the business date of the run that stored change n (today when there
// is none).
func businessDate(ctx context.Context, c *store.Conn, n int64, now time.Time) (time.Time, error) {
	var bd sql.NullTime
	err := c.QueryRow(ctx, `SELECT max(r.business_date) FROM ops.run r JOIN ops.change_log l ON l.run_id = r.run_id WHERE l.endringsnr = ?`, n).Scan(&bd)
	if err != nil {
		return time.Time{}, err
	}
	if bd.Valid {
		return bd.Time, nil
	}
	return now.UTC().Truncate(24 * time.Hour), nil
}
