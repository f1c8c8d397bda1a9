package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dvpsau/vpsau/internal/store"
)

// erased lists, per kind of person, the columns that identify the person and are erased
// in every stored version, and the key column that finds them.
var erased = map[string][]struct {
	table, key string
	cols       []string
}{
	"produsentnr": {
		{"src.producer", "produsentnr", []string{"navn", "telefon", "epost"}},
		{"model.notification", "produsentnr", []string{"adresse"}},
		{"rcv.varsler", "produsentnr", []string{"adresse"}},
	},
	"vet_id": {
		{"src.vet", "vet_id", []string{"navn", "telefon", "epost"}},
	},
}

func eraseCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "erase", "(--produsentnr N | --vet-id N) --reason TEXT [--config FILE] [--db FILE]")
	cf := commonFlags(fs, false)
	prod := fs.String("produsentnr", "", "the producer whose name, phone and e-mail are erased")
	vet := fs.String("vet-id", "", "the vet whose name, phone and e-mail are erased")
	reason := fs.String("reason", "", "why (kept in ops.erasure)")
	if err := parse(fs, args); err != nil {
		return err
	}
	kind, id := "produsentnr", *prod
	if *vet != "" {
		kind, id = "vet_id", *vet
	}
	if (*prod == "") == (*vet == "") || strings.TrimSpace(*reason) == "" {
		return usageError("give one of --produsentnr and --vet-id, and --reason")
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	var total int64
	err = withLockedDB(ctx, e, cfg, func(d *store.DB) error {
		var err error
		if total, err = erase(ctx, d, kind, id, *reason, e.now()); err != nil {
			return err
		}
		// The erased values are still in the file's freed blocks, and so in any byte copy
		// of it: the file is rewritten without them.
		err = store.Compact(ctx, d, func(c *store.Conn, catalog string) error {
			return c.Exec(ctx, `UPDATE `+catalog+`.ops.erasure SET compacted = ? WHERE compacted IS NULL`, e.now())
		})
		if err != nil {
			return fmt.Errorf("%s %s: erased in %d stored versions, but the database file still holds the old values in its free space: %w "+
				"(analyst copies are made with SQL until an erase compacts the file; run the erase again)", kind, id, total, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s: name, phone and e-mail erased in %d stored versions, and the database file rewritten without them; statuses and deadlines are kept. "+
		"The sources still hold them: ask them to erase too, or the next run loads them again. Raw payloads keep them until they expire (raw_keep_days).\n",
		kind, id, total)
	return nil
}

// erase replaces the person's identifying columns in every stored version and records the
// erasure, in one transaction; it returns how many versions changed.
func erase(ctx context.Context, d *store.DB, kind, id, reason string, now time.Time) (total int64, err error) {
	c, err := d.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	err = c.InTx(ctx, func() error {
		for _, t := range erased[kind] {
			var sets []string
			for _, col := range t.cols {
				sets = append(sets, col+" = CASE WHEN "+col+" IS NULL THEN NULL ELSE '(slettet)' END")
			}
			n, err := c.ExecCount(ctx, "UPDATE "+t.table+" SET "+strings.Join(sets, ", ")+" WHERE "+t.key+" = ?", id)
			if err != nil {
				return fmt.Errorf("erase %s: %w", t.table, err)
			}
			total += n
		}
		return c.Exec(ctx, `INSERT INTO ops.erasure (erased, subject_kind, subject, reason, versions) VALUES (?, ?, ?, ?, ?)`,
			now, kind, id, reason, total)
	})
	return total, err
}
