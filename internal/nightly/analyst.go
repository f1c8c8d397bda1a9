package nightly

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/dvpsau/vpsau/internal/store"
)

// AnalystCopy describes the copy of the database published for analysts after each
// successful run.
type AnalystCopy struct {
	Path string // the copy's file; empty = no copy
	// Pseudonymise replaces names, phone numbers and e-mail addresses in the copy with
	// stable pseudonyms (a keyed hash with Salt; a random salt per copy when Salt is empty).
	Pseudonymise bool
	Salt         string

	// fail, for tests, is a failure once the copy's data are written and before its
	// rename: a disk that fills as the copy is finished.
	fail func() error
}

// pseudonymised lists the columns that identify persons, per table.
var pseudonymised = []struct{ table, column, prefix string }{
	{"src.producer", "navn", "navn-"}, {"src.producer", "telefon", "tlf-"}, {"src.producer", "epost", "epost-"},
	{"src.vet", "navn", "navn-"}, {"src.vet", "telefon", "tlf-"}, {"src.vet", "epost", "epost-"},
	{"model.notification", "adresse", "adr-"}, {"rcv.varsler", "adresse", "adr-"},
}

// PublishAnalystCopy writes a checkpointed, WAL-free copy of the whole database to a.Path
// by one rename (store.CopyTo). An analyst who has the previous copy open keeps reading it
// undisturbed; the next open sees the new one.
//
// The copy is the database file's bytes — a file copy, where COPY FROM DATABASE would
// compress every table again — unless those bytes may hold what an analyst must not see
// in the file's freed blocks: the real names a pseudonymised copy replaces, or values
// erased since the file was last compacted (ops.erasure.compacted). Then it is made with
// SQL (store.CopyOptions.Clean); byBytes says which.
func PublishAnalystCopy(ctx context.Context, c *store.Conn, a AnalystCopy, now time.Time) (byBytes bool, err error) {
	if a.Path == "" {
		return false, nil
	}
	var uncompacted int64
	if err := c.QueryRow(ctx, `SELECT count(*) FROM ops.erasure WHERE compacted IS NULL`).Scan(&uncompacted); err != nil {
		return false, fmt.Errorf("analyst copy: %w", err)
	}
	opt := store.CopyOptions{Clean: a.Pseudonymise || uncompacted > 0}
	opt.Edit = func(copy string) error {
		if a.Pseudonymise {
			salt := a.Salt
			if salt == "" {
				b := make([]byte, 16)
				rand.Read(b)
				salt = hex.EncodeToString(b)
			}
			for _, p := range pseudonymised {
				q := fmt.Sprintf(`UPDATE %s.%s SET %s = ? || left(sha256(? || %s), 12) WHERE %s IS NOT NULL`, copy, p.table, p.column, p.column, p.column)
				if err := c.Exec(ctx, q, p.prefix, salt); err != nil {
					return err
				}
			}
			// A rejected name, phone or e-mail is still the person's: the rejects hold it
			// as the value that failed.
			if err := c.Exec(ctx, `UPDATE `+copy+`.ops.reject SET value = 'avvist-' || left(sha256(? || value), 12)
				WHERE entity IN ('producers', 'vets') AND field IN ('navn', 'telefon', 'epost') AND value IS NOT NULL`, salt); err != nil {
				return err
			}
		}
		// The copy is made once everything else has succeeded: the run it comes from is
		// recorded there as succeeded.
		if err := c.Exec(ctx, `UPDATE `+copy+`.ops.run SET status = 'succeeded', finished = ? WHERE status = 'running'
			AND run_id = (SELECT max(run_id) FROM `+copy+`.ops.run)`, now); err != nil {
			return err
		}
		if err := c.Exec(ctx, `CREATE OR REPLACE TABLE `+copy+`.ops.copy_info AS SELECT ?::TIMESTAMPTZ AS copied, ?::BOOLEAN AS pseudonymised,
			(SELECT max(run_id) FROM `+copy+`.ops.run) AS last_run`, now, a.Pseudonymise); err != nil {
			return err
		}
		if err := c.Exec(ctx, `COMMENT ON TABLE `+copy+`.ops.copy_info IS 'When this analyst copy was made, from which run, and whether names, phones and e-mails are pseudonymised.'`); err != nil {
			return err
		}
		if a.fail != nil {
			return a.fail()
		}
		return nil
	}
	if byBytes, err = store.CopyTo(ctx, c, a.Path, opt); err != nil {
		return false, fmt.Errorf("analyst copy: %w", err)
	}
	return byBytes, nil
}
