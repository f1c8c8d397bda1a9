// Package token issues, rotates, revokes and lists the receivers' API tokens, and loads
// them for the download API. A token is shown once, when it is made; the database keeps
// only its SHA-256.
//
// A token reads vpsau_<id>_<secret>: id is 16 hex digits (public: it names the token in
// the audit log and lets the API find it without a search), secret is 64 hex digits
// (256 random bits from crypto/rand). Because the secret is random and that long, a
// fast hash is enough: nobody can guess a preimage, so a slow password hash (bcrypt,
// argon2) would only cost CPU on every request.
package token

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/dvpsau/vpsau/internal/store"
)

// Prefix starts every token, so that secret scanners and people recognise one.
const Prefix = "vpsau_"

var (
	formPattern = regexp.MustCompile(`^vpsau_([0-9a-f]{16})_[0-9a-f]{64}$`)
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$`)
)

// Token is one stored token, without its secret.
type Token struct {
	ID         string
	Receiver   string
	Name       string
	Hash       [sha256.Size]byte // SHA-256 of the whole token string
	Created    time.Time
	Expires    time.Time // zero = never
	Revoked    time.Time // zero = not revoked
	ReplacedBy string
}

// Active reports whether the token works at now: not revoked and not expired.
func (t Token) Active(now time.Time) bool {
	return t.Revoked.IsZero() && (t.Expires.IsZero() || now.Before(t.Expires))
}

// Matches reports, in constant time, whether secret is this token.
func (t Token) Matches(secret string) bool {
	h := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(h[:], t.Hash[:]) == 1
}

// ID returns the id of a string of the token's form, and false for anything else.
func ID(s string) (string, bool) {
	m := formPattern.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// Errors the commands report.
var (
	ErrExists   = errors.New("an active token of that name exists")
	ErrNotFound = errors.New("no active token of that name")
	ErrBadName  = errors.New("a token name is 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit")
)

// generate makes a new token string and its id.
func generate() (id, secret string) {
	b := make([]byte, 8+32)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+)
	id = hex.EncodeToString(b[:8])
	return id, Prefix + id + "_" + hex.EncodeToString(b[8:])
}

// Create makes a new token for the receiver, named name, valid until expires (zero =
// never), and returns the token string — the only time it exists outside the holder's
// hands — with its stored row. A name may have one active token; rotate it instead.
func Create(ctx context.Context, c *store.Conn, receiver, name string, expires, now time.Time) (string, Token, error) {
	if !namePattern.MatchString(name) {
		return "", Token{}, fmt.Errorf("token name %q: %w", name, ErrBadName)
	}
	var secret string
	var t Token
	err := c.InTx(ctx, func() error {
		active, err := activeNamed(ctx, c, receiver, name, now)
		if err != nil {
			return err
		}
		if len(active) > 0 {
			return fmt.Errorf("%s/%s: %w (id %s; use vpsau token rotate)", receiver, name, ErrExists, active[0].ID)
		}
		secret, t, err = insert(ctx, c, receiver, name, expires, now)
		return err
	})
	return secret, t, err
}

// Rotate makes a new token under the name of an active one and lets the old ones (all
// active tokens of that name) work for overlap more (no longer than they would have),
// so that the holder can switch without a gap. It returns the new token string, the new
// row and the old rows as they are now.
func Rotate(ctx context.Context, c *store.Conn, receiver, name string, overlap time.Duration, expires, now time.Time) (string, Token, []Token, error) {
	var secret string
	var t Token
	var old []Token
	err := c.InTx(ctx, func() error {
		var err error
		old, err = activeNamed(ctx, c, receiver, name, now)
		if err != nil {
			return err
		}
		if len(old) == 0 {
			return fmt.Errorf("%s/%s: %w", receiver, name, ErrNotFound)
		}
		secret, t, err = insert(ctx, c, receiver, name, expires, now)
		if err != nil {
			return err
		}
		end := now.Add(overlap)
		for i := range old {
			if old[i].Expires.IsZero() || end.Before(old[i].Expires) {
				old[i].Expires = end
			}
			old[i].ReplacedBy = t.ID
			if err := c.Exec(ctx, `UPDATE ops.api_token SET expires = ?, replaced_by = ? WHERE token_id = ?`, old[i].Expires, t.ID, old[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return secret, t, old, err
}

// Revoke revokes every active token of that name at once and returns them.
func Revoke(ctx context.Context, c *store.Conn, receiver, name string, now time.Time) ([]Token, error) {
	var old []Token
	err := c.InTx(ctx, func() error {
		var err error
		old, err = activeNamed(ctx, c, receiver, name, now)
		if err != nil {
			return err
		}
		if len(old) == 0 {
			return fmt.Errorf("%s/%s: %w", receiver, name, ErrNotFound)
		}
		for i := range old {
			old[i].Revoked = now
			if err := c.Exec(ctx, `UPDATE ops.api_token SET revoked = ? WHERE token_id = ?`, now, old[i].ID); err != nil {
				return err
			}
		}
		return nil
	})
	return old, err
}

func insert(ctx context.Context, c *store.Conn, receiver, name string, expires, now time.Time) (string, Token, error) {
	id, secret := generate()
	t := Token{ID: id, Receiver: receiver, Name: name, Hash: sha256.Sum256([]byte(secret)), Created: now, Expires: expires}
	var exp any
	if !expires.IsZero() {
		exp = expires
	}
	err := c.Exec(ctx, `INSERT INTO ops.api_token (token_id, receiver, name, secret_sha256, created, expires) VALUES (?, ?, ?, ?, ?, ?)`,
		t.ID, receiver, name, hex.EncodeToString(t.Hash[:]), now, exp)
	return secret, t, err
}

func activeNamed(ctx context.Context, c *store.Conn, receiver, name string, now time.Time) ([]Token, error) {
	all, err := load(ctx, c, `WHERE receiver = ? AND name = ?`, receiver, name)
	if err != nil {
		return nil, err
	}
	var out []Token
	for _, t := range all {
		if t.Active(now) {
			out = append(out, t)
		}
	}
	return out, nil
}

// List returns the receiver's tokens (every receiver's when receiver is ""), in order of
// receiver, name and creation, revoked and expired ones too (so that the API can say why
// one no longer works).
func List(ctx context.Context, c *store.Conn, receiver string) ([]Token, error) {
	if receiver == "" {
		return load(ctx, c, "")
	}
	return load(ctx, c, `WHERE receiver = ?`, receiver)
}

func load(ctx context.Context, c *store.Conn, where string, args ...any) ([]Token, error) {
	rows, err := c.Query(ctx, `SELECT token_id, receiver, name, secret_sha256, created, expires, revoked, coalesce(replaced_by, '')
		FROM ops.api_token `+where+` ORDER BY receiver, name, created, token_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		var hash string
		var expires, revoked sql.NullTime
		if err := rows.Scan(&t.ID, &t.Receiver, &t.Name, &hash, &t.Created, &expires, &revoked, &t.ReplacedBy); err != nil {
			return nil, fmt.Errorf("tokens: %w", err)
		}
		b, err := hex.DecodeString(hash)
		if err != nil || len(b) != sha256.Size {
			return nil, fmt.Errorf("tokens: %s: stored hash is not a SHA-256", t.ID)
		}
		copy(t.Hash[:], b)
		t.Expires, t.Revoked = expires.Time, revoked.Time
		out = append(out, t)
	}
	return out, rows.Err()
}
