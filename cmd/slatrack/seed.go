package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/seed"
	"github.com/slatrack/slatrack/internal/store"
)

// seedStaff are the staff accounts seeded tickets are assigned to.
var seedStaff = []string{"Alex Rivera", "Jordan Lee", "Sam Okafor", "Morgan Chen", "Taylor Brooks"}

func seedCommand() command {
	return command{
		name:    "seed",
		summary: "fill the database with generated tickets for demos, benchmarks and load tests",
		usage: "--tickets N [--years Y] [--open-share F] [--seed S] [--batch B]\n\n" +
			"Adds N realistic tickets with their timelines, received over the last Y\n" +
			"years, to the configured database (it never deletes anything), plus five\n" +
			"staff accounts staff1..5@seed.slatrack.local to assign them to (with\n" +
			"random passwords: set one with `slatrack user password`). Progress goes\n" +
			"to standard error. The same --seed gives the same tickets, relative to\n" +
			"now. Interrupting stops after the batch being stored.",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			tickets := fs.Int("tickets", 0, "how many tickets to add (required)")
			years := fs.Float64("years", 2, "spread receipt times over this many `years` back from now")
			openShare := fs.Float64("open-share", 0.1, "about this `share` of the tickets stays open (0 to 1)")
			seedN := fs.Uint64("seed", 1, "random `seed`: the same seed gives the same desk")
			batch := fs.Int("batch", seed.DefaultBatch, "tickets per transaction")
			return func(e *env, cfg *config.Config, args []string) error {
				switch {
				case len(args) > 0:
					return usagef("seed takes no arguments (got %q); give the count with --tickets N", args[0])
				case *tickets <= 0:
					return usagef("--tickets must be a positive number of tickets, e.g. --tickets 100000")
				case !(*years > 0) || *years > 50:
					return usagef("--years must be more than 0 and at most 50")
				case !(*openShare >= 0 && *openShare <= 1):
					return usagef("--open-share must be between 0 and 1, e.g. 0.1")
				case *batch <= 0 || *batch > 20000:
					return usagef("--batch must be between 1 and 20000")
				}
				share := *openShare
				if share == 0 {
					share = -1 // seed.Options: negative is none, zero the default
				}
				a, err := openApp(e.ctx, cfg, slog.New(slog.NewTextHandler(e.stderr, nil)))
				if err != nil {
					return err
				}
				defer a.store.Close()
				staff, err := seedStaffUsers(e.ctx, a)
				if err != nil {
					return err
				}
				opts := seed.Options{Tickets: *tickets, Years: *years, Now: time.Now(), OpenShare: share, Seed: *seedN, Staff: staff}
				if err := runSeed(e, a, opts, *batch); err != nil {
					return err
				}
				return seedWayIn(e, a)
			}
		},
	}
}

// seedStaffUsers finds or creates the seed staff accounts.
func seedStaffUsers(ctx context.Context, a *app) ([]*desk.User, error) {
	// Their passwords are random and thrown away, so a slow hash protects
	// nothing; the cheapest bcrypt cost saves over a second per run.
	defer func(cost int) { a.svc.BcryptCost = cost }(a.svc.BcryptCost)
	a.svc.BcryptCost = 4
	var staff []*desk.User
	for i, name := range seedStaff {
		email := fmt.Sprintf("staff%d@seed.slatrack.local", i+1)
		u, err := a.store.GetUserByEmail(ctx, email)
		if desk.ErrorCode(err) == desk.NotFound {
			u, err = a.svc.CreateUser(ctx, desk.NewUser{Email: email, Name: name, Role: desk.RoleStaff, Password: rand.Text()[:24]})
			if desk.ErrorCode(err) == desk.Conflict { // another seed got there first
				u, err = a.store.GetUserByEmail(ctx, email)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("staff account %s: %w", email, err)
		}
		if u.Active {
			staff = append(staff, u)
		}
	}
	return staff, nil
}

// seedWayIn tells, on standard error (standard output is the summary), how
// to log in: the seed staff's passwords are thrown away, and a desk seeded
// before its first `serve` has no admin yet.
func seedWayIn(e *env, a *app) error {
	users, err := a.svc.Staff(e.ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "The seed staff accounts staff1..%d@seed.slatrack.local have random passwords nobody knows;\n"+
		"set one with `slatrack user password --email staff1@seed.slatrack.local` (password on standard input).\n", len(seedStaff))
	if !desk.AnyActiveAdmin(users) {
		fmt.Fprintf(e.stderr, "No admin account exists yet: the next `slatrack serve` creates one and prints its password\n"+
			"(set SLATRACK_ADMIN_EMAIL / SLATRACK_ADMIN_PASSWORD to choose them), or add one with\n"+
			"`slatrack user add --email YOU@EXAMPLE.ORG --name \"Your Name\" --role admin`.\n")
	}
	return nil
}

// errSeedStopped tells the generator the importer has stopped.
var errSeedStopped = errors.New("seed: stopped")

// runSeed generates and stores the tickets, generation of the next batches
// overlapping the import of the current one.
func runSeed(e *env, a *app, opts seed.Options, batchSize int) error {
	start := time.Now()
	batches := make(chan []seed.Item, 2)
	stop := make(chan struct{})
	genErr := make(chan error, 1)
	go func() {
		defer close(batches)
		genErr <- seed.Generate(opts, a.svc.Policy, a.svc.Classifier, func(b []seed.Item) error {
			select {
			case batches <- b:
				return nil
			case <-stop:
				return errSeedStopped
			}
		}, batchSize)
	}()

	bar := newProgress(e.stderr, opts.Tickets, start)
	bar.update(0, true)
	// A batch under way is finished even when interrupted: the import has a
	// context of its own, and the loop checks for the interrupt between
	// batches.
	ictx := context.WithoutCancel(e.ctx)
	var (
		stored, events int
		importErr      error
		imp            []store.ImportTicket
	)
	for b := range batches {
		if e.ctx.Err() != nil {
			break
		}
		imp = imp[:0]
		n := 0
		for _, it := range b {
			imp = append(imp, store.ImportTicket{Ticket: it.Ticket, Events: it.Events})
			n += len(it.Events)
		}
		if err := a.store.ImportTickets(ictx, a.svc.RefPrefix, imp); err != nil {
			importErr = err
			break
		}
		stored += len(b)
		events += n
		bar.update(stored, false)
	}
	close(stop)
	for range batches { // let the generator finish
	}
	gerr := <-genErr
	bar.update(stored, true)
	bar.done()

	elapsed := time.Since(start)
	switch {
	case importErr != nil:
		return fmt.Errorf("stored %d of %d tickets (%d events), then: %w", stored, opts.Tickets, events, importErr)
	case e.ctx.Err() != nil && stored < opts.Tickets:
		return &exitError{code: 130, err: fmt.Errorf("interrupted: stored %d of %d tickets (%d events) in %.1fs; each batch is stored whole or not at all",
			stored, opts.Tickets, events, elapsed.Seconds())}
	case gerr != nil && !errors.Is(gerr, errSeedStopped):
		return fmt.Errorf("generating tickets: %w (stored %d of %d)", gerr, stored, opts.Tickets)
	}
	// The queue's views are planned well only once the engine knows how
	// big the tables have become.
	if err := a.store.Analyze(e.ctx); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "seeded %d tickets (%d events) in %.1fs (%.0f tickets/s)\n",
		stored, events, elapsed.Seconds(), float64(stored)/max(elapsed.Seconds(), 1e-9))
	return nil
}

// progress draws a progress bar: redrawn in place a few times a second on
// a terminal, a line every few seconds otherwise (logs, pipes).
type progress struct {
	w        io.Writer
	total    int
	start    time.Time
	last     time.Time
	every    time.Duration
	tty      bool
	drawn    bool
	lastDone int
}

func newProgress(w io.Writer, total int, start time.Time) *progress {
	p := &progress{w: w, total: total, start: start, every: 3 * time.Second, lastDone: -1}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.tty, p.every = true, 250*time.Millisecond
		}
	}
	return p
}

// update shows done of total, unless it was drawn less than p.every ago
// (force draws anyway, once per count).
func (p *progress) update(done int, force bool) {
	now := time.Now()
	if done == p.lastDone || (!force && now.Sub(p.last) < p.every) {
		return
	}
	p.last, p.lastDone = now, done
	const width = 30
	frac := float64(done) / float64(max(p.total, 1))
	fill := int(frac * width)
	el := now.Sub(p.start).Seconds()
	rate := float64(done) / max(el, 1e-9)
	eta := "--"
	if done >= p.total {
		eta = "0s"
	} else if done > 0 {
		eta = fmtDuration(time.Duration(float64(p.total-done) / rate * float64(time.Second)))
	}
	line := fmt.Sprintf("seeding [%s%s] %3d%%  %s/%s tickets  %s/s  ETA %s",
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), int(100*frac),
		thousands(done), thousands(p.total), thousands(int(rate)), eta)
	if p.tty {
		fmt.Fprintf(p.w, "\r%s\x1b[K", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
	p.drawn = true
}

// done ends the bar's line on a terminal.
func (p *progress) done() {
	if p.tty && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func fmtDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()+0.5))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// thousands is n with comma separators: 1234567 → "1,234,567".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
