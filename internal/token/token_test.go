package token

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/internal/store"
)

func conn(t *testing.T) *store.Conn {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "t.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestID(t *testing.T) {
	good := "vpsau_0123456789abcdef_" + strings.Repeat("a1", 32)
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{good, "0123456789abcdef", true},
		{strings.ToUpper(good), "", false},
		{good + "0", "", false},
		{"vpsau_0123456789abcdef", "", false},
		{"Bearer " + good, "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got, ok := ID(tt.in); got != tt.want || ok != tt.wantOK {
			t.Errorf("ID(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestLifecycle: create, a second create of the name refused, rotate with an overlap,
// revoke; only hashes are stored.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	c := conn(t)
	now := time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC)
	secret, tok, err := Create(ctx, c, "dhp", "sync", time.Time{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := ID(secret); !ok || id != tok.ID || !tok.Matches(secret) || tok.Matches(secret+"x") {
		t.Fatalf("Create = %q, %+v", secret, tok)
	}
	if _, _, err := Create(ctx, c, "dhp", "sync", time.Time{}, now); !errors.Is(err, ErrExists) {
		t.Errorf("second Create = %v, want ErrExists", err)
	}
	if _, _, err := Create(ctx, c, "dhp", "bad name", time.Time{}, now); !errors.Is(err, ErrBadName) {
		t.Errorf("Create with a space = %v, want ErrBadName", err)
	}
	if _, _, _, err := Rotate(ctx, c, "ksl", "sync", time.Hour, time.Time{}, now); !errors.Is(err, ErrNotFound) {
		t.Errorf("Rotate of another receiver's name = %v, want ErrNotFound", err)
	}
	newSecret, newTok, old, err := Rotate(ctx, c, "dhp", "sync", time.Hour, time.Time{}, now)
	if err != nil || len(old) != 1 || !old[0].Expires.Equal(now.Add(time.Hour)) || newTok.ID == tok.ID || newSecret == secret {
		t.Fatalf("Rotate = %+v, %+v, %v", newTok, old, err)
	}
	all, err := List(ctx, c, "")
	if err != nil || len(all) != 2 {
		t.Fatalf("Load = %d tokens, %v", len(all), err)
	}
	for _, x := range all {
		if !x.Active(now) || x.Active(now.Add(2*time.Hour)) != (x.ID == newTok.ID) {
			t.Errorf("token %s: active now %v, in 2 h %v", x.ID, x.Active(now), x.Active(now.Add(2*time.Hour)))
		}
	}
	var stored string
	if err := c.QueryRow(ctx, `SELECT string_agg(concat_ws('|', token_id, secret_sha256), ',') FROM ops.api_token`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{secret, newSecret} {
		if strings.Contains(stored, s[len(s)-64:]) {
			t.Errorf("a secret is stored: %s", stored)
		}
	}
	revoked, err := Revoke(ctx, c, "dhp", "sync", now.Add(time.Minute))
	if err != nil || len(revoked) != 2 {
		t.Fatalf("Revoke = %d, %v; want both tokens of the name", len(revoked), err)
	}
	if _, err := Revoke(ctx, c, "dhp", "sync", now.Add(time.Minute)); !errors.Is(err, ErrNotFound) {
		t.Errorf("second Revoke = %v, want ErrNotFound", err)
	}
	if _, _, err := Create(ctx, c, "dhp", "sync", time.Time{}, now.Add(time.Minute)); err != nil {
		t.Errorf("Create after the name was revoked: %v", err)
	}
}
