package clock_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"

	"github.com/slatrack/slatrack/internal/clock"
)

// newRickar returns rickar/cal's business calendar configured like
// clock.Default(): US federal holidays, Mon–Fri 09:00–17:00. rickar works in
// the location of the time it is given, so inputs must be in New York time.
func newRickar() *cal.BusinessCalendar {
	bc := cal.NewBusinessCalendar()
	bc.AddHoliday(us.NewYear, us.MlkDay, us.PresidentsDay, us.MemorialDay, us.Juneteenth,
		us.IndependenceDay, us.LaborDay, us.ColumbusDay, us.VeteransDay, us.ThanksgivingDay, us.ChristmasDay)
	bc.SetWorkHours(9*time.Hour, 17*time.Hour)
	bc.Cacheable = true
	return bc
}

// dueInputs returns n pseudo-random receipts spread over 2024–2028 (whole
// seconds, New York time) and targets cycling through 3h, 16h (2d), 40h (5d).
func dueInputs(n int) ([]time.Time, []time.Duration) {
	ny := clock.Default().Location()
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, ny)
	span := time.Date(2029, 1, 1, 0, 0, 0, 0, ny).Sub(from)
	r := rand.New(rand.NewPCG(1, 2))
	starts := make([]time.Time, n)
	targets := make([]time.Duration, n)
	for i := range starts {
		starts[i] = from.Add(time.Duration(r.Int64N(int64(span/time.Second))) * time.Second)
		targets[i] = []time.Duration{3 * time.Hour, 16 * time.Hour, 40 * time.Hour}[i%3]
	}
	return starts, targets
}

// TestDueAgreesWithRickar checks Due against rickar/cal's AddWorkHours on the
// benchmark inputs plus the interesting boundaries. On the default New York
// calendar the two agree everywhere we looked, including arrivals exactly at
// 17:00 (rickar counts 17:00:00 as work time but then finds no work left in
// the day) and targets used up exactly at closing (both answer 17:00).
func TestDueAgreesWithRickar(t *testing.T) {
	c := clock.Default()
	bc := newRickar()
	starts, targets := dueInputs(3000)
	ny := c.Location()
	// Boundary arrivals on ordinary days, Fridays, holidays and DST weeks.
	for _, day := range []time.Time{
		time.Date(2026, 3, 6, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny),
		time.Date(2026, 7, 2, 0, 0, 0, 0, ny), time.Date(2026, 10, 30, 0, 0, 0, 0, ny),
		time.Date(2027, 12, 23, 0, 0, 0, 0, ny), time.Date(2027, 12, 31, 0, 0, 0, 0, ny),
	} {
		for _, hms := range [][3]int{{0, 0, 0}, {8, 59, 59}, {9, 0, 0}, {12, 0, 0}, {16, 59, 59}, {17, 0, 0}, {17, 0, 1}, {23, 59, 59}} {
			for _, target := range []time.Duration{time.Second, time.Hour, 3 * time.Hour, 5 * time.Hour, 8 * time.Hour, 16 * time.Hour, 40 * time.Hour} {
				starts = append(starts, time.Date(day.Year(), day.Month(), day.Day(), hms[0], hms[1], hms[2], 0, ny))
				targets = append(targets, target)
			}
		}
	}
	for i, start := range starts {
		got := c.Due(start, targets[i])
		want := bc.AddWorkHours(start, targets[i])
		if !got.Equal(want) {
			t.Errorf("Due(%s, %s) = %s, rickar AddWorkHours says %s", start, targets[i], got, want)
		}
	}
}
