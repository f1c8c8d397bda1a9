package main

import (
	"context"
	"fmt"
	"strings"

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
	err = withLockedConn(ctx, e, cfg, func(c *store.Conn) error {
		return c.InTx(ctx, func() error {
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
				e.now(), kind, id, *reason, total)
		})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s %s: name, phone and e-mail erased in %d stored versions; statuses and deadlines are kept. "+
		"The sources still hold them: ask them to erase too, or the next run loads them again. Raw payloads keep them until they expire (raw_keep_days).\n",
		kind, id, total)
	return nil
}
