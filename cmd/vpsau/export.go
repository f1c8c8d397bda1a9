package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/dvpsau/vpsau/internal/config"
	"github.com/dvpsau/vpsau/internal/nightly"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

func exportCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "export", "--receiver R (--since N | --full) [--format csv|xlsx] [--as-of-time T] [--db FILE] [--out DIR]")
	cf := commonFlags(fs, true)
	name := fs.String("receiver", "", "receiver: dhp, ksl, saukontrollen, nokkeltall, varsler")
	since := fs.String("since", "", "the delta after this change number")
	full := fs.Bool("full", false, "every current row, as NY")
	format := fs.String("format", "", "csv or xlsx (default: the receiver's configured files)")
	asOfTime := fs.String("as-of-time", "", "the state at this system time (RFC 3339 or YYYY-MM-DD): changes stored after it are left out")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	r, ok := receiver.Lookup(*name)
	if !ok {
		return usageError("--receiver %q: must be one of %v", *name, receiver.Names())
	}
	if (*since == "") == !*full {
		return usageError("give exactly one of --since N and --full")
	}
	var from int64
	if *since != "" {
		n, err := strconv.ParseInt(*since, 10, 64)
		if err != nil || n < 0 {
			return usageError("--since %q: must be a change number ≥ 0", *since)
		}
		from = n
	}
	files, ok := nightly.Files(r, cfg.Outputs()[r.Name], *format)
	if !ok {
		return usageError("--format %q: must be csv or xlsx", *format)
	}
	var at time.Time
	if *asOfTime != "" {
		if at, err = time.Parse(time.RFC3339Nano, *asOfTime); err != nil {
			d, derr := time.Parse(time.DateOnly, *asOfTime)
			if derr != nil {
				return usageError("--as-of-time %q: not RFC 3339 or YYYY-MM-DD", *asOfTime)
			}
			at = d.Add(24*time.Hour - time.Microsecond) // the end of that day (UTC)
		}
	}
	return withConn(ctx, e, cfg, openExisting, func(c *store.Conn) error {
		to, err := receiver.LastChange(ctx, c, at)
		if err != nil {
			return err
		}
		if from > to {
			return fmt.Errorf("--since %d is after the last change %d", from, to)
		}
		bdate, err := nightly.BusinessDateOf(ctx, c, at, e.now())
		if err != nil {
			return err
		}
		reissue := "re-issued by vpsau export"
		if !at.IsZero() {
			reissue += fmt.Sprintf(" for the state at %s (change %d), not the latest: it stands only for the exports it repeats", at.UTC().Format(time.RFC3339), to)
		}
		s, err := nightly.Write(ctx, c, nightly.WriteOptions{
			Receiver: r, From: from, To: to, Full: *full, Out: cfg.Out, BusinessDate: bdate, Created: e.now(), Files: files,
			Reissue: reissue,
		})
		if err != nil {
			return err
		}
		if err := s.Publish(); err != nil {
			s.Discard()
			return err
		}
		if err := nightly.Record(ctx, c, s, nil); err != nil {
			return err
		}
		m := s.Manifest()
		fmt.Fprintf(e.stdout, "%s: changes %d–%d: NY %d, ENDRET %d, SLETTET %d → %s\n", r.Name, m.Changes.From, m.Changes.To,
			m.Rows.New, m.Rows.Changed, m.Rows.Deleted, s.Path())
		return nil
	})
}

// withConn runs fn on a connection to the database that open opens: openDB, or
// openExisting for commands that need what a run made.
func withConn(ctx context.Context, e env, cfg config.Config, open func(context.Context, env, config.Config) (*store.DB, error), fn func(*store.Conn) error) error {
	d, err := open(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	c, err := d.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	return fn(c)
}

// openExisting opens the configured database, which must already exist.
func openExisting(ctx context.Context, e env, cfg config.Config) (*store.DB, error) {
	return openExistingWith(ctx, e, cfg, storeOptions(cfg))
}

func openExistingWith(ctx context.Context, e env, cfg config.Config, opts store.Options) (*store.DB, error) {
	if _, err := statFile(cfg.DB); err != nil {
		return nil, fmt.Errorf("database %s: %w (run vpsau run first, or give --db)", cfg.DB, err)
	}
	return openWith(ctx, e, cfg, opts)
}

// openReadOnly opens an existing database for reading only (vpsau query, explain,
// status): analysts' SQL cannot change what the night keeps, such as the receivers'
// watermarks, which only vpsau confirm and the API move.
func openReadOnly(ctx context.Context, e env, cfg config.Config) (*store.DB, error) {
	opts := storeOptions(cfg)
	opts.ReadOnly = true
	d, err := openExistingWith(ctx, e, cfg, opts)
	if err != nil {
		return nil, err
	}
	// A reader does not migrate: after an upgrade it says that the schema is behind.
	if migs, err := store.Migrations(); err == nil {
		var have int
		if d.SQL().QueryRowContext(ctx, `SELECT count(*) FROM ops.schema_migration`).Scan(&have) == nil && have < len(migs) {
			fmt.Fprintf(e.stderr, "note: %s has %d of this vpsau's %d migrations; a writing command (vpsau run, confirm, token, export) brings it up to date\n",
				cfg.DB, have, len(migs))
		}
	}
	return d, nil
}

// openDB opens (creating) the database; while another process has it open it waits, up
// to the configured duckdb.wait, saying so once on stderr.
func openDB(ctx context.Context, e env, cfg config.Config) (*store.DB, error) {
	return openWith(ctx, e, cfg, storeOptions(cfg))
}

// openWith opens the database with opts, waiting as openDB does.
func openWith(ctx context.Context, e env, cfg config.Config, opts store.Options) (*store.DB, error) {
	return store.OpenWait(ctx, cfg.DB, opts, cfg.DuckDB.Wait.Duration, func() {
		fmt.Fprintf(e.stderr, "waiting for %s: another process has it open (up to %s)\n", cfg.DB, cfg.DuckDB.Wait.Duration)
	})
}

// storeOptions are the database's resource bounds from the configuration.
func storeOptions(cfg config.Config) store.Options {
	tmp := cfg.DuckDB.TempDir
	if tmp == "" {
		tmp = cfg.DB + ".tmp"
	}
	return store.Options{MemoryLimit: cfg.DuckDB.MemoryLimit, Threads: cfg.DuckDB.Threads, TempDir: tmp}
}
