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
		v.Add("name", "the name must be at most 200 characters")
	}
	if n.Role != RoleStaff && n.Role != RoleAdmin {
		v.Add("role", "the role must be staff or admin")
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
	if err := s.accounts.CreateUser(ctx, u); err != nil {
		return nil, err
	}
	return u, nil
}

func passwordProblem(p string) string {
	switch {
	case utf8.RuneCountInString(p) < MinPassword:
		return "the password must be at least 12 characters"
	case len(p) > 72:
		return "the password must be at most 72 bytes" // bcrypt's limit
	}
	return ""
}

// UserChange is a change to one account, which the store applies in one
// transaction.
type UserChange struct {
	PasswordHash *string // the new password hash, if it changes
	Active       *bool   // the new active flag, if it changes
	// EndAccess ends every session and deletes every API token of the
	// account, in the same transaction as the change.
	EndAccess bool
}

// SetPassword replaces a user's password and, in the same transaction,
// ends every session and revokes every API token of the account: whoever
// held the old password may have made them.
func (s *Service) SetPassword(ctx context.Context, u *User, password string) error {
	if msg := passwordProblem(password); msg != "" {
		return FieldError("password", "%s", msg)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), s.bcryptCost())
	if err != nil {
		return &Error{Code: Internal, Err: err}
	}
	h := string(hash)
	if err := s.accounts.ChangeUser(ctx, u.ID, UserChange{PasswordHash: &h, EndAccess: true}); err != nil {
		return err
	}
	u.PasswordHash = h
	return nil
}

// SetActive deactivates or reactivates the account id, for an admin. Either
// way every session and API token of the account ends in the same
// transaction: a deactivated person is locked out at once, and a
// reactivation never revives a credential made before or during the
// deactivation.
func (s *Service) SetActive(ctx context.Context, actor *User, id uint64, active bool) (*User, error) {
	if !actor.IsAdmin() {
		return nil, Errorf(Forbidden, "only an admin may do this")
	}
	if !active && id == actor.ID {
		return nil, Errorf(Conflict, "you cannot deactivate your own account")
	}
	u, err := s.accounts.GetUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.accounts.ChangeUser(ctx, id, UserChange{Active: &active, EndAccess: true}); err != nil {
		return nil, err
	}
	u.Active = active
	return u, nil
}

// Authenticate checks an email and password.
func (s *Service) Authenticate(ctx context.Context, email, password string) (*User, error) {
	bad := Errorf(Unauthorized, "wrong email or password")
	u, err := s.accounts.GetUserByEmail(ctx, strings.TrimSpace(email))
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
	ok, err := s.accounts.TouchLogin(ctx, u.ID, u.PasswordHash, now)
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
	if err := s.accounts.CreateSession(ctx, &Session{ID: HashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return "", err
	}
	return token, nil
}

// SessionUser finds the active user behind a session cookie value.
func (s *Service) SessionUser(ctx context.Context, token string) (*User, error) {
	if token == "" {
		return nil, Errorf(Unauthorized, "please log in")
	}
	sess, err := s.accounts.GetSession(ctx, HashToken(token))
	if err != nil {
		if ErrorCode(err) == NotFound {
			return nil, Errorf(Unauthorized, "your session has ended; please log in again")
		}
		return nil, err
	}
	if !sess.ExpiresAt.After(s.now()) {
		return nil, Errorf(Unauthorized, "your session has ended; please log in again")
	}
	u, err := s.accounts.GetUser(ctx, sess.UserID)
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
	return s.accounts.DeleteSession(ctx, HashToken(token))
}

// TokenUseInterval is how often, at most, a token's last use is written:
// often enough to tell a live token from a forgotten one, rarely enough
// that reading the API does not write to the database.
const TokenUseInterval = time.Minute

// MaxTokenLifetime is the longest expiry a token may be given.
const MaxTokenLifetime = 3650 * 24 * time.Hour

// NewToken is an API token to create.
type NewToken struct {
	Email string // the owner's address
	Name  string // a label to recognise the token by
	// ExpiresIn is how long the token works; 0: until it is revoked.
	ExpiresIn time.Duration
}

// CreateToken makes an API token for the staff member with n.Email and
// returns its value, which is shown once: only its hash is kept.
func (s *Service) CreateToken(ctx context.Context, n NewToken) (string, *Token, error) {
	name := strings.TrimSpace(oneLine(noNUL(n.Name)))
	switch {
	case name == "":
		return "", nil, FieldError("name", "please give the token a name")
	case utf8.RuneCountInString(name) > MaxName:
		return "", nil, FieldError("name", "the token's name must be at most %d characters", MaxName)
	case n.ExpiresIn < 0:
		return "", nil, FieldError("expires", "the expiry must be in the future")
	case n.ExpiresIn > MaxTokenLifetime:
		return "", nil, FieldError("expires", "the expiry must be at most %d days", int(MaxTokenLifetime/(24*time.Hour)))
	}
	u, err := s.accounts.GetUserByEmail(ctx, strings.TrimSpace(n.Email))
	if err != nil {
		if ErrorCode(err) == NotFound {
			return "", nil, FieldError("email", "no staff member has the address %q (add one with `slatrack user add`)", n.Email)
		}
		return "", nil, err
	}
	if !u.Active {
		return "", nil, FieldError("email", "%s is deactivated", u.Email)
	}
	now := s.now()
	t := &Token{UserID: u.ID, Name: name, CreatedAt: now}
	if n.ExpiresIn > 0 {
		exp := now.Add(n.ExpiresIn)
		t.ExpiresAt = &exp
	}
	value := "slt_" + RandomToken()
	t.Hash = HashToken(value)
	if err := s.accounts.CreateToken(ctx, t); err != nil {
		return "", nil, err
	}
	t.Owner = u
	return value, t, nil
}

// TokenUser finds the active user behind an API token, and records the
// token's use (at most once per TokenUseInterval).
func (s *Service) TokenUser(ctx context.Context, token string) (*User, error) {
	bad := Errorf(Unauthorized, "invalid or revoked API token")
	if token == "" {
		return nil, Errorf(Unauthorized, "missing API token (send Authorization: Bearer TOKEN)")
	}
	tok, err := s.accounts.GetTokenByHash(ctx, HashToken(token))
	if err != nil {
		if ErrorCode(err) == NotFound {
			return nil, bad
		}
		return nil, err
	}
	now := s.now()
	if tok.ExpiresAt != nil && !tok.ExpiresAt.After(now) {
		return nil, Errorf(Unauthorized, "this API token has expired; ask an admin for a new one")
	}
	u, err := s.accounts.GetUser(ctx, tok.UserID)
	if err != nil {
		if ErrorCode(err) == NotFound {
			return nil, bad
		}
		return nil, err
	}
	if !u.Active {
		return nil, bad
	}
	// The store repeats this condition in its UPDATE, for other instances;
	// checking it here first keeps most requests from writing at all.
	since := now.Add(-TokenUseInterval)
	if tok.LastUsedAt == nil || tok.LastUsedAt.Before(since) {
		_ = s.accounts.TouchToken(ctx, tok.ID, now, since) // a lost use time is no reason to refuse the call
	}
	return u, nil
}

// ListTokens lists every API token with its owner, by owner email.
func (s *Service) ListTokens(ctx context.Context) ([]*Token, error) {
	return s.accounts.ListTokens(ctx, 0)
}

// RevokeToken deletes the API token id, so that it stops working on every
// instance from the next request on, and returns it with Owner filled.
func (s *Service) RevokeToken(ctx context.Context, id uint64) (*Token, error) {
	t, err := s.accounts.DeleteToken(ctx, id)
	if err != nil {
		if ErrorCode(err) == NotFound {
			return nil, Errorf(NotFound, "there is no API token #%d (it may have been revoked already)", id)
		}
		return nil, err
	}
	if u, err := s.accounts.GetUser(ctx, t.UserID); err == nil {
		t.Owner = u
	}
	return t, nil
}

// RevokeNamedToken revokes the API token called name of the staff member
// with that email. Conflict when several of their tokens have that name:
// then revoke by ID.
func (s *Service) RevokeNamedToken(ctx context.Context, email, name string) (*Token, error) {
	u, err := s.accounts.GetUserByEmail(ctx, strings.TrimSpace(email))
	if err != nil {
		if ErrorCode(err) == NotFound {
			return nil, FieldError("email", "no staff member has the address %q", email)
		}
		return nil, err
	}
	tokens, err := s.accounts.ListTokens(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	name = strings.TrimSpace(name)
	var match []*Token
	for _, t := range tokens {
		if t.Name == name {
			match = append(match, t)
		}
	}
	switch len(match) {
	case 0:
		return nil, Errorf(NotFound, "%s has no API token named %q", u.Email, name)
	case 1:
		return s.RevokeToken(ctx, match[0].ID)
	}
	return nil, Errorf(Conflict, "%s has %d API tokens named %q; revoke one by its ID (see `slatrack token list`)", u.Email, len(match), name)
}

// Staff lists every staff account, active or not, by email.
func (s *Service) Staff(ctx context.Context) ([]*User, error) {
	return s.accounts.ListUsers(ctx)
}

// AnyActiveAdmin reports whether one of users is an active admin: a desk
// without one has no way in (serve then creates one).
func AnyActiveAdmin(users []*User) bool {
	for _, u := range users {
		if u.Active && u.IsAdmin() {
			return true
		}
	}
	return false
}

// SweepSessions deletes the sessions that expired before now and says how
// many there were.
func (s *Service) SweepSessions(ctx context.Context, now time.Time) (int64, error) {
	return s.accounts.DeleteExpiredSessions(ctx, now)
}
