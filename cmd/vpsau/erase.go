package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/dvpsau/vpsau/internal/nightly"
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

// rejectEntity is the entity (ops.reject.entity) whose rejected rows carry the person's
// name, phone and e-mail.
var rejectEntity = map[string]string{"produsentnr": "producers", "vet_id": "vets"}

func eraseCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "erase", "(--produsentnr N | --vet-id N) --reason TEXT [--config FILE] [--db FILE] [--out DIR]")
	cf := commonFlags(fs, true)
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
	var (
		total, unkeyed int64
		notThere       []string // runs whose rejects file is not under cfg.Out
	)
	err = withLockedDB(ctx, e, cfg, func(d *store.DB) error {
		var err error
		var runs []int64
		if total, runs, err = erase(ctx, d, kind, id, *reason, e.now()); err != nil {
			return err
		}
		// The rejects files of the runs that rejected the person's rows are written again
		// from the erased rows.
		c, err := d.Conn(ctx)
		if err != nil {
			return err
		}
		for _, run := range runs {
			found, err := nightly.RewriteRejects(ctx, c, cfg.Out, run)
			if err != nil {
				c.Close()
				return fmt.Errorf("%s %s: erased in %d stored versions, but the rejects file of run %d still holds them: %w (run the erase again)", kind, id, total, run, err)
			}
			if !found {
				notThere = append(notThere, fmt.Sprint(run))
			}
		}
		// Rejected values that name no one: rejected before the key was kept (migration
		// 027), or with a key that could not be read.
		err = c.QueryRow(ctx, `SELECT count(*) FROM ops.reject WHERE entity = ? AND rkey IS NULL
			AND field IN ('navn', 'telefon', 'epost') AND value IS NOT NULL AND value <> '(slettet)'`, rejectEntity[kind]).Scan(&unkeyed)
		c.Close()
		if err != nil {
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
	fmt.Fprintf(e.stdout, "%s %s: name, phone and e-mail erased in %d stored versions (rejected values too), and the database file rewritten without them; statuses and deadlines are kept. "+
		"The sources still hold them: ask them to erase too, or the next run loads them again. Raw payloads keep them until they expire (raw_keep_days).\n",
		kind, id, total)
	if len(notThere) > 0 {
		fmt.Fprintf(e.stderr, "warning: the rejects files of run %s are not in %s: they still hold the values; erase again with --out where those runs wrote them\n",
			strings.Join(notThere, ", "), filepath.Join(cfg.Out, "rejects"))
	}
	if unkeyed > 0 {
		fmt.Fprintf(e.stderr, "warning: %d rejected names, phones or e-mails of %s rows name no one (rejected before migration 027 kept their key, or their key could not be read): erase cannot tell whose they are, and ops.reject and the rejects files keep them\n",
			unkeyed, rejectEntity[kind])
	}
	return nil
}

// erase replaces the person's identifying columns in every stored version and records the
// erasure, in one transaction; it returns how many versions changed.
func erase(ctx context.Context, d *store.DB, kind, id, reason string, now time.Time) (total int64, runs []int64, err error) {
	c, err := d.Conn(ctx)
	if err != nil {
		return 0, nil, err
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
		// The values of the person's rejected rows: a malformed phone number is still
		// theirs. Found by the row's key (ops.reject.rkey, kept since migration 027).
		const theirs = `entity = ? AND rkey = ? AND field IN ('navn', 'telefon', 'epost') AND value IS NOT NULL`
		rows, err := c.Query(ctx, `SELECT DISTINCT run_id FROM ops.reject WHERE `+theirs+` ORDER BY run_id`, rejectEntity[kind], id)
		if err != nil {
			return fmt.Errorf("erase ops.reject: %w", err)
		}
		for rows.Next() {
			var r int64
			if err := rows.Scan(&r); err != nil {
				rows.Close()
				return err
			}
			runs = append(runs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil { // a run missed would keep its rejects file unerased
			return fmt.Errorf("erase ops.reject: %w", err)
		}
		n, err := c.ExecCount(ctx, `UPDATE ops.reject SET value = '(slettet)' WHERE `+theirs, rejectEntity[kind], id)
		if err != nil {
			return fmt.Errorf("erase ops.reject: %w", err)
		}
		total += n
		return c.Exec(ctx, `INSERT INTO ops.erasure (erased, subject_kind, subject, reason, versions) VALUES (?, ?, ?, ?, ?)`,
			now, kind, id, reason, total)
	})
	return total, runs, err
}
