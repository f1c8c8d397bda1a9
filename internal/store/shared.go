package store

import (
	"context"
	"sync"
	"time"
)

// Shared is a database handle shared by the goroutines of a long-running process (vpsau
// serve): opened when first used, kept open while anyone uses it, and closed after Idle
// without use, so that other processes (an operator's vpsau command) can open the file
// in between. DuckDB allows one writing process per file.
type Shared struct {
	Path string
	Opts Options
	Idle time.Duration // close after this long unused (default 5s)
	Wait time.Duration // how long to wait for a file another process holds (default 30s)

	mu      sync.Mutex
	db      *DB
	users   int
	timer   *time.Timer
	opening chan struct{} // closed when the open under way ends; nil when none is
}

// Use runs fn with the open database. While another process holds the file it waits,
// up to Wait or until ctx ends; so does a Use that comes while another waits.
func (s *Shared) Use(ctx context.Context, fn func(*DB) error) error {
	db, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer s.release()
	return fn(db)
}

// acquire returns the open database, opening it if needed. The mutex is not held while
// the file is opened (that may wait for another process): a second caller waits for that
// open on a channel, and gives up when its own ctx ends.
func (s *Shared) acquire(ctx context.Context) (*DB, error) {
	for {
		s.mu.Lock()
		if s.timer != nil {
			s.timer.Stop()
			s.timer = nil
		}
		if s.db != nil {
			s.users++
			db := s.db
			s.mu.Unlock()
			return db, nil
		}
		if opening := s.opening; opening != nil {
			s.mu.Unlock()
			select {
			case <-opening:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		opening := make(chan struct{})
		s.opening = opening
		s.mu.Unlock()

		wait := s.Wait
		if wait == 0 {
			wait = 30 * time.Second
		}
		db, err := OpenWait(ctx, s.Path, s.Opts, wait, nil)
		s.mu.Lock()
		s.opening = nil
		close(opening)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		s.db = db
		s.users++
		s.mu.Unlock()
		return db, nil
	}
}

func (s *Shared) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users--
	if s.users > 0 || s.db == nil {
		return
	}
	idle := s.Idle
	if idle == 0 {
		idle = 5 * time.Second
	}
	db := s.db
	s.timer = time.AfterFunc(idle, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.users == 0 && s.db == db {
			db.Close()
			s.db = nil
		}
	})
}

// Close closes the handle if it is open, once an open under way has ended; later uses
// open it again.
func (s *Shared) Close() error {
	s.mu.Lock()
	for s.opening != nil {
		opening := s.opening
		s.mu.Unlock()
		<-opening
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.db == nil {
		return nil
	}
	err := s.db.Close()
	s.db = nil
	return err
}
