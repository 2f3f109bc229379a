package store_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestDomainTypes_MatchTheSchema: the migrations are the schema; the
// domain types gorm reads and writes must name exactly the columns the
// migrated tables have (their only gorm tags say which fields are not
// columns, or where a column's name differs), on both engines.
func TestDomainTypes_MatchTheSchema(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		for _, model := range []any{&desk.Ticket{}, &desk.Event{}, &desk.User{}, &desk.Session{}, &desk.Token{},
			&desk.Message{}, &desk.Attachment{}, &desk.OutboxMail{}, &desk.Quarantined{}, &desk.Macro{}, &desk.Presence{}, &desk.SavedView{}} {
			table, fields, err := s.ModelColumns(model)
			if err != nil {
				t.Fatal(err)
			}
			cols, err := s.TableColumns(ctx(t), table)
			if err != nil {
				t.Fatal(err)
			}
			sort.Strings(fields)
			sort.Strings(cols)
			if strings.Join(fields, ",") != strings.Join(cols, ",") {
				t.Errorf("%T maps to %s columns %v; the migrated table has %v", model, table, fields, cols)
			}
		}
	})
}
