package desk

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// DefaultBcryptCost makes one password check take tens of milliseconds:
// slow for an attacker with a stolen table, unnoticeable at login.
const DefaultBcryptCost = 12

// MinPassword is the shortest password accepted.
const MinPassword = 12

func (s *Service) bcryptCost() int {
	if s.BcryptCost != 0 {
		return s.BcryptCost
	}
	return DefaultBcryptCost
}

// NewUser is an account to create.
type NewUser struct {
	Email    string
	Name     string
	Role     string
	Password string
}

// CreateUser validates and stores a staff account with a hashed password.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (*User, error) {
	v := ValidationErrors{}
	email, err := NormalizeEmail(n.Email)
	if err != nil {
		v.Add("email", ErrorMessage(err))
	}
	name := strings.TrimSpace(oneLine(noNUL(n.Name)))
	if name == "" {
		v.Add("name", "please give a name")
	} else if utf8.RuneCountInString(name) > MaxName {
		v.Add("name", "must be at most 200 characters")
	}
	if n.Role != RoleStaff && n.Role != RoleAdmin {
		v.Add("role", "must be staff or admin")
	}
	if msg := passwordProblem(n.Password); msg != "" {
		v.Add("password", msg)
	}
	if err := v.Err("email", "name", "role", "password"); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(n.Password), s.bcryptCost())
	if err != nil {
		return nil, &Error{Code: Internal, Err: err}
	}
	u := &User{Email: email, Name: name, Role: n.Role, PasswordHash: string(hash), Active: true, CreatedAt: s.now()}
	if err := s.Store.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

func passwordProblem(p string) string {
	switch {
	case utf8.RuneCountInString(p) < MinPassword:
		return "must be at least 12 characters"
	case len(p) > 72:
		return "must be at most 72 bytes" // bcrypt's limit
	}
	return ""
}

// SetPassword replaces a user's password.
func (s *Service) SetPassword(ctx context.Context, u *User, password string) error {
	if msg := passwordProblem(password); msg != "" {
		return FieldError("password", "password: %s", msg)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost())
	if err != nil {
		return &Error{Code: Internal, Err: err}
	}
	u.PasswordHash = string(hash)
	return s.Store.SetUserPassword(ctx, u.ID, u.PasswordHash)
}

// Authenticate checks an email and password.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*User, error) {
	bad := Errorf(Unauthorized, "wrong email or password")
	u, err := s.Store.GetUserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		if ErrorCode(err) != NotFound {
			return nil, err
		}
		// Compare against a hash of the same cost, so a login attempt takes
		// as long whether or not the account exists.
		s.dummyOnce.Do(func() {
			s.dummyHash, _ = bcrypt.GenerateFromPassword([]byte(RandomToken()), s.bcryptCost())
		})
		_ = bcrypt.CompareHashAndPassword(s.dummyHash, []byte(password))
		return nil, bad
	}
	if bcrypt.CompareHashAndPassword([]byte(u.PasswordHash), []byte(password)) != nil || !u.Active {
		return nil, bad
	}
	// Only the login time is written, and only while the account is still
	// active: a deactivation or password change made during the (slow)
	// password check is never undone by writing back a stale row.
	now := s.now()
	ok, err := s.Store.TouchLogin(ctx, u.ID, u.PasswordHash, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, bad
	}
	u.LastLoginAt = &now
	return u, nil
}

// RandomToken is 32 random bytes, URL-safe.
func RandomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("desk: no randomness: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the stored form of a session or API token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// StartSession creates a fresh session for u and returns the cookie value.
// A new value at every login is what keeps a planted session id useless.
func (s *Service) StartSession(ctx context.Context, u *User, ttl time.Duration) (string, error) {
	token := RandomToken()
	now := s.now()
	if err := s.Store.CreateSession(ctx, &Session{ID: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser finds the active user behind a session cookie value.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, Errorf(Unauthorized, "please log in")
	}
	sess, err := s.Store.GetSession(ctx, HashToken(token))
	if err != nil {
		if ErrorCode(err) == NotFound {
			return nil, Errorf(Unauthorized, "your session has ended; please log in again")
		}
		return nil, err
	}
	if !sess.ExpiresAt.After(s.now()) {
		return nil, Errorf(Unauthorized, "your session has ended; please log in again")
	}
	u, err := s.Store.GetUser(ctx, sess.UserID)
	if err != nil || !u.Active {
		return nil, Errorf(Unauthorized, "please log in")
	}
	return u, nil
}

// EndSession logs a session out.
func (s *Service) EndSession(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.Store.DeleteSession(ctx, HashToken(token))
}

// CreateToken makes an API token for the user with that email and returns
// it; only its hash is kept.
func (s *Service) CreateToken(ctx context.Context, email, name string) (string, *User, error) {
	u, err := s.Store.GetUserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		if ErrorCode(err) == NotFound {
			return "", nil, FieldError("email", "no staff member has the address %q (add one with `slatrack user add`)", email)
		}
		return "", nil, err
	}
	if !u.Active {
		return "", nil, FieldError("email", "%s is deactivated", u.Email)
	}
	token := "slt_" + RandomToken()
	if err := s.Store.CreateToken(ctx, &Token{UserID: u.ID, Name: name, Hash: HashToken(token), CreatedAt: s.now()}); err != nil {
		return "", nil, err
	}
	return token, u, nil
}

// TokenUser finds the active user behind an API token.
func (s *Service) TokenUser(ctx context.Context, token string) (*User, error) {
	bad := Errorf(Unauthorized, "invalid or revoked API token")
	if token == "" {
		return nil, Errorf(Unauthorized, "missing API token (send Authorization: Bearer TOKEN)")
	}
	tok, err := s.Store.GetTokenByHash(ctx, HashToken(token))
	if err != nil {
		if ErrorCode(err) == NotFound {
			return nil, bad
		}
		return nil, err
	}
	u, err := s.Store.GetUser(ctx, tok.UserID)
	if err != nil || !u.Active {
		return nil, bad
	}
	_ = s.Store.TouchToken(ctx, tok.ID, s.now())
	return u, nil
}
