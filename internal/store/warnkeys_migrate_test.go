package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk/desktest"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestMigrate_WarningKeys: warnings recorded under the per-ticket keys of
// earlier versions ("at_risk:42") count for the ticket's first-response
// promise after the upgrade, on both engines: the scheduler neither warns
// about them again nor misses the ones still to come.
func TestMigrate_WarningKeys(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	et := func(day, hour, min int) time.Time { return time.Date(2025, 3, day, hour, min, 0, 0, ny) }
	now := et(10, 14, 0) // Monday, the desk open
	cases := []struct {
		name     string
		due      time.Time
		answered bool
		oldKeys  []string
	}{
		{"at_risk_warned_now_breached", et(10, 13, 30), false, []string{notify.KindAtRisk}},
		{"both_warned", et(10, 13, 0), false, []string{notify.KindAtRisk, notify.KindBreached}},
		{"at_risk_not_yet_warned", et(10, 14, 30), false, nil},
		{"answered_after_its_warning", et(10, 13, 0), true, []string{notify.KindAtRisk}},
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			ctx := context.Background()
			s, err := store.Open(ctx, e.NewDSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if _, err := s.MigrateTo(ctx, 13); err != nil {
				t.Fatal(err)
			}
			ids := map[string]uint64{}
			refs := map[string]string{}
			for i, c := range cases {
				ref := fmt.Sprintf("SR-%d", 3000+i)
				var fr *time.Time
				if c.answered {
					x := c.due.Add(-time.Hour).UTC()
					fr = &x
				}
				received := et(3, 10, 0).UTC()
				if err := s.ExecSQL(ctx, `INSERT INTO tickets (ref, subject, body, requester_email, requester_name, channel, class, class_by, class_reason,
					status, open, received_at, response_due_at, first_response_at, answered, flag, closed_at, created_at, updated_at)
					VALUES (?, ?, 'b', 'ann@agency.gov', '', 'web', 'other', 'rule', '', 'open', ?, ?, ?, ?, ?, '', NULL, ?, ?)`,
					ref, c.name, true, received, c.due.UTC(), fr, fr != nil, received, received); err != nil {
					t.Fatal(err)
				}
				for _, kind := range c.oldKeys {
					if err := s.ExecSQL(ctx, `INSERT INTO notifications ("key", ticket_id, kind, created_at)
						SELECT ? || ':' || CAST(id AS TEXT), id, ?, ? FROM tickets WHERE ref = ?`, kind, kind, et(10, 12, 0).UTC(), ref); err != nil {
						t.Fatal(err)
					}
				}
				refs[c.name] = ref
			}
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			for name, ref := range refs {
				tk, err := s.GetTicket(ctx, ref)
				if err != nil {
					t.Fatal(err)
				}
				ids[name] = tk.ID
			}

			sched := &notify.Scheduler{Store: s, Policy: desktest.Policy(t), Now: func() time.Time { return now },
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			for range 2 {
				if err := sched.Tick(ctx); err != nil {
					t.Fatal(err)
				}
			}
			ns, err := s.Notifications(ctx, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			var got, sent []string
			for _, n := range ns {
				got = append(got, n.Key)
				if n.CreatedAt.Equal(now) {
					sent = append(sent, n.Key)
				}
			}
			promiseOf := func(name string) string {
				tk, err := s.GetTicket(ctx, refs[name])
				if err != nil {
					t.Fatal(err)
				}
				return strconv.FormatUint(tk.Promises[0].ID, 10)
			}
			want := []string{
				"at_risk:p" + promiseOf("at_risk_warned_now_breached"), "breached:p" + promiseOf("at_risk_warned_now_breached"),
				"at_risk:p" + promiseOf("both_warned"), "breached:p" + promiseOf("both_warned"),
				"at_risk:p" + promiseOf("at_risk_not_yet_warned"),
				"at_risk:" + strconv.FormatUint(ids["answered_after_its_warning"], 10), // about nothing that runs: left as it was
			}
			wantSent := []string{"breached:p" + promiseOf("at_risk_warned_now_breached"), "at_risk:p" + promiseOf("at_risk_not_yet_warned")}
			slices.Sort(got)
			slices.Sort(want)
			slices.Sort(sent)
			slices.Sort(wantSent)
			if !slices.Equal(got, want) {
				t.Errorf("notifications after the upgrade and two passes:\n got %v\nwant %v", got, want)
			}
			if !slices.Equal(sent, wantSent) {
				t.Errorf("sent after the upgrade %v, want %v (each warning once)", sent, wantSent)
			}
		})
	}
}
