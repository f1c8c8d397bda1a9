package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/internal/token"
)

const tokenSynopsis = `create RECEIVER NAME [--expires 365d|never]   a new token; prints it once
       vpsau token list [RECEIVER]
       vpsau token revoke RECEIVER NAME                        stops every token of that name at once
       vpsau token rotate RECEIVER NAME [--overlap 7d] [--expires 365d|never]
                                                               a new token; the old one works for the overlap
       (each also takes --config FILE and --db FILE)`

func tokenCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "token", tokenSynopsis)
	cf := commonFlags(fs, false)
	expires := fs.String("expires", "365d", "how long the new token works: a duration such as 90d or 12h, or never")
	overlap := fs.String("overlap", "7d", "rotate: how long the old token keeps working")
	if err := parse(fs, reorder(args)); err != nil {
		return err
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("want create, list, revoke or rotate (vpsau token -h)")
	}
	verb, rest := fs.Arg(0), fs.Args()[1:]
	want := 2
	if verb == "list" {
		want = len(rest)
		if want > 1 {
			return usageError("list takes at most one RECEIVER")
		}
	}
	switch verb {
	case "create", "list", "revoke", "rotate":
	default:
		return usageError("%q: want create, list, revoke or rotate", verb)
	}
	if len(rest) != want {
		return usageError("%s: want RECEIVER NAME", verb)
	}
	var name string
	if len(rest) > 0 {
		r, ok := receiver.Lookup(rest[0])
		if !ok {
			return usageError("receiver %q: must be one of %v", rest[0], receiver.Names())
		}
		name = r.Name
	}
	now := e.now().UTC().Truncate(time.Second)
	var until time.Time
	if verb == "create" || verb == "rotate" {
		d, err := days(*expires)
		if err != nil {
			return usageError("--expires %q: %v", *expires, err)
		}
		if d > 0 {
			until = now.Add(d)
		}
	}
	var over time.Duration
	if verb == "rotate" {
		if over, err = days(*overlap); err != nil || *overlap == "never" {
			return usageError("--overlap %q: want a duration such as 7d or 12h", *overlap)
		}
	}

	open := openExisting // list, revoke and rotate need tokens made before
	if verb == "create" {
		open = openDB
	}
	return withConn(ctx, e, cfg, open, func(c *store.Conn) error {
		switch verb {
		case "create":
			secret, t, err := token.Create(ctx, c, name, rest[1], until, now)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, secret)
			fmt.Fprintf(e.stderr, "token %s for %s, named %s, %s. It is shown only now: hand it over safely; only its hash is stored.\n",
				t.ID, t.Receiver, t.Name, expiry(t.Expires))
		case "rotate":
			secret, t, old, err := token.Rotate(ctx, c, name, rest[1], over, until, now)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, secret)
			for _, o := range old {
				fmt.Fprintf(e.stderr, "old token %s works until %s\n", o.ID, o.Expires.Format(time.RFC3339))
			}
			fmt.Fprintf(e.stderr, "new token %s for %s, named %s, %s. It is shown only now.\n", t.ID, t.Receiver, t.Name, expiry(t.Expires))
		case "revoke":
			old, err := token.Revoke(ctx, c, name, rest[1], now)
			if err != nil {
				return err
			}
			for _, o := range old {
				fmt.Fprintf(e.stdout, "revoked %s (%s/%s); vpsau serve refuses it within 30 s\n", o.ID, o.Receiver, o.Name)
			}
		case "list":
			return listTokens(ctx, e, c, name, now)
		}
		return nil
	})
}

func listTokens(ctx context.Context, e env, c *store.Conn, receiverName string, now time.Time) error {
	all, err := token.List(ctx, c, receiverName)
	if err != nil {
		return err
	}
	last := map[string]time.Time{}
	rows, err := c.Query(ctx, `SELECT token_id, max(time) FROM ops.api_request WHERE token_id IS NOT NULL GROUP BY token_id`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id string
		var t time.Time
		if err := rows.Scan(&id, &t); err != nil {
			rows.Close()
			return err
		}
		last[id] = t
	}
	rows.Close()
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "receiver\tname\tid\tcreated\texpires\tstate\tlast_used")
	for _, t := range all {
		state := "active"
		switch {
		case !t.Revoked.IsZero():
			state = "revoked " + t.Revoked.UTC().Format(time.DateOnly)
		case !t.Active(now):
			state = "expired"
		case t.ReplacedBy != "":
			state = "rotated to " + t.ReplacedBy
		}
		exp := "never"
		if !t.Expires.IsZero() {
			exp = t.Expires.UTC().Format(time.RFC3339)
		}
		used := ""
		if l, ok := last[t.ID]; ok {
			used = l.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.Receiver, t.Name, t.ID, t.Created.UTC().Format(time.RFC3339), exp, state, used)
	}
	return tw.Flush()
}

func expiry(t time.Time) string {
	if t.IsZero() {
		return "never expires"
	}
	return "expires " + t.UTC().Format(time.RFC3339)
}

// days parses a duration that may count days ("90d") as well as Go's units; "never" is 0.
func days(s string) (time.Duration, error) {
	if s == "never" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		v, err := strconv.Atoi(n)
		if err != nil || v <= 0 {
			return 0, fmt.Errorf("want a positive number of days, such as 90d")
		}
		return time.Duration(v) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a duration such as 90d or 12h, or never")
	}
	return d, nil
}
