package web_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium with chromedp. They look
// for the browser in $SLATRACK_CHROMIUM, then for chromium, chromium-browser
// and google-chrome on PATH. Without one they skip, except in CI (CI=true),
// where a missing browser is a failure: a CI job must never go green because
// the browser tests silently did not run.
//
// Each test function gets its own browser with a fresh profile in
// t.TempDir(), and the whole test has a deadline (browserTestTimeout), so a
// hung browser fails the test instead of hanging the CI job.

const (
	// browserTestTimeout bounds one test function: browser start, every
	// step, and nothing more.
	browserTestTimeout = 60 * time.Second
	// browserStepTimeout bounds one page action, so a step that never happens (a
	// form the browser refuses to submit, an element that never appears)
	// fails with the name of the step instead of eating the whole budget.
	browserStepTimeout = 15 * time.Second
)

// chromiumFlags are the only flags the browser gets (besides the profile
// directory and the pipe chromedp talks over).
var chromiumFlags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"disable-background-networking", "disable-component-update", "disable-sync",
}

// browserInCI reports whether the environment says it is a CI job.
func browserInCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// findChromium returns the browser to run. When there is none it skips the
// test, or fails it in CI. A SLATRACK_CHROMIUM that names no runnable
// program always fails: someone asked for that browser explicitly.
func findChromium(t *testing.T) string {
	t.Helper()
	const install = "install Chromium (Debian/Ubuntu: apt-get install -y chromium) or point SLATRACK_CHROMIUM at a Chrome/Chromium binary"
	if p := os.Getenv("SLATRACK_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("browser tests: SLATRACK_CHROMIUM=%q is not a runnable program: %v", p, err)
		}
		return path
	}
	names := []string{"chromium", "chromium-browser", "google-chrome"}
	for _, name := range names {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("browser tests: no browser found (SLATRACK_CHROMIUM is unset and none of %s is on PATH); %s", strings.Join(names, ", "), install)
	if browserInCI() {
		t.Fatal(msg + ". CI=true, so this is a failure, not a skip.")
	}
	t.Skip(msg + ".")
	return ""
}

// browser is one headless Chromium, with one tab, for one test function.
type browser struct {
	t       *testing.T
	a       *app
	ctx     context.Context // the tab; carries the test's deadline
	timeout time.Duration   // that deadline, from the browser's start
	out     *chromiumOutput // what the browser printed, shown when a test fails
}

// newBrowser starts Chromium for the test and arranges for it to be closed
// (and, failing that, killed) when the test ends.
func newBrowser(t *testing.T, a *app) *browser {
	t.Helper()
	path := findChromium(t)
	// Created before the cleanup below is registered, so it is removed after
	// the browser is gone (cleanups run last-in first-out).
	profile := t.TempDir()

	timeout := browserTestTimeout
	if dl, ok := t.Deadline(); ok {
		if left := time.Until(dl) - 5*time.Second; left < timeout {
			timeout = left
		}
	}
	// Not t.Context(): that is canceled before the cleanups run, which would
	// kill the browser instead of letting it close.
	root, cancelRoot := context.WithTimeout(context.Background(), timeout)

	out := &chromiumOutput{}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(profile), chromedp.CombinedOutput(out)}
	for _, f := range chromiumFlags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	tab, cancelTab := chromedp.NewContext(allocCtx)
	b := &browser{t: t, a: a, ctx: tab, timeout: timeout, out: out}

	t.Cleanup(func() {
		if t.Failed() {
			b.in(t).dumpForFailure()
		}
		// Close gracefully (Chrome then ends its own helper processes); after
		// 10 seconds, or once the deadline has passed, it is killed instead.
		cctx, cc := context.WithTimeout(tab, 10*time.Second)
		_ = chromedp.Cancel(cctx)
		cc()
		cancelTab()
		cancelAlloc() // waits until the process has exited
		cancelRoot()
		if n := killChromiumLeftovers(profile); n > 0 {
			t.Logf("browser: killed %d leftover Chromium process(es)", n)
		}
	})

	// Start the browser now, so a browser that cannot start fails here with
	// its own output rather than in the first step.
	start := time.Now()
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("browser: cannot start %s: %v\n%s", path, err, out.tail(4000))
	}
	t.Logf("browser: %s started in %v", path, time.Since(start).Round(time.Millisecond))
	return b
}

// in is the same browser, reporting to t (a subtest of the browser's test).
func (b *browser) in(t *testing.T) *browser {
	c := *b
	c.t = t
	return &c
}

// step returns a context for one action, bounded by stepTimeout.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, browserStepTimeout)
}

// do runs actions that return nothing; what names the step in a failure.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %s: %v (page %s)", what, err, b.location())
	}
}

// open navigates to a path of the app.
func (b *browser) open(path string) {
	b.t.Helper()
	b.do("open "+path, chromedp.Navigate(b.a.baseURL+path))
}

// submit clicks a button that submits a form, waits for the page that
// results (after any redirect) and returns its HTTP response.
func (b *browser) submit(button string) *network.Response {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(button)))
	if err != nil {
		b.t.Fatalf("browser: click %s and wait for the next page: %v (page %s)", button, err, b.location())
	}
	return resp
}

// text is the visible text of the first element matching a CSS selector.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return browserRun(b, "read text of "+sel, chromedp.Text(chromedp.CSS(sel)))
}

// value is the current value of a form field.
func (b *browser) value(sel string) string {
	b.t.Helper()
	return browserRun(b, "read value of "+sel, chromedp.Value(chromedp.CSS(sel)))
}

// attr is an attribute of the first element matching a CSS selector.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	r := browserRun(b, "read "+name+" of "+sel, chromedp.AttributeValue(chromedp.CSS(sel), name))
	if !r.Exists {
		b.t.Fatalf("browser: %s has no attribute %s (page %s)", sel, name, b.location())
	}
	return r.Value
}

// path is the path (and query) of the current page.
func (b *browser) path() string {
	return strings.TrimPrefix(b.location(), b.a.baseURL)
}

// location is the URL of the current page, or a note why it is unknown.
func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "unknown: " + err.Error()
	}
	return loc
}

// browserRun runs an action that returns a value, failing the test on error.
func browserRun[T any](b *browser, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("browser: %s: %v (page %s)", what, err, b.location())
	}
	return v
}

// screenshot saves a PNG of the viewport as name in the artifact directory
// and returns its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	png := browserRun(b, "screenshot", chromedp.CaptureScreenshot())
	p := filepath.Join(browserArtifactDir(b.t), name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return p
}

// browserArtifactDir is where screenshots go: $SLATRACK_BROWSER_ARTIFACTS when set
// (so a CI job can upload them), else a temp dir removed after the test.
func browserArtifactDir(t *testing.T) string {
	if d := os.Getenv("SLATRACK_BROWSER_ARTIFACTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// dumpForFailure logs where the browser was and what it showed, and saves a
// screenshot, to make a failed browser test debuggable from the log alone.
func (b *browser) dumpForFailure() {
	if b.ctx.Err() != nil {
		b.t.Logf("browser: the browser's deadline (%v) passed or the browser died; its output:\n%s", b.timeout, b.out.tail(4000))
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	b.t.Logf("browser: failed on %s", b.location())
	if txt, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); err == nil {
		if len(txt) > 3000 {
			txt = txt[:3000] + "…"
		}
		b.t.Logf("browser: page text:\n%s", txt)
	}
	if png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot()); err == nil {
		p := filepath.Join(browserArtifactDir(b.t), strings.ReplaceAll(b.t.Name(), "/", "_")+"-failure.png")
		if os.WriteFile(p, png, 0o644) == nil {
			b.t.Logf("browser: screenshot %s", p)
		}
	}
}

// killChromiumLeftovers kills Chromium helper processes (renderer, zygote, utility)
// that outlived the browser, found by the profile directory that only this
// test's browser used. It returns how many it killed. Only on Linux, where
// /proc shows command lines; elsewhere it does nothing.
func killChromiumLeftovers(profile string) int {
	if runtime.GOOS != "linux" {
		return 0
	}
	want := []byte("--user-data-dir=" + profile)
	killed := 0
	deadline := time.Now().Add(2 * time.Second)
	for quiet := 0; quiet < 3 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		entries, err := os.ReadDir("/proc")
		if err != nil {
			return killed
		}
		found := 0
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			if err != nil {
				continue
			}
			for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
				if bytes.Equal(arg, want) {
					if p, err := os.FindProcess(pid); err == nil && p.Kill() == nil {
						found++
					}
					break
				}
			}
		}
		if found == 0 {
			quiet++
		} else {
			killed += found
			quiet = 0
		}
	}
	return killed
}

// chromiumOutput collects the browser's output from chromedp's goroutine.
type chromiumOutput struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *chromiumOutput) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// tail is the last n bytes written.
func (l *chromiumOutput) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.buf.String()
	if len(s) > n {
		s = "…" + s[len(s)-n:]
	}
	return s
}
