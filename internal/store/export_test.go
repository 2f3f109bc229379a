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
