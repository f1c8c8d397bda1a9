package main

import (
	"context"
	"fmt"
	"time"

	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/store"
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
	d, err := openReadOnly(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	err = printTable(ctx, e, d, "Recent runs:", `SELECT run_id, trigger, business_date, started, status,
		round(epoch(finished - started), 1) AS seconds, coalesce(error, '') AS error
		FROM ops.run ORDER BY run_id DESC LIMIT ?`, *n)
	if err != nil {
		return err
	}
	err = printTable(ctx, e, d, "\nReceivers:", `WITH r AS (SELECT unnest(?::VARCHAR[]) AS receiver),
		wm AS (SELECT receiver, arg_max(endringsnr, confirmed) AS watermark, max(confirmed) AS confirmed FROM ops.watermark GROUP BY receiver),
		ex AS (SELECT receiver, arg_max(export_id, created) AS last_export, max(til_endringsnr) AS exported_to FROM ops.export GROUP BY receiver)
		SELECT r.receiver, coalesce(wm.watermark, 0) AS watermark, wm.confirmed,
		       (SELECT count(*) FROM ops.change_log l WHERE l.receiver = r.receiver AND l.endringsnr > coalesce(wm.watermark, 0)) AS unconfirmed_changes,
		       ex.last_export, ex.exported_to
		FROM r LEFT JOIN wm USING (receiver) LEFT JOIN ex USING (receiver) ORDER BY r.receiver`, receiver.Names())
	if err != nil {
		return err
	}
	return apiStatus(ctx, e, d)
}

// printTable prints a title line and a query's result as an aligned table.
func printTable(ctx context.Context, e env, d *store.DB, title, query string, args ...any) error {
	fmt.Fprintln(e.stdout, title)
	rows, err := d.SQL().QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	return printRows(e.stdout, rows, "table")
}

// apiStatus summarises the download API's last 7 days per receiver and token, and the
// tokens that expire within 14 days.
func apiStatus(ctx context.Context, e env, d *store.DB) error {
	since := e.now().Add(-7 * 24 * time.Hour)
	err := printTable(ctx, e, d, "\nAPI requests, last 7 days (ops.api_request):", `SELECT coalesce(receiver, '') AS receiver, coalesce(token_name, '') AS token,
		       count(*) AS requests, count(*) FILTER (status BETWEEN 200 AND 399) AS ok,
		       count(*) FILTER (status IN (401, 403)) AS refused, count(*) FILTER (status = 429) AS limited,
		       count(*) FILTER (status >= 500) AS failed, sum(bytes) AS bytes, max(time) AS last
		FROM ops.api_request WHERE time >= ? GROUP BY ALL ORDER BY receiver, token`, since)
	if err != nil {
		return err
	}
	return printTable(ctx, e, d, "\nAPI tokens expiring within 14 days:", `SELECT receiver, name, token_id, expires FROM ops.api_token
		WHERE revoked IS NULL AND expires > ? AND expires <= ? AND replaced_by IS NULL ORDER BY expires`, e.now(), e.now().Add(14*24*time.Hour))
}
