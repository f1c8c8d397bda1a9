package report_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dvpsau/vpsau/internal/report"
)

// TestInBrowser opens the report in headless Chromium (Debian's chromium, which .ci/run
// installs) through the DevTools protocol and fails on anything the browser complains
// about: a console message, a script error, a log entry of level warning or error (a
// violated Content-Security-Policy among them), or any request besides the page itself.
// It also wants every chart laid out with a size, and no sideways scrolling on a wide
// screen or a phone.
//
// Without Chromium the test fails, unless VPSAU_SKIP_BROWSER is set (to a reason): then
// it skips. VPSAU_CHROMIUM names the browser's binary; VPSAU_REPORT_SCREENSHOTS names a
// folder for screenshots of the page (wide, phone, dark) to look at.
func TestInBrowser(t *testing.T) {
	bin := chromium()
	if bin == "" {
		if why := os.Getenv("VPSAU_SKIP_BROWSER"); why != "" {
			t.Skipf("no Chromium, and VPSAU_SKIP_BROWSER says skip: %s", why)
		}
		t.Fatal("no Chromium found (chromium, chromium-browser, google-chrome or $VPSAU_CHROMIUM): install Debian's chromium (apt-get install chromium; .ci/run does), or set VPSAU_SKIP_BROWSER=reason to skip")
	}
	w := demo(t)
	dir, _ := write(t, w, int64(len(dates)))
	page := "file://" + filepath.ToSlash(filepath.Join(dir, report.Name(int64(len(dates)))))

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	b, err := launch(ctx, bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.close()
	s, err := b.open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("VPSAU_REPORT_SCREENSHOTS")
	views := []struct {
		name          string
		width, height int
		dark          bool
	}{
		{"wide", 1280, 900, false},
		{"phone", 390, 844, false},
		{"dark", 1280, 900, true},
	}
	for _, v := range views {
		if err := s.call(ctx, "Emulation.setDeviceMetricsOverride", map[string]any{
			"width": v.width, "height": v.height, "deviceScaleFactor": 1, "mobile": v.width < 600}, nil); err != nil {
			t.Fatal(err)
		}
		scheme := "light"
		if v.dark {
			scheme = "dark"
		}
		if err := s.call(ctx, "Emulation.setEmulatedMedia", map[string]any{
			"features": []map[string]string{{"name": "prefers-color-scheme", "value": scheme}}}, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.navigate(ctx, page); err != nil {
			t.Fatalf("%s: %v", v.name, err)
		}
		var layout struct {
			Charts   [][]any `json:"charts"`
			Overflow int     `json:"overflow"`
			Title    string  `json:"title"`
		}
		if err := s.eval(ctx, `({
			charts: Array.from(document.querySelectorAll('svg.chart')).map(s => {
				const r = s.getBoundingClientRect(); return [s.closest('figure').id, Math.round(r.width), Math.round(r.height)] }),
			overflow: document.documentElement.scrollWidth - window.innerWidth,
			title: document.title })`, &layout); err != nil {
			t.Fatal(err)
		}
		if len(layout.Charts) != 6 {
			t.Errorf("%s: %d charts laid out, want 6", v.name, len(layout.Charts))
		}
		for _, c := range layout.Charts {
			if w, _ := c[1].(float64); w < 200 {
				t.Errorf("%s: chart %v is %v px wide", v.name, c[0], c[1])
			}
			if h, _ := c[2].(float64); h < 60 {
				t.Errorf("%s: chart %v is %v px high", v.name, c[0], c[2])
			}
		}
		if layout.Overflow > 0 {
			t.Errorf("%s: the page scrolls sideways by %d px", v.name, layout.Overflow)
		}
		if !strings.Contains(layout.Title, "2027-06-01") {
			t.Errorf("%s: title %q without the business date", v.name, layout.Title)
		}
		if shots != "" {
			if err := s.screenshot(ctx, filepath.Join(shots, "report-"+v.name+".png")); err != nil {
				t.Error(err)
			}
		}
	}
	time.Sleep(200 * time.Millisecond) // late console messages
	for _, p := range s.problems(page) {
		t.Error(p)
	}
}

func chromium() string {
	if p := os.Getenv("VPSAU_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a headless Chromium driven through the DevTools protocol over a pipe
// (--remote-debugging-pipe: JSON messages separated by NUL on file descriptors 3 and 4).
type browser struct {
	cmd    *exec.Cmd
	out    *os.File // to the browser
	mu     sync.Mutex
	nextID int
	wait   map[int]chan message
	events []message
	stderr strings.Builder
	done   chan struct{}
}

type message struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct{ Message string }
	SessionID string `json:"sessionId,omitempty"`
}

func launch(ctx context.Context, bin, profile string) (*browser, error) {
	toR, toW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	fromR, fromW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-extensions",
		"--user-data-dir="+profile, "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toR, fromW}
	b := &browser{cmd: cmd, out: toW, wait: map[int]chan message{}, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{b: b}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	toR.Close()
	fromW.Close()
	go b.read(fromR)
	return b, nil
}

type lockedWriter struct{ b *browser }

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	return w.b.stderr.Write(p)
}

func (b *browser) read(r *os.File) {
	defer close(b.done)
	br := bufio.NewReader(r)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m message
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		b.mu.Lock()
		if m.ID != 0 {
			if ch, ok := b.wait[m.ID]; ok {
				ch <- m
				delete(b.wait, m.ID)
			}
		} else {
			b.events = append(b.events, m)
		}
		b.mu.Unlock()
	}
}

func (b *browser) send(ctx context.Context, session, method string, params any, result any) error {
	b.mu.Lock()
	b.nextID++
	id := b.nextID
	ch := make(chan message, 1)
	b.wait[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.out.Write(append(raw, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-b.done:
		b.mu.Lock()
		defer b.mu.Unlock()
		return fmt.Errorf("%s: the browser ended: %s", method, b.stderr.String())
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

func (b *browser) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.send(ctx, "", "Browser.close", map[string]any{}, nil)
	b.out.Close()
	select {
	case <-b.done:
	case <-ctx.Done():
		b.cmd.Process.Kill()
	}
	b.cmd.Wait()
}

// session is one page (target) of the browser.
type session struct {
	b  *browser
	id string
}

func (b *browser) open(ctx context.Context) (*session, error) {
	var target struct{ TargetID string }
	if err := b.send(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct{ SessionID string }
	if err := b.send(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	s := &session{b: b, id: attached.SessionID}
	for _, domain := range []string{"Runtime", "Log", "Network", "Page"} {
		if err := s.call(ctx, domain+".enable", map[string]any{}, nil); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func (s *session) call(ctx context.Context, method string, params, result any) error {
	return s.b.send(ctx, s.id, method, params, result)
}

// navigate loads url and waits for its load event.
func (s *session) navigate(ctx context.Context, url string) error {
	s.b.mu.Lock()
	seen := len(s.b.events)
	s.b.mu.Unlock()
	var nav struct{ ErrorText string }
	if err := s.call(ctx, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return err
	}
	if nav.ErrorText != "" {
		return errors.New("navigate: " + nav.ErrorText)
	}
	for {
		s.b.mu.Lock()
		for _, e := range s.b.events[seen:] {
			if e.SessionID == s.id && e.Method == "Page.loadEventFired" {
				s.b.mu.Unlock()
				return nil
			}
		}
		seen = len(s.b.events)
		s.b.mu.Unlock()
		select {
		case <-ctx.Done():
			return fmt.Errorf("navigate %s: no load event: %w", url, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// eval evaluates a JavaScript expression in the page and decodes its value.
func (s *session) eval(ctx context.Context, expr string, v any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct{ Text string } `json:"exceptionDetails"`
	}
	if err := s.call(ctx, "Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		return err
	}
	if res.ExceptionDetails != nil {
		return errors.New("evaluate: " + res.ExceptionDetails.Text)
	}
	return json.Unmarshal(res.Result.Value, v)
}

// screenshot saves the whole page as a PNG.
func (s *session) screenshot(ctx context.Context, path string) error {
	var metrics struct {
		CSSContentSize struct{ Width, Height float64 } `json:"cssContentSize"`
	}
	if err := s.call(ctx, "Page.getLayoutMetrics", map[string]any{}, &metrics); err != nil {
		return err
	}
	var shot struct{ Data string }
	if err := s.call(ctx, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true,
		"clip": map[string]any{"x": 0, "y": 0, "width": metrics.CSSContentSize.Width, "height": metrics.CSSContentSize.Height, "scale": 1}}, &shot); err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, png, 0o644)
}

// problems lists what the browser reported against the page: console messages, script
// errors, warnings and errors in its log, and requests for anything but the page.
func (s *session) problems(page string) []string {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	var out []string
	for _, e := range s.b.events {
		if e.SessionID != s.id {
			continue
		}
		switch e.Method {
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string
				Args []struct{ Value any }
			}
			json.Unmarshal(e.Params, &p)
			out = append(out, fmt.Sprintf("console.%s: %v", p.Type, p.Args))
		case "Runtime.exceptionThrown":
			out = append(out, "script error: "+string(e.Params))
		case "Log.entryAdded":
			var p struct {
				Entry struct{ Level, Source, Text, URL string }
			}
			json.Unmarshal(e.Params, &p)
			if p.Entry.Level == "error" || p.Entry.Level == "warning" {
				out = append(out, fmt.Sprintf("log %s (%s): %s %s", p.Entry.Level, p.Entry.Source, p.Entry.Text, p.Entry.URL))
			}
		case "Network.requestWillBeSent":
			var p struct {
				Request struct{ URL string }
			}
			json.Unmarshal(e.Params, &p)
			if u, err := url.Parse(p.Request.URL); err != nil || (p.Request.URL != page && u.Scheme != "data" && p.Request.URL != "about:blank") {
				out = append(out, "request for something besides the page: "+p.Request.URL)
			}
		case "Network.loadingFailed":
			out = append(out, "loading failed: "+string(e.Params))
		}
	}
	return out
}
