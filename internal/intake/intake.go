// Package intake brings each source's full snapshot into the run's raw folder, verbatim:
// the files of a file drop are copied, the pages of an HTTP snapshot are stored as they
// came. Everything after reads from that folder, so a run can be replayed without calling
// the sources again.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/land"
)

// Stats counts what was brought in.
type Stats struct {
	Files int   // files or pages stored
	Bytes int64 // bytes stored
}

// FromInbox copies the entities' files from a file-drop folder into rawDir. A missing file
// is an error naming it; the subsidy folder may be absent (no year delivered).
func FromInbox(inbox, rawDir string, entities []*contract.Entity) (Stats, error) {
	var st Stats
	for _, e := range entities {
		src := filepath.Join(inbox, e.File)
		info, err := os.Stat(src)
		switch {
		case errors.Is(err, os.ErrNotExist) && e.Name == "subsidy":
			continue
		case errors.Is(err, os.ErrNotExist):
			return st, fmt.Errorf("inbox %s: %s is %w (a source delivers a full snapshot; an empty one is a header-only file)", inbox, e.File, land.ErrMissing)
		case err != nil:
			return st, fmt.Errorf("inbox: %w", err)
		}
		if !info.IsDir() {
			n, err := copyFile(src, filepath.Join(rawDir, e.File))
			if err != nil {
				return st, err
			}
			st.Files++
			st.Bytes += n
			continue
		}
		entries, err := os.ReadDir(src)
		if err != nil {
			return st, fmt.Errorf("inbox: %w", err)
		}
		for _, de := range entries {
			if de.IsDir() || !strings.EqualFold(path.Ext(de.Name()), ".csv") {
				continue
			}
			n, err := copyFile(filepath.Join(src, de.Name()), filepath.Join(rawDir, e.File, de.Name()))
			if err != nil {
				return st, err
			}
			st.Files++
			st.Bytes += n
		}
	}
	return st, nil
}

func copyFile(src, dst string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, fmt.Errorf("inbox: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return 0, fmt.Errorf("raw: %w", err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return 0, fmt.Errorf("raw: %w", err)
	}
	n, err := io.Copy(out, in)
	if err != nil {
		out.Close()
		return n, fmt.Errorf("raw %s: %w", dst, err)
	}
	if err := out.Close(); err != nil {
		return n, fmt.Errorf("raw %s: %w", dst, err)
	}
	return n, nil
}

// FromHTTP pulls every entity's snapshot from its system's API (clients by system name)
// and stores each page under rawDir/http/<entity>/ (subsidy: http/subsidy/<year>/).
func FromHTTP(ctx context.Context, rawDir string, clients map[string]*fetch.Client, entities []*contract.Entity, log *slog.Logger) (Stats, error) {
	var st Stats
	for _, e := range entities {
		c, ok := clients[e.System]
		if !ok {
			return st, fmt.Errorf("source %s: no URL configured", e.System)
		}
		if e.Name != "subsidy" {
			n, err := pages(ctx, c, e.Path, filepath.Join(rawDir, land.HTTPDir, e.Name))
			st.Files += n.Files
			st.Bytes += n.Bytes
			if err != nil {
				return st, err
			}
			log.Debug("fetched", "source", e.System+"/"+e.Name, "pages", n.Files)
			continue
		}
		body, err := c.Get(ctx, e.Path)
		if err != nil {
			return st, err
		}
		var list struct {
			Years []int `json:"years"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			return st, fmt.Errorf("source %s: GET %s: %w: %v", e.System, e.Path, fetch.ErrBadResponse, err)
		}
		if err := writeFile(filepath.Join(rawDir, land.HTTPDir, "subsidy-years.json"), body); err != nil {
			return st, err
		}
		for _, y := range list.Years {
			year := strconv.Itoa(y)
			n, err := pages(ctx, c, e.Path+"/"+year, filepath.Join(rawDir, land.HTTPDir, e.Name, year))
			st.Files += n.Files
			st.Bytes += n.Bytes
			if err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

func pages(ctx context.Context, c *fetch.Client, apiPath, dir string) (Stats, error) {
	var st Stats
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, fmt.Errorf("raw: %w", err)
	}
	err := c.Pages(ctx, apiPath, func(n int, body []byte) error {
		st.Files++
		st.Bytes += int64(len(body))
		return writeFile(filepath.Join(dir, fmt.Sprintf("%06d.json", n)), body)
	})
	return st, err
}

func writeFile(name string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("raw: %w", err)
	}
	if err := os.WriteFile(name, body, 0o644); err != nil {
		return fmt.Errorf("raw: %w", err)
	}
	return nil
}
