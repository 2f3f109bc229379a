package desk_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// touchCounter is the real store, counting the token-use writes asked of it.
type touchCounter struct {
	desk.Store
	mu sync.Mutex
	n  int
}

func (c *touchCounter) TouchToken(ctx context.Context, id uint64, at, since time.Time) error {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return c.Store.TouchToken(ctx, id, at, since)
}

func (c *touchCounter) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

// token creates an API token for email (no expiry) and returns its value.
func (f *fixture) token(t *testing.T, email, name string) string {
	t.Helper()
	v, _, err := f.svc.CreateToken(context.Background(), desk.NewToken{Email: email, Name: name})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// wantTokenRefused fails unless the token no longer authenticates.
func wantTokenRefused(t *testing.T, svc *desk.Service, tok string) {
	t.Helper()
	if u, err := svc.TokenUser(context.Background(), tok); desk.ErrorCode(err) != desk.Unauthorized {
		t.Errorf("token still works: user %v, err %v", u, err)
	}
}

// wantTokenWorks fails unless the token authenticates as email.
func wantTokenWorks(t *testing.T, svc *desk.Service, tok, email string) {
	t.Helper()
	if u, err := svc.TokenUser(context.Background(), tok); err != nil || u.Email != email {
		t.Errorf("token refused: user %v, err %v", u, err)
	}
}

func TestService_CreateToken(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		for _, tc := range []struct {
			name  string
			n     desk.NewToken
			field string
		}{
			{"ErrNameRequired", desk.NewToken{Email: "sam@agency.gov", Name: " \t "}, "name"},
			{"ErrNameTooLong", desk.NewToken{Email: "sam@agency.gov", Name: strings.Repeat("n", 201)}, "name"},
			{"ErrExpiryInThePast", desk.NewToken{Email: "sam@agency.gov", Name: "ci", ExpiresIn: -time.Hour}, "expires"},
			{"ErrExpiryTooFar", desk.NewToken{Email: "sam@agency.gov", Name: "ci", ExpiresIn: desk.MaxTokenLifetime + time.Hour}, "expires"},
			{"ErrUnknownEmail", desk.NewToken{Email: "ghost@agency.gov", Name: "ci"}, "email"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v, _, err := f.svc.CreateToken(ctx, tc.n)
				var de *desk.Error
				if v != "" || !errors.As(err, &de) || de.Code != desk.Invalid || de.Field != tc.field {
					t.Fatalf("CreateToken = %q, %v; want Invalid naming %q", v, err, tc.field)
				}
			})
		}
		t.Run("expires_after_the_given_time", func(t *testing.T) {
			v, tok, err := f.svc.CreateToken(ctx, desk.NewToken{Email: "sam@agency.gov", Name: "quarterly", ExpiresIn: 90 * 24 * time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			want := f.now.Add(90 * 24 * time.Hour)
			if tok.ExpiresAt == nil || !tok.ExpiresAt.Equal(want) || tok.Owner == nil || tok.Owner.Email != "sam@agency.gov" {
				t.Fatalf("token %+v; want expiry %v and owner", tok, want)
			}
			start := f.now
			defer func() { f.now = start }()
			f.now = want.Add(-time.Second)
			wantTokenWorks(t, f.svc, v, "sam@agency.gov")
			f.now = want
			_, err = f.svc.TokenUser(ctx, v)
			if desk.ErrorCode(err) != desk.Unauthorized || !strings.Contains(desk.ErrorMessage(err), "expired") {
				t.Errorf("at expiry: %v; want Unauthorized saying it expired", err)
			}
		})
		t.Run("no_expiry_by_default", func(t *testing.T) {
			_, tok, err := f.svc.CreateToken(ctx, desk.NewToken{Email: "sam@agency.gov", Name: "forever"})
			if err != nil || tok.ExpiresAt != nil {
				t.Fatalf("token %+v, %v; want no expiry", tok, err)
			}
		})
	})
}

// TestService_TokenUser: a token's use is written at most once a minute,
// so reading the API does not write to the database on every request.
func TestService_TokenUser(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		spy := &touchCounter{Store: st}
		f.svc = desk.NewService(spy, f.svc.Config)
		tok := f.token(t, "sam@agency.gov", "ci")
		start := f.now
		lastUsed := func() *time.Time {
			t.Helper()
			ts, err := st.ListTokens(context.Background(), f.staff.ID)
			if err != nil || len(ts) != 1 {
				t.Fatalf("ListTokens = %v, %v", ts, err)
			}
			return ts[0].LastUsedAt
		}
		for _, step := range []struct {
			after  time.Duration
			writes int
			last   time.Duration
		}{
			{0, 1, 0},
			{time.Second, 1, 0},
			{30 * time.Second, 1, 0},
			{time.Minute, 1, 0}, // exactly a minute: not yet
			{time.Minute + time.Second, 2, time.Minute + time.Second},
			{90 * time.Second, 2, time.Minute + time.Second},
			{3 * time.Minute, 3, 3 * time.Minute},
		} {
			f.now = start.Add(step.after)
			wantTokenWorks(t, f.svc, tok, "sam@agency.gov")
			if got := spy.count(); got != step.writes {
				t.Errorf("after %v: %d writes, want %d", step.after, got, step.writes)
			}
			if got := lastUsed(); got == nil || !got.Equal(start.Add(step.last)) {
				t.Errorf("after %v: last used %v, want %v", step.after, got, start.Add(step.last))
			}
		}
	})
}

func TestService_SetPassword(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		session, err := f.svc.StartSession(ctx, f.staff, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		tok := f.token(t, "sam@agency.gov", "ci")
		other := f.token(t, "admin@agency.gov", "ci")
		t.Run("ErrTooShort_changes_nothing", func(t *testing.T) {
			if err := f.svc.SetPassword(ctx, f.staff, "short"); desk.ErrorCode(err) != desk.Invalid {
				t.Fatalf("short password: %v", err)
			}
			wantTokenWorks(t, f.svc, tok, "sam@agency.gov")
		})
		t.Run("ends_sessions_and_revokes_tokens", func(t *testing.T) {
			if err := f.svc.SetPassword(ctx, f.staff, "a brand new passphrase"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.svc.SessionUser(ctx, session); desk.ErrorCode(err) != desk.Unauthorized {
				t.Errorf("session survived the password change: %v", err)
			}
			wantTokenRefused(t, f.svc, tok)
			wantTokenWorks(t, f.svc, other, "admin@agency.gov")
			if _, err := f.svc.Authenticate(ctx, "sam@agency.gov", "a brand new passphrase"); err != nil {
				t.Errorf("new password: %v", err)
			}
		})
	})
}

func TestService_SetActive(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		t.Run("ErrNotAdmin", func(t *testing.T) {
			_, err := f.svc.SetActive(ctx, f.staff, f.admin.ID, false)
			if desk.ErrorCode(err) != desk.Forbidden {
				t.Fatalf("staff deactivating the admin: %v", err)
			}
		})
		t.Run("ErrOwnAccount", func(t *testing.T) {
			_, err := f.svc.SetActive(ctx, f.admin, f.admin.ID, false)
			if desk.ErrorCode(err) != desk.Conflict {
				t.Fatalf("deactivating oneself: %v", err)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			for _, id := range []uint64{999999, 1 << 63} {
				if _, err := f.svc.SetActive(ctx, f.admin, id, false); desk.ErrorCode(err) != desk.NotFound {
					t.Errorf("id %d: %v", id, err)
				}
			}
		})
		t.Run("deactivation_ends_sessions_and_tokens", func(t *testing.T) {
			session, _ := f.svc.StartSession(ctx, f.staff, time.Hour)
			tok := f.token(t, "sam@agency.gov", "ci")
			u, err := f.svc.SetActive(ctx, f.admin, f.staff.ID, false)
			if err != nil || u.Active {
				t.Fatalf("SetActive = %+v, %v", u, err)
			}
			if _, err := f.svc.SessionUser(ctx, session); desk.ErrorCode(err) != desk.Unauthorized {
				t.Errorf("session survived deactivation: %v", err)
			}
			wantTokenRefused(t, f.svc, tok)
			if ts, _ := st.ListTokens(ctx, f.staff.ID); len(ts) != 0 {
				t.Errorf("%d tokens left after deactivation", len(ts))
			}
		})
		t.Run("reactivation_revives_no_credential", func(t *testing.T) {
			// A token and a session that appeared while the account was off
			// (a creation racing the deactivation) grant nothing now, and
			// must not start working when the account comes back.
			raced := "slt_" + desk.RandomToken()
			if err := st.CreateToken(ctx, &desk.Token{UserID: f.staff.ID, Name: "raced", Hash: desk.HashToken(raced), CreatedAt: f.now}); err != nil {
				t.Fatal(err)
			}
			session, _ := f.svc.StartSession(ctx, f.staff, time.Hour)
			wantTokenRefused(t, f.svc, raced)
			u, err := f.svc.SetActive(ctx, f.admin, f.staff.ID, true)
			if err != nil || !u.Active {
				t.Fatalf("SetActive = %+v, %v", u, err)
			}
			wantTokenRefused(t, f.svc, raced)
			if _, err := f.svc.SessionUser(ctx, session); desk.ErrorCode(err) != desk.Unauthorized {
				t.Errorf("session revived by reactivation: %v", err)
			}
			if _, err := f.svc.Authenticate(ctx, "sam@agency.gov", "long enough password"); err != nil {
				t.Errorf("reactivated account cannot log in: %v", err)
			}
		})
	})
}

func TestService_RevokeToken(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		tok := f.token(t, "sam@agency.gov", "ci")
		keep := f.token(t, "sam@agency.gov", "deploy")
		ts, err := f.svc.ListTokens(ctx)
		if err != nil || len(ts) != 2 {
			t.Fatalf("ListTokens = %v, %v", ts, err)
		}
		var id uint64
		for _, x := range ts {
			if x.Name == "ci" {
				id = x.ID
			}
		}
		t.Run("stops_working_at_once", func(t *testing.T) {
			got, err := f.svc.RevokeToken(ctx, id)
			if err != nil || got.Name != "ci" || got.Owner == nil || got.Owner.Email != "sam@agency.gov" {
				t.Fatalf("RevokeToken = %+v, %v", got, err)
			}
			wantTokenRefused(t, f.svc, tok)
			wantTokenWorks(t, f.svc, keep, "sam@agency.gov")
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := f.svc.RevokeToken(ctx, id)
			if desk.ErrorCode(err) != desk.NotFound || !strings.Contains(desk.ErrorMessage(err), "no API token") {
				t.Fatalf("revoking twice: %v", err)
			}
		})
	})
}

func TestService_RevokeNamedToken(t *testing.T) {
	ctx := context.Background()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		f := newFixture(t, st)
		ci := f.token(t, "sam@agency.gov", "ci")
		twin1 := f.token(t, "sam@agency.gov", "twin")
		f.token(t, "sam@agency.gov", "twin")
		adminCI := f.token(t, "admin@agency.gov", "ci")
		t.Run("ErrUnknownEmail", func(t *testing.T) {
			if _, err := f.svc.RevokeNamedToken(ctx, "ghost@agency.gov", "ci"); desk.ErrorCode(err) != desk.Invalid {
				t.Fatalf("unknown email: %v", err)
			}
		})
		t.Run("ErrNoSuchName", func(t *testing.T) {
			if _, err := f.svc.RevokeNamedToken(ctx, "sam@agency.gov", "nightly"); desk.ErrorCode(err) != desk.NotFound {
				t.Fatalf("unknown name: %v", err)
			}
		})
		t.Run("ErrAmbiguous", func(t *testing.T) {
			_, err := f.svc.RevokeNamedToken(ctx, "sam@agency.gov", "twin")
			if desk.ErrorCode(err) != desk.Conflict || !strings.Contains(desk.ErrorMessage(err), "by its ID") {
				t.Fatalf("two tokens of that name: %v", err)
			}
			wantTokenWorks(t, f.svc, twin1, "sam@agency.gov")
		})
		t.Run("revokes_only_that_owners_token", func(t *testing.T) {
			got, err := f.svc.RevokeNamedToken(ctx, "SAM@agency.gov", " ci ")
			if err != nil || got.Name != "ci" {
				t.Fatalf("RevokeNamedToken = %+v, %v", got, err)
			}
			wantTokenRefused(t, f.svc, ci)
			wantTokenWorks(t, f.svc, adminCI, "admin@agency.gov")
		})
	})
}
