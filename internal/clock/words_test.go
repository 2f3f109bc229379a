package clock_test

import (
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
)

func TestHoursInWords(t *testing.T) {
	if got, want := clock.Default().HoursInWords(), "Monday to Friday, 9:00 AM to 5:00 PM Eastern time, except US federal holidays"; got != want {
		t.Errorf("default: %q, want %q", got, want)
	}
	o := clock.DefaultOptions()
	o.Open, o.Close, o.Holidays = 8*time.Hour, 18*time.Hour+30*time.Minute, clock.HolidaysNone
	o.Workdays = [7]bool{time.Monday: true, time.Wednesday: true, time.Saturday: true}
	o.Location, _ = time.LoadLocation("America/Chicago")
	c, err := clock.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.HoursInWords(), "Monday, Wednesday, Saturday, 8:00 AM to 6:30 PM Central time"; got != want {
		t.Errorf("custom: %q, want %q", got, want)
	}
}
