package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeAPIKeys: the download API's keys under [serve] — TLS needs both files, rates
// must be positive — and their defaults.
func TestServeAPIKeys(t *testing.T) {
	d := Default().Serve
	if d.RatePerMinute != 600 || d.RateBurst != 60 || d.TLSCert != "" || d.TLSKey != "" {
		t.Errorf("defaults = %+v, want 600 a minute, bursts of 60, no TLS", d)
	}
	tests := []struct {
		name, toml string
		want       string // in the error; "" = valid
	}{
		{"tls", "[serve]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\n", ""},
		{"cert without key", "[serve]\ntls_cert = \"c.pem\"\n", "serve.tls_cert and serve.tls_key"},
		{"key without cert", "[serve]\ntls_key = \"k.pem\"\n", "serve.tls_cert and serve.tls_key"},
		{"rates", "[serve]\nrate_per_minute = 60\nrate_burst = 5\n", ""},
		{"zero rate", "[serve]\nrate_per_minute = 0\n", "serve.rate_per_minute = 0"},
		{"negative burst", "[serve]\nrate_burst = -1\n", "serve.rate_burst = -1"},
		{"unknown key", "[serve]\ntls = true\n", "unknown key serve.tls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.toml")
			if err := os.WriteFile(p, []byte(tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(p, func(string) string { return "" })
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Load(%q) = %v, want no error", tt.toml, err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Load(%q) = %v, want an error containing %q", tt.toml, err, tt.want)
			}
		})
	}
}
