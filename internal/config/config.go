// Package config holds vpsau's settings: defaults for everything, optionally overridden by
// a TOML file and, for secrets, by environment variables. Every command runs on the
// defaults alone. Errors name the key that is wrong.
package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/internal/receiver"
	"github.com/dvpsau/vpsau/internal/rules"
	"github.com/dvpsau/vpsau/internal/schedule"
)

// Config is the whole configuration.
type Config struct {
	DB          string            `toml:"db"`            // database file
	Out         string            `toml:"out"`           // where exports and rejects are published
	RawDir      string            `toml:"raw_dir"`       // raw payloads; empty = <db>.raw
	RawKeepDays int               `toml:"raw_keep_days"` // raw payloads are kept this many days (90); 0 = forever
	Sources     map[string]Source `toml:"sources"`       // HTTP sources by system: dataflyt, slakt, didac, portal
	Rules       rules.Params      `toml:"rules"`
	Guard       Guard             `toml:"guard"`
	// Receivers overrides receivers' files, e.g. [receivers.dhp] files = ["csv:machine", "xlsx"].
	Receivers map[string]Receiver `toml:"receivers"`
	XLSX      XLSX                `toml:"xlsx"`
	DuckDB    DuckDB              `toml:"duckdb"`
	Serve     Serve               `toml:"serve"`
	Analyst   Analyst             `toml:"analyst"`
	// Fallback lets a run use a source system's last landed snapshot when fetching it
	// fails, if that snapshot is younger than the age given, e.g. [fallback] slakt = "36h".
	// A system not named fails the run when it is down.
	Fallback map[string]Duration `toml:"fallback"`
}

// Analyst configures the copy of the database published for analysts after each run.
type Analyst struct {
	Copy         string `toml:"copy"`         // the copy's file; default <db folder>/<db name>-analyst.duckdb; "-" = none
	Pseudonymise bool   `toml:"pseudonymise"` // replace names, phones and e-mails with pseudonyms in the copy
	Salt         string `toml:"salt"`         // key of the pseudonyms (better: VPSAU_ANALYST_SALT); empty = a new one per copy
}

// AnalystCopyPath returns the analyst copy's file ("" for none).
func (c Config) AnalystCopyPath() string {
	switch c.Analyst.Copy {
	case "-":
		return ""
	case "":
		ext := filepath.Ext(c.DB)
		return strings.TrimSuffix(c.DB, ext) + "-analyst" + ext
	}
	return c.Analyst.Copy
}

// Serve configures vpsau serve.
type Serve struct {
	Schedule string   `toml:"schedule"` // cron spec in Europe/Oslo time (default "30 4 * * *")
	Listen   string   `toml:"listen"`   // address of the HTTP API (default "127.0.0.1:8080")
	Grace    Duration `toml:"grace"`    // how long a run may finish after SIGTERM (default 10m)
	Inbox    string   `toml:"inbox"`    // a file-drop folder for scheduled runs; empty = the HTTP sources
	// The download API: TLS when both a certificate and its key are given (PEM files);
	// each token's requests are bounded by a token bucket of rate_per_minute, rate_burst.
	TLSCert       string `toml:"tls_cert"`
	TLSKey        string `toml:"tls_key"`
	RatePerMinute int    `toml:"rate_per_minute"` // default 600
	RateBurst     int    `toml:"rate_burst"`      // default 60
}

// DuckDB bounds the engine's resources; it spills to TempDir beyond MemoryLimit.
type DuckDB struct {
	MemoryLimit string   `toml:"memory_limit"` // e.g. "2GB" (default)
	Threads     int      `toml:"threads"`      // 0 = one per core
	TempDir     string   `toml:"temp_dir"`     // default: <db>.tmp
	Wait        Duration `toml:"wait"`         // how long a command waits for a database another process has open (default 10m)
}

// Source is one source system's API.
type Source struct {
	URL          string   `toml:"url"`
	TokenURL     string   `toml:"token_url"`     // default url + /oauth2/token
	ClientID     string   `toml:"client_id"`     //
	ClientSecret string   `toml:"client_secret"` // better: VPSAU_<SYSTEM>_CLIENT_SECRET in the environment
	Timeout      Duration `toml:"timeout"`       // per request; default 30s
	PageSize     int      `toml:"page_size"`     // default 1000
	MaxAttempts  int      `toml:"max_attempts"`  // default 5
}

// Guard is the mass-change guard.
type Guard struct {
	MaxShare float64 `toml:"max_share"` // largest share of rows a snapshot or delta may delete (0.10)
	MinRows  int64   `toml:"min_rows"`  // deletions below this many rows never trip it (10)
}

// Receiver overrides one receiver's files.
type Receiver struct {
	Files []string `toml:"files"` // "csv" (= csv:machine), "csv:machine", "csv:excel", "xlsx"
}

// XLSX tunes the XLSX files.
type XLSX struct {
	MaxRowsPerSheet int `toml:"max_rows_per_sheet"` // default 1,048,575
}

// Duration is a time.Duration written as text ("30s", "2m").
type Duration struct{ time.Duration }

// UnmarshalText parses a duration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	d.Duration = v
	return nil
}

// Systems are the source systems a config may name.
var Systems = []string{"dataflyt", "slakt", "didac", "portal"}

// Default returns the configuration used without a file.
func Default() Config {
	return Config{
		DB:          "vpsau.duckdb",
		Out:         "out",
		RawKeepDays: 90,
		Rules:       rules.Defaults(),
		Guard:       Guard{MaxShare: 0.10, MinRows: 10},
		DuckDB:      DuckDB{MemoryLimit: "2GB", Wait: Duration{10 * time.Minute}},
		Serve: Serve{Schedule: "30 4 * * *", Listen: "127.0.0.1:8080", Grace: Duration{10 * time.Minute},
			RatePerMinute: 600, RateBurst: 60},
	}
}

// Load reads a TOML file over the defaults (path "" = defaults only), then applies the
// environment: VPSAU_<SYSTEM>_URL, VPSAU_<SYSTEM>_CLIENT_ID, VPSAU_<SYSTEM>_CLIENT_SECRET.
func Load(path string, getenv func(string) string) (Config, error) {
	c := Default()
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		md, err := toml.Decode(string(b), &c)
		if err != nil {
			var pe toml.ParseError
			if errors.As(err, &pe) {
				return c, fmt.Errorf("config %s: line %d: %s", path, pe.Position.Line, firstLine(pe.Message))
			}
			return c, fmt.Errorf("config %s: %w", path, err)
		}
		if und := md.Undecoded(); len(und) > 0 {
			var keys []string
			for _, k := range und {
				keys = append(keys, k.String())
			}
			sort.Strings(keys)
			return c, fmt.Errorf("config %s: unknown key %s", path, strings.Join(keys, ", "))
		}
	}
	for _, sys := range Systems {
		p := "VPSAU_" + strings.ToUpper(sys) + "_"
		s := c.Sources[sys]
		for key, dst := range map[string]*string{"URL": &s.URL, "CLIENT_ID": &s.ClientID, "CLIENT_SECRET": &s.ClientSecret} {
			if v := getenv(p + key); v != "" {
				*dst = v
			}
		}
		if s.URL != "" { // a secret alone configures no source
			if c.Sources == nil {
				c.Sources = map[string]Source{}
			}
			c.Sources[sys] = s
		}
	}
	if v := getenv("VPSAU_ANALYST_SALT"); v != "" {
		c.Analyst.Salt = v
	}
	return c, c.Validate()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Validate checks the values, naming the first key that is wrong.
func (c Config) Validate() error {
	if c.DB == "" {
		return errors.New("config: db must not be empty")
	}
	if c.Out == "" {
		return errors.New("config: out must not be empty")
	}
	if c.RawKeepDays < 0 {
		return fmt.Errorf("config: raw_keep_days = %d: must not be negative", c.RawKeepDays)
	}
	for sys, s := range c.Sources {
		if !contains(Systems, sys) {
			return fmt.Errorf("config: sources.%s: unknown source system (want one of %s)", sys, strings.Join(Systems, ", "))
		}
		if s.URL == "" {
			return fmt.Errorf("config: sources.%s.url is missing", sys)
		}
		if !strings.HasPrefix(s.URL, "http://") && !strings.HasPrefix(s.URL, "https://") {
			return fmt.Errorf("config: sources.%s.url %q: must start with http:// or https://", sys, s.URL)
		}
		if s.Timeout.Duration < 0 || s.PageSize < 0 || s.MaxAttempts < 0 {
			return fmt.Errorf("config: sources.%s: timeout, page_size and max_attempts must not be negative", sys)
		}
	}
	if err := c.Rules.Validate(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	for sys, d := range c.Fallback {
		if !contains(Systems, sys) {
			return fmt.Errorf("config: fallback.%s: unknown source system (want one of %s)", sys, strings.Join(Systems, ", "))
		}
		if d.Duration <= 0 {
			return fmt.Errorf("config: fallback.%s: must be a positive duration such as \"36h\"", sys)
		}
	}
	if c.Guard.MaxShare < 0 || c.Guard.MaxShare > 1 {
		return fmt.Errorf("config: guard.max_share = %g: must be between 0 and 1", c.Guard.MaxShare)
	}
	if c.Guard.MinRows < 0 {
		return fmt.Errorf("config: guard.min_rows = %d: must not be negative", c.Guard.MinRows)
	}
	for name, r := range c.Receivers {
		if _, ok := receiver.Lookup(name); !ok {
			return fmt.Errorf("config: receivers.%s: unknown receiver (want one of %s)", name, strings.Join(receiver.Names(), ", "))
		}
		if _, err := FileSpecs(r.Files); err != nil {
			return fmt.Errorf("config: receivers.%s.files: %w", name, err)
		}
	}
	if _, err := schedule.Parse(c.Serve.Schedule); err != nil {
		return fmt.Errorf("config: serve.schedule: %w", err)
	}
	if (c.Serve.TLSCert == "") != (c.Serve.TLSKey == "") {
		return errors.New("config: serve.tls_cert and serve.tls_key: give both (TLS) or neither")
	}
	if c.Serve.RatePerMinute < 1 {
		return fmt.Errorf("config: serve.rate_per_minute = %d: must be at least 1", c.Serve.RatePerMinute)
	}
	if c.Serve.RateBurst < 1 {
		return fmt.Errorf("config: serve.rate_burst = %d: must be at least 1", c.Serve.RateBurst)
	}
	if c.XLSX.MaxRowsPerSheet < 0 || c.XLSX.MaxRowsPerSheet > exports.DefaultMaxRowsPerSheet {
		return fmt.Errorf("config: xlsx.max_rows_per_sheet = %d: must be between 1 and %d", c.XLSX.MaxRowsPerSheet, exports.DefaultMaxRowsPerSheet)
	}
	return nil
}

// FileSpecs turns file names like "csv:excel" into export file specs.
func FileSpecs(names []string) ([]exports.FileSpec, error) {
	var out []exports.FileSpec
	seen := map[exports.Format]bool{}
	for _, n := range names {
		var f exports.FileSpec
		switch strings.ToLower(n) {
		case "csv", "csv:machine":
			f = exports.FileSpec{Format: exports.CSV, Dialect: exports.Machine}
		case "csv:excel":
			f = exports.FileSpec{Format: exports.CSV, Dialect: exports.Excel}
		case "xlsx":
			f = exports.FileSpec{Format: exports.XLSX}
		default:
			return nil, fmt.Errorf("%q: want csv, csv:machine, csv:excel or xlsx", n)
		}
		if seen[f.Format] {
			return nil, fmt.Errorf("%q: at most one file per format", n)
		}
		seen[f.Format] = true
		out = append(out, f)
	}
	return out, nil
}

// Outputs returns the configured files per receiver (receivers not named keep their
// defaults).
func (c Config) Outputs() map[string][]exports.FileSpec {
	out := map[string][]exports.FileSpec{}
	for name, r := range c.Receivers {
		if specs, err := FileSpecs(r.Files); err == nil && len(specs) > 0 {
			out[name] = specs
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
