package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/slatrack/slatrack/internal/config"
)

func loadtestCommand() command {
	return command{
		name:    "loadtest",
		summary: "load a running desk over HTTP and report throughput and latency",
		usage: "--url http://127.0.0.1:8080 --token API_TOKEN --email E --password P\n\n" +
			"Runs four scenarios one after another, each for --duration with --concurrency\n" +
			"workers: the queue's first page (/queue, logged in), a ticket page, ticket\n" +
			"creation (POST /api/v1/tickets) and inbound mail (POST /api/v1/inbound/email).\n" +
			"Prints requests/s and p50/p99 latency as the client saw it and as the server\n" +
			"measured it (Server-Timing), and the server's heap before and after.",
		noConfig: true,
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			base := fs.String("url", "http://127.0.0.1:8080", "the desk's base `URL`")
			token := fs.String("token", "", "an admin API `token` (slatrack token create)")
			email := fs.String("email", "", "staff login `email` for the HTML pages")
			password := fs.String("password", "", "staff login `password`")
			duration := fs.Duration("duration", 10*time.Second, "how long each scenario runs")
			workers := fs.Int("concurrency", 8, "concurrent clients per scenario")
			only := fs.String("only", "", "comma-separated scenarios to run (queue,ticket,create,inbound)")
			format := fs.String("format", "text", "text or json")
			return func(e *env, _ *config.Config, args []string) error {
				if *token == "" || *email == "" || *password == "" {
					return usagef("loadtest needs --token, --email and --password")
				}
				lt := &loadTest{base: strings.TrimRight(*base, "/"), token: *token, workers: *workers, duration: *duration}
				if err := lt.login(*email, *password); err != nil {
					return err
				}
				refs, err := lt.sampleRefs()
				if err != nil {
					return err
				}
				heapBefore := lt.heap()
				var results []loadResult
				for _, sc := range lt.scenarios(refs) {
					if *only != "" && !slices.Contains(strings.Split(*only, ","), sc.name) {
						continue
					}
					fmt.Fprintf(e.stderr, "running %s for %s with %d workers…\n", sc.name, *duration, *workers)
					results = append(results, lt.run(e.ctx, sc))
				}
				heapAfter := lt.heap()
				if *format == "json" {
					return json.NewEncoder(e.stdout).Encode(map[string]any{"results": results, "heap_before_bytes": heapBefore, "heap_after_bytes": heapAfter})
				}
				w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
				fmt.Fprintln(w, "scenario\trequests\terrors\treq/s\tp50 ms\tp99 ms\tserver p50 ms\tserver p99 ms\t")
				for _, r := range results {
					fmt.Fprintf(w, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t\n", r.Name, r.Requests, r.Errors, r.RPS, r.P50, r.P99, r.ServerP50, r.ServerP99)
				}
				w.Flush()
				fmt.Fprintf(e.stdout, "server heap in use: %.1f MB before, %.1f MB after\n", float64(heapBefore)/1e6, float64(heapAfter)/1e6)
				return nil
			}
		},
	}
}

type loadTest struct {
	base     string
	token    string
	workers  int
	duration time.Duration
	client   *http.Client
}

type scenario struct {
	name string
	req  func(r *rand.Rand, n int) (*http.Request, int) // the request and the status that means success
}

type loadResult struct {
	Name               string  `json:"name"`
	Requests           int     `json:"requests"`
	Errors             int     `json:"errors"`
	RPS                float64 `json:"rps"`
	P50                float64 `json:"p50_ms"`
	P99                float64 `json:"p99_ms"`
	ServerP50          float64 `json:"server_p50_ms"`
	ServerP99          float64 `json:"server_p99_ms"`
	FirstError         string  `json:"first_error,omitempty"`
	serverMs, clientMs []float64
}

func (lt *loadTest) login(email, password string) error {
	jar, _ := cookiejar.New(nil)
	lt.client = &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	resp, err := lt.client.Get(lt.base + "/login")
	if err != nil {
		return fmt.Errorf("reach %s: %w", lt.base, err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		return errors.New("the login page has no CSRF token")
	}
	resp, err = lt.client.PostForm(lt.base+"/login", url.Values{"csrf_token": {string(m[1])}, "email": {email}, "password": {password}})
	if err != nil {
		return err
	}
	resp.Body.Close()
	if !strings.HasSuffix(resp.Request.URL.Path, "/queue") {
		return fmt.Errorf("login as %s failed (landed on %s)", email, resp.Request.URL.Path)
	}
	return nil
}

// sampleRefs collects ticket references to open pages of.
func (lt *loadTest) sampleRefs() ([]string, error) {
	req, _ := http.NewRequest("GET", lt.base+"/api/v1/tickets?status=all&limit=200", nil)
	req.Header.Set("Authorization", "Bearer "+lt.token)
	resp, err := lt.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var page struct {
		Tickets []struct{ Ref string } `json:"tickets"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("list tickets: status %d: %v (is --token an API token?)", resp.StatusCode, err)
	}
	var refs []string
	for _, t := range page.Tickets {
		refs = append(refs, t.Ref)
	}
	if len(refs) == 0 {
		return nil, errors.New("the desk has no tickets; seed it first (slatrack seed --tickets N)")
	}
	return refs, nil
}

func (lt *loadTest) scenarios(refs []string) []scenario {
	api := func(method, path, body string) *http.Request {
		req, _ := http.NewRequest(method, lt.base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+lt.token)
		return req
	}
	run := time.Now().UnixNano()
	return []scenario{
		{"queue", func(*rand.Rand, int) (*http.Request, int) {
			req, _ := http.NewRequest("GET", lt.base+"/queue", nil)
			return req, 200
		}},
		{"ticket", func(r *rand.Rand, _ int) (*http.Request, int) {
			req, _ := http.NewRequest("GET", lt.base+"/tickets/"+refs[r.IntN(len(refs))], nil)
			return req, 200
		}},
		{"create", func(r *rand.Rand, n int) (*http.Request, int) {
			body := fmt.Sprintf(`{"subject":"Load test request %d","body":"Please raise our org's memory quota (run %d).","requester_email":"load%d@agency.gov"}`, n, run, r.IntN(1000))
			return api("POST", "/api/v1/tickets", body), 201
		}},
		{"inbound", func(r *rand.Rand, n int) (*http.Request, int) {
			msg := fmt.Sprintf("From: load%d@agency.gov\r\nTo: support@slatrack.local\r\nSubject: Load test mail %d\r\nMessage-ID: <load-%d-%d@agency.gov>\r\n\r\nOur app returns 503 since noon.\r\n", r.IntN(1000), n, run, n)
			return api("POST", "/api/v1/inbound/email", msg), 201
		}},
	}
}

func (lt *loadTest) run(ctx context.Context, sc scenario) loadResult {
	ctx, cancel := context.WithTimeout(ctx, lt.duration)
	defer cancel()
	var (
		mu      sync.Mutex
		res     = loadResult{Name: sc.name}
		counter atomic.Int64
		wg      sync.WaitGroup
	)
	start := time.Now()
	for w := range lt.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), uint64(start.UnixNano())))
			for ctx.Err() == nil {
				n := int(counter.Add(1))
				req, want := sc.req(r, n)
				req = req.WithContext(ctx)
				t0 := time.Now()
				resp, err := lt.client.Do(req)
				if ctx.Err() != nil {
					return // the scenario's time is up; this request does not count
				}
				took := float64(time.Since(t0).Microseconds()) / 1000
				var server float64
				ok := err == nil && resp.StatusCode == want
				if resp != nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					server = serverTiming(resp.Header.Get("Server-Timing"))
				}
				mu.Lock()
				res.Requests++
				if ok {
					res.clientMs = append(res.clientMs, took)
					res.serverMs = append(res.serverMs, server)
				} else {
					res.Errors++
					if res.FirstError == "" {
						if err != nil {
							res.FirstError = err.Error()
						} else {
							res.FirstError = resp.Status
						}
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	res.RPS = float64(len(res.clientMs)) / elapsed
	res.P50, res.P99 = percentiles(res.clientMs)
	res.ServerP50, res.ServerP99 = percentiles(res.serverMs)
	return res
}

func serverTiming(h string) float64 {
	_, v, ok := strings.Cut(h, "dur=")
	if !ok {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return f
}

func percentiles(xs []float64) (p50, p99 float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	slices.Sort(xs)
	at := func(p float64) float64 { return xs[min(len(xs)-1, int(p*float64(len(xs))))] }
	return at(0.50), at(0.99)
}

// heap reads the server's heap in use from /metrics (0 when not allowed).
func (lt *loadTest) heap() int64 {
	resp, err := lt.client.Get(lt.base + "/metrics")
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^go_memstats_heap_inuse_bytes ([0-9.e+]+)$`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	f, _ := strconv.ParseFloat(string(m[1]), 64)
	return int64(f)
}
