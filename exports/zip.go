package exports

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"sort"
	"time"
)

// zipLevel is the deflate level of the XLSX parts: archive/zip's own default,
// which is also what a bare excelize writes.
const zipLevel = 5

// sortedZip is the zip writer handed to excelize. excelize writes its parts
// in map order and, left to itself, builds the whole zip in memory. sortedZip
// compresses each part as it comes into a spool file, then on Close writes
// the parts to dst in name order as raw (already compressed) entries, each
// stamped with the same modification time. The result depends on nothing but
// the parts' contents and the time given, and memory stays small.
type sortedZip struct {
	dst      io.Writer
	modified time.Time
	spool    *os.File
	bw       *bufio.Writer
	off      int64 // bytes written to the spool
	fw       *flate.Writer
	entries  []zipEntry
	cur      *zipEntry
	err      error
}

type zipEntry struct {
	name       string
	off, csize int64
	usize      uint64
	crc        uint32
}

// newSortedZip spools into a new temporary file in dir.
func newSortedZip(dst io.Writer, dir string, modified time.Time) (*sortedZip, error) {
	spool, err := os.CreateTemp(dir, "xlsx-spool-")
	if err != nil {
		return nil, err
	}
	z := &sortedZip{dst: dst, modified: modified, spool: spool}
	z.bw = bufio.NewWriterSize(spoolCounter{z}, 256<<10)
	z.fw, _ = flate.NewWriter(z.bw, zipLevel)
	return z, nil
}

// spoolCounter writes to the spool file and counts the compressed bytes.
type spoolCounter struct{ z *sortedZip }

func (c spoolCounter) Write(p []byte) (int, error) {
	n, err := c.z.spool.Write(p)
	c.z.off += int64(n)
	return n, err
}

// Create starts a new part.
func (z *sortedZip) Create(name string) (io.Writer, error) {
	if err := z.finish(); err != nil {
		return nil, err
	}
	z.entries = append(z.entries, zipEntry{name: name, off: z.spoolPos()})
	z.cur = &z.entries[len(z.entries)-1]
	z.fw.Reset(z.bw)
	return partWriter{z}, nil
}

// spoolPos is the position in the spool, counting what bw still holds.
func (z *sortedZip) spoolPos() int64 { return z.off + int64(z.bw.Buffered()) }

// finish ends the current part.
func (z *sortedZip) finish() error {
	if z.err != nil {
		return z.err
	}
	if z.cur == nil {
		return nil
	}
	if err := z.fw.Close(); err != nil {
		z.err = err
		return err
	}
	z.cur.csize = z.spoolPos() - z.cur.off
	z.cur = nil
	return nil
}

type partWriter struct{ z *sortedZip }

func (w partWriter) Write(p []byte) (int, error) {
	z := w.z
	if z.err != nil {
		return 0, z.err
	}
	n, err := z.fw.Write(p)
	z.cur.crc = crc32.Update(z.cur.crc, crc32.IEEETable, p[:n])
	z.cur.usize += uint64(n)
	if err != nil {
		z.err = err
	}
	return n, err
}

// AddFS is not used by excelize's writer and not supported.
func (z *sortedZip) AddFS(fs.FS) error { return errors.New("sorted zip: AddFS not supported") }

// Close writes the zip to dst and removes the spool.
func (z *sortedZip) Close() error {
	defer z.remove()
	if err := z.finish(); err != nil {
		return err
	}
	if err := z.bw.Flush(); err != nil {
		return err
	}
	sort.Slice(z.entries, func(i, j int) bool { return z.entries[i].name < z.entries[j].name })
	date, tm := msDosTime(z.modified)
	zw := zip.NewWriter(z.dst)
	for i := range z.entries {
		e := &z.entries[i]
		if i > 0 && e.name == z.entries[i-1].name {
			return errors.New("sorted zip: duplicate part " + e.name)
		}
		h := &zip.FileHeader{
			Name:               e.name,
			Method:             zip.Deflate,
			CreatorVersion:     20,
			ReaderVersion:      20,
			ModifiedDate:       date,
			ModifiedTime:       tm,
			CRC32:              e.crc,
			CompressedSize64:   uint64(e.csize),
			UncompressedSize64: e.usize,
		}
		if e.usize >= math.MaxUint32 || uint64(e.csize) >= math.MaxUint32 {
			// ZIP64: sizes go to a data descriptor and the central
			// directory, and the local header asks for version 4.5,
			// which Excel checks (see excelize's writeZip64LFH).
			h.Flags |= 0x8
			h.ReaderVersion = 45
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			return err
		}
		if _, err := io.Copy(w, io.NewSectionReader(z.spool, e.off, e.csize)); err != nil {
			return err
		}
	}
	return zw.Close()
}

// remove closes and deletes the spool file; safe to call twice.
func (z *sortedZip) remove() {
	if z.spool == nil {
		return
	}
	_ = z.spool.Close()
	_ = os.Remove(z.spool.Name())
	z.spool = nil
}

// msDosTime is t's wall clock as MS-DOS date and time fields (2 s
// resolution, 1980–2107).
func msDosTime(t time.Time) (date, tm uint16) {
	y := min(max(t.Year(), 1980), 2107)
	date = uint16(t.Day() + int(t.Month())<<5 + (y-1980)<<9)
	tm = uint16(t.Second()/2 + t.Minute()<<5 + t.Hour()<<11)
	return date, tm
}
