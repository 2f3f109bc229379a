package notify_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/sla"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestUrgentClasses: arrival notices, and notices while the desk is closed,
// are for the classes the configuration marks urgent, whatever they are
// called: with "security" and "availability" urgent and "general" not, a
// Saturday night brings notices about the first two only, each naming its
// class's title.
func TestUrgentClasses(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "config", "testdata", "four-classes.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := clock.New(cfg.ClockOptions())
	if err != nil {
		t.Fatal(err)
	}
	pol, err := sla.New(cal, cfg.Classes(), cfg.AtRisk())
	if err != nil {
		t.Fatal(err)
	}
	cl, err := cfg.Classifier()
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.Open(t)
	clk := &testClock{t: at(7, 11, 22, 0)} // Saturday night
	f := newDesk(t, st, clk)
	f.svc.Policy, f.svc.Classifier = pol, cl
	f.create(t, "Keys leaked", "security", at(7, 11, 21, 0))
	f.create(t, "Site is down", "availability", at(7, 11, 21, 5))
	f.create(t, "A question", "general", at(7, 11, 21, 10))

	rec := &recorder{}
	s := newScheduler(recStore{Store: st, name: "x", rec: rec}, pol, clk, notify.Config{AvailabilityAfterHours: true})
	if err := s.Tick(t.Context()); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range rec.all() {
		got = append(got, n.n.Kind+" "+n.ev.Body)
		for _, o := range n.rows {
			if o.Kind != "webhook" && !strings.Contains(o.Subject, "New security incident ticket") && !strings.Contains(o.Subject, "New availability ticket") {
				t.Errorf("subject %q does not name the class's title", o.Subject)
			}
		}
	}
	slices.Sort(got)
	want := []string{
		"arrival New availability ticket notice sent to admin@agency.gov, sam@agency.gov.",
		"arrival New security incident ticket notice sent to admin@agency.gov, sam@agency.gov.",
	}
	if !slices.Equal(got, want) {
		t.Errorf("notices\n got %q\nwant %q", got, want)
	}
}
