// Command apiload puts a bounded load on a download server on loopback: a fixed number of
// concurrent clients, each with its own keep-alive connection, download the paths of a
// list for a fixed time, and it prints the throughput and the latency percentiles as one
// JSON line. It refuses any address but loopback. scripts/bench-api.sh runs it against
// vpsau serve and nginx serving the same files.
//
//	apiload -base http://127.0.0.1:8080 -paths paths.txt -c 50 -d 20s -label api
//
// paths.txt holds one request a line: "TOKEN PATH" (clients take lines in turn).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

type result struct {
	Label      string  `json:"label"`
	Clients    int     `json:"clients"`
	Seconds    float64 `json:"seconds"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	Bytes      int64   `json:"bytes"`
	ReqPerSec  float64 `json:"req_per_s"`
	MBPerSec   float64 `json:"mb_per_s"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

type request struct{ token, path string }

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "apiload:", err)
		os.Exit(1)
	}
}

func run() error {
	base := flag.String("base", "", "server base URL (loopback only)")
	pathsFile := flag.String("paths", "", `file of "TOKEN PATH" lines`)
	clients := flag.Int("c", 50, "concurrent clients")
	dur := flag.Duration("d", 20*time.Second, "how long to load (at most 5m)")
	label := flag.String("label", "", "label of the result")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil || u.Host == "" {
		return fmt.Errorf("-base %q: not a URL", *base)
	}
	ips, err := net.LookupIP(u.Hostname())
	if err != nil || len(ips) == 0 || !ips[0].IsLoopback() {
		return fmt.Errorf("-base %q: only loopback addresses are loaded", *base)
	}
	if *dur <= 0 || *dur > 5*time.Minute || *clients < 1 || *clients > 1000 {
		return fmt.Errorf("-d must be within 5m and -c within 1–1000")
	}
	reqs, err := readPaths(*pathsFile)
	if err != nil {
		return err
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *clients, MaxIdleConns: *clients, DisableCompression: true}
	client := &http.Client{Transport: tr, Timeout: time.Minute}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()

	var mu sync.Mutex
	var all []time.Duration
	res := result{Label: *label, Clients: *clients}
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < *clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			var lat []time.Duration
			var n, errs int
			var bytes int64
			var firstErr string
			for i := w; ctx.Err() == nil; i += *clients {
				rq := reqs[i%len(reqs)]
				req, _ := http.NewRequestWithContext(ctx, "GET", *base+rq.path, nil)
				req.Header.Set("Authorization", "Bearer "+rq.token)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs++
						if firstErr == "" {
							firstErr = err.Error()
						}
					}
					continue
				}
				m, err := io.CopyBuffer(io.Discard, resp.Body, buf)
				resp.Body.Close()
				if ctx.Err() != nil {
					break // cut off by the end of the load: not counted
				}
				if err != nil || resp.StatusCode != 200 {
					errs++
					if firstErr == "" {
						firstErr = fmt.Sprintf("%s: %d %v", rq.path, resp.StatusCode, err)
					}
					continue
				}
				lat = append(lat, time.Since(t0))
				n++
				bytes += m
			}
			mu.Lock()
			all = append(all, lat...)
			res.Requests += n
			res.Errors += errs
			res.Bytes += bytes
			if res.FirstError == "" {
				res.FirstError = firstErr
			}
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	slices.Sort(all)
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()) / 1000
	}
	res.Seconds = elapsed
	res.ReqPerSec = float64(res.Requests) / elapsed
	res.MBPerSec = float64(res.Bytes) / elapsed / 1e6
	res.P50ms, res.P99ms = pct(0.50), pct(0.99)
	if len(all) > 0 {
		res.MaxMs = float64(all[len(all)-1].Microseconds()) / 1000
	}
	return json.NewEncoder(os.Stdout).Encode(res)
}

func readPaths(name string) ([]request, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []request
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		tok, path, ok := strings.Cut(strings.TrimSpace(sc.Text()), " ")
		if !ok || !strings.HasPrefix(path, "/") {
			continue
		}
		out = append(out, request{tok, path})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no requests", name)
	}
	return out, sc.Err()
}
