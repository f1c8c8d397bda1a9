package main

import (
	"context"
	"fmt"
	"sort"

	"github.com/dvpsau/vpsau/fixtures/generate"
)

func generateCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "generate", "--out DIR [--scale F] [--seed S] [--as-of YYYY-MM-DD] [--bad-share X]")
	out := fs.String("out", "", "folder to write the inbox to (required)")
	scale := fs.Float64("scale", 1, "1 = Norway (~13,000 sheep producers)")
	seed := fs.Int64("seed", 1, "random seed: the same seed, scale and date give the same files")
	asOf := fs.String("as-of", "", "business date the data is generated for (default today in Europe/Oslo)")
	bad := fs.Float64("bad-share", 0.001, "share of deliberately bad rows per file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return usageError("--out DIR is required")
	}
	if *scale <= 0 || *scale > 200 {
		return usageError("--scale %g: must be > 0 and ≤ 200", *scale)
	}
	date, err := businessDate(*asOf, e.now())
	if err != nil {
		return err
	}
	s, err := generate.Inbox(*out, generate.Config{Scale: *scale, Seed: *seed, AsOf: date, BadShare: *bad})
	if err != nil {
		return err
	}
	var names []string
	for n := range s.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(e.stdout, "%-24s %9d rows\n", n, s.Files[n])
	}
	fmt.Fprintf(e.stdout, "%d deliberately bad rows; inbox for business date %s in %s\n", len(s.Bad), date.Format("2006-01-02"), *out)
	return nil
}
