package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/sla"
)

// seedConfig writes a config for a fresh SQLite database in a temp dir.
func seedConfig(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	cfg := filepath.Join(dir, "slatrack.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("[database]\ndsn = %q\n", "sqlite:"+filepath.Join(dir, "d.db"))), 0o600); err != nil {
		tb.Fatal(err)
	}
	return cfg
}

// seedApp opens the desk that config describes.
func seedApp(t *testing.T, cfgPath string) *app {
	t.Helper()
	cfg, err := config.Load(cfgPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := openApp(context.Background(), &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.store.Close() })
	return a
}

// allTickets pages through every ticket in queue order.
func allTickets(t *testing.T, a *app) []*desk.Ticket {
	t.Helper()
	var out []*desk.Ticket
	q := desk.TicketQuery{Limit: 200}
	for {
		page, next, err := a.store.ListTickets(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		c, err := desk.DecodeCursor(next)
		if err != nil {
			t.Fatal(err)
		}
		q.After = &c
	}
}

var seededLine = regexp.MustCompile(`^seeded (\d+) tickets \((\d+) events\) in [0-9.]+s \([0-9]+ tickets/s\)\n$`)

func TestSeed(t *testing.T) {
	const n = 3000
	cfg := seedConfig(t)
	before := time.Now()
	code, out, errOut := runCmd(t, "", nil, "seed", "--config", cfg, "--tickets", strconv.Itoa(n))
	if code != 0 {
		t.Fatalf("seed: exit %d\nstdout %q\nstderr %s", code, out, errOut)
	}
	m := seededLine.FindStringSubmatch(out)
	if m == nil || m[1] != strconv.Itoa(n) {
		t.Fatalf("stdout = %q, want the summary line", out)
	}
	reportedEvents, _ := strconv.Atoi(m[2])
	if !strings.Contains(errOut, "seeding [") || !strings.Contains(errOut, "100%") || !strings.Contains(errOut, "3,000/3,000 tickets") ||
		!strings.Contains(errOut, "/s") || !strings.Contains(errOut, "ETA") {
		t.Errorf("stderr has no progress bar:\n%s", errOut)
	}

	a := seedApp(t, cfg)
	pol := a.svc.Policy
	cal := pol.Calendar()
	ts := allTickets(t, a)
	if len(ts) != n {
		t.Fatalf("%d tickets stored, want %d", len(ts), n)
	}

	users, err := a.store.ListUsers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	staff := map[uint64]*desk.User{}
	for _, u := range users {
		if strings.HasSuffix(u.Email, "@seed.slatrack.local") {
			staff[u.ID] = u
		}
	}
	if len(staff) != 5 {
		t.Fatalf("%d seed staff accounts, want 5: %v", len(staff), users)
	}

	var (
		open, answered, met, assigned, byStaff, weekend, holiday, night int
		classes                                                         = map[string]int{}
		channels                                                        = map[string]int{}
		statuses                                                        = map[string]int{}
		refs                                                            = map[string]bool{}
		totalEvents                                                     int
	)
	oldest := before.Add(-time.Duration(2 * 365.2425 * 24 * float64(time.Hour))).Add(-time.Minute)
	for i, tk := range ts {
		if refs[tk.Ref] || tk.Ref != fmt.Sprintf("SR-%d", 1000+tk.ID) {
			t.Fatalf("ticket %d: ref %q", tk.ID, tk.Ref)
		}
		refs[tk.Ref] = true
		classes[tk.Class]++
		channels[tk.Channel]++
		statuses[tk.Status]++
		if tk.ReceivedAt.After(before) || tk.ReceivedAt.Before(oldest) {
			t.Errorf("%s received %v, outside the last two years", tk.Ref, tk.ReceivedAt)
		}
		due, err := pol.Due(tk.Class, tk.ReceivedAt)
		if err != nil || !due.Truncate(time.Microsecond).Equal(tk.ResponseDueAt) {
			t.Errorf("%s (%s, received %v): due %v, want %v (%v)", tk.Ref, tk.Class, tk.ReceivedAt, tk.ResponseDueAt, due, err)
		}
		if tk.Open {
			open++
		} else if tk.ClosedAt == nil || tk.ClosedAt.Before(tk.ReceivedAt) || tk.ClosedAt.After(before) {
			t.Errorf("%s is %s with ClosedAt %v", tk.Ref, tk.Status, tk.ClosedAt)
		}
		if tk.Answered {
			answered++
			if !tk.FirstResponseAt.After(tk.ResponseDueAt) {
				met++
			}
		}
		if tk.AssigneeID != nil {
			if staff[*tk.AssigneeID] == nil {
				t.Errorf("%s assigned to user %d, not seed staff", tk.Ref, *tk.AssigneeID)
			}
			assigned++
		}
		if tk.ClassBy == desk.ClassByStaff {
			byStaff++
		}
		if tk.ClassReason == "" || !strings.Contains(tk.RequesterEmail, ".gov") || tk.Subject == "" || tk.Body == "" {
			t.Errorf("%s: reason %q, requester %q, subject %q", tk.Ref, tk.ClassReason, tk.RequesterEmail, tk.Subject)
		}
		if cd, closed := cal.ClosedDayInfo(tk.ReceivedAt); closed {
			if cd.Kind == clock.KindWeekend {
				weekend++
			} else {
				holiday++
			}
		} else if !cal.IsOpen(tk.ReceivedAt) {
			night++
		}

		tl, err := a.store.Timeline(context.Background(), tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		totalEvents += len(tl)
		if i%10 == 0 || tk.ClassBy == desk.ClassByStaff {
			checkTimeline(t, tk, tl, pol)
		}
	}

	share := func(k, of int) float64 { return float64(k) / float64(max(of, 1)) }
	t.Logf("open %.3f, met %.3f of %d answered, assigned %.2f, reclassified %d, weekend %d, holiday %d, night %d, events/ticket %.2f, classes %v, channels %v, statuses %v",
		share(open, n), share(met, answered), answered, share(assigned, n), byStaff, weekend, holiday, night, share(totalEvents, n), classes, channels, statuses)
	if s := share(open, n); s < 0.07 || s > 0.13 {
		t.Errorf("open share %.3f, want about 0.1", s)
	}
	if s := share(met, answered); s < 0.80 || s > 0.97 {
		t.Errorf("met share %.3f of answered tickets, want 0.80–0.97", s)
	}
	for _, c := range []string{"availability", "provisioning", "other"} {
		if share(classes[c], n) < 0.05 {
			t.Errorf("class %s: %d tickets", c, classes[c])
		}
	}
	for _, c := range []string{desk.ChannelWeb, desk.ChannelEmail, desk.ChannelAPI} {
		if channels[c] == 0 {
			t.Errorf("no %s tickets", c)
		}
	}
	for _, s := range desk.Statuses() {
		if statuses[s] == 0 {
			t.Errorf("no %s tickets", s)
		}
	}
	if e := share(totalEvents, n); e < 4 || e > 7.5 {
		t.Errorf("%.2f events per ticket, want 4–7", e)
	}
	if totalEvents != reportedEvents {
		t.Errorf("%d events stored, the summary says %d", totalEvents, reportedEvents)
	}
	if weekend == 0 || holiday == 0 || night == 0 {
		t.Errorf("receipts: %d on weekends, %d on holidays, %d at night; want some of each", weekend, holiday, night)
	}
	if weekend+holiday+night > n*3/10 {
		t.Errorf("%d of %d tickets received while the desk is closed: too many", weekend+holiday+night, n)
	}
	if s := share(byStaff, n); s < 0.02 || s > 0.08 {
		t.Errorf("%.3f reclassified by staff, want about 0.05", s)
	}
	if s := share(assigned, n); s < 0.5 {
		t.Errorf("only %.2f assigned", s)
	}

	// A second run adds to the desk and reuses the staff accounts.
	code, out, errOut = runCmd(t, "", nil, "seed", "--config", cfg, "--tickets", "40", "--seed", "7", "--batch", "7")
	if code != 0 || !strings.HasPrefix(out, "seeded 40 tickets") {
		t.Fatalf("second seed: exit %d, %q, %s", code, out, errOut)
	}
	if got := len(allTickets(t, a)); got != n+40 {
		t.Errorf("%d tickets after the second run, want %d", got, n+40)
	}
	if users2, _ := a.store.ListUsers(context.Background()); len(users2) != len(users) {
		t.Errorf("%d users after the second run, want %d", len(users2), len(users))
	}
}

// checkTimeline checks one ticket's events tell its story.
func checkTimeline(t *testing.T, tk *desk.Ticket, tl []*desk.Event, pol *sla.Policy) {
	t.Helper()
	if len(tl) < 2 || tl[0].Kind != desk.EventMessageIn || tl[1].Kind != desk.EventCreated || !tl[0].At.Equal(tk.ReceivedAt) {
		t.Errorf("%s: timeline does not start with message_in, created at receipt: %+v", tk.Ref, tl[:min(2, len(tl))])
		return
	}
	var firsts, classChanges int
	status := desk.StatusNew
	for i, e := range tl {
		if i > 0 && e.At.Before(tl[i-1].At) {
			t.Errorf("%s: event %d (%s) at %v before the previous one", tk.Ref, i, e.Kind, e.At)
		}
		switch e.Kind {
		case desk.EventFirstResponse:
			firsts++
			want := sla.Met
			if tk.FirstResponseAt.After(tk.ResponseDueAt) {
				want = sla.Breached
			}
			if e.New != string(want) || !e.At.Equal(*tk.FirstResponseAt) {
				t.Errorf("%s: first_response %q at %v, ticket answered %v due %v", tk.Ref, e.New, e.At, tk.FirstResponseAt, tk.ResponseDueAt)
			}
		case desk.EventStatusChanged:
			if e.Old != status {
				t.Errorf("%s: status change %s→%s from status %s", tk.Ref, e.Old, e.New, status)
			}
			status = e.New
		case desk.EventClassChanged:
			classChanges++
			if e.New != tk.Class || e.Reason == "" || e.ActorID == nil {
				t.Errorf("%s: class_changed %+v, ticket class %s", tk.Ref, e, tk.Class)
			}
		}
	}
	if status != tk.Status {
		t.Errorf("%s: timeline ends in status %s, ticket is %s", tk.Ref, status, tk.Status)
	}
	if (firsts == 1) != tk.Answered || firsts > 1 {
		t.Errorf("%s: %d first_response events, answered %v", tk.Ref, firsts, tk.Answered)
	}
	if (classChanges == 1) != (tk.ClassBy == desk.ClassByStaff) {
		t.Errorf("%s: %d class changes, class by %s", tk.Ref, classChanges, tk.ClassBy)
	}
	if last := tl[len(tl)-1].At; !last.Equal(tk.UpdatedAt) {
		t.Errorf("%s: updated %v, last event %v", tk.Ref, tk.UpdatedAt, last)
	}
}

func TestSeed_UsageErrors(t *testing.T) {
	cfg := seedConfig(t)
	for _, args := range [][]string{
		{"--tickets", "0"},
		{"--tickets", "-5"},
		{},
		{"--tickets", "10", "--open-share", "1.5"},
		{"--tickets", "10", "--years", "0"},
		{"--tickets", "10", "--batch", "0"},
		{"--tickets", "10", "extra"},
	} {
		code, out, errOut := runCmd(t, "", nil, append([]string{"seed", "--config", cfg}, args...)...)
		if code != 2 || out != "" || !strings.Contains(errOut, "slatrack seed: ") || !strings.Contains(errOut, "--help") {
			t.Errorf("seed %v: exit %d, stdout %q, stderr %q; want a usage error", args, code, out, errOut)
		}
	}
	code, _, errOut := runCmd(t, "", nil, "seed", "--config", cfg, "--tickets", "0")
	if code != 2 || !strings.Contains(errOut, "--tickets must be a positive number") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// cancelOnWrite cancels a context a little after the progress bar first
// appears, so the seed is interrupted while it stores batches.
type cancelOnWrite struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	once   sync.Once
	cancel func()
	after  time.Duration
}

func (w *cancelOnWrite) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if bytes.Contains(p, []byte("seeding [")) {
		w.once.Do(func() { time.AfterFunc(w.after, w.cancel) })
	}
	return w.buf.Write(p)
}

func (w *cancelOnWrite) String() string { w.mu.Lock(); defer w.mu.Unlock(); return w.buf.String() }

func TestSeed_Interrupted(t *testing.T) {
	cfg := seedConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errOut := &cancelOnWrite{cancel: cancel, after: 400 * time.Millisecond}
	var out bytes.Buffer
	code := run(ctx, []string{"seed", "--config", cfg, "--tickets", "200000", "--batch", "100"}, strings.NewReader(""), &out, errOut, nil)
	if code != 130 {
		t.Fatalf("exit %d, want 130\nstdout %q\nstderr %s", code, out.String(), errOut)
	}
	m := regexp.MustCompile(`interrupted: stored (\d+) of 200000 tickets \((\d+) events\)`).FindStringSubmatch(errOut.String())
	if m == nil {
		t.Fatalf("stderr does not say how many were stored:\n%s", errOut)
	}
	stored, _ := strconv.Atoi(m[1])
	if stored%100 != 0 || stored >= 200000 {
		t.Errorf("stored %d: want whole batches of 100, fewer than all", stored)
	}
	a := seedApp(t, cfg)
	if got := len(allTickets(t, a)); got != stored {
		t.Errorf("%d tickets in the database, the message says %d", got, stored)
	}
}

// BenchmarkSeed is `slatrack seed --tickets 20000` into a fresh SQLite
// database, reporting tickets stored per second.
func BenchmarkSeed(b *testing.B) {
	const n = 20000
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		cfg := seedConfig(b)
		b.StartTimer()
		start := time.Now()
		code, out, errOut := runCmd(b, "", nil, "seed", "--config", cfg, "--tickets", strconv.Itoa(n))
		total += time.Since(start)
		if code != 0 {
			b.Fatalf("exit %d: %s %s", code, out, errOut)
		}
	}
	b.ReportMetric(float64(n*b.N)/total.Seconds(), "tickets/s")
}
