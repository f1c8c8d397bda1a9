// Package sqlfiles embeds the project's SQL: numbered schema migrations, the programme's
// rules as models run in order, the receivers' SELECTs and the history templates.
package sqlfiles

import "embed"

// FS holds migrations/*.sql, models/*.sql, receivers/*.sql, history/*.sql and audits/*.sql.
//
//go:embed migrations/*.sql models/*.sql receivers/*.sql history/*.sql audits/*.sql
var FS embed.FS
