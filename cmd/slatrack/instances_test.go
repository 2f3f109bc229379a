package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/mailtest"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestTwoInstances runs two `serve` processes' worth of slatrack on one
// PostgreSQL database, as behind a load balancer, and proves they stay one
// desk: concurrent replies and reclassifications through both lose
// nothing, the same mail delivered to both makes one ticket, every
// outgoing mail is sent once, and a session made on one works on the other.
func TestTwoInstances(t *testing.T) {
	dsn := storetest.PostgresDSN(t)
	relay := mailtest.NewRelay(t)
	// Both schedulers run every 100 ms and page about availability tickets at
	// any hour, so the arrival notices are sent whatever the time of the run.
	notify := "[notify]\ninterval = \"100ms\"\navailability_after_hours = true\ndigest = false\n"
	a := startServeOn(t, relay, dsn, notify)
	b := startServeOn(t, relay, dsn, notify)
	b.adminTok = a.adminTok // tokens live in the shared database

	t.Run("duplicate_mail_to_both_instances_is_one_ticket", func(t *testing.T) {
		for round := range 5 {
			msg := fmt.Sprintf("From: ann@agency.gov\nTo: support@desk.test\nSubject: Outage %d\nMessage-ID: <twice-%d@agency.gov>\n\nThe site is down.\n", round, round)
			var wg sync.WaitGroup
			for _, d := range []*deskProc{a, b, a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := sendSMTP(t, d.smtp, "ann@agency.gov", []string{"support@desk.test"}, msg); err != nil {
						t.Errorf("delivery: %v", err)
					}
				}()
			}
			wg.Wait()
		}
		_, list := a.api("GET", "/api/v1/tickets?q=Outage&limit=50", "")
		if n := len(list["tickets"].([]any)); n != 5 {
			t.Errorf("%d tickets for 5 mails each delivered 4 times, want 5", n)
		}
	})

	t.Run("concurrent_replies_and_reclassifications_lose_nothing", func(t *testing.T) {
		code, tk := a.api("POST", "/api/v1/tickets", `{"subject":"Billing question","body":"how much?","requester_email":"cy@agency.gov"}`)
		if code != 201 {
			t.Fatalf("create: %d %v", code, tk)
		}
		ref := tk["ref"].(string)
		classes := []string{"availability", "provisioning", "other"}
		var wg sync.WaitGroup
		for w := range 8 {
			d := []*deskProc{a, b}[w%2]
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range 5 {
					if code, body := d.api("POST", "/api/v1/tickets/"+ref+"/replies", fmt.Sprintf(`{"body":"note %d-%d","internal":true}`, w, j)); code != 201 {
						t.Errorf("note: %d %v", code, body)
					}
					if code, body := d.api("PATCH", "/api/v1/tickets/"+ref, fmt.Sprintf(`{"class":%q}`, classes[(w+j)%3])); code != 200 {
						t.Errorf("reclassify: %d %v", code, body)
					}
				}
			}()
		}
		wg.Wait()
		_, one := b.api("GET", "/api/v1/tickets/"+ref, "")
		notes, prev := 0, "other"
		for _, e := range one["timeline"].([]any) {
			ev := e.(map[string]any)
			switch ev["kind"] {
			case "note":
				notes++
			case "class_changed":
				if ev["old"] != prev {
					t.Errorf("class changed from %v while it was %s: a lost update", ev["old"], prev)
				}
				prev = ev["new"].(string)
			}
		}
		if notes != 40 || prev != one["class"] {
			t.Errorf("%d notes (want 40); last logged class %s, ticket class %v", notes, prev, one["class"])
		}
	})

	t.Run("each_mail_and_notification_sent_once", func(t *testing.T) {
		// 5 acknowledgements and 5 arrival notices (one per outage ticket)
		// from the first subtest, one acknowledgement for the API ticket.
		mails := relay.WaitFor(11, 15*time.Second)
		time.Sleep(time.Second) // both senders and schedulers run every 100 ms: give a double a chance
		mails = relay.Mails()
		seen := map[string]int{}
		arrivals := map[string]int{}
		for _, m := range mails {
			id := regexp.MustCompile(`(?im)^Message-Id:\s*<([^>]+)>`).FindStringSubmatch(string(m.Data))
			if id == nil {
				t.Fatalf("relayed mail without Message-ID:\n%s", m.Data)
			}
			seen[id[1]]++
			if s := regexp.MustCompile(`(?m)^Subject: New availability ticket: (SR-\d+) Outage`).FindStringSubmatch(string(m.Data)); s != nil {
				arrivals[s[1]]++
			}
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("%s sent %d times", id, n)
			}
		}
		if len(arrivals) != 5 {
			t.Errorf("arrival notices for %d outage tickets, want 5: %v", len(arrivals), arrivals)
		}
		for ref, n := range arrivals {
			if n != 1 {
				t.Errorf("arrival notice for %s sent %d times", ref, n)
			}
		}
	})

	t.Run("session_from_one_instance_works_on_the_other", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar}
		get := func(base, path string) (int, string) {
			req, _ := http.NewRequest("GET", "http://"+base+path, nil)
			req.Header.Set("Accept", "text/html")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(body)
		}
		_, page := get(a.http, "/login")
		tok := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)[1]
		resp, err := c.PostForm("http://"+a.http+"/login", url.Values{"csrf_token": {tok}, "email": {"admin@desk.test"}, "password": {"a long admin passphrase"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		// The cookie jar keys cookies by host; both instances are 127.0.0.1.
		code, body := get(b.http, "/queue")
		if code != 200 || !strings.Contains(body, "Billing question") {
			t.Errorf("queue on the other instance: %d", code)
		}
	})
}
