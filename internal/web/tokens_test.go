package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// tokenRow finds a token's row on /admin/tokens by its name.
func tokenRow(t *testing.T, body, name string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)<tr data-id="\d+">\s*<td data-label="#">\d+</td>\s*<td data-label="Name">` + regexp.QuoteMeta(name) + `</td>.*?</tr>`)
	row := re.FindString(body)
	if row == "" {
		t.Fatalf("no row for token %q on the page:\n%s", name, clip(body))
	}
	return row
}

// tokenID is the ID of the only token of that name.
func (a *app) tokenID(name string) uint64 {
	a.t.Helper()
	ts, err := a.svc.ListTokens(context.Background())
	if err != nil {
		a.t.Fatal(err)
	}
	for _, tk := range ts {
		if tk.Name == name {
			return tk.ID
		}
	}
	a.t.Fatalf("no token named %q", name)
	return 0
}

// wantTokenStatus calls the API with tok and checks the status.
func wantTokenStatus(t *testing.T, a *app, tok string, want int) {
	t.Helper()
	resp, body := a.api(tok, http.MethodGet, "/api/v1/tickets", "")
	wantStatus(t, resp, body, want)
}

func TestAdminTokens(t *testing.T) {
	ctx := context.Background()
	t.Run("list_shows_owner_created_last_use_and_expiry", func(t *testing.T) {
		a := newApp(t)
		used := a.apiToken("sam@agency.gov") // named "test"
		if _, _, err := a.svc.CreateToken(ctx, desk.NewToken{Email: "admin@agency.gov", Name: "quarterly", ExpiresIn: 90 * 24 * time.Hour}); err != nil {
			t.Fatal(err)
		}
		a.clock.Set(nyAt(time.July, 1, 11, 30))
		wantTokenStatus(t, a, used, http.StatusOK)
		admin := a.staffClient("admin@agency.gov")
		resp, body := admin.get("/admin/tokens")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, `<h1>API tokens</h1>`, `href="/admin/tokens" aria-current="page"`)
		wantContains(t, tokenRow(t, body, "test"), "sam@agency.gov",
			"Wed Jul 1, 2026 10:00 AM ET", // created
			"Wed Jul 1, 2026 11:30 AM ET", // last used
			`<td data-label="Expires"><span class="muted">never</span>`)
		wantContains(t, tokenRow(t, body, "quarterly"), "admin@agency.gov",
			`<td data-label="Last used"><span class="muted">never</span>`,
			"Tue Sep 29, 2026 10:00 AM ET") // expires
		wantContains(t, formBlock(t, body, fmt.Sprintf("/admin/tokens/%d/revoke", a.tokenID("test"))), `name="csrf_token"`)
		// Revoking takes two clicks: the button is inside a closed <details>.
		wantContains(t, body, `<details class="confirm"><summary>Revoke…</summary>`,
			fmt.Sprintf(`<form method="post" action="/admin/tokens/%d/revoke"`, a.tokenID("quarterly")))
	})

	t.Run("revoke_stops_the_token_at_once", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		other := a.apiToken("admin@agency.gov")
		wantTokenStatus(t, a, tok, http.StatusOK)
		admin := a.staffClient("admin@agency.gov")
		var id uint64
		ts, _ := a.svc.ListTokens(ctx)
		for _, tk := range ts {
			if tk.Owner.Email == "sam@agency.gov" {
				id = tk.ID
			}
		}
		resp, body := admin.submit("/admin/tokens", fmt.Sprintf("/admin/tokens/%d/revoke", id), url.Values{})
		wantRedirect(t, resp, body, "/admin/tokens")
		resp, body = a.api(tok, http.MethodGet, "/api/v1/tickets", "")
		wantJSONError(t, resp, body, http.StatusUnauthorized, "")
		wantTokenStatus(t, a, other, http.StatusOK)
		_, body = admin.get("/admin/tokens")
		wantContains(t, body, "Token “test” of sam@agency.gov is revoked; it no longer works.")
		wantLacks(t, body, `<td data-label="Owner">sam@agency.gov`)
		// Revoking it again: it is gone.
		resp, body = admin.submit("/admin/tokens", fmt.Sprintf("/admin/tokens/%d/revoke", id), url.Values{})
		wantStatus(t, resp, body, http.StatusNotFound)
	})

	t.Run("revoke_needs_post_and_csrf", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("sam@agency.gov")
		id := a.tokenID("test")
		admin := a.staffClient("admin@agency.gov")
		action := fmt.Sprintf("/admin/tokens/%d/revoke", id)
		resp, body := admin.get(action)
		wantStatus(t, resp, body, http.StatusMethodNotAllowed)
		resp, body = admin.postForm(action, url.Values{})
		wantStatus(t, resp, body, http.StatusForbidden)
		cookie, anon := csrfPair(t, a.client(), "/")
		resp, body = forged(a, sessionOf(admin), cookie).postForm(action, url.Values{"csrf_token": {anon}})
		wantStatus(t, resp, body, http.StatusForbidden)
		wantTokenStatus(t, a, tok, http.StatusOK)
	})

	t.Run("admins_only", func(t *testing.T) {
		a := newApp(t)
		tok := a.apiToken("admin@agency.gov")
		id := a.tokenID("test")
		staff := a.staffClient("sam@agency.gov")
		resp, body := staff.get("/admin/tokens")
		wantStatus(t, resp, body, http.StatusForbidden)
		_, q := staff.get("/queue")
		wantLacks(t, q, `href="/admin/tokens"`)
		resp, body = staff.submit("/queue", fmt.Sprintf("/admin/tokens/%d/revoke", id), url.Values{})
		wantStatus(t, resp, body, http.StatusForbidden)
		resp, body = a.client().get("/admin/tokens")
		wantRedirect(t, resp, body, "/login?next=%2Fadmin%2Ftokens")
		wantTokenStatus(t, a, tok, http.StatusOK)
	})

	t.Run("unknown_ids_404", func(t *testing.T) {
		a := newApp(t)
		admin := a.staffClient("admin@agency.gov")
		for _, id := range []string{"999", "abc", "-1", "9223372036854775808", "18446744073709551615", "18446744073709551616"} {
			resp, body := admin.submit("/admin/tokens", "/admin/tokens/"+id+"/revoke", url.Values{})
			wantStatus(t, resp, body, http.StatusNotFound)
			wantNoLeak(t, body)
		}
	})

	t.Run("expired_token_refused_and_marked", func(t *testing.T) {
		a := newApp(t)
		tok, _, err := a.svc.CreateToken(ctx, desk.NewToken{Email: "sam@agency.gov", Name: "short-lived", ExpiresIn: 24 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		wantTokenStatus(t, a, tok, http.StatusOK)
		a.clock.Set(nyAt(time.July, 2, 10, 0))
		resp, body := a.api(tok, http.MethodGet, "/api/v1/tickets", "")
		m := wantJSONError(t, resp, body, http.StatusUnauthorized, "")
		if msg, _ := m["error"].(string); msg != "this API token has expired; ask an admin for a new one" {
			t.Errorf("error %q", msg)
		}
		_, body = a.staffClient("admin@agency.gov").get("/admin/tokens")
		wantContains(t, tokenRow(t, body, "short-lived"), `<span class="danger">expired Thu Jul 2, 2026 10:00 AM ET</span>`)
	})

	t.Run("empty_list", func(t *testing.T) {
		a := newApp(t)
		resp, body := a.staffClient("admin@agency.gov").get("/admin/tokens")
		wantStatus(t, resp, body, http.StatusOK)
		wantContains(t, body, "No API tokens.")
	})
}

// TestUsers_EndAccess: deactivating or reactivating an account, from the
// admin page, revokes its API tokens with its sessions.
func TestUsers_EndAccess(t *testing.T) {
	a := newApp(t)
	admin := a.staffClient("admin@agency.gov")
	setActive := func(active string) {
		t.Helper()
		resp, body := admin.submit("/admin/users", fmt.Sprintf("/admin/users/%d/active", a.staff.ID), url.Values{"active": {active}})
		wantRedirect(t, resp, body, "/admin/users")
	}
	tok := a.apiToken("sam@agency.gov")
	setActive("0")
	wantTokenStatus(t, a, tok, http.StatusUnauthorized)
	_, body := admin.get("/admin/users")
	wantContains(t, body, "Their API tokens are revoked.")

	// A token made while the account was off (racing the deactivation)
	// must not come to life with the reactivation.
	raced := "slt_" + desk.RandomToken()
	if err := a.store.CreateToken(context.Background(), &desk.Token{UserID: a.staff.ID, Name: "raced", Hash: desk.HashToken(raced), CreatedAt: a.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	setActive("1")
	wantTokenStatus(t, a, tok, http.StatusUnauthorized)
	wantTokenStatus(t, a, raced, http.StatusUnauthorized)
	_, body = admin.get("/admin/tokens")
	wantLacks(t, body, `<td data-label="Owner">sam@agency.gov`)
	wantLoggedIn(t, a.staffClient("sam@agency.gov"))
}
