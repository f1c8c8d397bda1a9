package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoad reads any configuration file, with a client secret planted in it and another in
// the environment: Load never panics, and its error is one line that shows neither secret
// (errors name the key that is wrong, never a value that could be a secret).
func FuzzLoad(f *testing.F) {
	for _, s := range [][2]string{
		{"", ""},
		{`db = "x.duckdb"`, `[rules]` + "\nthreshold = -1"},
		{`[sources.dataflyt]` + "\n" + `url = "ftp://x"`, ""},
		{`[serve]` + "\n" + `schedule = "30 2 * * *"`, ""},
		{`x = """`, `"""`},
		{`[sources.portal]` + "\n" + `client_secret = "`, ""},
		{"[[sources]]", "timeout = \"forever\""},
		{"[receivers.dhp]\nfiles = [\"pdf\"]", "[fallback]\nslakt = \"-1h\""},
	} {
		f.Add(s[0], s[1])
	}
	const fileSecret, envSecret = "PLANT-file-Zq9x7", "PLANT-env-Wm3k8"
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, before, after string) {
		path := filepath.Join(dir, "fuzz.toml")
		body := before + "\n[sources.slakt]\nurl = \"https://slakt.example\"\nclient_secret = \"" + fileSecret + "\"\n" + after
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path, func(k string) string {
			if strings.HasSuffix(k, "_CLIENT_SECRET") {
				return envSecret
			}
			return ""
		})
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Fatalf("Load error over several lines: %q", msg)
		}
		if strings.Contains(msg, fileSecret) || strings.Contains(msg, envSecret) || strings.Contains(msg, "PLANT") {
			t.Fatalf("Load error shows a secret: %q", msg)
		}
	})
}
