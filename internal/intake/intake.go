// Package intake brings each source's full snapshot into the run's raw folder, verbatim:
// the files of a file drop are copied, the pages of an HTTP snapshot are stored as they
// came (compressed). Everything after reads from that folder, so a run can be replayed
// without calling the sources again.
package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/fetch"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/land"
)

// Stats counts what was brought in.
type Stats struct {
	Files int   // files or pages stored
	Bytes int64 // bytes delivered (a page's before it is compressed)
}

// FromInbox copies the entities' files from a file-drop folder into rawDir. A missing file
// is an error naming it; the subsidy folder may be absent (no year delivered).
func FromInbox(inbox, rawDir string, entities []*contract.Entity) (Stats, error) {
	var st Stats
	if info, err := os.Stat(inbox); err != nil || !info.IsDir() {
		return st, fmt.Errorf("inbox %s: not a folder (no source delivered anything there)", inbox)
	}
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

// copyFile copies one inbox file into the raw folder.
func copyFile(src, dst string) (int64, error) {
	n, err := files.Copy(src, dst)
	if err != nil {
		return n, fmt.Errorf("inbox %s to raw: %w", src, err)
	}
	return n, nil
}

// Fetchers is how many snapshots (an entity, or a subsidy year) one call of FromHTTP pulls
// at once: a slow one holds up no other, and the client decodes while the server writes.
// FromHTTPSystems calls it once per system, so a run pulls up to Fetchers per system.
const Fetchers = 4

// FromHTTP pulls every entity's snapshot from its system's API (clients by system name)
// and stores each page under rawDir/http/<entity>/ (subsidy: http/subsidy/<year>/),
// Fetchers snapshots at a time. Every snapshot is pulled (or fails) on its own, and the
// error is that of the first failing entity in the order given, not the first in time: a
// failure reads the same on every run. (A run that fails has lost nothing by finishing the
// other pulls: they are bounded by their retries, and side by side.) Each page is decoded
// as it comes by its entity's columns (land.PageColumns) and its items kept in arrived
// (nil: nowhere), so that the staging need not decompress and decode the stored page again.
func FromHTTP(ctx context.Context, rawDir string, arrived *land.Arrived, clients map[string]*fetch.Client, entities []*contract.Entity, log *slog.Logger) (Stats, error) {
	for _, e := range entities {
		if _, ok := clients[e.System]; !ok {
			return Stats{}, fmt.Errorf("source %s: no URL configured", e.System)
		}
	}
	slots := make(chan struct{}, Fetchers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var st Stats
	// pull fetches one snapshot in a slot.
	pull := func(c *fetch.Client, e *contract.Entity, apiPath, dir, what string) error {
		slots <- struct{}{}
		defer func() { <-slots }()
		if err := ctx.Err(); err != nil {
			return err
		}
		n, err := pages(ctx, c, e, apiPath, dir, arrived)
		mu.Lock()
		st.Files += n.Files
		st.Bytes += n.Bytes
		mu.Unlock()
		if err != nil {
			return err
		}
		log.Debug("fetched", "source", what, "pages", n.Files)
		return nil
	}
	errs := make([]error, len(entities))
	for i, e := range entities {
		c := clients[e.System]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if e.Name != "subsidy" {
				errs[i] = pull(c, e, e.Path, filepath.Join(rawDir, land.HTTPDir, e.Name), e.System+"/"+e.Name)
				return
			}
			errs[i] = subsidy(ctx, c, e, rawDir, pull)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// SystemResult is what pulling one source system's entities came to.
type SystemResult struct {
	System  string
	Stats   Stats
	Err     error     // FromHTTP's error for the system's entities
	Fetched time.Time // when the system's pull ended, by the now given
}

// FromHTTPSystems pulls the entities of every source system over HTTP as FromHTTP does,
// the systems side by side, and calls done with each system's outcome as soon as it has
// one, from the goroutine that pulled it: a run decides per system what a failure means
// (its last snapshot may stand in) and starts landing a system's snapshot while the
// others are still on their way. now tells each system's fetch time. It returns when
// every system's done has returned.
func FromHTTPSystems(ctx context.Context, rawDir string, arrived *land.Arrived, clients map[string]*fetch.Client, entities []*contract.Entity, log *slog.Logger, now func() time.Time, done func(SystemResult)) {
	var order []string
	bySystem := map[string][]*contract.Entity{}
	for _, e := range entities {
		if _, ok := bySystem[e.System]; !ok {
			order = append(order, e.System)
		}
		bySystem[e.System] = append(bySystem[e.System], e)
	}
	var wg sync.WaitGroup
	for _, sys := range order {
		wg.Go(func() {
			r := SystemResult{System: sys}
			r.Stats, r.Err = FromHTTP(ctx, rawDir, arrived, clients, bySystem[sys], log)
			r.Fetched = now()
			done(r)
		})
	}
	wg.Wait()
}

// subsidy pulls the list of subsidy years, then each year's snapshot, the years side by
// side (in pull's slots); the error is that of the first failing year.
func subsidy(ctx context.Context, c *fetch.Client, e *contract.Entity, rawDir string, pull func(c *fetch.Client, e *contract.Entity, apiPath, dir, what string) error) error {
	body, err := c.Get(ctx, e.Path)
	if err != nil {
		return err
	}
	var list struct {
		Years []int `json:"years"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return fmt.Errorf("source %s: GET %s: %w: %v", e.System, e.Path, fetch.ErrBadResponse, err)
	}
	if err := writeFile(filepath.Join(rawDir, land.HTTPDir, "subsidy-years.json"), body); err != nil {
		return err
	}
	errs := make([]error, len(list.Years))
	var wg sync.WaitGroup
	for i, y := range list.Years {
		year := strconv.Itoa(y)
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = pull(c, e, e.Path+"/"+year, filepath.Join(rawDir, land.HTTPDir, e.Name, year), e.System+"/"+e.Name+" "+year)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pages pulls one snapshot's pages into dir, each decoded on arrival by the entity's
// columns and kept in arrived (nil: nowhere) for the staging.
func pages(ctx context.Context, c *fetch.Client, e *contract.Entity, apiPath, dir string, arrived *land.Arrived) (Stats, error) {
	var st Stats
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return st, fmt.Errorf("raw: %w", err)
	}
	buf := compressed.Get().(*[]byte)
	defer compressed.Put(buf)
	err := c.PagesColumns(ctx, apiPath, land.PageColumns(e), func(n int, body []byte, items *fetch.Columns) error {
		st.Files++
		st.Bytes += int64(len(body))
		*buf = land.CompressPage((*buf)[:0], body)
		path := filepath.Join(dir, fmt.Sprintf("%06d%s", n, land.PageExt))
		if err := os.WriteFile(path, *buf, 0o644); err != nil { // dir is made above
			return fmt.Errorf("raw: %w", err)
		}
		arrived.Put(path, *buf, items)
		return nil
	})
	return st, err
}

// compressed holds buffers for pages on their way to disk.
var compressed = sync.Pool{New: func() any { return new([]byte) }}

func writeFile(name string, body []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return fmt.Errorf("raw: %w", err)
	}
	if err := os.WriteFile(name, body, 0o644); err != nil {
		return fmt.Errorf("raw: %w", err)
	}
	return nil
}

// Sync makes a run's raw folder durable — every file and folder in it, and its entry in
// the folder above — so that a power cut after the run commits cannot take away the
// payload its rows and rejects point into, nor the snapshot that stands in for a source
// that is down on a later night. Call it before the run's transaction commits. (The
// writes themselves leave it to the kernel: a payload is synced once, whole.)
func Sync(rawDir string) error {
	if err := files.SyncTree(rawDir); err != nil {
		return fmt.Errorf("raw: sync: %w", err)
	}
	return nil
}
