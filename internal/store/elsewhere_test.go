package store

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestMain lets this test binary be "another process" of the database: started again with
// STORE_TRY it tries to open the database and exits 3 when refused as busy; with
// STORE_HOLD it opens it, says so, and holds it for STORE_HOLD_FOR (or until killed).
func TestMain(m *testing.M) {
	if path := os.Getenv("STORE_TRY"); path != "" {
		db, err := Open(context.Background(), path, Options{})
		if errors.Is(err, ErrBusy) {
			os.Exit(3)
		}
		if err == nil {
			db.Close()
		}
		os.Exit(0)
	}
	if path := os.Getenv("STORE_HOLD"); path != "" {
		db, err := Open(context.Background(), path, Options{})
		if err != nil {
			os.Exit(1)
		}
		os.Stdout.WriteString("held\n")
		d, _ := time.ParseDuration(os.Getenv("STORE_HOLD_FOR"))
		time.Sleep(d)
		db.Close()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// refusedElsewhere returns nil when another process is refused the database at path as
// busy, and what happened instead otherwise.
func refusedElsewhere(path string) error {
	try := exec.Command(os.Args[0], "-test.run", "^$")
	try.Env = append(os.Environ(), "STORE_TRY="+path)
	err := try.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return nil
	}
	return fmt.Errorf("another process opening the database: %v, want it refused as busy", err)
}

// holdElsewhere starts another process that opens the database at path and holds it for
// d (or until killed; it is killed when the test ends), and returns once it holds it.
func holdElsewhere(t *testing.T, path string, d time.Duration) *exec.Cmd {
	t.Helper()
	hold := exec.Command(os.Args[0], "-test.run", "^$")
	hold.Env = append(os.Environ(), "STORE_HOLD="+path, "STORE_HOLD_FOR="+d.String())
	out, _ := hold.StdoutPipe()
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hold.Process.Kill(); hold.Wait() })
	if line, _ := bufio.NewReader(out).ReadString('\n'); line != "held\n" {
		t.Fatalf("the other process: %q", line)
	}
	return hold
}

// fileBytes returns the bytes of the database file db has open at path, read through the
// descriptor db keeps: closing any other descriptor of the file would drop DuckDB's lock.
func fileBytes(t *testing.T, db *DB, path string) []byte {
	t.Helper()
	f, err := db.readFile(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(io.NewSectionReader(f, 0, st.Size()))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
