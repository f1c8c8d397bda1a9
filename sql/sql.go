// Package sqlfiles embeds the project's SQL: numbered schema migrations, the programme's
// rules as models run in order, the receivers' SELECTs, the history templates, the
// audits and the run report's queries.
package sqlfiles

import "embed"

// FS holds migrations/*.sql, models/*.sql, receivers/*.sql, history/*.sql, report/*.sql
// and audits/*.sql.
//
//go:embed migrations/*.sql models/*.sql receivers/*.sql history/*.sql report/*.sql audits/*.sql
var FS embed.FS
