package store

import "context"

// MigrateTo applies the migrations up to version, for tests that write rows
// as an older schema had them and then check a migration's backfill.
func (s *Store) MigrateTo(ctx context.Context, version int) ([]string, error) {
	return s.migrateTo(ctx, version)
}

// ExecSQL runs one statement on the pool (tests writing old-schema rows).
func (s *Store) ExecSQL(ctx context.Context, q string, args ...any) error {
	return s.db.WithContext(ctx).Exec(q, args...).Error
}
