package store_test

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

func TestUsers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		u := createUser(t, s, "  Jane.Doe@Example.ORG ", "Jane")
		t.Run("email lower-cased", func(t *testing.T) {
			if u.ID == 0 || u.Email != "jane.doe@example.org" {
				t.Fatalf("created %+v", u)
			}
		})
		t.Run("get by email any case", func(t *testing.T) {
			got, err := s.GetUserByEmail(ctx(t), "JANE.DOE@example.org")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, u) {
				t.Errorf("got %+v, want %+v", got, u)
			}
			_, err = s.GetUserByEmail(ctx(t), "nobody@example.org")
			wantCode(t, err, desk.NotFound)
		})
		t.Run("duplicate email any case is a conflict", func(t *testing.T) {
			dup := &desk.User{Email: "JANE.doe@example.org", Name: "Other", Role: desk.RoleStaff}
			err := s.CreateUser(ctx(t), dup)
			wantCode(t, err, desk.Conflict)
			if msg := desk.ErrorMessage(err); msg != "a user with that email already exists" {
				t.Errorf("message %q", msg)
			}
			if dup.ID != 0 || dup.Email != "JANE.doe@example.org" {
				t.Errorf("failed create changed the user: %+v", dup)
			}
		})
		t.Run("get by id", func(t *testing.T) {
			got, err := s.GetUser(ctx(t), u.ID)
			if err != nil || !reflect.DeepEqual(got, u) {
				t.Fatalf("GetUser = %+v, %v", got, err)
			}
			_, err = s.GetUser(ctx(t), 999999)
			wantCode(t, err, desk.NotFound)
		})
		t.Run("update", func(t *testing.T) {
			login := time.Now()
			v := *u
			v.Name, v.Role, v.Active, v.LastLoginAt = "Jane D.", desk.RoleAdmin, false, &login
			if err := s.UpdateUser(ctx(t), &v); err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetUser(ctx(t), u.ID)
			if got.Name != "Jane D." || got.Role != desk.RoleAdmin || got.Active || got.LastLoginAt == nil ||
				!got.LastLoginAt.Equal(login.Truncate(time.Microsecond)) || !got.CreatedAt.Equal(u.CreatedAt) {
				t.Errorf("after update %+v", got)
			}
			other := createUser(t, s, "other@example.org", "Other")
			other.Email = "Jane.Doe@example.org"
			wantCode(t, s.UpdateUser(ctx(t), other), desk.Conflict)
			wantCode(t, s.UpdateUser(ctx(t), &desk.User{ID: 999999, Email: "ghost@example.org"}), desk.NotFound)
		})
		t.Run("list and count", func(t *testing.T) {
			users, err := s.ListUsers(ctx(t))
			if err != nil {
				t.Fatal(err)
			}
			n, err := s.CountUsers(ctx(t))
			if err != nil || n != int64(len(users)) || n != 2 {
				t.Fatalf("CountUsers = %d, %v; ListUsers has %d", n, err, len(users))
			}
			if users[0].Email != "jane.doe@example.org" || users[1].Email != "other@example.org" {
				t.Errorf("ListUsers order: %s, %s", users[0].Email, users[1].Email)
			}
		})
	})
}

func TestSessions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		u := createUser(t, s, "s@example.org", "S")
		v := createUser(t, s, "v@example.org", "V")
		now := time.Now()
		live := &desk.Session{ID: "live", UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		for _, sess := range []*desk.Session{
			live,
			{ID: "expired", UserID: u.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Hour)},
			{ID: "just expired", UserID: u.ID, CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: now.Add(-time.Millisecond)},
			{ID: "v1", UserID: v.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
			{ID: "v2", UserID: v.ID, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		} {
			if err := s.CreateSession(ctx(t), sess); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("get live", func(t *testing.T) {
			got, err := s.GetSession(ctx(t), "live")
			if err != nil || !reflect.DeepEqual(got, live) {
				t.Fatalf("GetSession = %+v, %v; want %+v", got, err, live)
			}
		})
		t.Run("expired is returned for the caller to judge", func(t *testing.T) {
			got, err := s.GetSession(ctx(t), "expired")
			if err != nil || got.ExpiresAt.After(now) {
				t.Fatalf("GetSession(expired) = %+v, %v", got, err)
			}
			_, err = s.GetSession(ctx(t), "missing")
			wantCode(t, err, desk.NotFound)
		})
		t.Run("duplicate id", func(t *testing.T) {
			wantCode(t, s.CreateSession(ctx(t), &desk.Session{ID: "live", UserID: u.ID, ExpiresAt: now}), desk.Conflict)
		})
		t.Run("unknown user", func(t *testing.T) {
			wantCode(t, s.CreateSession(ctx(t), &desk.Session{ID: "ghost", UserID: 999999, ExpiresAt: now}), desk.Invalid)
		})
		t.Run("delete expired", func(t *testing.T) {
			n, err := s.DeleteExpiredSessions(ctx(t), now)
			if err != nil || n != 2 {
				t.Fatalf("DeleteExpiredSessions = %d, %v; want 2", n, err)
			}
			if _, err := s.GetSession(ctx(t), "live"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("delete user's", func(t *testing.T) {
			if err := s.DeleteUserSessions(ctx(t), v.ID); err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{"v1", "v2"} {
				_, err := s.GetSession(ctx(t), id)
				wantCode(t, err, desk.NotFound)
			}
		})
		t.Run("delete one", func(t *testing.T) {
			if err := s.DeleteSession(ctx(t), "live"); err != nil {
				t.Fatal(err)
			}
			_, err := s.GetSession(ctx(t), "live")
			wantCode(t, err, desk.NotFound)
			if err := s.DeleteSession(ctx(t), "live"); err != nil {
				t.Fatalf("deleting a missing session: %v", err)
			}
		})
	})
}

func TestTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		u := createUser(t, s, "api@example.org", "API")
		tok := &desk.Token{UserID: u.ID, Name: "ci", Hash: "abc123", CreatedAt: base}
		if err := s.CreateToken(ctx(t), tok); err != nil {
			t.Fatal(err)
		}
		t.Run("get", func(t *testing.T) {
			got, err := s.GetTokenByHash(ctx(t), "abc123")
			if err != nil || !reflect.DeepEqual(got, tok) || tok.ID == 0 {
				t.Fatalf("GetTokenByHash = %+v, %v; want %+v", got, err, tok)
			}
			_, err = s.GetTokenByHash(ctx(t), "nope")
			wantCode(t, err, desk.NotFound)
		})
		t.Run("duplicate hash", func(t *testing.T) {
			wantCode(t, s.CreateToken(ctx(t), &desk.Token{UserID: u.ID, Name: "again", Hash: "abc123"}), desk.Conflict)
		})
		t.Run("touch", func(t *testing.T) {
			at := base.Add(1234567 * time.Nanosecond)
			if err := s.TouchToken(ctx(t), tok.ID, at, at.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetTokenByHash(ctx(t), "abc123")
			if got.LastUsedAt == nil || *got.LastUsedAt != base.Add(1234*time.Microsecond) {
				t.Errorf("LastUsedAt = %v", got.LastUsedAt)
			}
			if err := s.TouchToken(ctx(t), 999999, at, at); err != nil {
				t.Errorf("touching a missing token: %v", err)
			}
		})
		t.Run("touch_writes_once_per_interval", func(t *testing.T) {
			// Another instance saw the token 30 s after the last recorded use:
			// its conditional update leaves the row alone.
			first, _ := s.GetTokenByHash(ctx(t), "abc123")
			later := first.LastUsedAt.Add(30 * time.Second)
			if err := s.TouchToken(ctx(t), tok.ID, later, later.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.GetTokenByHash(ctx(t), "abc123"); !got.LastUsedAt.Equal(*first.LastUsedAt) {
				t.Errorf("use within the interval was written: %v → %v", first.LastUsedAt, got.LastUsedAt)
			}
			muchLater := first.LastUsedAt.Add(61 * time.Second)
			if err := s.TouchToken(ctx(t), tok.ID, muchLater, muchLater.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.GetTokenByHash(ctx(t), "abc123"); !got.LastUsedAt.Equal(muchLater) {
				t.Errorf("use after the interval: LastUsedAt %v, want %v", got.LastUsedAt, muchLater)
			}
		})
		t.Run("expiry_round_trips", func(t *testing.T) {
			exp := base.Add(90 * 24 * time.Hour)
			e := &desk.Token{UserID: u.ID, Name: "expiring", Hash: "exp1", CreatedAt: base, ExpiresAt: &exp}
			if err := s.CreateToken(ctx(t), e); err != nil {
				t.Fatal(err)
			}
			got, err := s.GetTokenByHash(ctx(t), "exp1")
			if err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(exp) || got.ExpiresAt.Location() != time.UTC {
				t.Fatalf("GetTokenByHash = %+v, %v; want ExpiresAt %v", got, err, exp)
			}
		})
	})
}

func TestListTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		zed := createUser(t, s, "zed@example.org", "Zed")
		amy := createUser(t, s, "amy@example.org", "Amy")
		for i, tk := range []*desk.Token{
			{UserID: zed.ID, Name: "zed-old", Hash: "h1", CreatedAt: base},
			{UserID: amy.ID, Name: "amy-old", Hash: "h2", CreatedAt: base.Add(time.Hour)},
			{UserID: amy.ID, Name: "amy-new", Hash: "h3", CreatedAt: base.Add(2 * time.Hour)},
		} {
			if err := s.CreateToken(ctx(t), tk); err != nil {
				t.Fatalf("token %d: %v", i, err)
			}
		}
		names := func(ts []*desk.Token) []string {
			var out []string
			for _, tk := range ts {
				owner := "?"
				if tk.Owner != nil {
					owner = tk.Owner.Email
				}
				out = append(out, tk.Name+"/"+owner)
			}
			return out
		}
		t.Run("everyone_by_owner_then_newest", func(t *testing.T) {
			got, err := s.ListTokens(ctx(t), 0)
			want := []string{"amy-new/amy@example.org", "amy-old/amy@example.org", "zed-old/zed@example.org"}
			if err != nil || !reflect.DeepEqual(names(got), want) {
				t.Fatalf("ListTokens(0) = %v, %v; want %v", names(got), err, want)
			}
		})
		t.Run("one_user", func(t *testing.T) {
			got, err := s.ListTokens(ctx(t), zed.ID)
			if err != nil || !reflect.DeepEqual(names(got), []string{"zed-old/zed@example.org"}) {
				t.Fatalf("ListTokens(zed) = %v, %v", names(got), err)
			}
		})
		t.Run("none", func(t *testing.T) {
			got, err := s.ListTokens(ctx(t), 999999)
			if err != nil || got == nil || len(got) != 0 {
				t.Fatalf("ListTokens(missing user) = %v, %v; want an empty list", got, err)
			}
		})
	})
}

func TestDeleteToken(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		u := createUser(t, s, "api@example.org", "API")
		tk := &desk.Token{UserID: u.ID, Name: "ci", Hash: "abc123", CreatedAt: base}
		if err := s.CreateToken(ctx(t), tk); err != nil {
			t.Fatal(err)
		}
		t.Run("returns_the_token_and_removes_it", func(t *testing.T) {
			got, err := s.DeleteToken(ctx(t), tk.ID)
			if err != nil || got.ID != tk.ID || got.Name != "ci" || got.UserID != u.ID {
				t.Fatalf("DeleteToken = %+v, %v", got, err)
			}
			_, err = s.GetTokenByHash(ctx(t), "abc123")
			wantCode(t, err, desk.NotFound)
		})
		t.Run("missing_is_not_found", func(t *testing.T) {
			for _, id := range []uint64{tk.ID, 999999, 1 << 63, math.MaxUint64} {
				_, err := s.DeleteToken(ctx(t), id)
				wantCode(t, err, desk.NotFound)
			}
		})
	})
}

// TestChangeUser: a change and the end of the account's sessions and
// tokens commit together, and touch no other account.
func TestChangeUser(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		sam := createUser(t, s, "sam@example.org", "Sam")
		ann := createUser(t, s, "ann@example.org", "Ann")
		sessions := map[uint64][]string{}
		creds := func(u *desk.User, n int) {
			t.Helper()
			for i := 0; i < n; i++ {
				id := fmt.Sprintf("%s-%d", u.Email, i)
				if err := s.CreateSession(ctx(t), &desk.Session{ID: id, UserID: u.ID, CreatedAt: base, ExpiresAt: base.Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
				sessions[u.ID] = append(sessions[u.ID], id)
				if err := s.CreateToken(ctx(t), &desk.Token{UserID: u.ID, Name: "t", Hash: desk.HashToken(id), CreatedAt: base}); err != nil {
					t.Fatal(err)
				}
			}
		}
		count := func(u *desk.User) (live, tokens int) {
			t.Helper()
			ts, err := s.ListTokens(ctx(t), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range sessions[u.ID] {
				if _, err := s.GetSession(ctx(t), id); err == nil {
					live++
				}
			}
			return live, len(ts)
		}
		creds(sam, 2)
		creds(ann, 1)
		hash, off := "new-hash", false
		t.Run("password_without_end_access_keeps_credentials", func(t *testing.T) {
			if err := s.ChangeUser(ctx(t), sam.ID, desk.UserChange{PasswordHash: &hash}); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.GetUser(ctx(t), sam.ID); got.PasswordHash != "new-hash" || !got.Active {
				t.Errorf("user after: %+v", got)
			}
			if ss, ts := count(sam); ss != 2 || ts != 2 {
				t.Errorf("sam has %d sessions, %d tokens; want 2, 2", ss, ts)
			}
		})
		t.Run("end_access_with_the_change", func(t *testing.T) {
			if err := s.ChangeUser(ctx(t), sam.ID, desk.UserChange{Active: &off, EndAccess: true}); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.GetUser(ctx(t), sam.ID); got.Active || got.PasswordHash != "new-hash" {
				t.Errorf("user after: %+v", got)
			}
			if ss, ts := count(sam); ss != 0 || ts != 0 {
				t.Errorf("sam has %d sessions, %d tokens; want none", ss, ts)
			}
			if ss, ts := count(ann); ss != 1 || ts != 1 {
				t.Errorf("ann has %d sessions, %d tokens; want hers kept", ss, ts)
			}
		})
		t.Run("end_access_alone", func(t *testing.T) {
			if err := s.ChangeUser(ctx(t), ann.ID, desk.UserChange{EndAccess: true}); err != nil {
				t.Fatal(err)
			}
			if ss, ts := count(ann); ss != 0 || ts != 0 {
				t.Errorf("ann has %d sessions, %d tokens; want none", ss, ts)
			}
		})
		t.Run("missing_user", func(t *testing.T) {
			for _, id := range []uint64{999999, 1 << 63} {
				wantCode(t, s.ChangeUser(ctx(t), id, desk.UserChange{Active: &off, EndAccess: true}), desk.NotFound)
				wantCode(t, s.ChangeUser(ctx(t), id, desk.UserChange{EndAccess: true}), desk.NotFound)
			}
		})
	})
}

func TestSetting(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		t.Run("first writer wins", func(t *testing.T) {
			const n = 8
			var (
				wg  sync.WaitGroup
				got [n]string
				err [n]error
			)
			for i := 0; i < n; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					got[i], err[i] = s.Setting(ctx(t), "secret", func() (string, error) { return fmt.Sprintf("value-%d", i), nil })
				}()
			}
			wg.Wait()
			for i := 0; i < n; i++ {
				if err[i] != nil {
					t.Fatal(err[i])
				}
				if got[i] != got[0] {
					t.Fatalf("instances disagree: %q vs %q", got[i], got[0])
				}
			}
			again, e := s.Setting(ctx(t), "secret", func() (string, error) { t.Error("create called for an existing key"); return "", nil })
			if e != nil || again != got[0] {
				t.Fatalf("Setting = %q, %v; want %q", again, e, got[0])
			}
		})
		t.Run("create error", func(t *testing.T) {
			boom := errors.New("boom")
			if _, err := s.Setting(ctx(t), "k", func() (string, error) { return "", boom }); err != boom {
				t.Fatalf("err = %v, want boom", err)
			}
			v, err := s.Setting(ctx(t), "k", func() (string, error) { return "later", nil })
			if err != nil || v != "later" {
				t.Fatalf("Setting = %q, %v", v, err)
			}
		})
	})
}

func TestPing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		if err := s.Ping(ctx(t)); err != nil {
			t.Fatal(err)
		}
	})
}
