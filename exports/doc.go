// Package exports writes the receivers' nightly exports: one folder per
// export, <out>/<receiver>/<export id>/, holding the data files and a
// manifest.json, made visible by a single atomic rename.
//
// # Two phases
//
// [Stage] streams the rows once and writes every requested file into a hidden
// temporary folder next to the final one (<out>/<receiver>/.tmp-<id>-<random>),
// fsyncs each file, writes manifest.json last and fsyncs the folder.
// [Staged.Publish] renames that folder to <out>/<receiver>/<id> and fsyncs the
// receiver folder; it never replaces or touches an existing export.
// [Staged.Discard] removes the temporary folder. The caller stages every
// receiver's export first and publishes only when all of them staged, so a
// failed night publishes nothing. A crash between the phases leaves only
// .tmp-* folders, which [List] ignores and [Sweep] removes.
//
// # Files
//
// The data files are named after the receiver: <receiver>.csv and
// <receiver>.xlsx. An export holds at most one file per format. Every file has
// one header row with the column names, then one row per change; the first
// three columns are always endringsnr, operasjon (NY, ENDRET, SLETTET) and
// endret_tid.
//
// # Values
//
// Every column has a [Kind] that decides how its values are written, the
// same way in every file:
//
//   - Text: as is, except that a value beginning with '=', '+', '-', '@', a tab
//     or a carriage return gets a single quote (') in front, so that no
//     spreadsheet ever evaluates it as a formula. The rule is applied in CSV
//     and XLSX alike and is not reversible; identifiers, codes, phone numbers
//     and e-mail addresses therefore belong in ID columns, which are never
//     altered. A bool is written ja/nei.
//   - ID: always text, even when it looks like a number (0301, 3000000001).
//   - Int: plain digits; in XLSX a numeric cell (Excel holds whole numbers
//     exactly up to 2^53).
//   - Decimal: the shortest representation that reads back to the same
//     float64 (strconv 'f', -1), with '.' or ',' as the dialect says; in XLSX
//     a numeric cell (Excel keeps 15 significant digits).
//   - Date: YYYY-MM-DD, the civil date of the time.Time in its own location;
//     in XLSX a date cell with the number format yyyy-mm-dd.
//   - Timestamp: RFC 3339 in UTC, with sub-second digits only when present
//     (time.RFC3339Nano on t.UTC()); in XLSX a text cell with the same text,
//     since Excel has neither time zones nor nanoseconds.
//   - nil is an empty field (CSV) or no cell at all (XLSX).
//
// # CSV dialects
//
// Fields are quoted as RFC 4180 says: only a field that contains the
// delimiter, a double quote, CR or LF is quoted, and its quotes are doubled.
// [Machine] is ',' with '.' decimals, no BOM and LF line endings: RFC 4180
// names CRLF, but every machine reader accepts LF, the receivers' programs and
// the project's own expected files use LF, and line-based tools work on it
// unchanged; a receiver that insists on CRLF gets a dialect with CRLF set.
// [Excel] is what a Norwegian Excel opens by double click: UTF-8 BOM, ';',
// decimal comma, CRLF. Every file ends with a line ending.
//
// # XLSX
//
// One workbook written through excelize's StreamWriter: typed cells, a bold
// and frozen header row on every sheet, and a new sheet when a sheet holds
// [XLSXOptions.MaxRowsPerSheet] data rows (default 1,048,575, Excel's limit
// with the header); the sheets are named <receiver>, <receiver>_2, … Memory
// stays bounded whatever the row count: excelize spills each sheet to a
// temporary file past 16 MiB, and the zip is written to disk, never held in
// memory (a sheet under 16 MiB stays in memory until the workbook is written,
// so only a tiny MaxRowsPerSheet over very many rows costs memory). Spill
// files live in the export's temporary folder (same disk as the export, never
// a tmpfs) and are gone before the manifest is written. Text longer than
// Excel's 32,767 characters fails the export instead of being cut.
//
// The bytes are deterministic: the same export gives the same SHA-256 every
// time. excelize writes the sheets in map order and would hold the whole zip
// in memory, so the package gives excelize its own zip writer, which
// compresses each part into a spool file and then writes the parts in name
// order, every entry stamped with the business date at 00:00 UTC; the
// document properties (created, modified) carry the same instant.
//
// # Manifest
//
// manifest.json holds the receiver, export id, whether the export is full, the
// change range (endringsnr fra/til), the business date, when it was created,
// the columns with their kinds, the row counts per operation and in total,
// one entry per file (name, format, CSV dialect, sheets, size, lowercase hex
// SHA-256, rows), the previous manifest's SHA-256 and optional extra fields.
// It is indented by two spaces, ends with a newline and keeps its field order;
// its own SHA-256 ([Staged.ManifestSHA256]) goes into the receiver's next
// manifest, chaining the exports. [ReadManifest] reads it back and [Verify]
// checks a folder against it.
package exports
