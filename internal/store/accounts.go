package store

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

const emailConflict = "a user with that email already exists"

// normEmail is how emails are stored and compared: trimmed, lower case.
func normEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

func userFromDB(u *desk.User) {
	u.CreatedAt = asUTC(u.CreatedAt)
	u.LastLoginAt = asUTCp(u.LastLoginAt)
}

func prepareUser(u *desk.User) {
	u.Email = normEmail(u.Email)
	u.CreatedAt = utc(u.CreatedAt)
	u.LastLoginAt = utcp(u.LastLoginAt)
}

// CreateUser inserts u (email lower-cased) and sets its ID; Conflict when
// the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *desk.User) error {
	orig := *u
	u.ID = 0
	prepareUser(u)
	if u.CreatedAt.IsZero() {
		u.CreatedAt = utc(time.Now())
	}
	err := s.write(ctx, func(tx *gorm.DB) error { return tx.Create(u).Error })
	if err != nil {
		*u = orig
		return dbErr(err, emailConflict)
	}
	return nil
}

// GetUser finds a user by ID.
func (s *Store) GetUser(ctx context.Context, id uint64) (*desk.User, error) {
	if id > math.MaxInt64 {
		return nil, desk.ErrNotFound // no row has such an id; the drivers refuse it as a parameter
	}
	var u desk.User
	if err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error; err != nil {
		return nil, dbErr(err, "")
	}
	userFromDB(&u)
	return &u, nil
}

// GetUserByEmail finds a user by email, ignoring case.
func (s *Store) GetUserByEmail(ctx context.Context, email string) (*desk.User, error) {
	var u desk.User
	if err := s.db.WithContext(ctx).Where("email = ?", normEmail(email)).Take(&u).Error; err != nil {
		return nil, dbErr(err, "")
	}
	userFromDB(&u)
	return &u, nil
}

// ListUsers lists every user by email.
func (s *Store) ListUsers(ctx context.Context) ([]*desk.User, error) {
	users := []*desk.User{}
	if err := s.db.WithContext(ctx).Order("email ASC").Find(&users).Error; err != nil {
		return nil, dbErr(err, "")
	}
	for _, u := range users {
		userFromDB(u)
	}
	return users, nil
}

// UpdateUser saves every column of u but id and created_at; NotFound when
// there is no such user, Conflict when the new email is taken.
func (s *Store) UpdateUser(ctx context.Context, u *desk.User) error {
	prepareUser(u)
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&desk.User{}).Where("id = ?", u.ID).Updates(map[string]any{
			"email":         u.Email,
			"name":          u.Name,
			"role":          u.Role,
			"password_hash": u.PasswordHash,
			"active":        u.Active,
			"last_login_at": u.LastLoginAt,
		})
		if res.Error == nil && res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		return res.Error
	})
	return dbErr(err, emailConflict)
}

// TouchLogin sets last_login_at if the account is still active with the
// same password hash.
func (s *Store) TouchLogin(ctx context.Context, id uint64, hash string, at time.Time) (bool, error) {
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Model(&desk.User{}).Where("id = ? AND active = ? AND password_hash = ?", id, true, hash).Update("last_login_at", utc(at))
		n = res.RowsAffected
		return res.Error
	})
	return n == 1, dbErr(err, "")
}

// ChangeUser applies ch to the user id in one transaction: the columns it
// sets, and with ch.EndAccess the deletion of every session and API token
// of the user. NotFound when there is no such user.
func (s *Store) ChangeUser(ctx context.Context, id uint64, ch desk.UserChange) error {
	if id > math.MaxInt64 {
		return desk.ErrNotFound // no row has such an id; the drivers refuse it as a parameter
	}
	cols := map[string]any{}
	if ch.PasswordHash != nil {
		cols["password_hash"] = *ch.PasswordHash
	}
	if ch.Active != nil {
		cols["active"] = *ch.Active
	}
	err := s.write(ctx, func(tx *gorm.DB) error {
		var n int64
		if len(cols) > 0 {
			res := tx.Model(&desk.User{}).Where("id = ?", id).Updates(cols)
			if res.Error != nil {
				return res.Error
			}
			n = res.RowsAffected
		} else if err := tx.Model(&desk.User{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return err
		}
		if n == 0 {
			return gorm.ErrRecordNotFound
		}
		if !ch.EndAccess {
			return nil
		}
		if err := tx.Where("user_id = ?", id).Delete(&desk.Session{}).Error; err != nil {
			return err
		}
		return tx.Where("user_id = ?", id).Delete(&desk.Token{}).Error
	})
	if err != nil {
		return fmt.Errorf("store: change user: %w", dbErr(err, ""))
	}
	return nil
}

// CountUsers counts the users.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.db.WithContext(ctx).Model(&desk.User{}).Count(&n).Error; err != nil {
		return 0, dbErr(err, "")
	}
	return n, nil
}

// CreateSession inserts a session; Invalid when the user does not exist.
func (s *Store) CreateSession(ctx context.Context, sess *desk.Session) error {
	sess.CreatedAt = utc(sess.CreatedAt)
	if sess.CreatedAt.IsZero() {
		sess.CreatedAt = utc(time.Now())
	}
	sess.ExpiresAt = utc(sess.ExpiresAt)
	err := s.write(ctx, func(tx *gorm.DB) error { return tx.Create(sess).Error })
	return dbErr(err, "that session already exists")
}

// GetSession finds a session; NotFound when it is missing. The service
// checks expiry against its own clock.
func (s *Store) GetSession(ctx context.Context, id string) (*desk.Session, error) {
	var sess desk.Session
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&sess).Error
	if err != nil {
		return nil, dbErr(err, "")
	}
	sess.CreatedAt = asUTC(sess.CreatedAt)
	sess.ExpiresAt = asUTC(sess.ExpiresAt)
	return &sess, nil
}

// DeleteSession removes a session; removing a missing one is no error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return dbErr(s.write(ctx, func(tx *gorm.DB) error {
		return tx.Where("id = ?", id).Delete(&desk.Session{}).Error
	}), "")
}

// DeleteUserSessions removes every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, userID uint64) error {
	return dbErr(s.write(ctx, func(tx *gorm.DB) error {
		return tx.Where("user_id = ?", userID).Delete(&desk.Session{}).Error
	}), "")
}

// DeleteExpiredSessions removes the sessions expired at now and says how
// many there were.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Where("expires_at <= ?", utc(now)).Delete(&desk.Session{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return 0, dbErr(err, "")
	}
	return n, nil
}

// CreateToken inserts an API token and sets its ID; Conflict when the hash
// exists.
func (s *Store) CreateToken(ctx context.Context, t *desk.Token) error {
	orig := *t
	t.ID = 0
	t.CreatedAt = utc(t.CreatedAt)
	if t.CreatedAt.IsZero() {
		t.CreatedAt = utc(time.Now())
	}
	t.LastUsedAt = utcp(t.LastUsedAt)
	t.ExpiresAt = utcp(t.ExpiresAt)
	err := s.write(ctx, func(tx *gorm.DB) error { return tx.Create(t).Error })
	if err != nil {
		*t = orig
		return dbErr(err, "that token already exists")
	}
	return nil
}

// GetTokenByHash finds a token by the SHA-256 of its value.
func (s *Store) GetTokenByHash(ctx context.Context, hash string) (*desk.Token, error) {
	var t desk.Token
	if err := s.db.WithContext(ctx).Where("hash = ?", hash).Take(&t).Error; err != nil {
		return nil, dbErr(err, "")
	}
	tokenFromDB(&t)
	return &t, nil
}

// TouchToken sets the token's last_used_at to at unless it is already at
// or after since. The condition is in the UPDATE, so several instances
// seeing the same token within the interval write it once between them.
func (s *Store) TouchToken(ctx context.Context, id uint64, at, since time.Time) error {
	err := s.write(ctx, func(tx *gorm.DB) error {
		return tx.Model(&desk.Token{}).
			Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, utcCeil(since)).
			Update("last_used_at", utc(at)).Error
	})
	if err != nil {
		return fmt.Errorf("store: record token use: %w", dbErr(err, ""))
	}
	return nil
}

// ListTokens lists the API tokens of the user userID, or of everyone when
// userID is 0, with Owner filled: by owner email, then newest first.
func (s *Store) ListTokens(ctx context.Context, userID uint64) ([]*desk.Token, error) {
	db := s.db.WithContext(ctx)
	q := db.Model(&desk.Token{}).Select("tokens.*").Joins("JOIN users ON users.id = tokens.user_id")
	if userID > 0 {
		q = q.Where("tokens.user_id = ?", userID)
	}
	tokens := []*desk.Token{}
	if err := q.Order("users.email ASC, tokens.created_at DESC, tokens.id DESC").Find(&tokens).Error; err != nil {
		return nil, fmt.Errorf("store: list tokens: %w", dbErr(err, ""))
	}
	ids := make([]uint64, 0, len(tokens))
	for _, t := range tokens {
		tokenFromDB(t)
		ids = append(ids, t.UserID)
	}
	if len(ids) == 0 {
		return tokens, nil
	}
	var users []*desk.User
	if err := db.Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, fmt.Errorf("store: list token owners: %w", dbErr(err, ""))
	}
	byID := make(map[uint64]*desk.User, len(users))
	for _, u := range users {
		userFromDB(u)
		byID[u.ID] = u
	}
	for _, t := range tokens {
		t.Owner = byID[t.UserID]
	}
	return tokens, nil
}

// DeleteToken removes the token id and returns it (Owner unset); NotFound
// when there is no such token.
func (s *Store) DeleteToken(ctx context.Context, id uint64) (*desk.Token, error) {
	if id > math.MaxInt64 {
		return nil, desk.ErrNotFound
	}
	var t desk.Token
	err := s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Where("id = ?", id).Take(&t).Error; err != nil {
			return err
		}
		return tx.Where("id = ?", id).Delete(&desk.Token{}).Error
	})
	if err != nil {
		return nil, fmt.Errorf("store: delete token: %w", dbErr(err, ""))
	}
	tokenFromDB(&t)
	return &t, nil
}

func tokenFromDB(t *desk.Token) {
	t.CreatedAt = asUTC(t.CreatedAt)
	t.LastUsedAt = asUTCp(t.LastUsedAt)
	t.ExpiresAt = asUTCp(t.ExpiresAt)
}

// Setting returns the value of key, creating it with create() if absent.
// The insert does nothing if another instance inserted the key meanwhile,
// and the value read back is the one stored, so every instance agrees
// (first writer wins).
func (s *Store) Setting(ctx context.Context, key string, create func() (string, error)) (string, error) {
	db := s.db.WithContext(ctx)
	var vals []string
	if err := db.Raw(`SELECT "value" FROM settings WHERE "key" = ?`, key).Scan(&vals).Error; err != nil {
		return "", dbErr(err, "")
	}
	if len(vals) > 0 {
		return vals[0], nil
	}
	v, err := create()
	if err != nil {
		return "", err
	}
	err = s.write(ctx, func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO settings ("key", "value") VALUES (?, ?) ON CONFLICT ("key") DO NOTHING`, key, v).Error; err != nil {
			return err
		}
		vals = vals[:0]
		return tx.Raw(`SELECT "value" FROM settings WHERE "key" = ?`, key).Scan(&vals).Error
	})
	if err != nil {
		return "", dbErr(err, "")
	}
	if len(vals) == 0 {
		return "", dbErr(gorm.ErrRecordNotFound, "")
	}
	return vals[0], nil
}
