package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/exports"
)

// TestTokenCommands runs vpsau token through the entry point: create prints the token
// alone on stdout, a name has one active token, rotate and revoke, and mistakes exit 2.
func TestTokenCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.duckdb")
	code, stdout, stderr := vpsau(t, night1, "token", "create", "dhp", "dhp-sync", "--expires", "90d", "--db", db)
	if code != 0 || !strings.HasPrefix(stdout, "vpsau_") || strings.Count(stdout, "\n") != 1 || !strings.Contains(stderr, "expires 2027-04-04") {
		t.Fatalf("create: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	secret := strings.TrimSpace(stdout)
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout (exit 0) or the one line of stderr
	}{
		{"same name again", []string{"token", "create", "dhp", "dhp-sync"}, 1, "an active token of that name exists"},
		{"list", []string{"token", "list"}, 0, "dhp       dhp-sync"},
		{"rotate", []string{"token", "rotate", "dhp", "dhp-sync", "--overlap", "2d"}, 0, "vpsau_"},
		{"list after the rotation", []string{"token", "list", "dhp"}, 0, "rotated to"},
		{"revoke", []string{"token", "revoke", "dhp", "dhp-sync"}, 0, "revoked"},
		{"revoke again", []string{"token", "revoke", "dhp", "dhp-sync"}, 1, "no active token of that name"},
		{"unknown receiver", []string{"token", "create", "nobody", "x"}, 2, `receiver "nobody"`},
		{"no name", []string{"token", "create", "dhp"}, 2, "want RECEIVER NAME"},
		{"bad expiry", []string{"token", "create", "dhp", "x", "--expires", "soon"}, 2, `--expires "soon"`},
		{"unknown verb", []string{"token", "show", "dhp", "x"}, 2, `"show"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := vpsau(t, night1.Add(time.Hour), append(tt.args, "--db", db)...)
			if code != tt.code {
				t.Fatalf("exit = %d, want %d (stdout %q, stderr %q)", code, tt.code, stdout, stderr)
			}
			out := stdout
			if code != 0 {
				out = stderr
				if strings.Count(stderr, "\n") != 1 {
					t.Errorf("stderr = %q, want one line", stderr)
				}
			}
			if !strings.Contains(out, tt.want) {
				t.Errorf("output %q, want it to contain %q", out, tt.want)
			}
			if strings.Contains(stdout+stderr, secret) && tt.name != "create" {
				t.Errorf("the first token's secret is shown again")
			}
		})
	}
}

// TestServeBinary builds the real binary, starts vpsau serve on a fresh database, waits
// for its catch-up night, makes a token with vpsau token create from another process
// (which waits while serve holds the database), downloads with an ordinary HTTP client,
// confirms, and stops serve with SIGTERM; the audit log then names the token.
func TestServeBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vpsau")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// The catch-up night runs for today; coverage needs the previous year's subsidy file.
	inbox := filepath.Join(dir, "inbox")
	copyDir(t, "../../testdata/one-night/inbox", inbox)
	year := time.Now().Year() - 1
	if _, err := os.Stat(filepath.Join(inbox, "subsidy", fmt.Sprintf("%d.csv", year))); err != nil {
		b, err := os.ReadFile(filepath.Join(inbox, "subsidy", "2026.csv"))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.ReplaceAll(b, []byte("\n2026;"), []byte(fmt.Sprintf("\n%d;", year)))
		if err := os.WriteFile(filepath.Join(inbox, "subsidy", fmt.Sprintf("%d.csv", year)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, out, addr := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out"), freePort(t)
	serve := exec.Command(bin, "serve", "--inbox", inbox, "--db", db, "--out", out, "--listen", addr)
	var log syncBuffer
	serve.Stderr = &log
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer serve.Process.Kill()
	deadline := time.Now().Add(90 * time.Second)
	for {
		if ids, _ := exports.List(out, "dhp"); len(ids) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no catch-up export after 90 s; log:\n%s", log.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	create := exec.Command(bin, "token", "create", "dhp", "e2e", "--db", db)
	var createErr bytes.Buffer
	create.Stderr = &createErr
	tokOut, err := create.Output()
	if err != nil {
		t.Fatalf("token create: %v: %s", err, createErr.String())
	}
	tok := strings.TrimSpace(string(tokOut))

	get := func(path string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+addr+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("/v1/receivers/dhp/exports")
	var list struct {
		Exports []struct {
			ID         string `json:"export_id"`
			Endringsnr struct{ Til int64 }
			Files      []struct{ Name, URL, SHA256 string }
		}
	}
	if err := json.Unmarshal(body, &list); err != nil || resp.StatusCode != 200 || len(list.Exports) != 1 {
		t.Fatalf("list = %d %s (%v)", resp.StatusCode, body, err)
	}
	x := list.Exports[0]
	resp, body = get(x.Files[0].URL)
	want, _ := os.ReadFile(filepath.Join(out, "dhp", x.ID, x.Files[0].Name))
	if resp.StatusCode != 200 || !bytes.Equal(body, want) || resp.Header.Get("ETag") != `"`+x.Files[0].SHA256+`"` {
		t.Errorf("download = %d, %d bytes, ETag %s; want 200, the published file", resp.StatusCode, len(body), resp.Header.Get("ETag"))
	}
	if resp, _ := get("/v1/receivers/ksl/exports"); resp.StatusCode != 403 {
		t.Errorf("ksl's feed with dhp's token = %d, want 403", resp.StatusCode)
	}
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/receivers/dhp/confirmations",
		strings.NewReader(fmt.Sprintf(`{"endringsnr": %d, "referanse": "e2e-1"}`, x.Endringsnr.Til)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	cresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	cbody, _ := io.ReadAll(cresp.Body)
	cresp.Body.Close()
	if cresp.StatusCode != 201 {
		t.Errorf("confirm = %d %s, want 201", cresp.StatusCode, cbody)
	}

	serve.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- serve.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v; log:\n%s", err, log.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("serve did not stop; log:\n%s", log.String())
	}
	status, err := exec.Command(bin, "status", "--db", db).Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "e2e") {
		t.Errorf("status lacks the token's requests:\n%s", status)
	}
	if strings.Contains(log.String(), tok[len(tok)-64:]) {
		t.Errorf("the log holds the secret")
	}
}

// TestServeTLS: with serve.tls_cert and serve.tls_key the API answers over TLS only; a
// certificate that cannot be read stops serve at start with one line.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, certPEM, 0o644)
	os.WriteFile(key, keyPEM, 0o600)
	conf := filepath.Join(dir, "vpsau.toml")
	os.WriteFile(conf, []byte(fmt.Sprintf("[serve]\ntls_cert = %q\ntls_key = %q\n", cert, key)), 0o644)
	db, out, addr := filepath.Join(dir, "v.duckdb"), filepath.Join(dir, "out"), freePort(t)

	t.Run("bad certificate", func(t *testing.T) {
		bad := filepath.Join(dir, "bad.toml")
		os.WriteFile(bad, []byte(fmt.Sprintf("[serve]\ntls_cert = %q\ntls_key = %q\n", key, key)), 0o644)
		code, _, stderr := vpsau(t, night1, "serve", "--config", bad, "--inbox", "../../testdata/one-night/inbox", "--db", db, "--out", out, "--listen", addr)
		if code != 1 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "serve.tls_cert") {
			t.Errorf("exit %d, stderr %q; want 1 and one line naming serve.tls_cert", code, stderr)
		}
	})

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var stderr syncBuffer
	e := env{getenv: func(string) string { return "" }, stdin: strings.NewReader(""), stdout: io.Discard, stderr: &stderr,
		now: func() time.Time { return night1 }}
	done := make(chan int)
	go func() {
		done <- run(ctx, e, []string{"serve", "--config", conf, "--inbox", "../../testdata/one-night/inbox", "--db", db, "--out", out, "--listen", addr})
	}()
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "localhost"}}, Timeout: 5 * time.Second}
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err = client.Get("https://" + addr + "/healthz"); err == nil {
			break
		}
	}
	if err != nil || resp.StatusCode != 200 || resp.TLS == nil {
		t.Fatalf("GET https://…/healthz: %v %v; log:\n%s", resp, err, stderr.String())
	}
	resp.Body.Close()
	if plain, err := http.Get("http://" + addr + "/healthz"); err == nil && plain.StatusCode == 200 {
		t.Errorf("plain HTTP answered 200 on the TLS port")
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
}

// selfSigned makes a certificate for localhost and 127.0.0.1 and its key, as PEM.
func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}
