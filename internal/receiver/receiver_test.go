package receiver_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
)

// TestWithheld: a delta of nokkeltall's history, re-issued after producer P reserved
// itself, holds none of P's figures. On a hand-made history — P's season and Q's in
// change 1 (NY), both changed in change 2 (ENDRET), P reserved since — the delta after 0
// leaves P's NY row out (the receiver never had it), the delta after 1 sends P's ENDRET
// as SLETTET with its key alone (the receiver holds P's values of change 1), and Q's rows
// go as they are; a full export leaves P out.
func TestWithheld(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, ":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Exec(ctx, `
		INSERT INTO ops.change_log VALUES
			(1, 'nokkeltall', 'P|V|2025', 'NY', TIMESTAMPTZ '2027-01-04 03:30:00+00', 1),
			(2, 'nokkeltall', 'Q|V|2025', 'NY', TIMESTAMPTZ '2027-01-04 03:30:00+00', 1),
			(3, 'nokkeltall', 'P|V|2025', 'ENDRET', TIMESTAMPTZ '2027-01-05 03:30:00+00', 2),
			(4, 'nokkeltall', 'Q|V|2025', 'ENDRET', TIMESTAMPTZ '2027-01-05 03:30:00+00', 2);
		INSERT INTO rcv.nokkeltall BY NAME
			SELECT * FROM (VALUES
				('P|V|2025', 'P', 'V', 2025, 100, 1, 3),
				('Q|V|2025', 'Q', 'V', 2025, 200, 2, 4),
				('P|V|2025', 'P', 'V', 2025, 101, 3, NULL),
				('Q|V|2025', 'Q', 'V', 2025, 201, 4, NULL))
			t(rkey, produsentnr, vet_id, sesong, antall_lam, chg_von, chg_bis)
			CROSS JOIN (SELECT TIMESTAMPTZ '2027-01-04 03:30:00+00' AS sys_von, 1 AS von_run);
		INSERT INTO model.reservation_state VALUES ('P', true, TIMESTAMPTZ '2027-01-06 10:00:00+00'), ('Q', false, TIMESTAMPTZ '2027-01-06 10:00:00+00')`); err != nil {
		t.Fatal(err)
	}
	r, _ := receiver.Lookup("nokkeltall")
	read := func(rows *receiver.Rows, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			v := rows.Values()
			out = append(out, fmt.Sprint(v[0], " ", v[1], " ", v[3], " ", v[6])) // endringsnr, operasjon, produsentnr, antall_lam
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return strings.Join(out, "; ")
	}
	tests := []struct {
		name string
		got  func() string
		want string
	}{
		{"delta after 0", func() string { return read(receiver.Delta(ctx, c, r, 0, 4)) }, "4 NY Q 201"},
		{"delta after 1 (the receiver has P's first values)", func() string { return read(receiver.Delta(ctx, c, r, 1, 4)) }, "3 SLETTET P <nil>; 4 NY Q 201"},
		{"delta after 2 (it has both keys' first values)", func() string { return read(receiver.Delta(ctx, c, r, 2, 4)) }, "3 SLETTET P <nil>; 4 ENDRET Q 201"},
		{"full", func() string { return read(receiver.Full(ctx, c, r, 4)) }, "4 NY Q 201"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.got(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
