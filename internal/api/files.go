package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

// cachedManifest is a published export's manifest; published folders never change, so it
// is read once.
type cachedManifest struct {
	m   exports.Manifest
	raw []byte
	sum string // SHA-256 of raw
}

// exportSummary is one export in the list.
type exportSummary struct {
	ID             string              `json:"export_id"`
	Full           bool                `json:"full"`
	Changes        exports.ChangeRange `json:"endringsnr"`
	BusinessDate   string              `json:"business_date"`
	Created        time.Time           `json:"created"`
	Rows           exports.RowCounts   `json:"rows"`
	Files          []fileSummary       `json:"files"`
	ManifestSHA256 string              `json:"manifest_sha256"`
	URL            string              `json:"url"`
}

type fileSummary struct {
	Name   string         `json:"name"`
	Format exports.Format `json:"format"`
	Size   int64          `json:"size"`
	SHA256 string         `json:"sha256"`
	Rows   int64          `json:"rows"`
	URL    string         `json:"url"`
}

type exportList struct {
	Receiver string          `json:"receiver"`
	Exports  []exportSummary `json:"exports"`
}

// published returns the manifest of the receiver's published export id, and false when
// there is no such export (exports.Published).
func (s *Server) published(name, id string) (*cachedManifest, bool, error) {
	if ok, err := exports.Published(s.cfg.Out, name, id); !ok || err != nil {
		return nil, false, err
	}
	m, err := s.manifestOf(name, id)
	return m, err == nil, err
}

func (s *Server) manifestOf(name, id string) (*cachedManifest, error) {
	dir := filepath.Join(s.cfg.Out, name, id)
	s.manMu.Lock()
	c, ok := s.manifests[dir]
	s.manMu.Unlock()
	if ok {
		return c, nil
	}
	raw, m, err := exports.ReadManifestBytes(dir)
	if err != nil {
		return nil, err
	}
	if m.Receiver != name || m.ExportID != id {
		return nil, fmt.Errorf("%s: manifest names %s/%s", dir, m.Receiver, m.ExportID)
	}
	sum := sha256.Sum256(raw)
	c = &cachedManifest{m: m, raw: raw, sum: hex.EncodeToString(sum[:])}
	s.manMu.Lock()
	s.manifests[dir] = c
	s.manMu.Unlock()
	return c, nil
}

func exportURL(name, id string) string {
	return "/v1/receivers/" + name + "/exports/" + url.PathEscape(id)
}

// listExports answers the receiver's published exports, oldest first.
func (s *Server) listExports(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("receiver")
	if problems := unknownParams(r, nil); len(problems) > 0 {
		writeError(w, http.StatusBadRequest, problems...)
		return
	}
	ids, err := exports.List(s.cfg.Out, name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := exportList{Receiver: name, Exports: []exportSummary{}}
	for _, id := range ids {
		c, err := s.manifestOf(name, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		m := c.m
		e := exportSummary{ID: id, Full: m.Full, Changes: m.Changes, BusinessDate: m.BusinessDate, Created: m.Created,
			Rows: m.Rows, ManifestSHA256: c.sum, URL: exportURL(name, id)}
		for _, f := range m.Files {
			e.Files = append(e.Files, fileSummary{Name: f.Name, Format: f.Format, Size: f.Size, SHA256: f.SHA256, Rows: f.Rows,
				URL: exportURL(name, id) + "/" + url.PathEscape(f.Name)})
		}
		out.Exports = append(out.Exports, e)
	}
	w.Header().Set("Cache-Control", "no-cache")
	writeJSON(w, http.StatusOK, out)
}

// manifest answers an export's manifest.json, as published.
func (s *Server) manifest(w http.ResponseWriter, r *http.Request) {
	name, id := r.PathValue("receiver"), r.PathValue("id")
	if problems := unknownParams(r, nil); len(problems) > 0 {
		writeError(w, http.StatusBadRequest, problems...)
		return
	}
	c, ok, err := s.published(name, id)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case !ok:
		writeError(w, http.StatusNotFound, problem{Field: "id", Message: "no such export"})
		return
	}
	s.serveManifest(w, r, c)
}

func (s *Server) serveManifest(w http.ResponseWriter, r *http.Request, c *cachedManifest) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("ETag", `"`+c.sum+`"`)
	h.Set("Cache-Control", "private, no-cache")
	// The manifest is in memory: written, not read from (the ResponseWriter's ReadFrom is
	// for files, and for a few bytes it sent the header and the body in two system calls).
	http.ServeContent(writeOnly{w}, r, "", c.m.Created, readSeeker(c.raw))
}

// writeOnly hides every method of a ResponseWriter but its own three.
type writeOnly struct{ http.ResponseWriter }

// file answers one file of an export: a data file the manifest lists, or manifest.json.
// ETag is the file's SHA-256 from the manifest; If-None-Match and Range work.
func (s *Server) file(w http.ResponseWriter, r *http.Request) {
	name, id, file := r.PathValue("receiver"), r.PathValue("id"), r.PathValue("file")
	if problems := unknownParams(r, nil); len(problems) > 0 {
		writeError(w, http.StatusBadRequest, problems...)
		return
	}
	c, ok, err := s.published(name, id)
	switch {
	case err != nil:
		s.fail(w, r, err)
		return
	case !ok:
		writeError(w, http.StatusNotFound, problem{Field: "id", Message: "no such export"})
		return
	}
	if file == exports.ManifestName {
		s.serveManifest(w, r, c)
		return
	}
	i := slices.IndexFunc(c.m.Files, func(f exports.File) bool { return f.Name == file })
	if i < 0 {
		writeError(w, http.StatusNotFound, problem{Field: "file", Message: "no such file in this export"})
		return
	}
	f := c.m.Files[i]
	if rc, ok := receiver.Lookup(name); ok && rc.Withheld != "" {
		withheld, err := s.withholds(r.Context(), rc, filepath.Join(s.cfg.Out, name, id), c.m)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if withheld {
			writeError(w, http.StatusGone, problem{Field: "id", Message: "this export holds key figures of a producer who has reserved itself since: they no longer leave; take the delta after your last confirmed change instead"})
			return
		}
	}
	s.serveFile(w, r, filepath.Join(s.cfg.Out, name, id, f.Name), f, c.m.Created, f.Name)
}

// withheldAt is whether an export holds values that may not leave now, and when that was
// read.
type withheldAt struct {
	withheld bool
	at       time.Time
}

// withholds reports whether the export in dir holds values of receiver rc that may not
// leave now (receiver.Withholds). The answer is kept for TokenRefresh — as long as a
// revoked token may still be taken —, so that downloads do not each wait for the database.
func (s *Server) withholds(ctx context.Context, rc receiver.Receiver, dir string, m exports.Manifest) (bool, error) {
	now := s.cfg.Now()
	s.manMu.Lock()
	e, ok := s.withheld[dir]
	s.manMu.Unlock()
	if ok && now.Sub(e.at) < s.cfg.TokenRefresh {
		return e.withheld, nil
	}
	err := s.withDB(ctx, func(ctx context.Context, conn *store.Conn) error {
		var err error
		e.withheld, err = receiver.Withholds(ctx, conn, rc, m.Full, m.Changes.From, m.Changes.To)
		return err
	})
	if err != nil {
		return false, err
	}
	e.at = now
	s.manMu.Lock()
	s.withheld[dir] = e
	s.manMu.Unlock()
	return e.withheld, nil
}

// serveFile serves a data file checked against its manifest entry.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, path string, f exports.File, modified time.Time, download string) {
	fh, err := os.Open(path)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if fi.Size() != f.Size {
		s.fail(w, r, fmt.Errorf("%s is %d bytes, its manifest says %d: %w", path, fi.Size(), f.Size, exports.ErrMismatch))
		return
	}
	h := w.Header()
	h.Set("Content-Type", contentType(f.Format))
	h.Set("ETag", `"`+f.SHA256+`"`)
	h.Set("Cache-Control", "private, no-cache")
	h.Set("Content-Disposition", `attachment; filename="`+download+`"`)
	http.ServeContent(w, r, "", modified, fh)
}

func contentType(f exports.Format) string {
	switch f {
	case exports.CSV:
		return "text/csv; charset=utf-8"
	case exports.XLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "application/octet-stream"
}

// unknownParams lists the query parameters not in known.
func unknownParams(r *http.Request, known []string) []problem {
	var out []problem
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		switch {
		case !slices.Contains(known, k):
			out = append(out, problem{Field: clip(k, 40), Message: "unknown parameter"})
		case len(q[k]) > 1:
			out = append(out, problem{Field: k, Message: "given more than once"})
		}
	}
	return out
}
