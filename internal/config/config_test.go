package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	env := map[string]string{"VPSAU_DATAFLYT_CLIENT_SECRET": "s3cret"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name string
		toml string
		err  string // part of the error, "" = ok
		chk  func(t *testing.T, c Config)
	}{
		{"no file", "", "", func(t *testing.T, c Config) {
			if c.DB != "vpsau.duckdb" || c.Rules.Threshold != 30 || c.Guard.MaxShare != 0.10 || c.RawKeepDays != 90 {
				t.Errorf("defaults = %+v", c)
			}
		}},
		{"raw kept forever", "raw_keep_days = 0\n", "", func(t *testing.T, c Config) {
			if c.RawKeepDays != 0 {
				t.Errorf("raw_keep_days = %d, want 0 (forever)", c.RawKeepDays)
			}
		}},
		{"full", `
db = "/var/lib/vpsau/vpsau.duckdb"
[sources.dataflyt]
url = "https://dataflyt.example/api"
client_id = "vpsau"
timeout = "45s"
[rules]
threshold = 25
[receivers.dhp]
files = ["csv:machine", "xlsx"]
`, "", func(t *testing.T, c Config) {
			s := c.Sources["dataflyt"]
			if s.URL != "https://dataflyt.example/api" || s.ClientSecret != "s3cret" || s.Timeout.Duration != 45*time.Second {
				t.Errorf("sources.dataflyt = %+v", s)
			}
			if c.Rules.Threshold != 25 || c.Rules.VisitIntervalMonths != 18 {
				t.Errorf("rules = %+v (threshold from the file, the rest defaults)", c.Rules)
			}
			if len(c.Outputs()["dhp"]) != 2 {
				t.Errorf("outputs = %v", c.Outputs())
			}
		}},
		{"unknown key", "[rules]\nthreshhold = 25\n", "unknown key rules.threshhold", nil},
		{"bad rule", "[rules]\nseason_start_month = 13\n", "rules.season_start_month = 13", nil},
		{"unknown system", "[sources.x]\nurl = \"http://x\"\n", "sources.x: unknown source system", nil},
		{"bad url", "[sources.slakt]\nurl = \"ftp://x\"\n", "sources.slakt.url", nil},
		{"bad format", "[receivers.ksl]\nfiles = [\"pdf\"]\n", "receivers.ksl.files", nil},
		{"unknown receiver", "[receivers.nobody]\nfiles = [\"csv\"]\n", "receivers.nobody: unknown receiver", nil},
		{"bad duration", "[sources.didac]\nurl = \"http://x\"\ntimeout = \"soon\"\n", "config", nil},
		{"syntax", "db = \n", "line 1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := ""
			if tt.toml != "" {
				path = filepath.Join(t.TempDir(), "vpsau.toml")
				if err := os.WriteFile(path, []byte(tt.toml), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := Load(path, getenv)
			if tt.err == "" {
				if err != nil {
					t.Fatalf("Load: %v", err)
				}
				tt.chk(t, c)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("Load error = %v, want one containing %q", err, tt.err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}

// TestDocumentedExample loads the example configuration of docs/operations.md: the
// documentation must not show a file that the program refuses.
func TestDocumentedExample(t *testing.T) {
	b, err := os.ReadFile("../../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "```toml\n")
	if !ok {
		t.Fatal("no TOML example in docs/operations.md")
	}
	example, _, _ := strings.Cut(rest, "```")
	path := filepath.Join(t.TempDir(), "example.toml")
	os.WriteFile(path, []byte(example), 0o644)
	c, err := Load(path, func(string) string { return "" })
	if err != nil {
		t.Fatalf("Load(docs example): %v", err)
	}
	if c.Sources["dataflyt"].URL == "" || c.RawKeepDays != 90 || c.DuckDB.MemoryLimit != "2GB" {
		t.Errorf("docs example loaded as %+v", c)
	}
}
