package main

import (
	"context"
	"fmt"

	"github.com/dvpsau/vpsau/internal/receiver"
)

func statusCmd(ctx context.Context, e env, args []string) error {
	fs := newFlags(e, "status", "[--db FILE] [--runs N]")
	cf := commonFlags(fs, false)
	n := fs.Int("runs", 10, "how many recent runs to show")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := cf.load(e)
	if err != nil {
		return err
	}
	d, err := openExisting(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	fmt.Fprintln(e.stdout, "Recent runs:")
	rows, err := d.SQL().QueryContext(ctx, `SELECT run_id, trigger, business_date, started, status,
		round(epoch(finished - started), 1) AS seconds, coalesce(error, '') AS error
		FROM ops.run ORDER BY run_id DESC LIMIT ?`, *n)
	if err != nil {
		return err
	}
	if err := printRows(e.stdout, rows, "table"); err != nil {
		rows.Close()
		return err
	}
	rows.Close()
	fmt.Fprintln(e.stdout, "\nReceivers:")
	rows, err = d.SQL().QueryContext(ctx, `WITH r AS (SELECT unnest(?::VARCHAR[]) AS receiver),
		wm AS (SELECT receiver, arg_max(endringsnr, confirmed) AS watermark, max(confirmed) AS confirmed FROM ops.watermark GROUP BY receiver),
		ex AS (SELECT receiver, arg_max(export_id, created) AS last_export, max(til_endringsnr) AS exported_to FROM ops.export GROUP BY receiver)
		SELECT r.receiver, coalesce(wm.watermark, 0) AS watermark, wm.confirmed,
		       (SELECT count(*) FROM ops.change_log l WHERE l.receiver = r.receiver AND l.endringsnr > coalesce(wm.watermark, 0)) AS unconfirmed_changes,
		       ex.last_export, ex.exported_to
		FROM r LEFT JOIN wm USING (receiver) LEFT JOIN ex USING (receiver) ORDER BY r.receiver`, receiver.Names())
	if err != nil {
		return err
	}
	defer rows.Close()
	return printRows(e.stdout, rows, "table")
}
