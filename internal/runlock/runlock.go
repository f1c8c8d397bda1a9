// Package runlock keeps two runs from overlapping: a run holds an exclusive OS file lock
// (flock) on a file beside the database for as long as it runs. The OS releases the lock
// when the process ends, however it ends, so a crashed run never blocks the next.
package runlock

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrHeld reports that another run holds the lock.
var ErrHeld = errors.New("another run is in progress")

// Lock is a held run lock.
type Lock struct {
	f *os.File
}

// Acquire takes the lock file at path without waiting. When another process holds it,
// the error is ErrHeld with what that process wrote into the file (its pid and start).
func Acquire(path string, now time.Time) (*Lock, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			h := strings.TrimSpace(string(holder))
			if h == "" {
				h = "unknown process"
			}
			return nil, fmt.Errorf("%w (%s holds %s)", ErrHeld, h, path)
		}
		return nil, fmt.Errorf("run lock: %w", err)
	}
	f.Truncate(0)
	f.WriteAt([]byte("pid "+strconv.Itoa(os.Getpid())+" since "+now.UTC().Format(time.RFC3339)+"\n"), 0)
	return &Lock{f: f}, nil
}

// Release gives the lock up.
func (l *Lock) Release() error {
	l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	return errors.Join(err, l.f.Close())
}
