{{/*
  Receivers' exports from history (see internal/receiver). $1 = receiver, $2 = from
  (exclusive), $3 = to (inclusive) change numbers; for "full" $1 = to.

  delta: one row per key with a change in ($2, $3], with its state at $3: NY if the key did
  not exist at $2, ENDRET if it did, SLETTET if it does not exist at $3 (it existed at $2 or
  at some point after). A key whose columns at $3 are back to those at $2 is in it too, as
  ENDRET: a receiver that applied an export from within the range, without confirming it,
  holds the in-between values, and an overlapping delta must set it right. endringsnr and
  endret_tid are the key's last change up to $3; a SLETTET row carries the values the key
  last had (a receiver with DeleteByKey: its key alone, the other columns NULL).
  Withheld: rows that must not leave now, whatever the state exported (a reserved
  producer's key figures), for a DeleteByKey receiver: a NY row is left out (the receiver
  did not have the key at $2), an ENDRET row goes as SLETTET with its key alone (it had
  the key's values of $2, which may not stay either), a SLETTET row goes as it is.
*/}}
{{define "delta"}}
WITH changed AS (
    SELECT rkey, max(endringsnr) AS endringsnr, arg_max(endret_tid, endringsnr) AS endret_tid
    FROM ops.change_log
    WHERE receiver = $1 AND endringsnr > $2 AND endringsnr <= $3
    GROUP BY rkey
),
-- Only versions alive at $2 or later matter (valid at $2, valid at $3, or ended by a change
-- after $2): versions that ended at or before $2 are left out before the join.
versions AS (
    SELECT t.* FROM {{.Table}} t SEMI JOIN changed c ON c.rkey = t.rkey
    WHERE t.chg_von <= $3 AND (t.chg_bis IS NULL OR t.chg_bis > $2)
),
at_to AS (SELECT * FROM versions WHERE chg_bis IS NULL OR chg_bis > $3),
at_from AS (SELECT * FROM versions WHERE chg_von <= $2 AND (chg_bis IS NULL OR chg_bis > $2))
-- A key that does not exist at $3 was last changed by the SLETTET that ended its last
-- version, so that version is the one whose chg_bis is the key's last change.
, delta AS (
SELECT c.endringsnr,
       CASE WHEN n.rkey IS NULL THEN 'SLETTET' WHEN o.rkey IS NULL THEN 'NY' ELSE 'ENDRET' END AS operasjon,
       c.endret_tid{{range .Cols}},
       CASE WHEN n.rkey IS NULL THEN {{index $.Gone .}} ELSE n.{{.}} END AS {{.}}{{end}}
FROM changed c
LEFT JOIN at_to n ON n.rkey = c.rkey
LEFT JOIN at_from o ON o.rkey = c.rkey
LEFT JOIN versions g ON g.rkey = c.rkey AND g.chg_bis = c.endringsnr
)
{{- if .Withheld}}
, marked AS (SELECT *, ({{.Withheld}}) AS _withheld FROM delta)
SELECT endringsnr, CASE WHEN _withheld THEN 'SLETTET' ELSE operasjon END AS operasjon, endret_tid
       {{- range .Cols}}, {{if eq (index $.Gone .) "NULL"}}CASE WHEN _withheld THEN NULL ELSE {{.}} END AS {{.}}{{else}}{{.}}{{end}}{{end}}
FROM marked
WHERE NOT (_withheld AND operasjon = 'NY')
{{- else}}
SELECT * FROM delta
{{- end}}
ORDER BY {{range $i, $c := .Key}}{{if $i}}, {{end}}{{$c}}{{end}}
{{end}}

{{define "full"}}
SELECT t.chg_von AS endringsnr, 'NY' AS operasjon, cl.endret_tid{{range .Cols}}, t.{{.}}{{end}}
FROM {{.Table}} t
JOIN ops.change_log cl ON cl.endringsnr = t.chg_von
WHERE t.chg_von <= $1 AND (t.chg_bis IS NULL OR t.chg_bis > $1)
{{- if .Withheld}}
  AND NOT ({{.Withheld}})
{{- end}}
ORDER BY {{range $i, $c := .Key}}{{if $i}}, {{end}}t.{{$c}}{{end}}
{{end}}
