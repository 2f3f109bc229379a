package smtpd

import (
	"fmt"
	"testing"
	"time"
)

func TestRateLimiter(t *testing.T) {
	t.Run("undo gives the message back", func(t *testing.T) {
		l := newRateLimiter(1, time.Hour)
		undo, ok := l.take("a@x", "b@x")
		if !ok {
			t.Fatal("first take refused")
		}
		if _, ok := l.take("b@x"); ok || l.allowed("a@x") {
			t.Fatal("second message allowed over a limit of 1")
		}
		undo()
		if !l.allowed("a@x") || !l.allowed("b@x") {
			t.Error("not allowed again after undo")
		}
		if len(l.seen) != 0 {
			t.Errorf("%d keys kept after undo", len(l.seen))
		}
	})

	t.Run("all or nothing", func(t *testing.T) {
		l := newRateLimiter(1, time.Hour)
		l.take("full@x")
		if _, ok := l.take("fresh@x", "full@x"); ok {
			t.Fatal("take allowed with one key over its limit")
		}
		if !l.allowed("fresh@x") || len(l.seen["fresh@x"]) != 0 {
			t.Error("a refused take counted the other key")
		}
	})

	// A flood of distinct senders fills the table; new senders are refused
	// until old ones age out, and then the table empties.
	t.Run("distinct keys are bounded", func(t *testing.T) {
		const window = time.Hour
		l := newRateLimiter(2, window)
		now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
		l.now = func() time.Time { return now }
		for i := range maxRateKeys {
			if _, ok := l.take(fmt.Sprint("flood", i, "@x")); !ok {
				t.Fatalf("key %d refused before the table was full", i)
			}
		}
		if _, ok := l.take("one-more@x"); ok {
			t.Error("a new key accepted into a full table")
		}
		if _, ok := l.take("flood7@x"); !ok {
			t.Error("a known key under its limit refused")
		}
		now = now.Add(window)
		if _, ok := l.take("one-more@x"); !ok {
			t.Error("a new key refused once the others aged out")
		}
		if len(l.seen) != 1 {
			t.Errorf("%d keys kept, want only the new one", len(l.seen))
		}
	})

	t.Run("no limit", func(t *testing.T) {
		var l *rateLimiter = newRateLimiter(0, time.Hour)
		if l != nil || !l.allowed("x") {
			t.Fatal("limit 0 should mean no limiter")
		}
		if undo, ok := l.take("x"); !ok {
			t.Fatal("nil limiter refused")
		} else {
			undo()
		}
	})
}
