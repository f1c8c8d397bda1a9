// Package store owns the DuckDB database file: it opens it, applies the embedded
// migrations, and hands out connections with transactions and bulk appenders. It is the
// only package that imports the DuckDB driver.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"

	sqlfiles "github.com/dvpsau/vpsau/sql"
)

// Options tune how the database is opened.
type Options struct {
	ReadOnly    bool
	Bare        bool   // apply no migrations (for the benchmarks' bare-DuckDB floors)
	MemoryLimit string // DuckDB memory_limit, e.g. "4GB"; empty = DuckDB's default
	Threads     int    // 0 = DuckDB's default
	TempDir     string // spill folder; empty = DuckDB's default (beside the file)
}

// DB is an open database file.
type DB struct {
	sql  *sql.DB
	path string

	// file is the database file opened for reading by byteCopy and kept open until Close:
	// closing any descriptor of a file drops every POSIX (fcntl) lock the process holds on
	// it, DuckDB's lock on the database included — another process could then open the
	// database beside this one.
	mu   sync.Mutex
	file *os.File
}

// Open opens (creating if needed) the database at path and brings its schema up to date.
// An empty path or ":memory:" opens an in-memory database.
func Open(ctx context.Context, file string, opts Options) (*DB, error) {
	dsn := file
	if dsn == ":memory:" {
		dsn = ""
	}
	var params []string
	if opts.ReadOnly {
		params = append(params, "access_mode=READ_ONLY")
	}
	if opts.MemoryLimit != "" {
		params = append(params, "memory_limit="+opts.MemoryLimit)
	}
	if opts.Threads > 0 {
		params = append(params, "threads="+strconv.Itoa(opts.Threads))
	}
	if opts.TempDir != "" {
		params = append(params, "temp_directory="+opts.TempDir)
	}
	if len(params) > 0 {
		dsn += "?" + strings.Join(params, "&")
	}
	connector, err := duckdb.NewConnector(dsn, nil)
	if err != nil {
		return nil, busyError(file, err)
	}
	db := &DB{sql: sql.OpenDB(connector), path: file}
	if err := db.sql.PingContext(ctx); err != nil {
		db.sql.Close()
		return nil, busyError(file, err)
	}
	if !opts.ReadOnly && !opts.Bare {
		if err := db.migrate(ctx); err != nil {
			db.sql.Close()
			return nil, err
		}
	}
	return db, nil
}

// ErrBusy reports that another process has the database file open for writing.
var ErrBusy = errors.New("database is in use by another process")

// OpenWait opens like Open, but while another process holds the file (DuckDB allows one
// writing process per file) it retries every poll until wait has passed or ctx ends.
// busy, when not nil, is called once before the first wait.
func OpenWait(ctx context.Context, file string, opts Options, wait time.Duration, busy func()) (*DB, error) {
	deadline := time.Now().Add(wait)
	const poll = 500 * time.Millisecond
	for first := true; ; first = false {
		db, err := Open(ctx, file, opts)
		if err == nil || !errors.Is(err, ErrBusy) || time.Now().Add(poll).After(deadline) {
			return db, err
		}
		if first && busy != nil {
			busy()
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}

// busyError turns DuckDB's lock conflict into ErrBusy.
func busyError(file string, err error) error {
	if err != nil && strings.Contains(err.Error(), "Could not set lock on file") {
		return fmt.Errorf("open database %s: %w", file, ErrBusy)
	}
	return fmt.Errorf("open database %s: %w", file, err)
}

// Close closes the database; closing it again does nothing.
func (db *DB) Close() error {
	err := db.sql.Close()
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.file != nil {
		db.file.Close() // after DuckDB has let go of the file: no lock is left to drop
		db.file = nil
	}
	return err
}

// readFile returns the database file opened for reading, kept open until Close (see
// DB.file); path is the file DuckDB has open.
func (db *DB) readFile(path string) (*os.File, error) {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.file == nil {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		db.file = f
	}
	return db.file, nil
}

// errShrank reports a database file that ended before the size it had when its copy
// began: a checkpoint ran during the copy.
var errShrank = errors.New("the file shrank while it was copied")

// copyFile writes the whole database file at path, as it is now, to out, through the
// descriptor readFile keeps. The copy goes from the descriptor's offset, so that Go hands
// it to the kernel (copy_file_range: no pass through this process's memory, about half
// the time of a read and write loop, a shared extent where the file system can); db.mu
// keeps that offset to one copy at a time.
func (db *DB) copyFile(path string, out *os.File) error {
	f, err := db.readFile(path)
	if err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	n, err := out.ReadFrom(&io.LimitedReader{R: f, N: st.Size()})
	if err == nil && n != st.Size() {
		err = fmt.Errorf("copy of %s: %d of %d bytes: %w", path, n, st.Size(), errShrank)
	}
	return err
}

// Path returns the file the database was opened from.
func (db *DB) Path() string { return db.path }

// SQL returns the database/sql handle, for queries that need no connection state.
func (db *DB) SQL() *sql.DB { return db.sql }

// Conn returns a dedicated connection: temp tables, transactions and appenders live on it.
func (db *DB) Conn(ctx context.Context) (*Conn, error) {
	c, err := db.sql.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	return &Conn{c: c, db: db}, nil
}

// Migration is one applied schema migration.
type Migration struct {
	Version int
	Name    string
}

// migrate applies the embedded migrations in lexical order, each in its own transaction,
// and records each in ops.schema_migration. Migrations are forward-only. Once it has
// applied any, it checkpoints: the DDL is then in the database file, not only in the
// write-ahead log, so a process that dies right after never leaves DDL to replay.
//
// ops.schema_migration has no DEFAULT now() (any more): DuckDB 1.5 cannot replay a
// write-ahead log holding COMMENT ON COLUMN of a table with a function default
// ("Calling DatabaseManager::GetDefaultDatabase with no default database set"), and
// migration 020 comments on its columns — a new database whose first run was killed
// before its first checkpoint could never be opened again.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS ops;
		CREATE TABLE IF NOT EXISTS ops.schema_migration (
			version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied TIMESTAMPTZ NOT NULL)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var withDefault bool
	if err := conn.QueryRow(ctx, `SELECT count(*) > 0 FROM duckdb_columns() WHERE database_name = current_database()
		AND schema_name = 'ops' AND table_name = 'schema_migration' AND column_name = 'applied' AND column_default IS NOT NULL`).Scan(&withDefault); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if withDefault { // a database made before the default went
		if err := conn.Exec(ctx, `ALTER TABLE ops.schema_migration ALTER COLUMN applied DROP DEFAULT; CHECKPOINT`); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	applied := map[int]bool{}
	rows, err := conn.c.QueryContext(ctx, `SELECT version FROM ops.schema_migration`)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("migrate: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	migs, err := Migrations()
	if err != nil {
		return err
	}
	done := 0
	for _, m := range migs {
		if applied[m.Version] {
			continue
		}
		done++
		body, err := fs.ReadFile(sqlfiles.FS, "migrations/"+m.Name)
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
		err = conn.InTx(ctx, func() error {
			if err := conn.Exec(ctx, string(body)); err != nil {
				return err
			}
			return conn.Exec(ctx, `INSERT INTO ops.schema_migration (version, name, applied) VALUES (?, ?, now())`, m.Version, m.Name)
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
	}
	if done > 0 && db.path != "" && db.path != ":memory:" {
		if err := conn.Exec(ctx, `CHECKPOINT`); err != nil {
			return fmt.Errorf("migrate: checkpoint: %w", err)
		}
	}
	return nil
}

// Migrations lists the embedded migrations in the order they apply.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(sqlfiles.FS, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if path.Ext(name) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number and _", name)
		}
		out = append(out, Migration{Version: v, Name: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s share a number", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Conn is one connection to the database.
type Conn struct {
	c  *sql.Conn
	db *DB
}

// Close returns the connection to the pool.
func (c *Conn) Close() error { return c.c.Close() }

// Exec runs statements with bound parameters.
func (c *Conn) Exec(ctx context.Context, query string, args ...any) error {
	_, err := c.c.ExecContext(ctx, query, args...)
	return err
}

// ExecCount runs one statement and returns the number of rows it affected.
func (c *Conn) ExecCount(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.c.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Query runs a query.
func (c *Conn) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.c.QueryContext(ctx, query, args...)
}

// QueryRow runs a query expected to return at most one row.
func (c *Conn) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return c.c.QueryRowContext(ctx, query, args...)
}

// InTx runs fn inside a transaction on this connection: committed if fn returns nil,
// rolled back otherwise (and on panic).
func (c *Conn) InTx(ctx context.Context, fn func() error) (err error) {
	if err := c.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
			panic(p)
		}
		var ended *txEnded
		if err != nil && !errors.As(err, &ended) {
			if rbErr := c.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rbErr != nil {
				err = errors.Join(err, fmt.Errorf("rollback: %w", rbErr))
			}
		}
	}()
	if err := fn(); err != nil {
		return err
	}
	if err := c.Exec(ctx, "COMMIT"); err != nil {
		// A failed COMMIT (a full disk under the write-ahead log) has mostly ended the
		// transaction already; end it if not, and say only why the commit failed (not
		// "cannot rollback - no transaction is active" after it).
		c.Exec(context.WithoutCancel(ctx), "ROLLBACK")
		return &txEnded{fmt.Errorf("commit: %w", err)}
	}
	return nil
}

// txEnded is an error after which no transaction is left to roll back.
type txEnded struct{ err error }

func (e *txEnded) Error() string { return e.err.Error() }
func (e *txEnded) Unwrap() error { return e.err }

// Appender appends rows to one table in bulk (DuckDB's appender: columnar chunks, no
// per-row statements). Values: nil, string, int64, float64, bool, time.Time.
type Appender struct {
	a    *duckdb.Appender
	vals []driver.Value
}

// AppendRow appends one row; the values are copied.
func (a *Appender) AppendRow(values ...any) error {
	a.vals = a.vals[:0]
	for _, v := range values {
		a.vals = append(a.vals, v)
	}
	return a.a.AppendRow(a.vals...)
}

// Append opens an appender on schema.table (schema "temp" for the connection's temp
// tables), hands it to fn and flushes it. It takes part in the connection's open
// transaction, if any.
func (c *Conn) Append(ctx context.Context, schema, table string, fn func(*Appender) error) error {
	catalog := ""
	if schema == "temp" {
		catalog, schema = "temp", "main"
	}
	return c.c.Raw(func(dc any) error {
		dconn, ok := dc.(driver.Conn)
		if !ok {
			return fmt.Errorf("append %s.%s: unexpected driver connection %T", schema, table, dc)
		}
		a, err := duckdb.NewAppender(dconn, catalog, schema, table)
		if err != nil {
			return fmt.Errorf("append %s.%s: %w", schema, table, err)
		}
		if err := fn(&Appender{a: a}); err != nil {
			a.Close()
			return err
		}
		if err := a.Close(); err != nil {
			return fmt.Errorf("append %s.%s: %w", schema, table, err)
		}
		return nil
	})
}
