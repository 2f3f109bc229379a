package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestClasses_FromConfig: a desk that adds a class ("security", 1 business
// hour), renames "other" to "general" and drops "provisioning" in its
// configuration file alone gets them on every page, report and API call:
// the intake form offers security, the API accepts it and refuses the
// dropped class, the rules and overrides_requester pick it, the queue
// filter, the queue and the ticket page show its title, the compliance
// and overdue reports have its row (and a row for a ticket stored under
// the dropped class), and /status lists it.
func TestClasses_FromConfig(t *testing.T) {
	loaded, err := config.Load(filepath.Join("..", "config", "testdata", "four-classes.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	st := storetest.OpenEnv(t)
	a := newAppWith(t, st, func(c *config.Config) { *c = loaded })
	ctx := context.Background()
	a.clock.Set(time.Date(2026, 7, 1, 10, 0, 0, 0, ny)) // Wednesday

	// A ticket stored while the desk still had "provisioning".
	old := &desk.Ticket{Subject: "Quota", Body: "more memory", RequesterEmail: "pat@agency.gov", Channel: desk.ChannelAPI,
		Class: "provisioning", ClassBy: desk.ClassByRule, ClassReason: "old rules", Status: desk.StatusNew, Open: true,
		ReceivedAt: time.Date(2026, 6, 29, 10, 0, 0, 0, ny), ResponseDueAt: time.Date(2026, 6, 30, 10, 0, 0, 0, ny)}
	if err := st.CreateTicket(ctx, "SR", old, []*desk.Event{{At: old.ReceivedAt, Actor: old.RequesterEmail, Kind: desk.EventMessageIn, Body: old.Body}}); err != nil {
		t.Fatal(err)
	}

	t.Run("intake_form_offers_the_configured_classes", func(t *testing.T) {
		resp, body := a.client().get("/")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `value="security"`, "<b>Security incident</b> — answered within 1 business hour",
			"Leaked credentials, suspicious access, vulnerabilities", `value="availability"`, `value="general"`, "<b>General</b>")
		wantLacks(t, body, `value="provisioning"`, `value="other"`)
		if strings.Index(body, `value="security"`) > strings.Index(body, `value="general"`) {
			t.Error("the form does not follow the configured order")
		}
	})
	var formRef string
	t.Run("intake_form_takes_the_new_class", func(t *testing.T) {
		c := a.client()
		form := neutral()
		form.Set("class", "security")
		resp, body := c.submit("/", "/", form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d: %s", resp.StatusCode, clip(body))
		}
		ts, _, err := a.svc.List(ctx, desk.Filter{Class: "security"})
		if err != nil || len(ts) != 1 || ts[0].ClassBy != desk.ClassByRequester {
			t.Fatalf("security tickets %v %v", ts, err)
		}
		formRef = ts[0].Ref
		if want := time.Date(2026, 7, 1, 11, 0, 0, 0, ny); !ts[0].ResponseDueAt.Equal(want) {
			t.Errorf("due %v, want %v (1 business hour)", ts[0].ResponseDueAt, want)
		}
	})

	tok := a.apiToken("sam@agency.gov")
	t.Run("api_accepts_the_new_class_and_refuses_the_dropped_one", func(t *testing.T) {
		resp, body := a.api(tok, "POST", "/api/v1/tickets", `{"subject":"Pen test","body":"please review","requester_email":"ann@agency.gov","class":"security"}`)
		wantStatus(t, resp, body, http.StatusCreated)
		if m := jsonOf(t, body); m["class"] != "security" || m["sla_state"] != "on_track" {
			t.Errorf("created %v", m)
		}
		resp, body = a.api(tok, "POST", "/api/v1/tickets", `{"subject":"Quota","body":"more memory","requester_email":"ann@agency.gov","class":"provisioning"}`)
		m := wantJSONError(t, resp, body, http.StatusBadRequest, "class")
		if msg, _ := m["error"].(string); !strings.Contains(msg, "must be one of security, availability, general") {
			t.Errorf("error %q does not list the configured classes", msg)
		}
		resp, body = a.api(tok, "GET", "/api/v1/tickets?class=provisioning", "")
		wantJSONError(t, resp, body, http.StatusBadRequest, "class")
	})
	t.Run("rules_and_overrides_requester_pick_the_new_class", func(t *testing.T) {
		resp, body := a.api(tok, "POST", "/api/v1/tickets", `{"subject":"Our API keys leaked","body":"and the site is down","requester_email":"ann@agency.gov","class":"availability"}`)
		wantStatus(t, resp, body, http.StatusCreated)
		m := jsonOf(t, body)
		if m["class"] != "security" || !strings.Contains(m["class_reason"].(string), "(security wins when in doubt)") {
			t.Errorf("overrides_requester: %v %v", m["class"], m["class_reason"])
		}
		// availability does not override here: the requester's choice stands.
		resp, body = a.api(tok, "POST", "/api/v1/tickets", `{"subject":"The site is down","body":"since noon","requester_email":"ann@agency.gov","class":"general"}`)
		wantStatus(t, resp, body, http.StatusCreated)
		if m := jsonOf(t, body); m["class"] != "general" || m["class_by"] != desk.ClassByRequester {
			t.Errorf("requester's choice: %v %v", m["class"], m["class_by"])
		}
		resp, body = a.api(tok, "POST", "/api/v1/tickets", `{"subject":"Hello","body":"a question","requester_email":"ann@agency.gov"}`)
		wantStatus(t, resp, body, http.StatusCreated)
		if m := jsonOf(t, body); m["class"] != "general" || m["class_reason"] != `no rule matched, so "general" by default` {
			t.Errorf("fallback: %v %v", m["class"], m["class_reason"])
		}
	})

	staff := a.staffClient("sam@agency.gov")
	t.Run("queue_filter_and_rows_show_the_titles", func(t *testing.T) {
		resp, body := staff.get("/queue")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `<option value="security"`, ">Security incident</option>", ">General</option>",
			`class="class class-1">Security incident</span>`, `class="class class-0">Provisioning</span>`)
		wantLacks(t, body, `<option value="provisioning"`)
		resp, body = staff.get("/queue?class=security")
		wantStatus(t, resp, body, http.StatusOK)
		if refs := dataRefs(body); len(refs) != 3 {
			t.Errorf("security filter: %v", refs)
		}
	})
	t.Run("ticket_page_shows_the_title_and_offers_the_classes", func(t *testing.T) {
		resp, body := staff.get("/tickets/" + formRef)
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, ">Security incident</span>", `<option value="security" selected>Security incident (1 business hour)</option>`,
			`<option value="general" >General (4 business days)</option>`)
		wantLacks(t, body, `<option value="provisioning"`)
		resp, body = staff.submit("/tickets/"+formRef, "/tickets/"+formRef+"/reclassify", url.Values{"class": {"general"}, "reason": {"not urgent"}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("reclassify: %d %s", resp.StatusCode, clip(body))
		}
		if tk, _ := a.getTicket(formRef); tk.Class != "general" {
			t.Errorf("class %s", tk.Class)
		}
	})

	from, to := "2026-06-29", "2026-07-06"
	t.Run("compliance_report_has_a_row_per_class", func(t *testing.T) {
		resp, body := a.api(tok, "GET", "/api/v1/reports/compliance?format=csv&from="+from+"&to="+to, "")
		wantStatus(t, resp, body, http.StatusOK)
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var classes []string
		for _, r := range rows[1:] {
			if r[0] == "period" {
				classes = append(classes, r[1])
			}
		}
		if got := strings.Join(classes, ","); got != "security,availability,general,provisioning,total" {
			t.Errorf("CSV period rows %q:\n%s", got, body)
		}
		resp, body = a.api(tok, "GET", "/api/v1/reports/compliance?from="+from+"&to="+to, "")
		wantStatus(t, resp, body, http.StatusOK)
		var r struct {
			Classes []struct{ Class, Objective string } `json:"classes"`
		}
		if err := json.Unmarshal([]byte(body), &r); err != nil || len(r.Classes) != 4 || r.Classes[0].Class != "security" ||
			r.Classes[0].Objective != "first response within 1 business hour" || r.Classes[3].Objective != "" {
			t.Errorf("JSON classes %+v %v", r.Classes, err)
		}
		resp, body = staff.get("/reports/compliance?from=" + from + "&to=" + to)
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `data-class="security"`, ">Security incident</span>", `data-class="provisioning"`)
	})
	t.Run("overdue_report_groups_by_the_classes", func(t *testing.T) {
		resp, body := a.api(tok, "GET", "/api/v1/reports/overdue", "")
		wantStatus(t, resp, body, http.StatusOK)
		var r struct {
			Groups []struct{ Class string } `json:"groups"`
		}
		json.Unmarshal([]byte(body), &r)
		var got []string
		for _, g := range r.Groups {
			got = append(got, g.Class)
		}
		if strings.Join(got, ",") != "security,availability,general,provisioning" {
			t.Errorf("groups %v", got)
		}
	})
	t.Run("status_page_lists_the_classes", func(t *testing.T) {
		resp, body := a.client().get("/status")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `data-class="security"`, "<b>Security incident</b>", "Security incident requests are answered within 1 business hour.",
			`data-class="general"`, "due within 30 business minutes") // sla.at_risk = "30m"
		wantLacks(t, body, `data-class="provisioning"`, "Provisioning")
	})
}
