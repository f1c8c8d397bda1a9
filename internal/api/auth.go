package api

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dvpsau/vpsau/internal/store"
	"github.com/dvpsau/vpsau/internal/token"
)

// authorize wraps a handler of a receiver's route: 401 without a working token, 429 past
// the token's rate, 404 for an unknown receiver, 403 for another receiver's feed.
func (s *Server) authorize(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		info := infoOf(r.Context())
		name := r.PathValue("receiver")
		_, known := s.receivers[name]
		if known && info != nil {
			info.receiver = name
		}
		t, msg, err := s.authenticate(r)
		if err != nil {
			s.fail(w, r, fmt.Errorf("tokens cannot be checked now: %w", err)) // 503 while the database is busy
			return
		}
		if msg != "" {
			challenge := `Bearer realm="vpsau"`
			if msg != "missing bearer token" {
				challenge += `, error="invalid_token"`
			}
			w.Header().Set("WWW-Authenticate", challenge)
			writeError(w, http.StatusUnauthorized, problem{Message: msg})
			return
		}
		if info != nil {
			info.tokenID, info.tokenName = t.ID, t.Name
		}
		if ok, wait := s.limits.allow(t.ID, s.cfg.Now()); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, problem{Message: "rate limit: " + strconv.Itoa(s.cfg.RatePerMinute) + " requests a minute per token"})
			return
		}
		if !known {
			writeError(w, http.StatusNotFound, problem{Field: "receiver", Message: "no such receiver"})
			return
		}
		if t.Receiver != name {
			writeError(w, http.StatusForbidden, problem{Message: "this token reaches the feed of " + t.Receiver + " only"})
			return
		}
		next(w, r)
	}
}

// authenticate finds the request's token. A token that is not good gets the message for
// its 401, which never repeats the secret; err is the failure to load the tokens.
func (s *Server) authenticate(r *http.Request) (t token.Token, msg string, err error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return token.Token{}, "missing bearer token", nil
	}
	scheme, secret, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return token.Token{}, "missing bearer token", nil
	}
	secret = strings.TrimSpace(secret)
	id, ok := token.ID(secret)
	if !ok {
		return token.Token{}, "unknown token", nil
	}
	t, found := s.lookup(id)
	if !found {
		var reloaded bool
		reloaded, err = s.reloadForMiss(r.Context())
		if err != nil {
			return token.Token{}, "", err
		}
		if reloaded {
			t, found = s.lookup(id)
		}
	}
	if !found || !t.Matches(secret) {
		return token.Token{}, "unknown token", nil
	}
	now := s.cfg.Now()
	switch {
	case !t.Revoked.IsZero():
		return token.Token{}, "token revoked", nil
	case !t.Active(now):
		return token.Token{}, "token expired", nil
	}
	return t, "", nil
}

func (s *Server) lookup(id string) (token.Token, bool) {
	s.tokMu.RLock()
	defer s.tokMu.RUnlock()
	t, ok := s.tokens[id]
	return t, ok
}

// reloadForMiss reloads the tokens for an id not in memory — a token made by another
// process since the last refresh — unless a miss did so less than MissRefresh ago: an
// unauthenticated client sending made-up ids cannot keep the database open.
func (s *Server) reloadForMiss(ctx context.Context) (bool, error) {
	s.missMu.Lock()
	now := s.cfg.Now()
	if !s.lastMiss.IsZero() && now.Sub(s.lastMiss) < s.cfg.MissRefresh {
		s.missMu.Unlock()
		return false, nil
	}
	s.lastMiss = now
	s.missMu.Unlock()
	return true, s.Refresh(ctx)
}

// Refresh reloads the tokens from the database.
func (s *Server) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	var all []token.Token
	err := s.withDB(ctx, func(ctx context.Context, c *store.Conn) error {
		var err error
		all, err = token.List(ctx, c, "")
		return err
	})
	if err != nil {
		return err
	}
	m := make(map[string]token.Token, len(all))
	for _, t := range all {
		m[t.ID] = t
	}
	s.tokMu.Lock()
	s.tokens = m
	s.tokMu.Unlock()
	return nil
}

// limiter is a token bucket per API token.
type limiter struct {
	rate  float64 // per second
	burst float64

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	level float64
	last  time.Time
}

func newLimiter(perSecond float64, burst int) *limiter {
	return &limiter{rate: perSecond, burst: float64(burst), buckets: map[string]*bucket{}}
}

// allow takes one request from key's bucket; when it is empty it returns how long until
// one is there.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{level: l.burst, last: now}
		l.buckets[key] = b
	}
	if now.After(b.last) {
		b.level = math.Min(l.burst, b.level+now.Sub(b.last).Seconds()*l.rate)
		b.last = now
	}
	if b.level >= 1 {
		b.level--
		return true, 0
	}
	return false, time.Duration((1 - b.level) / l.rate * float64(time.Second))
}

// fail is how a handler reports an unexpected failure: logged, answered 500 (or 503
// when the database is busy).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, errBusy) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(s.cfg.DBWait.Seconds()))))
		writeError(w, http.StatusServiceUnavailable, problem{Message: "the database is busy (a run or an operator's command); try again"})
		return
	}
	if r.Context().Err() != nil {
		return // the client went away
	}
	s.cfg.Log.Error("request failed", "receiver", r.PathValue("receiver"), "path", r.URL.Path, "err", err)
	writeError(w, http.StatusInternalServerError, problem{Message: "internal error"})
}
