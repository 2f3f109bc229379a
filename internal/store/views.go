package store

import (
	"context"
	"fmt"
	"math"
	"strings"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// CreateView stores v and gives it an ID; Conflict when its owner already
// has a view of that name.
func (s *Store) CreateView(ctx context.Context, v *desk.SavedView) error {
	orig := *v
	v.ID = 0
	v.CreatedAt = utc(v.CreatedAt)
	err := s.write(ctx, func(tx *gorm.DB) error { return tx.Omit("Owner").Create(v).Error })
	if err != nil {
		*v = orig
		return fmt.Errorf("store: create view: %w", dbErr(err, "a view with that name already exists"))
	}
	return nil
}

// ListViews is the views userID owns and those others shared, Owner
// filled, by name (case-insensitive), then id.
func (s *Store) ListViews(ctx context.Context, userID uint64) ([]*desk.SavedView, error) {
	var vs []*desk.SavedView
	db := s.db.WithContext(ctx)
	if err := db.Where("owner_id = ? OR shared = ?", userID, true).Order("LOWER(name) ASC, id ASC").Find(&vs).Error; err != nil {
		return nil, fmt.Errorf("store: list views: %w", dbErr(err, ""))
	}
	if err := fillViewOwners(db, vs); err != nil {
		return nil, fmt.Errorf("store: list views: %w", dbErr(err, ""))
	}
	if vs == nil {
		vs = []*desk.SavedView{}
	}
	return vs, nil
}

// GetView finds a view by ID, Owner filled; NotFound when missing.
func (s *Store) GetView(ctx context.Context, id uint64) (*desk.SavedView, error) {
	if id > math.MaxInt64 {
		return nil, desk.ErrNotFound
	}
	db := s.db.WithContext(ctx)
	var v desk.SavedView
	if err := db.Where("id = ?", id).Take(&v).Error; err != nil {
		return nil, dbErr(err, "")
	}
	if err := fillViewOwners(db, []*desk.SavedView{&v}); err != nil {
		return nil, fmt.Errorf("store: get view: %w", dbErr(err, ""))
	}
	return &v, nil
}

// DeleteView removes a view; NotFound when missing.
func (s *Store) DeleteView(ctx context.Context, id uint64) error {
	if id > math.MaxInt64 {
		return desk.ErrNotFound
	}
	var n int64
	err := s.write(ctx, func(tx *gorm.DB) error {
		res := tx.Where("id = ?", id).Delete(&desk.SavedView{})
		n = res.RowsAffected
		return res.Error
	})
	if err != nil {
		return fmt.Errorf("store: delete view: %w", dbErr(err, ""))
	}
	if n == 0 {
		return desk.ErrNotFound
	}
	return nil
}

// fillViewOwners sets Owner on each view with one query, and the times to UTC.
func fillViewOwners(db *gorm.DB, vs []*desk.SavedView) error {
	ids := map[uint64]bool{}
	var list []uint64
	for _, v := range vs {
		v.CreatedAt = asUTC(v.CreatedAt)
		v.Name = strings.TrimSpace(v.Name)
		if !ids[v.OwnerID] {
			ids[v.OwnerID] = true
			list = append(list, v.OwnerID)
		}
	}
	if len(list) == 0 {
		return nil
	}
	var users []*desk.User
	if err := db.Where("id IN ?", list).Find(&users).Error; err != nil {
		return err
	}
	by := map[uint64]*desk.User{}
	for _, u := range users {
		userFromDB(u)
		by[u.ID] = u
	}
	for _, v := range vs {
		v.Owner = by[v.OwnerID]
	}
	return nil
}
