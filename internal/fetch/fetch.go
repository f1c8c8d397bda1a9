// Package fetch is the client of the source systems' HTTP JSON APIs (docs/sources-http.md):
// it gets an OAuth2 client-credentials token, follows a snapshot through all its pages,
// retries what is worth retrying with exponential backoff and full jitter, and refuses
// answers that break the contract. It hands each page's body to the caller verbatim (raw
// payloads are kept per run); reading the items is the caller's business, with DecodePage.
package fetch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Defaults for the zero values of Config.
const (
	DefaultPageSize    = 1000
	DefaultTimeout     = 30 * time.Second
	DefaultMaxAttempts = 5
	DefaultMinBackoff  = 500 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultMaxPages    = 100000
)

// maxBody is the largest response body accepted (a page of 5000 rows of a 200-column
// subsidy file is about 20 MB).
const maxBody = 512 << 20

// Config says where a source is and how patient to be with it. Zero values take the
// defaults.
type Config struct {
	BaseURL      string // e.g. https://dataflyt.example/api; paths are appended to it
	TokenURL     string // default BaseURL + "/oauth2/token"
	ClientID     string
	ClientSecret string

	PageSize    int           // page_size asked for; default 1000 (the server may send fewer)
	Timeout     time.Duration // per HTTP request, body included; default 30s
	MaxAttempts int           // per request, the first one included; default 5
	MinBackoff  time.Duration // the ceiling of the first wait; default 500ms
	MaxBackoff  time.Duration // the largest wait, Retry-After included; default 30s
	MaxPages    int           // a snapshot with more pages is refused; default 100000

	// Sleep waits d, or until ctx is done and then returns ctx.Err(). Nil means a real
	// timer; tests put a recorder here so that they do not wait.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for Retry-After given as an HTTP date; nil means time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.TokenURL == "" {
		c.TokenURL = strings.TrimRight(c.BaseURL, "/") + "/oauth2/token"
	}
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MinBackoff <= 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxBackoff < c.MinBackoff {
		c.MaxBackoff = c.MinBackoff
	}
	if c.MaxPages <= 0 {
		c.MaxPages = DefaultMaxPages
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Client talks to one source system. It is safe for concurrent use; the token is shared.
type Client struct {
	source string
	cfg    Config
	http   *http.Client
	oauth  *clientcredentials.Config
	log    *slog.Logger

	mu    sync.Mutex
	token *oauth2.Token // the last token; the oauth2 library decides when it needs renewing
}

// New returns a client for the source system named source (dataflyt, slakt, didac,
// portal), which names it in every error and log line. A nil log discards.
func New(source string, cfg Config, log *slog.Logger) *Client {
	cfg = cfg.withDefaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	return &Client{
		source: source,
		cfg:    cfg,
		http:   &http.Client{Timeout: cfg.Timeout, Transport: transport},
		oauth: &clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.TokenURL,
			AuthStyle:    oauth2.AuthStyleInHeader,
		},
		log: log.With("source", source),
	}
}

// Pages fetches the full snapshot at path (e.g. /v1/producers), page by page, and calls
// page with each page's number (from 1) and its body, verbatim, in order. The body is
// valid only until page returns (one buffer is read into for every page): a page that
// keeps it, or values decoded from it, copies it first. A page is passed
// on only once it has the shape DecodePage wants and does not break the paging: a
// next_page_token that was used before, a page whose items are byte for byte those of the
// page before it, or more pages than MaxPages is ErrPagination. An error from page stops the paging and is
// returned wrapped.
func (c *Client) Pages(ctx context.Context, path string, page func(n int, body []byte) error) error {
	return c.pages(ctx, path, nil, func(n int, body []byte, _ *Columns) error { return page(n, body) })
}

// PagesColumns is Pages with each page decoded by column as it arrives, as
// DecodePageColumns decodes it — the same checks, the same errors — in place of Pages'
// check: page gets the body and its items, so that a reader need not decode the page
// again. The items share the body's memory and hold only during the call (Compact keeps
// them).
func (c *Client) PagesColumns(ctx context.Context, path string, columns []string, page func(n int, body []byte, items *Columns) error) error {
	pos, err := positions(columns)
	if err != nil {
		return c.fail(path, 0, err)
	}
	return c.pages(ctx, path, pos, page)
}

// pages is Pages, and with pos PagesColumns.
func (c *Client) pages(ctx context.Context, path string, pos map[string]int, page func(n int, body []byte, items *Columns) error) error {
	used := make(map[string]bool)
	var token string
	seed := maphash.MakeSeed()
	var prev uint64 // hash of the previous page's items array
	// Every page is read into one buffer, taken from those that earlier snapshots grew.
	buf := buffers.Get().(*bytes.Buffer)
	defer buffers.Put(buf)
	for n := 1; ; n++ {
		if n > c.cfg.MaxPages {
			return c.fail(path, n, fmt.Errorf("%w: more than %d pages (MaxPages)", ErrPagination, c.cfg.MaxPages))
		}
		q := url.Values{"page_size": {strconv.Itoa(c.cfg.PageSize)}}
		if token != "" {
			q.Set("page_token", token)
		}
		u, err := c.url(path, q)
		if err != nil {
			return c.fail(path, n, err)
		}
		var p decoded
		body, err := c.get(ctx, path, n, u, buf, func(body []byte) error {
			var err error
			if pos == nil {
				p, err = checkPage(body)
			} else {
				p, err = decodeBody(body, false, pos)
			}
			if err != nil && !json.Valid(body) {
				return &transient{err: err} // cut off on the way: worth another try
			}
			return err
		})
		if err != nil {
			return c.fail(path, n, err)
		}
		sum := maphash.String(seed, p.raw)
		if p.len() > 0 && sum == prev {
			return c.fail(path, n, fmt.Errorf("%w: page %d has the same %d items as page %d", ErrPagination, n, p.len(), n-1))
		}
		if p.next != "" && used[p.next] {
			return c.fail(path, n, fmt.Errorf("%w: next_page_token %q was used before (a loop)", ErrPagination, short(p.next)))
		}
		if err := page(n, body, p.cols); err != nil {
			return c.fail(path, n, err)
		}
		c.log.Debug("page", "path", path, "page", n, "rows", p.len(), "bytes", len(body))
		if p.next == "" {
			c.log.Info("fetched", "path", path, "pages", n)
			return nil
		}
		next := strings.Clone(p.next) // not a view into the body, which would stay alive with it
		used[next] = true
		token = next
		prev = sum
	}
}

// Get fetches one JSON document that is not paged, such as /v1/subsidy.
func (c *Client) Get(ctx context.Context, path string) ([]byte, error) {
	u, err := c.url(path, nil)
	if err != nil {
		return nil, c.fail(path, 0, err)
	}
	body, err := c.get(ctx, path, 0, u, new(bytes.Buffer), func(body []byte) error {
		var v json.RawMessage
		if err := json.Unmarshal(body, &v); err != nil {
			return &transient{err: fmt.Errorf("%w: body of %d bytes is not valid JSON: %v", ErrBadResponse, len(body), err)}
		}
		return nil
	})
	if err != nil {
		return nil, c.fail(path, 0, err)
	}
	return body, nil
}

// get sends GET u until it succeeds and check accepts the body, or an error is not worth
// retrying, or MaxAttempts are used up.
func (c *Client) get(ctx context.Context, path string, n int, u string, buf *bytes.Buffer, check func([]byte) error) ([]byte, error) {
	for attempt := 1; ; attempt++ {
		body, err := c.try(ctx, u, buf)
		if err == nil {
			err = check(body)
		}
		if err == nil {
			return body, nil
		}
		var t *transient
		if !errors.As(err, &t) {
			return nil, err
		}
		if attempt >= c.cfg.MaxAttempts {
			return nil, fmt.Errorf("%w after %d attempts: %w", ErrGaveUp, attempt, t.err)
		}
		wait := c.backoff(attempt)
		if t.asked {
			wait = min(t.wait, c.cfg.MaxBackoff)
		}
		c.log.Warn("retrying", "path", path, "page", n, "attempt", attempt, "wait", wait, "err", t.err)
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%w (while waiting to retry after: %v)", err, t.err)
		}
	}
}

// try makes one attempt: a token if needed, then the request, whose body it reads into buf
// (and returns: valid until buf is used again). Errors worth retrying come back as
// *transient.
func (c *Client) try(ctx context.Context, u string, buf *bytes.Buffer) ([]byte, error) {
	tok, err := c.tokenFor(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	tok.SetAuthHeader(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, err)
	}
	defer resp.Body.Close()
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxBody+1))
	body := buf.Bytes()
	if err != nil {
		return nil, c.transportError(ctx, fmt.Errorf("reading body: %w", err))
	}
	if len(body) > maxBody {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrBadResponse, maxBody)
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if ct := resp.Header.Get("Content-Type"); !isJSON(ct) {
			return nil, fmt.Errorf("%w: Content-Type %q, want application/json", ErrBadResponse, ct)
		}
		return body, nil
	}
	se := &StatusError{Code: resp.StatusCode, Message: serverMessage(body)}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		t := &transient{err: se}
		t.wait, t.asked = retryAfter(resp.Header.Get("Retry-After"), c.cfg.Now())
		return nil, t
	case resp.StatusCode == http.StatusUnauthorized:
		c.dropToken(tok) // the next call starts with a fresh token
	}
	return nil, se
}

// tokenFor returns a valid token, fetching a new one when the last has expired (or is
// about to). Concurrent callers wait for one fetch.
func (c *Client) tokenFor(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	octx := context.WithValue(ctx, oauth2.HTTPClient, c.http)
	tok, err := oauth2.ReuseTokenSource(c.token, c.oauth.TokenSource(octx)).Token()
	if err != nil {
		return nil, c.tokenError(ctx, err)
	}
	c.token = tok
	return tok, nil
}

func (c *Client) dropToken(tok *oauth2.Token) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok {
		c.token = nil
	}
}

// tokenError says why the token endpoint gave no token; 5xx, 429 and network trouble are
// worth retrying, a refusal is ErrUnauthorized.
func (c *Client) tokenError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	where := "token POST " + c.cfg.TokenURL
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg = strings.TrimPrefix(msg+": "+re.ErrorDescription, ": ")
		}
		if msg == "" {
			msg = serverMessage(re.Body)
		}
		se := &StatusError{Code: re.Response.StatusCode, Message: msg, token: true}
		if se.Code == http.StatusTooManyRequests || se.Code >= 500 {
			t := &transient{err: fmt.Errorf("%s: %w", where, se)}
			t.wait, t.asked = retryAfter(re.Response.Header.Get("Retry-After"), c.cfg.Now())
			return t
		}
		return fmt.Errorf("%s: %w", where, se)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		t := c.transportError(ctx, ue).(*transient)
		t.err = fmt.Errorf("%s: %w", where, t.err)
		return t
	}
	return fmt.Errorf("%s: %w: %v", where, ErrBadResponse, err)
}

// transportError classifies an error from sending a request or reading its body: the
// caller's cancellation is final, anything else (timeouts, refused or reset connections,
// a body cut short) is worth another try.
func (c *Client) transportError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &transient{err: fmt.Errorf("no complete answer within %v (timeout)", c.cfg.Timeout)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &transient{err: err}
}

// url joins BaseURL, path and the query.
func (c *Client) url(path string, q url.Values) (string, error) {
	u, err := url.Parse(strings.TrimRight(c.cfg.BaseURL, "/") + path)
	if err != nil {
		return "", fmt.Errorf("bad URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("BaseURL %q is not an http(s) URL", c.cfg.BaseURL)
	}
	if len(q) > 0 {
		all := u.Query()
		for k, v := range q {
			all[k] = v
		}
		u.RawQuery = all.Encode()
	}
	return u.String(), nil
}

func (c *Client) fail(path string, page int, err error) error {
	return &Error{Source: c.source, Method: http.MethodGet, Path: path, Page: page, Err: err}
}

// backoff is the wait before attempt+1: full jitter, uniform in [0, min(MaxBackoff,
// MinBackoff·2^(attempt-1))].
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.cfg.MinBackoff
	for i := 1; i < attempt && ceiling < c.cfg.MaxBackoff; i++ {
		ceiling *= 2
	}
	ceiling = min(ceiling, c.cfg.MaxBackoff)
	return rand.N(ceiling + 1)
}

// retryAfter reads a Retry-After header: whole seconds or an HTTP date.
func retryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		return time.Duration(min(secs, 1<<30)) * time.Second, true
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// serverMessage picks the message out of an error body like {"error": "…",
// "error_description": "…"}; anything else gives "".
func serverMessage(body []byte) string {
	var m struct {
		Error       any    `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var parts []string
	if s, ok := m.Error.(string); ok && s != "" {
		parts = append(parts, s)
	}
	for _, s := range []string{m.Description, m.Message} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return short(oneLine(strings.Join(parts, ": ")))
}

// short cuts a string for an error message.
func short(s string) string {
	const n = 200
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// buffers holds the buffers Pages reads pages into, between snapshots: a page runs to
// tens of megabytes, and growing a new buffer to that for every snapshot (each larger
// slice cleared, then copied into) cost more than the decoding.
var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
