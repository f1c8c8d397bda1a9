package nightly

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/store"
)

// TestAnalystCopy: each run publishes a WAL-free copy that another process opens
// read-only; a reader that holds the copy open while the next run writes and replaces it
// keeps reading undisturbed, and the next open sees the new run.
func TestAnalystCopy(t *testing.T) {
	if path := os.Getenv("ANALYST_READER"); path != "" {
		analystReader(path)
		return
	}
	ctx := context.Background()
	dir := t.TempDir()
	copyPath := filepath.Join(dir, "vpsau-analyst.duckdb")
	db, err := store.Open(ctx, filepath.Join(dir, "vpsau.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	opt := Options{AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), Inbox: "../../testdata/one-night/inbox", Out: filepath.Join(dir, "out"),
		RawRoot: filepath.Join(dir, "raw"), Rules: rules.Defaults(), Guard: DefaultGuard,
		Analyst: AnalystCopy{Path: copyPath, Pseudonymise: true, Salt: "test"}}
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(copyPath + ".wal"); err == nil {
		t.Errorf("the analyst copy has a WAL file")
	}

	// A reader in another process opens the copy and keeps querying it.
	cmd := exec.Command(os.Args[0], "-test.run", "^TestAnalystCopy$")
	cmd.Env = append(os.Environ(), "ANALYST_READER="+copyPath)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "open 1" {
		t.Fatalf("reader: %q", lines.Text())
	}
	opt.AsOf = opt.AsOf.AddDate(0, 0, 1)
	if _, err := Run(ctx, db, opt); err != nil {
		t.Fatalf("second run while a reader holds the copy: %v", err)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	var reads []string
	for lines.Scan() {
		reads = append(reads, lines.Text())
	}
	cmd.Wait()
	if len(reads) == 0 || reads[len(reads)-1] != "reopened 2" {
		t.Errorf("reader saw %v; want steady reads of run 1, then run 2 after reopening", reads)
	}
	for _, r := range reads[:len(reads)-1] {
		if r != "read 1" {
			t.Errorf("reader saw %q while holding the old copy", r)
		}
	}

	// The copy is pseudonymised.
	ro, err := store.Open(ctx, copyPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	var navn string
	if err := ro.SQL().QueryRow(`SELECT navn FROM cur.producer WHERE produsentnr = '3000000001'`).Scan(&navn); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(navn, "navn-") || strings.Contains(navn, "Eksempel") {
		t.Errorf("navn in the copy = %q, want a pseudonym", navn)
	}
}

// analystReader is the child process: it opens the copy read-only, reads the latest run
// every few milliseconds until interrupted, then opens the copy again once.
func analystReader(path string) {
	ctx := context.Background()
	lastRun := func(db *store.DB) string {
		var n string
		if err := db.SQL().QueryRow(`SELECT max(run_id)::VARCHAR FROM ops.run WHERE status = 'succeeded' OR run_id = (SELECT last_run FROM ops.copy_info)`).Scan(&n); err != nil {
			return "error " + err.Error()
		}
		return n
	}
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		os.Stdout.WriteString("error " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Stdout.WriteString("open " + lastRun(db) + "\n")
	stop := make(chan os.Signal, 1)
	signalNotify(stop)
	for {
		select {
		case <-stop:
			db.Close()
			db2, err := store.Open(ctx, path, store.Options{ReadOnly: true})
			if err != nil {
				os.Stdout.WriteString("error " + err.Error() + "\n")
				os.Exit(1)
			}
			os.Stdout.WriteString("reopened " + lastRun(db2) + "\n")
			db2.Close()
			os.Exit(0)
		case <-time.After(20 * time.Millisecond):
			os.Stdout.WriteString("read " + lastRun(db) + "\n")
		}
	}
}

// TestAnalystCopyWay: the analyst copy is the database file's bytes — a file copy — unless
// those may hold what an analyst must not see in their freed blocks: the real names of a
// pseudonymised copy, or values erased since the file was last compacted. Made with SQL
// then, the copy holds no byte of them.
func TestAnalystCopyWay(t *testing.T) {
	const email = "fire@example.no" // producer 3000000004 in night 2's inbox
	tests := []struct {
		name         string
		pseudonymise bool
		erase        bool // erase producer 3000000004 before the copy
		compact      bool // and compact the file, as vpsau erase does
		byBytes      bool
	}{
		{name: "nothing erased", byBytes: true},
		{name: "pseudonymised", pseudonymise: true},
		{name: "erased, not compacted", erase: true},
		{name: "erased and compacted", erase: true, compact: true, byBytes: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			path := filepath.Join(dir, "vpsau.duckdb")
			db, err := store.Open(ctx, path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { db.Close() }()
			_, err = Run(ctx, db, Options{AsOf: time.Date(2027, 2, 4, 0, 0, 0, 0, time.UTC), Inbox: "../../testdata/nights/night2/inbox",
				Out: filepath.Join(dir, "out"), RawRoot: filepath.Join(dir, "raw"), Rules: rules.Defaults(), Guard: DefaultGuard, NoReport: true})
			if err != nil {
				t.Fatal(err)
			}
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if tt.erase {
				err := c.Exec(ctx, `UPDATE src.producer SET epost = '(slettet)' WHERE produsentnr = '3000000004';
					UPDATE rcv.varsler SET adresse = '(slettet)' WHERE produsentnr = '3000000004';
					UPDATE model.notification SET adresse = '(slettet)' WHERE produsentnr = '3000000004';
					INSERT INTO ops.erasure (erased, subject_kind, subject, reason, versions) VALUES (now(), 'produsentnr', '3000000004', 'test', 1);
					CHECKPOINT`)
				if err != nil {
					t.Fatal(err)
				}
			}
			if tt.compact {
				c.Close()
				err := store.Compact(ctx, db, func(c *store.Conn, catalog string) error {
					return c.Exec(ctx, `UPDATE `+catalog+`.ops.erasure SET compacted = now()`)
				})
				if err != nil {
					t.Fatal(err)
				}
				if db, err = store.Open(ctx, path, store.Options{}); err != nil {
					t.Fatal(err)
				}
				if c, err = db.Conn(ctx); err != nil {
					t.Fatal(err)
				}
			}
			defer c.Close()
			copyPath := filepath.Join(dir, "vpsau-analyst.duckdb")
			byBytes, err := PublishAnalystCopy(ctx, c, AnalystCopy{Path: copyPath, Pseudonymise: tt.pseudonymise, Salt: "test"}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if byBytes != tt.byBytes {
				t.Errorf("the copy was made from the file's bytes: %v, want %v", byBytes, tt.byBytes)
			}
			b, err := os.ReadFile(copyPath)
			if err != nil {
				t.Fatal(err)
			}
			// (Whether an erased value is still in the database file's freed blocks depends
			// on how DuckDB reuses them; store's TestEditedCopyHoldsNoFreedBytes makes sure
			// it is, and shows that a copy made with SQL does not carry it.)
			switch held, hidden := bytes.Contains(b, []byte(email)), tt.erase || tt.pseudonymise; {
			case hidden && held:
				t.Errorf("the copy's file holds %s", email)
			case !hidden && !held:
				t.Errorf("the copy's file lacks %s: the test shows nothing", email)
			}
		})
	}
}

// TestPseudonymisedRejects: a pseudonymised copy replaces a rejected name too (the value
// that failed is still the person's); the database itself keeps it for the operators.
func TestPseudonymisedRejects(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	inbox := filepath.Join(dir, "inbox")
	if err := files.CopyTree("../../testdata/one-night/inbox", inbox); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../../testdata/badinput/nul-and-newlines/inbox/producers.csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(inbox, "producers.csv"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(dir, "vpsau-analyst.duckdb")
	db, err := store.Open(ctx, filepath.Join(dir, "vpsau.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := Run(ctx, db, Options{AsOf: time.Date(2027, 1, 4, 0, 0, 0, 0, time.UTC), Inbox: inbox, Out: filepath.Join(dir, "out"),
		RawRoot: filepath.Join(dir, "raw"), Rules: rules.Defaults(), Guard: DefaultGuard,
		Analyst: AnalystCopy{Path: copyPath, Pseudonymise: true, Salt: "test"}}); err != nil {
		t.Fatal(err)
	}
	value := func(d *store.DB) string {
		t.Helper()
		var v string
		if err := d.SQL().QueryRow(`SELECT value FROM ops.reject WHERE entity = 'producers' AND field = 'navn' AND rkey = '3000000004'`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := value(db); got != `Fi\x00re` { // shown printably
		t.Fatalf("the database's rejected name = %q, want it kept", got)
	}
	ro, err := store.Open(ctx, copyPath, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got := value(ro); !strings.HasPrefix(got, "avvist-") {
		t.Errorf("the copy's rejected name = %q, want a pseudonym", got)
	}
	// The analysts' view, and so its Parquet file written from the database itself, shows
	// no rejected personal value at all.
	parquet := filepath.Join(strings.TrimSuffix(copyPath, ".duckdb")+"-parquet", "reject.parquet")
	var viewValue, inParquet string
	if err := db.SQL().QueryRow(`SELECT value FROM analytics.reject WHERE entity = 'producers' AND field = 'navn' AND line = 5`).Scan(&viewValue); err != nil {
		t.Fatal(err)
	}
	if err := db.SQL().QueryRow(`SELECT string_agg(DISTINCT value, ' ') FROM read_parquet('` + parquet + `') WHERE entity = 'producers' AND field = 'navn'`).Scan(&inParquet); err != nil {
		t.Fatal(err)
	}
	if viewValue != "(personopplysning)" || inParquet != "(personopplysning)" {
		t.Errorf("analytics.reject shows %q, reject.parquet %q; want (personopplysning)", viewValue, inParquet)
	}
}
