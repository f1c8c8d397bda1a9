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

	mu    sync.Mutex
	db    *DB
	users int
	timer *time.Timer
}

// Use runs fn with the open database.
func (s *Shared) Use(ctx context.Context, fn func(*DB) error) error {
	db, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer s.release()
	return fn(db)
}

func (s *Shared) acquire(ctx context.Context) (*DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if s.db == nil {
		wait := s.Wait
		if wait == 0 {
			wait = 30 * time.Second
		}
		db, err := OpenWait(ctx, s.Path, s.Opts, wait, nil)
		if err != nil {
			return nil, err
		}
		s.db = db
	}
	s.users++
	return s.db, nil
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

// Close closes the handle if it is open; later uses open it again.
func (s *Shared) Close() error {
	s.mu.Lock()
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
