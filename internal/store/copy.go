package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/slatrack/slatrack/internal/desk"
)

// copyTables are every table slatrack owns, parents before children, with
// the column that orders a table's rows for copying in pages.
var copyTables = []struct{ name, key string }{
	{"users", "id"},
	{"tickets", "id"},
	{"promises", "id"},
	{"messages", "id"},
	{"attachments", "id"},
	{"events", "id"},
	{"participants", "ticket_id, email"},
	{"ticket_merges", "ticket_id"},
	{"outbox", "id"},
	{"quarantine", "id"},
	{"sessions", "id"},
	{"tokens", "id"},
	{"settings", `"key"`},
	{"notifications", `"key"`},
	// After messages and quarantine, whose copies its triggers count
	// again: the source's counts replace those.
	{"mail_counts", "outcome, source, shard"},
}

// CopyProgress hears how far a copy has come.
type CopyProgress func(table string, done, total int64)

// CopyTo copies every row of this store into dst, which must be migrated
// to the same version and hold no tickets or users. Rows keep their ids, so
// references (SR-1042) and links survive; PostgreSQL's id sequences are
// moved past the copied ids afterwards. Each table is copied in pages, in
// one transaction on dst, and its row count is verified before the next.
func (s *Store) CopyTo(ctx context.Context, dst *Store, progress CopyProgress) error {
	src, _ := s.Migrations(ctx)
	dstM, _ := dst.Migrations(ctx)
	if len(src) != len(dstM) {
		return &desk.Error{Code: desk.Invalid, Message: fmt.Sprintf("the source has %d migrations and the target %d: migrate both with this version of slatrack first", len(src), len(dstM))}
	}
	for _, t := range []string{"users", "tickets"} {
		var n int64
		if err := dst.db.WithContext(ctx).Table(t).Count(&n).Error; err != nil {
			return dbErr(err, "")
		}
		if n > 0 {
			return &desk.Error{Code: desk.Conflict, Message: fmt.Sprintf("the target database already has %d %s; copy only into an empty, migrated database", n, t)}
		}
	}
	for _, t := range copyTables {
		if !s.db.Migrator().HasTable(t.name) {
			continue
		}
		if err := s.copyTable(ctx, dst, t.name, t.key, progress); err != nil {
			return fmt.Errorf("store: copy %s: %w", t.name, err)
		}
	}
	return nil
}

const copyPage = 500

func (s *Store) copyTable(ctx context.Context, dst *Store, table, key string, progress CopyProgress) error {
	var total int64
	if err := s.db.WithContext(ctx).Table(table).Count(&total).Error; err != nil {
		return dbErr(err, "")
	}
	if progress != nil {
		progress(table, 0, total)
	}
	err := dst.write(ctx, func(tx *gorm.DB) error {
		// The target is empty but for first-run rows (signing secrets in
		// settings), which the source's replace.
		if err := tx.Exec("DELETE FROM " + table).Error; err != nil {
			return err
		}
		var done int64
		for offset := int64(0); offset < total; offset += copyPage {
			rows, err := s.db.WithContext(ctx).Raw(fmt.Sprintf("SELECT * FROM %s ORDER BY %s LIMIT %d OFFSET %d", table, key, copyPage, offset)).Rows()
			if err != nil {
				return err
			}
			cols, err := rows.Columns()
			if err != nil {
				rows.Close()
				return err
			}
			types, err := rows.ColumnTypes()
			if err != nil {
				rows.Close()
				return err
			}
			isBool := make([]bool, len(cols))
			for i, ct := range types {
				isBool[i] = strings.EqualFold(ct.DatabaseTypeName(), "BOOLEAN") || strings.EqualFold(ct.DatabaseTypeName(), "BOOL")
			}
			var batch [][]any
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				batch = append(batch, vals)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if err := insertRows(tx, table, cols, isBool, batch, s.d, dst.d); err != nil {
				return err
			}
			done += int64(len(batch))
			if progress != nil {
				progress(table, done, total)
			}
		}
		var got int64
		if err := tx.Table(table).Count(&got).Error; err != nil {
			return err
		}
		if got != total {
			return fmt.Errorf("verified %d rows in the target, the source has %d", got, total)
		}
		if dst.d == postgresDialect && identityTables[table] {
			return tx.Exec(fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', 'id'), COALESCE((SELECT MAX(id) FROM %s), 0) + 1, false)`, table, table)).Error
		}
		return nil
	})
	return err
}

// insertRows writes one page of rows with a multi-row INSERT, converting
// the few values whose Go type differs between the engines.
func insertRows(tx *gorm.DB, table string, cols []string, isBool []bool, rows [][]any, from, to dialect) error {
	if len(rows) == 0 {
		return nil
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = `"` + c + `"`
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(quoted, ",") + ") VALUES ")
	args := make([]any, 0, len(rows)*len(cols))
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(one)
		for j, v := range r {
			args = append(args, convertValue(cols[j], isBool[j], v, from, to))
		}
	}
	return tx.Exec(b.String(), args...).Error
}

// blobColumns hold bytes; every other []byte a driver returns is text.
var blobColumns = map[string]bool{"raw": true, "data": true}

// convertValue converts one value read from a from database for a to
// database; isBool says the column is declared BOOLEAN (from the source's
// own column types, so a new boolean column needs no list here).
func convertValue(col string, isBool bool, v any, from, to dialect) any {
	switch x := v.(type) {
	case []byte:
		if blobColumns[col] {
			return x
		}
		return string(x)
	case int64:
		// SQLite keeps booleans as integers when the driver does not map them.
		if to == postgresDialect && from == sqliteDialect && isBool {
			return x != 0
		}
	}
	return v
}

// identityTables have an auto-numbered id whose sequence must move on.
var identityTables = map[string]bool{"users": true, "tickets": true, "promises": true, "messages": true, "attachments": true,
	"events": true, "outbox": true, "quarantine": true, "tokens": true}
