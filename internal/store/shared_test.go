package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestSharedWaitsByContext: while another process holds the database file, a Use that
// comes while an earlier one waits for the file gives up when its own context ends, not
// when the earlier one's wait does (regression: the open was made under the mutex, so the
// second Use waited for the first, and the API worked around it with a goroutine); once
// the file is free the first Use gets it.
func TestSharedWaitsByContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.duckdb")
	db, err := Open(context.Background(), path, Options{}) // create it
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	hold := holdElsewhere(t, path, time.Minute)

	s := &Shared{Path: path, Wait: 30 * time.Second}
	defer s.Close()
	first := make(chan error, 1)
	go func() { first <- s.Use(context.Background(), func(*DB) error { return nil }) }()
	time.Sleep(200 * time.Millisecond) // the first Use is waiting for the file

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	err = s.Use(ctx, func(*DB) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Use = %v, want its context's deadline", err)
	}
	if took := time.Since(t0); took > 5*time.Second {
		t.Errorf("second Use gave up after %v, want about its 300 ms", took)
	}

	hold.Process.Kill()
	hold.Wait()
	select {
	case err := <-first:
		if err != nil {
			t.Errorf("first Use once the file was free: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("first Use did not get the file once it was free")
	}
}
