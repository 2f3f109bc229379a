package clock_test

import (
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

// TestConcurrentUse shares one Calendar between many goroutines calling every
// method at once; run with -race. Each answer must equal the one computed
// alone beforehand.
func TestConcurrentUse(t *testing.T) {
	c := clock.Default()
	starts, targets := dueInputs(400)
	// Mix in instants outside the table, which take the slow walk.
	starts = append(starts, at(1985, 12, 31, 16, 0, 0), at(2150, 11, 25, 16, 0, 0), at(2100, 12, 29, 12, 0, 0))
	targets = append(targets, 3*time.Hour, 16*time.Hour, 40*time.Hour)
	type answer struct {
		due, next time.Time
		elapsed   time.Duration
		open      bool
		day       clock.ClosedDay
		closed    bool
		segments  int
		paused    time.Time
	}
	compute := func(i int) answer {
		s, tg := starts[i], targets[i]
		a := answer{due: c.Due(s, tg), next: c.NextOpen(s), open: c.IsOpen(s)}
		a.elapsed = c.Elapsed(s, a.due.Add(48*time.Hour))
		a.day, a.closed = c.ClosedDayInfo(s)
		a.segments = len(c.Explain(s, tg).Segments)
		a.paused = c.DueWithPauses(s, tg, []clock.Interval{{Start: s.Add(time.Hour), End: s.Add(30 * time.Hour)}})
		_ = c.ClosedWeekdays(s.Year())
		_ = c.Remaining(s, a.due)
		return a
	}
	want := make([]answer, len(starts))
	for i := range starts {
		want[i] = compute(i)
	}
	const workers = 16
	var wg sync.WaitGroup
	errs := make(chan string, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for k := range starts {
				i := (k*7 + w*31) % len(starts) // each worker its own order
				if got := compute(i); got != want[i] {
					errs <- "concurrent answer differs for " + starts[i].String()
					return
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestNoAllocations checks that the hot paths do not allocate within the
// precomputed years.
func TestNoAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	c := clock.Default()
	starts, targets := dueInputs(64)
	i := 0
	for name, f := range map[string]func(){
		"Due":       func() { sink = c.Due(starts[i%64], targets[i%64]) },
		"Elapsed":   func() { sinkD = c.Elapsed(starts[i%64], starts[(i+1)%64]) },
		"Remaining": func() { sinkD = c.Remaining(starts[i%64], starts[(i+1)%64]) },
		"IsOpen":    func() { _ = c.IsOpen(starts[i%64]) },
		"NextOpen":  func() { sink = c.NextOpen(starts[i%64]) },
	} {
		if a := testing.AllocsPerRun(200, func() { f(); i++ }); a != 0 {
			t.Errorf("%s allocates %.1f times per call, want 0", name, a)
		}
	}
}
