// Package seed generates a realistic support desk — tickets with their
// timelines — for demos, benchmarks and load tests. It works on the domain
// types only and hands the tickets out in batches, so any number of them
// is made in constant memory; the caller stores each batch (the `slatrack
// seed` command with store.ImportTickets).
//
// What it makes, for a cloud platform's desk serving government agencies:
//
//   - Receipt times spread over Options.Years back from Options.Now, in
//     increasing order, mostly in business hours of the policy's calendar,
//     with a weekday and hour-of-day skew, fewer at night, on weekends and
//     on holidays, a quiet end of December, a busy September (the fiscal
//     year end), a desk that grows over time, and the odd incident day when
//     outage reports pile up.
//   - Subjects and bodies from a varied template bank (outages with 502s and
//     503s, failing cf pushes, org, space and user requests, quota
//     increases, billing, ATO and compliance questions, documentation),
//     classified by the real classifier (the reason recorded), sometimes
//     with the requester's own choice of class (as the web form allows), and
//     about 5% reclassified by staff, with the deadline recomputed.
//   - Deadlines from the policy; first responses at a business-time
//     fraction of the target, so that about 90% meet it (a little fewer for
//     outages, more for general questions). The classes are the policy's:
//     each kind of request (outage, access, general) goes to one of them
//     (see topicClasses).
//   - Old tickets closed or resolved; the most recent ones, about
//     Options.OpenShare of all, still new, open or waiting on the customer,
//     some unanswered and overdue.
//   - Promises as the desk keeps them: the first response; a next response
//     for each follow-up the requester writes after a reply, kept by the
//     next reply (at a fraction of the target, like the first) or, when
//     that is still to come, owed — some overdue; a resolution for classes
//     that set one, paused while waiting on the customer.
//   - Assignees from Options.Staff, channels (web, email, API), requesters
//     from a pool of agencies, and timelines of 4–7 events on average:
//     message in, created, assigned, reply, first response, status changes,
//     the odd reclassification, follow-up or internal note.
//
// The output depends only on the options, the policy and the classifier:
// the same Seed gives the same desk, whatever the batch size.
package seed

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/slatrack/slatrack/internal/classify"
	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/promise"
	"github.com/slatrack/slatrack/internal/sla"
)

// Item is one generated ticket and its timeline, oldest event first. The
// ticket has no ID or reference yet; events have no TicketID.
type Item struct {
	Ticket *desk.Ticket
	Events []*desk.Event
}

// Options say what desk to generate.
type Options struct {
	// Tickets is how many tickets to make.
	Tickets int
	// Years spreads the receipt times over this many years back from Now
	// (default 2).
	Years float64
	// Now is the end of the period: nothing happens after it (default
	// time.Now()). Set it for a reproducible desk.
	Now time.Time
	// OpenShare is about what share of the tickets is still open: new,
	// open or waiting (default 0.1; negative for none). With a short
	// period, tickets whose work would run past Now stay open too.
	OpenShare float64
	// Seed selects the desk: the same seed and options give the same tickets.
	Seed uint64
	// Staff are the people tickets are assigned to and answered by (their
	// ID, Email and Display are used). Without staff, tickets are
	// unassigned and answered by an anonymous "Support staff".
	Staff []*desk.User
}

// DefaultBatch is the batch size when Generate is given none.
const DefaultBatch = 1000

// Shares of the tickets, tuned so the desk looks lived-in.
const (
	reclassShare    = 0.05  // reclassified by staff
	assignedShare   = 0.72  // given an assignee
	neglectShare    = 0.04  // open tickets nobody has answered yet, whatever their age
	strayOpenShare  = 0.001 // older tickets still open
	choiceShare     = 0.15  // web and API tickets whose requester picked a class
	followUpShare   = 0.12  // requester writes again after the first reply
	unansweredShare = 0.35  // open tickets whose requester's follow-up has no reply yet
	noteShare       = 0.07  // staff leave an internal note
	waitingShare    = 0.40  // open, answered tickets waiting on the customer
	resolvedShare   = 0.20  // finished tickets left resolved rather than closed
)

// Generate makes opts.Tickets tickets in receipt order and calls emit with
// each batch of batchSize (DefaultBatch if ≤ 0; the last batch may be
// smaller). A batch is never reused, so emit may keep it or hand it to
// another goroutine. Generate stops at emit's first error and returns it.
func Generate(opts Options, pol *sla.Policy, cl *classify.Classifier, emit func(batch []Item) error, batchSize int) error {
	if pol == nil || cl == nil {
		return errors.New("seed: Generate needs a policy and a classifier")
	}
	switch {
	case opts.Tickets < 0:
		return fmt.Errorf("seed: %d tickets: want zero or more", opts.Tickets)
	case opts.Years < 0 || math.IsNaN(opts.Years) || math.IsInf(opts.Years, 0):
		return fmt.Errorf("seed: %v years: want a positive number", opts.Years)
	case opts.OpenShare > 1 || math.IsNaN(opts.OpenShare):
		return fmt.Errorf("seed: open share %v: want at most 1", opts.OpenShare)
	}
	if opts.Years == 0 {
		opts.Years = 2
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	switch {
	case opts.OpenShare == 0:
		opts.OpenShare = 0.1
	case opts.OpenShare < 0:
		opts.OpenShare = 0
	}
	if batchSize <= 0 {
		batchSize = DefaultBatch
	}
	if opts.Tickets == 0 {
		return nil
	}

	g := newGenerator(opts, pol, cl)
	sched := g.schedule()
	// Receipt times are drawn in order, one day at a time; the tickets of a
	// batch are then made in parallel (each from its own random source).
	workers := runtime.GOMAXPROCS(0)
	jobs := make([]job, 0, min(batchSize, opts.Tickets))
	flush := func() error {
		items := make([]Item, len(jobs))
		make1 := func(lo, hi int) {
			for k := lo; k < hi; k++ {
				j := jobs[k]
				items[k] = g.newTK(j.i).ticket(j.i, j.rt, j.incident)
			}
		}
		if workers < 2 || len(jobs) < 64 {
			make1(0, len(jobs))
		} else {
			var wg sync.WaitGroup
			per := (len(jobs) + workers - 1) / workers
			for lo := 0; lo < len(jobs); lo += per {
				hi := min(lo+per, len(jobs))
				wg.Go(func() { make1(lo, hi) })
			}
			wg.Wait()
		}
		jobs = jobs[:0]
		return emit(items)
	}
	i := 0
	var times []time.Time
	for _, d := range sched {
		if d.count == 0 {
			continue
		}
		times = g.drawTimes(times[:0], d)
		for _, rt := range times {
			jobs = append(jobs, job{i: i, rt: rt, incident: d.incident})
			i++
			if len(jobs) == batchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if len(jobs) > 0 {
		return flush()
	}
	return nil
}

// job is a ticket to make: its number, receipt time and day.
type job struct {
	i        int
	rt       time.Time
	incident bool
}

// generator holds what every ticket needs.
type generator struct {
	opts Options
	// dayRand lays out the days and receipt times, in order; each ticket
	// has a source of its own (see tk).
	dayRand *rand.Rand
	pol     *sla.Policy
	cal     *clock.Calendar
	loc     *time.Location
	cl      *classify.Classifier
	start   time.Time // the period is [start, now)
	now     time.Time
	targets map[string]time.Duration
	day     time.Duration // a business day
	// classes are the policy's class names; topicClass the class of each
	// topic.
	classes    []string
	topicClass [numTopics]string

	// The open tickets are mostly in the last tail tickets, with the
	// chance of being open rising from openLo to openHi across it.
	tail           int
	openLo, openHi float64
	stray          float64 // chance of an older ticket being open

	agencyCum []float64 // Zipf-like cumulative weights over agencies
	staffCum  []float64 // some staff take more tickets than others
	anonStaff *desk.User
}

func newGenerator(opts Options, pol *sla.Policy, cl *classify.Classifier) *generator {
	cal := pol.Calendar()
	g := &generator{
		opts:    opts,
		dayRand: rand.New(rand.NewPCG(opts.Seed, 0x736c61747261636b)),
		pol:     pol,
		cal:     cal,
		loc:     cal.Location(),
		cl:      cl,
		now:     opts.Now,
		targets: map[string]time.Duration{},
		day:     cal.BusinessDay(),
	}
	span := time.Duration(opts.Years * 365.2425 * 24 * float64(time.Hour))
	g.start = opts.Now.Add(-span)
	g.classes = pol.ClassNames()
	g.topicClass = topicClasses(pol)
	for _, c := range g.classes {
		g.targets[c], _ = pol.TargetDuration(c)
	}

	n := opts.Tickets
	if opts.OpenShare > 0 {
		g.stray = strayOpenShare
		want := opts.OpenShare*float64(n) - g.stray*float64(n)*(1-1.5*opts.OpenShare)
		want = max(want, opts.OpenShare*float64(n)/2)
		g.tail = min(n, int(math.Round(1.5*want)))
		if g.tail > 0 {
			m := min(1, want/float64(g.tail)) // mean chance across the tail
			spread := min(m, 1-m)
			g.openLo, g.openHi = m-spread, m+spread
		}
	}
	g.agencyCum = cumulative(len(agencies), func(k int) float64 { return 1 / math.Pow(float64(k+1), 0.7) })
	g.staffCum = cumulative(len(opts.Staff), func(k int) float64 { return 1 / (1 + 0.25*float64(k)) })
	g.anonStaff = &desk.User{Name: "Support staff", Email: "support@seed.slatrack.local"}
	return g
}

func cumulative(n int, w func(int) float64) []float64 {
	out := make([]float64, n)
	sum := 0.0
	for k := range out {
		sum += w(k)
		out[k] = sum
	}
	return out
}

// pickFrom draws an index from cumulative weights.
func pickFrom(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

// Hour-of-day weights (local time) for receipts.
var (
	workdayHours = [24]float64{0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.5, 1.2, 2.8, 7, 9, 9, 6.5, 7.5, 8.5, 8, 6, 2.5, 1.5, 1, 0.8, 0.6, 0.4, 0.25}
	closedHours  = [24]float64{0.3, 0.2, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.9, 1.2, 1.4, 1.4, 1.3, 1.3, 1.3, 1.2, 1.1, 1, 0.9, 0.9, 0.8, 0.7, 0.5, 0.4}
	workdayCum   = cumulative(24, func(h int) float64 { return workdayHours[h] })
	closedCum    = cumulative(24, func(h int) float64 { return closedHours[h] })
)

// day is one local calendar day of the period.
type day struct {
	y        int
	m        time.Month
	d        int
	from, to time.Time // the part of the day inside the period
	closed   bool      // weekend, holiday or closure
	incident bool      // a day of many outage reports
	weight   float64
	count    int
}

// schedule lays out the period day by day and shares the tickets among
// the days by weight, exactly Tickets in all.
func (g *generator) schedule() []day {
	var days []day
	s := g.start.In(g.loc)
	y, m, d := s.Date()
	total := 0.0
	for k := 0; ; k++ {
		lo := time.Date(y, m, d+k, 0, 0, 0, 0, g.loc)
		if !lo.Before(g.now) {
			break
		}
		hi := time.Date(y, m, d+k+1, 0, 0, 0, 0, g.loc)
		dd := day{from: maxTime(lo, g.start), to: minTime(hi, g.now)}
		dd.y, dd.m, dd.d = lo.Date()
		if !dd.from.Before(dd.to) {
			continue
		}
		cd, closed := g.cal.ClosedDayInfo(lo)
		dd.closed = closed
		w := 1.0
		if closed {
			w = 0.12
			if cd.Kind != clock.KindWeekend {
				w = 0.18
			}
		}
		switch {
		case (dd.m == time.December && dd.d >= 22) || (dd.m == time.January && dd.d <= 2):
			w *= 0.55
		case dd.m == time.September:
			w *= 1.15
		case dd.m == time.August:
			w *= 0.9
		}
		pos := float64(dd.from.Sub(g.start)) / float64(g.now.Sub(g.start))
		w *= 0.7 + 0.6*pos // the desk grows
		w *= 0.75 + 0.5*g.dayRand.Float64()
		if !closed && g.dayRand.Float64() < 0.012 {
			dd.incident = true
			w *= 2.5
		}
		w *= g.windowShare(dd)
		dd.weight = w
		total += w
		days = append(days, dd)
	}
	n := float64(g.opts.Tickets)
	cum, given := 0.0, 0
	for i := range days {
		cum += days[i].weight
		upto := int(math.Round(n * cum / total))
		if i == len(days)-1 {
			upto = g.opts.Tickets
		}
		days[i].count = upto - given
		given = upto
	}
	return days
}

// windowShare is the share of the day's hour weight inside [from, to).
func (g *generator) windowShare(d day) float64 {
	hours := &workdayHours
	if d.closed {
		hours = &closedHours
	}
	in, all := 0.0, 0.0
	for h := range 24 {
		lo := time.Date(d.y, d.m, d.d, h, 0, 0, 0, g.loc)
		hi := lo.Add(time.Hour)
		all += hours[h]
		if ov := minTime(hi, d.to).Sub(maxTime(lo, d.from)); ov > 0 {
			in += hours[h] * float64(ov) / float64(time.Hour)
		}
	}
	return in / all
}

// drawTimes appends d.count receipt times within the day, sorted.
func (g *generator) drawTimes(dst []time.Time, d day) []time.Time {
	cum := workdayCum
	if d.closed {
		cum = closedCum
	}
	for range d.count {
		var t time.Time
		ok := false
		for range 32 {
			h := pickFrom(g.dayRand, cum)
			t = time.Date(d.y, d.m, d.d, h, g.dayRand.IntN(60), g.dayRand.IntN(60), 0, g.loc)
			if !t.Before(d.from) && t.Before(d.to) {
				ok = true
				break
			}
		}
		if !ok {
			t = d.from.Add(time.Duration(g.dayRand.Int64N(int64(d.to.Sub(d.from))))).Truncate(time.Second)
			if t.Before(d.from) {
				t = d.from
			}
		}
		dst = append(dst, t.In(g.loc))
	}
	slices.SortFunc(dst, func(a, b time.Time) int { return a.Compare(b) })
	return dst
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// tk makes one ticket with its own random source, so that tickets can be
// made in parallel and still depend only on the seed and their number.
type tk struct {
	g *generator
	r *rand.Rand
}

func (g *generator) newTK(i int) *tk {
	a := splitmix(g.opts.Seed ^ splitmix(uint64(i)+0x9e3779b97f4a7c15))
	return &tk{g: g, r: rand.New(rand.NewPCG(a, splitmix(a)))}
}

// splitmix is SplitMix64's mixing function.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// chance reports true with probability p.
func (k *tk) chance(p float64) bool { return k.r.Float64() < p }

// uniform is a duration in [lo, hi), whole seconds.
func (k *tk) uniform(lo, hi time.Duration) time.Duration {
	return lo + time.Duration(k.r.Int64N(int64(hi-lo))).Truncate(time.Second)
}

// pick draws an index from cumulative weights.
func (k *tk) pick(cum []float64) int { return pickFrom(k.r, cum) }

// after is the instant business time d after t (whole seconds of business
// time, so the answers look like a person's).
func (g *generator) after(t time.Time, d time.Duration) time.Time {
	return g.cal.Due(t, d.Round(time.Second))
}

// wantOpen decides whether ticket i (in receipt order) is still open.
func (k *tk) wantOpen(i int) bool {
	g := k.g
	n := g.opts.Tickets
	if g.tail > 0 && i >= n-g.tail {
		pos := (float64(i-(n-g.tail)) + 0.5) / float64(g.tail)
		return k.chance(g.openLo + (g.openHi-g.openLo)*pos)
	}
	return k.chance(g.stray)
}

// responseFraction is the first response time as a share of the target:
// mostly well inside it, sometimes over.
func (k *tk) responseFraction(class string) float64 {
	if k.chance(lateShare[k.g.topicOf(class)]) {
		// Late: 1.02× to about 3× the target, most just over.
		return 1.02 + 2*math.Pow(k.r.Float64(), 2)
	}
	// On time: a skewed spread from 3% to 97% of the target.
	return 0.03 + 0.94*math.Pow(k.r.Float64(), 1.4)
}

// resolution is the business time from first response to resolution.
func (k *tk) resolution() time.Duration {
	g := k.g
	// Log-normal, median 3 business hours, capped at 15 business days.
	d := time.Duration(math.Exp(math.Log(float64(3*time.Hour)) + 1.3*k.r.NormFloat64()))
	return min(max(d, 5*time.Minute), 15*g.day)
}

func (k *tk) staffMember() *desk.User {
	g := k.g
	if len(g.opts.Staff) == 0 {
		return g.anonStaff
	}
	return g.opts.Staff[k.pick(g.staffCum)]
}

func userID(u *desk.User) *uint64 {
	if u == nil || u.ID == 0 {
		return nil
	}
	id := u.ID
	return &id
}

var channelHow = map[string]string{desk.ChannelWeb: "web form", desk.ChannelAPI: "API", desk.ChannelEmail: "email"}

// ticket makes ticket number i, received at rt.
func (k *tk) ticket(i int, rt time.Time, incident bool) Item {
	g := k.g
	open := k.wantOpen(i)

	// What it is about, who asks, and how.
	about := k.intendedTopic(incident)
	want := g.topicClass[about]
	c := k.content(about)
	channel := desk.ChannelWeb
	switch x := k.r.Float64(); {
	case x < 0.35:
		channel = desk.ChannelEmail
	case x < 0.45:
		channel = desk.ChannelAPI
	}

	// Classification, as the service decides it.
	res := g.cl.Classify(c.subject, c.body)
	class, by, reason := desk.DecideClass(g.pol, res, "")
	if channel != desk.ChannelEmail && k.chance(choiceShare) {
		chosen := want
		if k.chance(0.2) {
			chosen = g.classes[k.r.IntN(len(g.classes))]
		}
		class, by, reason = desk.DecideClass(g.pol, res, chosen)
	}
	origClass, origReason := class, reason
	origDue := g.cal.Due(rt, g.targets[class])

	// A staff reclassification: back to what the ticket is really about
	// when the rules got it wrong, else to another class.
	var reclassTo, reclassWhy string
	if n := len(g.classes); n > 1 && k.chance(reclassShare) {
		reclassTo = want
		if reclassTo == class {
			reclassTo = g.classes[(slices.Index(g.classes, class)+1+k.r.IntN(n-1))%n]
		}
		reclassWhy = reclassReason(k.r, g.topicOf(reclassTo))
	}
	final := class
	if reclassTo != "" {
		final = reclassTo
	}

	// The first response, in business time from receipt.
	frac := k.responseFraction(final)
	target := g.targets[final]
	answerAt := g.after(rt, time.Duration(frac*float64(target)))
	var reclassAt time.Time
	if reclassTo != "" {
		reclassAt = g.after(rt, time.Duration(frac*float64(target)*(0.1+0.6*k.r.Float64())))
		if reclassAt.After(g.now) {
			// Not yet: the ticket keeps its first class.
			reclassTo, final, target = "", class, g.targets[class]
			answerAt = g.after(rt, time.Duration(frac*float64(target)))
		}
	}
	due := origDue
	if reclassTo != "" {
		due = g.cal.Due(rt, target)
	}
	answered := !answerAt.After(g.now) && !(open && k.chance(neglectShare))

	// Work and closing.
	assignee := (*desk.User)(nil)
	if k.chance(assignedShare) {
		assignee = k.staffMember()
	}
	responder := assignee
	if responder == nil {
		responder = k.staffMember()
	}
	var resolveAt time.Time
	if answered && !open {
		resolveAt = g.after(answerAt, k.resolution()).Add(k.uniform(time.Minute, 20*time.Minute))
		if resolveAt.After(g.now) {
			open = true // still being worked on
		}
	}
	if !answered {
		open = true
	}

	requester := c.name + " <" + c.email + ">"
	t := &desk.Ticket{
		Subject:        c.subject,
		Body:           c.body,
		RequesterEmail: c.email,
		RequesterName:  c.name,
		Channel:        channel,
		Class:          final,
		ClassBy:        by,
		ClassReason:    reason,
		Status:         desk.StatusNew,
		ReceivedAt:     rt,
		ResponseDueAt:  due,
		CreatedAt:      rt,
	}
	evs := make([]*desk.Event, 0, 8)
	evs = append(evs,
		&desk.Event{At: rt, Actor: requester, Kind: desk.EventMessageIn, Body: c.body, New: c.subject},
		&desk.Event{At: rt, Actor: "slatrack", Kind: desk.EventCreated,
			Body: "Received via " + channelHow[channel] + "; classified " + origClass + " (" + origReason + "); first response due " + g.pol.Promise(origDue) + "."},
	)

	if assignee != nil {
		var at time.Time
		if answered {
			at = g.after(rt, time.Duration(frac*float64(target)*(0.05+0.45*k.r.Float64())))
		} else {
			at = g.after(rt, k.uniform(2*time.Minute, 40*time.Minute))
		}
		if at.After(g.now) {
			assignee = nil
		} else {
			lead := k.staffMember()
			evs = append(evs, &desk.Event{At: at, ActorID: userID(lead), Actor: lead.Display(), Kind: desk.EventAssigned, New: assignee.Email})
			t.AssigneeID = userID(assignee)
		}
	}

	if reclassTo != "" {
		who := k.staffMember()
		if assignee != nil {
			who = assignee
		}
		t.ClassBy = desk.ClassByStaff
		t.ClassReason = "reclassified by " + who.Display() + ": " + reclassWhy
		evs = append(evs, &desk.Event{At: reclassAt, ActorID: userID(who), Actor: who.Display(), Kind: desk.EventClassChanged,
			Old: origClass, New: reclassTo, Reason: reclassWhy})
		if !due.Equal(origDue) {
			evs = append(evs, &desk.Event{At: reclassAt, ActorID: userID(who), Actor: who.Display(), Kind: desk.EventDueChanged,
				Old: origDue.In(g.loc).Format(time.RFC3339), New: due.In(g.loc).Format(time.RFC3339),
				Reason: "class changed from " + origClass + " to " + reclassTo})
		}
	}

	last := rt
	customerAt := rt
	var later []*desk.Promise // promises after the first response
	var waitingAt time.Time
	if answered {
		fr := answerAt
		t.FirstResponseAt = &fr
		state, rem := g.pol.Evaluate(due, answerAt, answerAt)
		actor, id := responder.Display(), userID(responder)
		evs = append(evs,
			&desk.Event{At: answerAt, ActorID: id, Actor: actor, Kind: desk.EventReply, Body: c.reply(k.r, g.topicOf(final))},
			&desk.Event{At: answerAt, ActorID: id, Actor: actor, Kind: desk.EventFirstResponse, New: string(state), Body: firstResponseWords(state, rem, g.day)},
			&desk.Event{At: answerAt, ActorID: id, Actor: actor, Kind: desk.EventStatusChanged, Old: desk.StatusNew, New: desk.StatusOpen},
		)
		t.Status = desk.StatusOpen
		last = answerAt

		limit := g.now
		if !open {
			limit = resolveAt
		}
		waiting := open && k.chance(waitingShare)
		if !waiting && k.chance(followUpShare) {
			if at := answerAt.Add(k.uniform(15*time.Minute, 36*time.Hour)); at.Before(limit) {
				evs = append(evs, &desk.Event{At: at, Actor: requester, Kind: desk.EventMessageIn, Body: c.followUp(k.r)})
				customerAt = at
				// The requester wrote after a reply: a next response is owed,
				// kept by the next reply if it came before the ticket was
				// closed (or before now), else still owed (or, once closed,
				// ended as the desk ends it).
				if p := k.nextResponse(final, at, limit, open); p != nil {
					later = append(later, p)
					if p.EndReason == keptReason {
						evs = append(evs, &desk.Event{At: *p.EndedAt, ActorID: userID(responder), Actor: responder.Display(), Kind: desk.EventReply,
							Body: c.reply(k.r, g.topicOf(final))})
					}
				}
			}
		}
		if k.chance(noteShare) {
			if at := answerAt.Add(k.uniform(5*time.Minute, 4*time.Hour)); at.Before(limit) {
				who := responder
				evs = append(evs, &desk.Event{At: at, ActorID: userID(who), Actor: who.Display(), Kind: desk.EventNote, Internal: true, Body: c.note(k.r, g.topicOf(final))})
			}
		}
		if waiting {
			if at := answerAt.Add(k.uniform(time.Minute, 30*time.Minute)); !at.After(g.now) {
				evs = append(evs, &desk.Event{At: at, ActorID: userID(responder), Actor: responder.Display(), Kind: desk.EventStatusChanged,
					Old: desk.StatusOpen, New: desk.StatusWaiting})
				t.Status = desk.StatusWaiting
				waitingAt = at
			}
		}
		if !open {
			status := desk.StatusClosed
			if k.chance(resolvedShare) {
				status = desk.StatusResolved
			}
			evs = append(evs, &desk.Event{At: resolveAt, ActorID: userID(responder), Actor: responder.Display(), Kind: desk.EventStatusChanged,
				Old: desk.StatusOpen, New: status})
			t.Status = status
			ca := resolveAt
			t.ClosedAt = &ca
		}
	}

	slices.SortStableFunc(evs, func(a, b *desk.Event) int { return a.At.Compare(b.At) })
	if l := evs[len(evs)-1].At; l.After(last) {
		last = l
	}
	t.UpdatedAt = last
	t.Open = desk.IsOpenStatus(t.Status)
	t.Answered = t.FirstResponseAt != nil
	t.CustomerAt = customerAt
	// The first response from the columns, as the store derives it for a
	// ticket without promises; then the later ones.
	desk.Settle(t)
	if r := k.resolutionPromise(final, rt, waitingAt, t); r != nil {
		later = append(later, r)
	}
	t.Promises = append(t.Promises, later...)
	desk.Settle(t) // the mirrors of them all
	return Item{Ticket: t, Events: evs}
}

// keptReason is why a response promise ends with a reply, as the desk says.
const keptReason = "public staff reply"

// nextResponse is the next-response promise of a requester's message at
// at on a ticket of class: kept by a reply at a business-time fraction of
// the target like the first response's, if that comes before limit (the
// closing, or now); else, on a ticket closed at limit, ended by the
// closing; else still owed.
func (k *tk) nextResponse(class string, at, limit time.Time, open bool) *desk.Promise {
	g := k.g
	d, ok := g.pol.DurationFor(class, sla.NextResponse)
	if !ok {
		return nil
	}
	p := &desk.Promise{Class: class, Promise: promise.Start(g.cal, sla.NextResponse, at, d)}
	p.DueAt = p.DueAt.UTC()
	reply := g.after(at, time.Duration(k.responseFraction(class)*float64(d)))
	switch {
	case open && k.chance(unansweredShare):
		// Not answered yet, whatever its age.
	case reply.Before(limit):
		p.Keep(g.cal, reply, keptReason)
	case !open:
		p.Cancel(g.cal, limit, "ticket closed before a reply")
	}
	return p
}

// resolutionPromise is the resolution promise of a ticket of class
// received at rt, for classes that make one: paused while waiting on the
// customer (since waitingAt), kept when the ticket was resolved or closed.
func (k *tk) resolutionPromise(class string, rt, waitingAt time.Time, t *desk.Ticket) *desk.Promise {
	g := k.g
	d, ok := g.pol.DurationFor(class, sla.Resolution)
	if !ok {
		return nil
	}
	p := &desk.Promise{Class: class, Promise: promise.Start(g.cal, sla.Resolution, rt, d)}
	p.DueAt = p.DueAt.UTC()
	switch {
	case t.ClosedAt != nil:
		p.Keep(g.cal, *t.ClosedAt, "ticket "+t.Status)
	case t.Status == desk.StatusWaiting && !waitingAt.IsZero():
		p.Pause(waitingAt)
	}
	return p
}

// intendedTopic is what the requester is writing about.
func (k *tk) intendedTopic(incident bool) topic {
	x := k.r.Float64()
	a, p := 0.2, 0.45
	if incident {
		a, p = 0.6, 0.25
	}
	switch {
	case x < a:
		return topicOutage
	case x < a+p:
		return topicAccess
	}
	return topicGeneral
}

// firstResponseWords is what the service writes on the first_response event.
func firstResponseWords(state sla.State, rem, day time.Duration) string {
	if state == sla.Met {
		return "First response within the objective, " + sla.FormatBusiness(rem, day) + " of business time to spare."
	}
	return "First response after the objective: " + sla.FormatBusiness(rem, day) + " in business time."
}
