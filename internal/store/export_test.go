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

// QueryRows runs a query and reads every column of every row it returns
// (benchmark floors: bare SQL written by hand), returning the row count.
func (s *Store) QueryRows(ctx context.Context, q string, args ...any) (int, error) {
	rows, err := s.db.WithContext(ctx).Raw(q, args...).Rows()
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return 0, err
	}
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(any)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

// QueryInt runs a query returning one integer.
func (s *Store) QueryInt(ctx context.Context, q string, args ...any) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Raw(q, args...).Scan(&n).Error
	return n, err
}

// QueryIDs runs a query returning one integer column.
func (s *Store) QueryIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(q, args...).Scan(&ids).Error
	return ids, err
}

// SetSearchSample makes PostgreSQL's searches read the documents of n
// ticket numbers in order before they estimate how to find the rest (see
// searchSample).
func (s *Store) SetSearchSample(n int) { s.searchSample = n }
