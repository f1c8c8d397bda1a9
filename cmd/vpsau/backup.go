package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/dvpsau/vpsau/internal/config"
	"github.com/dvpsau/vpsau/internal/files"
	"github.com/dvpsau/vpsau/internal/runlock"
	"github.com/dvpsau/vpsau/internal/store"
)

func backupCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "backup", "--to FILE [--config FILE] [--db FILE]")
	cf := commonFlags(fs, false)
	to := fs.String("to", "", "the backup file to write (a complete, WAL-free database file)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *to == "" {
		return usageError("--to FILE is required")
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	// Under the run lock: no run writes while the copy is made.
	err = withLockedConn(ctx, e, cfg, func(c *store.Conn) error {
		_, err := store.CopyTo(ctx, c, *to, store.CopyOptions{})
		return err
	})
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	st, _ := os.Stat(*to)
	fmt.Fprintf(e.stdout, "backup of %s written to %s (%d bytes); restore with: vpsau restore --from %s --db %s\n",
		cfg.DB, *to, st.Size(), *to, cfg.DB)
	return nil
}

func restoreCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "restore", "--from FILE [--config FILE] [--db FILE]")
	cf := commonFlags(fs, false)
	from := fs.String("from", "", "a backup made by vpsau backup")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *from == "" {
		return usageError("--from FILE is required")
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	lock, err := runlock.Acquire(cfg.DB+".lock", e.now())
	if err != nil {
		return err
	}
	defer lock.Release()
	// The backup must be a database this version can use.
	b, err := store.Open(ctx, *from, store.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("restore: %s is not a usable backup: %w", *from, err)
	}
	var runs int64
	err = b.SQL().QueryRowContext(ctx, `SELECT count(*) FROM ops.run`).Scan(&runs)
	b.Close()
	if err != nil {
		return fmt.Errorf("restore: %s is not a vpsau database: %w", *from, err)
	}
	// Copy beside the database, then replace it by one rename; its WAL belongs to the
	// replaced file and goes with it.
	tmp := cfg.DB + ".restore-tmp"
	if _, err := files.Copy(*from, tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := files.Sync(tmp); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Remove(cfg.DB + ".wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	if err := os.Rename(tmp, cfg.DB); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: %w", err)
	}
	d, err := openDB(ctx, e, cfg) // applies newer migrations, if any
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	d.Close()
	fmt.Fprintf(e.stdout, "%s restored from %s (%d runs)\n", cfg.DB, *from, runs)
	return nil
}

// withLockedConn runs fn on a connection to the existing database while holding the run
// lock, so that no run writes meanwhile.
func withLockedConn(ctx context.Context, e env, cfg config.Config, fn func(*store.Conn) error) error {
	return withLockedDB(ctx, e, cfg, func(d *store.DB) error {
		c, err := d.Conn(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		return fn(c)
	})
}

// withLockedDB runs fn on the existing database while holding the run lock; fn may close
// the database (store.Compact does).
func withLockedDB(ctx context.Context, e env, cfg config.Config, fn func(*store.DB) error) error {
	lock, err := runlock.Acquire(cfg.DB+".lock", e.now())
	if err != nil {
		return err
	}
	defer lock.Release()
	d, err := openExisting(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	return fn(d)
}
