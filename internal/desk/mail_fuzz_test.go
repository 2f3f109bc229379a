package desk_test

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// FuzzIngestMail feeds arbitrary bytes through the whole ingestion path on a
// real SQLite store: it must never panic, never fail (the store is up), and
// never lose a message: every mail ends up stored (on a ticket, unattached,
// or in quarantine), or is recognised as a duplicate or as our own mail
// coming back.
func FuzzIngestMail(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "mail", "testdata", "corpus", "*.eml"))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("From: a@agency.gov\r\nSubject: [SR-1001] hi\r\n\r\nbody"))
	f.Add([]byte{0, 1, 2, 3})
	st := storetest.Open(f)
	ctx := context.Background()
	var (
		once sync.Once
		svc  *desk.Service
	)
	f.Fuzz(func(t *testing.T, raw []byte) {
		once.Do(func() { svc = mailFixture(t, st).svc })
		before := storedMail(t, st)
		res, err := svc.IngestMail(ctx, raw, "fuzz")
		if err != nil {
			t.Fatalf("IngestMail failed with the store up: %v", err)
		}
		after := storedMail(t, st)
		switch res.Action {
		case desk.ActionCreated, desk.ActionAppended, desk.ActionQuarantined:
			if after <= before {
				t.Fatalf("action %s, but nothing new was stored (%d → %d)", res.Action, before, after)
			}
		case desk.ActionIgnored:
			if after <= before && res.Reason != "slatrack's own outgoing mail came back in; dropped" {
				t.Fatalf("ignored without storing: %+v", res)
			}
		case desk.ActionDuplicate:
		default:
			t.Fatalf("unknown outcome %+v", res)
		}
	})
}

// TestIngestMail_MutatedCorpusLosesNothing runs the same property as
// FuzzIngestMail over 2,000 deterministic random mutations of the corpus
// (byte flips, truncations, insertions), so every CI run exercises it.
func TestIngestMail_MutatedCorpusLosesNothing(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("..", "mail", "testdata", "corpus", "*.eml"))
	if len(files) < 40 {
		t.Fatalf("corpus has %d messages, want at least 40", len(files))
	}
	st := storetest.Open(t)
	svc := mailFixture(t, st).svc
	r := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	n := 2000
	if testing.Short() {
		n = 200
	}
	for i := range n {
		b, err := os.ReadFile(files[r.IntN(len(files))])
		if err != nil {
			t.Fatal(err)
		}
		for range 1 + r.IntN(8) {
			if len(b) == 0 {
				break
			}
			switch j := r.IntN(len(b)); r.IntN(3) {
			case 0:
				b[j] = byte(r.IntN(256))
			case 1:
				b = b[:j]
			default:
				b = append(b[:j], append([]byte{byte(r.IntN(256))}, b[j:]...)...)
			}
		}
		before := storedMail(t, st)
		res, err := svc.IngestMail(ctx, b, "mutation")
		if err != nil {
			t.Fatalf("mutation %d: IngestMail failed with the store up: %v", i, err)
		}
		if after := storedMail(t, st); after <= before && res.Action != desk.ActionDuplicate &&
			res.Reason != "slatrack's own outgoing mail came back in; dropped" {
			t.Fatalf("mutation %d: %+v but nothing was stored", i, res)
		}
	}
}

func storedMail(t *testing.T, st *store.Store) int64 {
	t.Helper()
	n, err := st.CountStoredMail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
