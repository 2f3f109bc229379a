package store_test

import (
	"errors"
	"fmt"
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
			if err := s.TouchToken(ctx(t), tok.ID, at); err != nil {
				t.Fatal(err)
			}
			got, _ := s.GetTokenByHash(ctx(t), "abc123")
			if got.LastUsedAt == nil || *got.LastUsedAt != base.Add(1234*time.Microsecond) {
				t.Errorf("LastUsedAt = %v", got.LastUsedAt)
			}
			wantCode(t, s.TouchToken(ctx(t), 999999, at), desk.NotFound)
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
