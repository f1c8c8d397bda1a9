{{/*
  Historisation of one keyed snapshot (see internal/history). Identifiers come from the
  project's own specs and are checked before rendering; values are bound: $1 = the run's
  system time, $2 = the run id, $3 = the receiver (receivers only).

  Stage: a table or view with rkey (unique), the compared columns, the Extra columns copied as they
  are and, for a landed snapshot (Source), _pay and _line, of which src_ref is made with the
  payload's name from Payloads (_pay, _file) — a left join: a row whose payload went missing
  fails on src_ref NOT NULL instead of being left out.
  Keep: rkeys whose rows were rejected this time (they keep their last version), and with
  KeepPatterns LIKE patterns (escape \) of the rkeys rejected rows whose key could not be read
  may have; KeepAll: such a row could be any key, so nothing is deleted.
  Scope: which current versions this snapshot replaces (e.g. the subsidy years delivered).
  Steps: diff; for receivers number and log; close (only when something changed or went);
  insert, or insert_all when every staged row is new (a source's first night).
*/}}
{{define "diff"}}
CREATE OR REPLACE TEMP TABLE _diff AS
{{- if and .KeepPatterns (not .KeepAll)}}
-- The keys that would go, first (a night's few), and only they are matched against the
-- patterns: a LIKE anti-join is a nested loop.
WITH gone AS MATERIALIZED (
    SELECT t.rkey
    FROM {{.Target}} t
    WHERE t.sys_bis IS NULL{{if .Scope}} AND ({{.Scope}}){{end}}
      AND NOT EXISTS (SELECT 1 FROM {{.Stage}} s WHERE s.rkey = t.rkey)
      AND NOT EXISTS (SELECT 1 FROM {{.Keep}} k WHERE k.rkey = t.rkey)
)
{{- end}}
SELECT s.rkey, CASE WHEN t.rkey IS NULL THEN 'NY' ELSE 'ENDRET' END AS op
FROM {{.Stage}} s
LEFT JOIN (SELECT * FROM {{.Target}} WHERE sys_bis IS NULL) t ON t.rkey = s.rkey
WHERE t.rkey IS NULL OR NOT ({{range $i, $c := .Cols}}{{if $i}} AND {{end}}s.{{$c}} IS NOT DISTINCT FROM t.{{$c}}{{end}})
UNION ALL
{{- if and .KeepPatterns (not .KeepAll)}}
SELECT g.rkey, 'SLETTET' AS op
FROM gone g
WHERE NOT EXISTS (SELECT 1 FROM {{.Keep}} k WHERE k.pattern IS NOT NULL AND g.rkey LIKE k.pattern ESCAPE '\')
{{- else}}
SELECT t.rkey, 'SLETTET' AS op
FROM {{.Target}} t
WHERE t.sys_bis IS NULL{{if .Scope}} AND ({{.Scope}}){{end}}
  AND NOT EXISTS (SELECT 1 FROM {{.Stage}} s WHERE s.rkey = t.rkey)
{{- if .Keep}}
  AND NOT EXISTS (SELECT 1 FROM {{.Keep}} k WHERE k.rkey = t.rkey)
{{- end}}
{{- if .KeepAll}}
  AND FALSE
{{- end}}
{{- end}}
{{end}}

{{define "number"}}
CREATE OR REPLACE TEMP TABLE _num AS
SELECT rkey, op,
       (SELECT coalesce(max(endringsnr), 0) FROM ops.change_log) + row_number() OVER (ORDER BY rkey) AS nr
FROM _diff
{{end}}

{{define "log"}}
INSERT INTO ops.change_log (endringsnr, receiver, rkey, operasjon, endret_tid, run_id)
SELECT nr, $3, rkey, op, $1, $2 FROM _num
{{end}}

{{define "close"}}
UPDATE {{.Target}} AS t
SET sys_bis = $1, bis_run = $2{{if .Receiver}}, chg_bis = d.nr{{end}}
FROM {{if .Receiver}}_num{{else}}_diff{{end}} d
WHERE t.rkey = d.rkey AND t.sys_bis IS NULL AND d.op <> 'NY'
{{end}}

{{define "insert"}}
INSERT INTO {{.Target}} BY NAME
SELECT s.rkey{{range .Cols}}, s.{{.}}{{end}}{{range .Extra}}, s.{{.}}{{end}}{{if .Source}}, '{{.Source}}' AS src_system, p._file || ':' || s._line AS src_ref{{end}}, $1 AS sys_von, $2 AS von_run{{if .Receiver}}, d.nr AS chg_von{{end}}
FROM {{.Stage}} s
JOIN {{if .Receiver}}_num{{else}}_diff{{end}} d ON d.rkey = s.rkey
{{- if .Source}}
LEFT JOIN {{.Payloads}} p ON p._pay = s._pay
{{- end}}
WHERE d.op <> 'SLETTET'
{{end}}

{{define "insert_all"}}
INSERT INTO {{.Target}} BY NAME
SELECT s.rkey{{range .Cols}}, s.{{.}}{{end}}{{range .Extra}}, s.{{.}}{{end}}{{if .Source}}, '{{.Source}}' AS src_system, p._file || ':' || s._line AS src_ref{{end}}, $1 AS sys_von, $2 AS von_run
FROM {{.Stage}} s
{{- if .Source}}
LEFT JOIN {{.Payloads}} p ON p._pay = s._pay
{{- end}}
{{end}}
