package store

import (
	"context"

	"gorm.io/gorm"
)

// TicketColumnNames exposes the one list of ticket columns to the tests.
var TicketColumnNames = ticketColumnNames

// TableColumns are the columns the database has for table.
func (s *Store) TableColumns(ctx context.Context, table string) ([]string, error) {
	types, err := s.db.WithContext(ctx).Migrator().ColumnTypes(table)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(types))
	for i, c := range types {
		out[i] = c.Name()
	}
	return out, nil
}

// ModelColumns are the table and the columns gorm reads and writes for
// model, as its field names and tags say.
func (s *Store) ModelColumns(model any) (string, []string, error) {
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(model); err != nil {
		return "", nil, err
	}
	return stmt.Schema.Table, stmt.Schema.DBNames, nil
}

// MigrateTo applies the migrations up to version, for tests that write rows
// as an older schema had them and then check a migration's backfill.
func (s *Store) MigrateTo(ctx context.Context, version int) ([]string, error) {
	return s.migrateTo(ctx, version)
}

// ExecSQL runs one statement on the pool (tests writing old-schema rows).
func (s *Store) ExecSQL(ctx context.Context, q string, args ...any) error {
	return s.db.WithContext(ctx).Exec(q, args...).Error
}
