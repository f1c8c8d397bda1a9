package runlock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestAcquire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.lock")
	l, err := Acquire(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// flock locks belong to the open file description: a second Acquire, even from this
	// process, is refused while the first is held.
	if _, err := Acquire(path, time.Now()); !errors.Is(err, ErrHeld) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second Acquire = %v, want ErrHeld naming the holder", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := Acquire(path, time.Now())
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l2.Release()
}

// TestReleasedWhenProcessDies: a process killed while holding the lock does not block the
// next run.
func TestReleasedWhenProcessDies(t *testing.T) {
	if os.Getenv("RUNLOCK_CHILD") != "" {
		if _, err := Acquire(os.Getenv("RUNLOCK_CHILD"), time.Now()); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		return
	}
	path := filepath.Join(t.TempDir(), "db.lock")
	cmd := exec.Command(os.Args[0], "-test.run", "^TestReleasedWhenProcessDies$")
	cmd.Env = append(os.Environ(), "RUNLOCK_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child: %q %v", buf, err)
	}
	if _, err := Acquire(path, time.Now()); !errors.Is(err, ErrHeld) {
		t.Fatalf("Acquire while the child holds it = %v, want ErrHeld", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := Acquire(path, time.Now())
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	l.Release()
}
