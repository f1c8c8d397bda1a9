package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/dvpsau/vpsau/internal/config"
	"github.com/dvpsau/vpsau/internal/contract"
	"github.com/dvpsau/vpsau/internal/store"
)

// env gives commands their OS inputs; tests pass their own.
type env struct {
	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e env, args []string) error
}

func commands() []command {
	return []command{
		{"run", "one nightly run: fetch → land → validate → historise → compute → audit → export → publish", runCmd},
		{"serve", "long-running: the nightly schedule (Europe/Oslo) and the receivers' download API", serveCmd},
		{"export", "re-issue a receiver's export: the delta after a change number, or everything", exportCmd},
		{"confirm", "a receiver confirms it has applied everything up to a change number", confirmCmd},
		{"generate", "write a deterministic synthetic inbox for tests and benchmarks", generateCmd},
		{"query", "run analyst SQL against the database", queryCmd},
		{"explain", "why a producer has its status and deadlines", explainCmd},
		{"status", "recent runs, watermarks, unconfirmed changes", statusCmd},
		{"token", "receivers' API tokens: create, list, revoke, rotate", tokenCmd},
		{"backup", "write a complete copy of the database to a file", backupCmd},
		{"restore", "replace the database with a backup", restoreCmd},
		{"erase", "erase a person's name, phone and e-mail on request (statuses stay)", eraseCmd},
	}
}

// Main runs the command line args and returns the exit status. Errors are printed as one
// line on stderr.
func Main(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, env{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}, args)
}

func run(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			msg := oneLine(err.Error())
			if (c.name == "run" || c.name == "export") && !strings.Contains(msg, "nothing was published") {
				msg += "; nothing was published"
			}
			fmt.Fprintf(e.stderr, "vpsau %s: %s\n", c.name, msg)
			return 2
		default:
			fmt.Fprintf(e.stderr, "vpsau %s: %s\n", c.name, oneLine(err.Error()))
			return 1
		}
	}
	fmt.Fprintf(e.stderr, "vpsau: unknown command %q (vpsau help lists them)\n", args[0])
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "vpsau — the data-exchange pipeline of DVP sau\n\nUsage: vpsau <command> [flags]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery command takes -h for its flags. Start with: vpsau run --demo")
}

var errUsage = errors.New("usage")

// usageError is a mistake in the command line.
func usageError(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, args...))
}

// oneLine keeps an error to one line: DuckDB errors carry multi-line context
// (store.Line joins the lines that say what failed and leaves out the query).
func oneLine(s string) string {
	return strings.ReplaceAll(store.Line(strings.TrimSpace(s)), usagePrefix, "")
}

const usagePrefix = "usage: "

// newFlags makes a flag set that reports errors instead of exiting.
func newFlags(e env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: vpsau %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags, turning flag errors into usage errors.
// A bad flag is one line, pointing to -h, not the flag package's message followed by
// every flag; -h prints the flags.
func parse(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return err
		}
		return usageError("%v (vpsau %s -h lists the flags)", err, fs.Name())
	}
	return nil
}

// businessDate parses --as-of, defaulting to today in Europe/Oslo.
func businessDate(s string, now time.Time) (time.Time, error) {
	if s == "" {
		d := now.In(contract.Oslo)
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usageError("--as-of %q: not a date (YYYY-MM-DD)", s)
	}
	return t, nil
}

// common are the flags every command that touches data takes.
type common struct {
	config, db, out *string
}

// commonFlags adds --config and --db (and --out when withOut) to fs.
func commonFlags(fs *flag.FlagSet, withOut bool) common {
	c := common{
		config: fs.String("config", "", "configuration file (TOML; default $VPSAU_CONFIG, else built-in defaults)"),
		db:     fs.String("db", "", "database file (default vpsau.duckdb, or the config's db)"),
	}
	if withOut {
		c.out = fs.String("out", "", "where exports and rejects are published (default out, or the config's out)")
	}
	return c
}

// load reads the configuration and applies --db and --out over it.
func (c common) load(e env) (config.Config, error) {
	path := *c.config
	if path == "" {
		path = e.getenv("VPSAU_CONFIG")
	}
	cfg, err := config.Load(path, e.getenv)
	if err != nil {
		return cfg, err
	}
	if *c.db != "" {
		cfg.DB = *c.db
	}
	if c.out != nil && *c.out != "" {
		cfg.Out = *c.out
	}
	return cfg, nil
}
