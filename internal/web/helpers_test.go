package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
	"github.com/slatrack/slatrack/internal/web"
)

// testClock is a movable clock shared by the service and the test.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// app is a running slatrack web server over a fresh store.
type app struct {
	t       testing.TB
	srv     *httptest.Server
	svc     *desk.Service
	store   *store.Store
	clock   *testClock
	admin   *desk.User
	staff   *desk.User
	cfg     config.Config
	baseURL string // http://localhost:PORT (browsers accept Secure cookies there)
}

const testPassword = "correct horse battery"

var ny = clock.DefaultOptions().Location

// newApp starts the whole web application on a loopback port, on SQLite in
// a temp dir, with the clock standing on a Wednesday morning in New York.
func newApp(t testing.TB) *app {
	t.Helper()
	return newAppOn(t, storetest.OpenEnv(t))
}

// newAppOn is newApp over a given store.
func newAppOn(t testing.TB, st *store.Store) *app {
	t.Helper()
	return newAppWith(t, st, nil)
}

// newAppWith is newAppOn with the configuration changed by edit first.
func newAppWith(t testing.TB, st *store.Store, edit func(*config.Config)) *app {
	t.Helper()
	cfg := config.Default()
	if edit != nil {
		edit(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	tc := &testClock{t: time.Date(2026, 7, 1, 10, 0, 0, 0, ny)}
	pol, cl := desktest.Policy(t), desktest.Classifier(t)
	if edit != nil { // the edited configuration's classes and rules
		cal, err := clock.New(cfg.ClockOptions())
		if err != nil {
			t.Fatal(err)
		}
		if pol, err = sla.New(cal, cfg.Classes(), cfg.AtRisk()); err != nil {
			t.Fatal(err)
		}
		if cl, err = cfg.Classifier(); err != nil {
			t.Fatal(err)
		}
	}
	svc := desk.NewService(st, desk.Config{Policy: pol, Classifier: cl, RefPrefix: "SR", Now: tc.Now, BcryptCost: 4})
	ws, err := web.New(web.Options{
		Service: svc, Server: cfg.Server, Secret: []byte("0123456789abcdef0123456789abcdef"),
		Logger:  testLogger(),
		Ready:   func(r *http.Request) error { return st.Ping(r.Context()) },
		Reports: st, ReportDefaults: cfg.Reports, Health: st,
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ws.Handler())
	t.Cleanup(srv.Close)
	a := &app{t: t, srv: srv, svc: svc, store: st, clock: tc, cfg: cfg,
		baseURL: strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)}
	ctx := context.Background()
	if a.admin, err = svc.CreateUser(ctx, desk.NewUser{Email: "admin@agency.gov", Name: "Ada Admin", Role: desk.RoleAdmin, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	if a.staff, err = svc.CreateUser(ctx, desk.NewUser{Email: "sam@agency.gov", Name: "Sam Staff", Role: desk.RoleStaff, Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	return a
}

// testLogger discards the server's log unless SLATRACK_TEST_LOG is set.
func testLogger() *slog.Logger {
	if os.Getenv("SLATRACK_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// client is a browser-like HTTP client: it keeps cookies (including Secure
// ones, as browsers do on localhost) and does not follow redirects, so tests
// can see them.
type client struct {
	a       *app
	t       testing.TB
	cookies map[string]*http.Cookie
}

func (a *app) client() *client {
	return &client{a: a, t: a.t, cookies: map[string]*http.Cookie{}}
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = &http.Cookie{Name: ck.Name, Value: ck.Value}
		}
	}
	return resp, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.a.srv.URL+path, nil)
	req.Header.Set("Accept", "text/html")
	return c.do(req)
}

func (c *client) postForm(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.a.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/html")
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf fetches a page and returns the CSRF token of its forms.
func (c *client) csrf(path string) string {
	c.t.Helper()
	_, body := c.get(path)
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		c.t.Fatalf("no csrf_token on %s", path)
	}
	return m[1]
}

// submit posts a form as a browser would: with the page's CSRF token.
func (c *client) submit(page, action string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	form.Set("csrf_token", c.csrf(page))
	return c.postForm(action, form)
}

// login logs the client in as email.
func (c *client) login(email string) {
	c.t.Helper()
	resp, body := c.submit("/login", "/login", url.Values{"email": {email}, "password": {testPassword}})
	if resp.StatusCode != http.StatusSeeOther {
		c.t.Fatalf("login %s: status %d: %s", email, resp.StatusCode, body)
	}
}

// apiToken creates an API token for a user.
func (a *app) apiToken(email string) string {
	a.t.Helper()
	tok, _, err := a.svc.CreateToken(context.Background(), desk.NewToken{Email: email, Name: "test"})
	if err != nil {
		a.t.Fatal(err)
	}
	return tok
}

// api calls the JSON API with a bearer token.
func (a *app) api(token, method, path, body string) (*http.Response, string) {
	a.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.srv.URL+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
