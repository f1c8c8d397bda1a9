package land

import (
	"hash/maphash"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/fetch"
)

// ArrivedLimit is how many bytes of decoded pages a run keeps for staging (NewArrived):
// at generator scale 10 every page's items fit (they take at most 118 MiB); at scales 30
// and 100 the pages past it are decoded from their files.
const ArrivedLimit = 256 << 20

// Arrived keeps the items of HTTP pages as the pull decoded them on arrival
// (fetch.Client.PagesColumns), so that staging takes a page's items from memory instead of
// decompressing and decoding the stored page again. Staging still reads the stored file,
// and takes a page's items only if the file holds the bytes they were decoded from (the
// same length and 64-bit hash): a page stored again — a fallback's copy over a failed
// pull's pages — or changed on disk is decoded from its file as before. It keeps at most
// its limit of bytes; pages past it are decoded from their files. Its methods are safe for
// concurrent use; a nil *Arrived keeps nothing.
type Arrived struct {
	mu    sync.Mutex
	seed  maphash.Seed
	pages map[string]arrivedPage // by the stored file's path
	size  int64
	limit int64
	taken atomic.Int64
}

type arrivedPage struct {
	size  int    // of the stored bytes
	sum   uint64 // their hash
	items *fetch.Columns
}

// NewArrived returns an empty Arrived that keeps at most limit bytes of items.
func NewArrived(limit int64) *Arrived {
	return &Arrived{seed: maphash.MakeSeed(), pages: map[string]arrivedPage{}, limit: limit}
}

// PageColumns are the members an entity's stored pages are decoded by: its fields, then
// errorMember.
func PageColumns(e *contract.Entity) []string {
	cols := make([]string, len(e.Fields), len(e.Fields)+1)
	for i, f := range e.Fields {
		cols[i] = f.Name
	}
	return append(cols, errorMember)
}

// Put keeps items, decoded by PageColumns from the page stored at path as the bytes
// stored, if there is room (it copies them: items may share the body's memory).
func (a *Arrived) Put(path string, stored []byte, items *fetch.Columns) {
	if a == nil {
		return
	}
	need := items.CompactSize()
	a.mu.Lock()
	full := a.size+need > a.limit
	a.mu.Unlock()
	if full {
		return
	}
	kept := items.Compact() // outside the lock: the pulls copy side by side
	if kept == nil {
		return
	}
	sum := maphash.Bytes(a.seed, stored)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.size+need > a.limit { // the others may have filled it meanwhile
		return
	}
	path = filepath.Clean(path)
	if old, ok := a.pages[path]; ok {
		a.size -= old.items.Size()
	}
	a.pages[path] = arrivedPage{size: len(stored), sum: sum, items: kept}
	a.size += need
}

// take returns, and forgets, the items kept for the page stored at path if stored is what
// they were decoded from; otherwise nil.
func (a *Arrived) take(path string, stored []byte) *fetch.Columns {
	if a == nil {
		return nil
	}
	path = filepath.Clean(path)
	a.mu.Lock()
	p, ok := a.pages[path]
	if ok {
		delete(a.pages, path)
		a.size -= p.items.Size()
	}
	a.mu.Unlock()
	if !ok || len(stored) != p.size || maphash.Bytes(a.seed, stored) != p.sum {
		return nil
	}
	a.taken.Add(1)
	return p.items
}

// Taken is how many pages staging has taken from a so far.
func (a *Arrived) Taken() int {
	if a == nil {
		return 0
	}
	return int(a.taken.Load())
}
