package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

func confirmCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "confirm", "RECEIVER CHANGE_NR [--db FILE]")
	cf := commonFlags(fs, false)
	by := fs.String("by", "cli", "who confirms (kept with the watermark)")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageError("want RECEIVER CHANGE_NR")
	}
	r, ok := receiver.Lookup(fs.Arg(0))
	if !ok {
		return usageError("receiver %q: must be one of %v", fs.Arg(0), receiver.Names())
	}
	n, err := strconv.ParseInt(fs.Arg(1), 10, 64)
	if err != nil || n < 0 {
		return usageError("CHANGE_NR %q: must be a change number ≥ 0", fs.Arg(1))
	}
	return withConn(ctx, e, cfg, openExisting, func(c *store.Conn) error {
		conf, _, err := receiver.Confirm(ctx, c, r.Name, n, *by, "", e.now())
		if err != nil {
			return err
		}
		prev := conf.Previous
		fmt.Fprintf(e.stdout, "%s: confirmed up to change %d (was %d); the next export starts after %d\n", r.Name, n, prev, n)
		return nil
	})
}

// reorder moves flags before positional arguments, so that "confirm dhp 12 --db x" works.
func reorder(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			if !containsEq(a) && i+1 < len(args) && !isBoolFlag(a) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

func containsEq(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '=' {
			return true
		}
	}
	return false
}

func isBoolFlag(a string) bool {
	switch a {
	case "-h", "--help", "-help", "--full", "-full", "--json", "-json":
		return true
	}
	return false
}

func statFile(p string) (os.FileInfo, error) { return os.Stat(p) }
