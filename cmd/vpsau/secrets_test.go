package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
	"github.com/dvpsau/vpsau/fixtures/fakesrc"
	"github.com/dvpsau/vpsau/internal/store"
)

// TestServeKeepsSecrets runs vpsau serve with HTTP sources whose client secrets come from
// the environment, while the sources and their token endpoints fail once per request (so
// that retries are logged), and sends the download API a token the right way and the
// wrong ways: altered, in the query, by basic auth, in the path, as garbage. Neither
// serve's log (slog, JSON on stderr) nor the API's audit table nor vpsau status holds a
// client secret or any of those token strings.
func TestServeKeepsSecrets(t *testing.T) {
	dir := t.TempDir()
	db, out, addr := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out"), freePort(t)
	const clientSecret = "cs-Serve-7731-Qpx"
	set, err := fakesrc.Start(context.Background(), "../../testdata/one-night/inbox", fakesrc.Options{ClientID: "vpsau", ClientSecret: clientSecret,
		Fault: fakesrc.FailTimes(503, 1), TokenFault: fakesrc.FailTimes(503, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	var conf strings.Builder
	environ := map[string]string{}
	for _, sys := range fakesrc.Systems() {
		fmt.Fprintf(&conf, "[sources.%s]\nurl = %q\nclient_id = \"vpsau\"\n\n", sys, set.URLs[sys])
		environ["VPSAU_"+strings.ToUpper(sys)+"_CLIENT_SECRET"] = clientSecret
	}
	confPath := filepath.Join(dir, "vpsau.toml")
	if err := os.WriteFile(confPath, []byte(conf.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2027, 1, 4, 9, 0, 0, 0, time.UTC) }
	var stderr, stdout syncBuffer
	e := env{getenv: func(k string) string { return environ[k] }, stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, now: now}

	if code := run(context.Background(), e, []string{"token", "create", "dhp", "secrets-test", "--db", db, "--config", confPath}); code != 0 {
		t.Fatalf("token create: exit %d: %s", code, stderr.String())
	}
	tok := strings.TrimSpace(stdout.String())
	if !strings.HasPrefix(tok, "vpsau_") {
		t.Fatalf("token create printed %q", tok)
	}
	secret := tok[strings.LastIndexByte(tok, '_')+1:]
	altered := tok[:len(tok)-8] + "00000000"

	ctx, stop := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		done <- run(ctx, e, []string{"serve", "--config", confPath, "--db", db, "--out", out, "--listen", addr})
	}()
	for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ids, _ := exports.List(out, "varsler"); len(ids) == 1 {
			break
		}
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("no catch-up night after 90 s; log:\n%s", stderr.String())
		}
	}
	requests := []struct {
		name, path string
		header     [2]string
		want       int
	}{
		{"the token", "/v1/receivers/dhp/exports", [2]string{"Authorization", "Bearer " + tok}, 200},
		{"an altered token", "/v1/receivers/dhp/exports", [2]string{"Authorization", "Bearer " + altered}, 401},
		{"the token in the query", "/v1/receivers/dhp/exports?access_token=" + tok, [2]string{}, 401},
		{"the token by basic auth", "/v1/receivers/dhp/exports", [2]string{"Authorization", "Basic " + base64.StdEncoding.EncodeToString([]byte("dhp:"+tok))}, 401},
		{"the token in the path", "/v1/receivers/" + tok + "/exports", [2]string{"Authorization", "Bearer " + tok}, 404},
		{"the token as user agent", "/v1/receivers/dhp/exports", [2]string{"User-Agent", "client " + tok}, 401},
		{"garbage", "/v1/receivers/dhp/exports", [2]string{"Authorization", "Bearer garbage-Zq8Ab"}, 401},
	}
	for _, rq := range requests {
		req, _ := http.NewRequest("GET", "http://"+addr+rq.path, nil)
		if rq.header[0] != "" {
			req.Header.Set(rq.header[0], rq.header[1])
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != rq.want {
			t.Errorf("%s: %d %s, want %d", rq.name, resp.StatusCode, body, rq.want)
		}
		if strings.Contains(string(body), secret) || strings.Contains(string(body), altered) {
			t.Errorf("%s: the answer holds the token: %s", rq.name, body)
		}
	}
	stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exit = %d; log:\n%s", code, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
	log := stderr.String()
	if !strings.Contains(log, `"msg":"retrying"`) || !strings.Contains(log, `"msg":"run succeeded"`) {
		t.Errorf("the log lacks the retries or the run:\n%s", log)
	}

	// The audit table and vpsau status, after serve let the database go.
	d, err := store.Open(context.Background(), db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	audit := queryText(t, d.SQL(), `SELECT * FROM ops.api_request`)
	d.Close()
	if strings.Count(audit, "\n") < len(requests) {
		t.Errorf("the audit table holds %d requests, want %d:\n%s", strings.Count(audit, "\n"), len(requests), audit)
	}
	stdout = syncBuffer{}
	if code := run(context.Background(), e, []string{"status", "--db", db, "--config", confPath}); code != 0 {
		t.Fatalf("status: exit %d", code)
	}
	for where, text := range map[string]string{"serve's log": log, "the audit table": audit, "vpsau status": stdout.String()} {
		for what, s := range map[string]string{"the client secret": clientSecret, "the token's secret": secret, "the altered token": altered[len(altered)-72:], "the garbage token": "garbage-Zq8Ab"} {
			if strings.Contains(text, s) {
				t.Errorf("%s holds %s", where, what)
			}
		}
	}
}
