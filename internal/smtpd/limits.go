package smtpd

import (
	"sync"
	"time"
)

// budget is the memory, in bytes, that the messages being received at once
// may hold between them (Config.MaxInflightBytes).
type budget struct {
	mu   sync.Mutex
	free int64
}

// take reserves n bytes, or nothing when fewer than n are free.
func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.free {
		return false
	}
	b.free -= n
	return true
}

// give returns n bytes taken before.
func (b *budget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
}

// maxRateKeys caps the keys a rateLimiter remembers, so a flood of distinct
// senders costs bounded memory. When every one of them is still counting,
// new keys are refused until some have aged out: such a flood is the very
// thing the limit is for.
const maxRateKeys = 100_000

// rateLimiter counts accepted messages per key (a sender address, a client
// address): at most limit in any window. It keeps the time of each message
// still in the window, so a message that was counted and then not stored
// can be given back exactly.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu     sync.Mutex
	seen   map[string][]time.Time // per key, oldest first
	pruned time.Time
}

// newRateLimiter allows limit messages per window and key; nil (no limit)
// when limit is not positive.
func newRateLimiter(limit int, window time.Duration) *rateLimiter {
	if limit <= 0 {
		return nil
	}
	return &rateLimiter{limit: limit, window: window, now: time.Now, seen: make(map[string][]time.Time)}
}

// recent is key's messages still in the window; older ones are forgotten.
// l.mu is held.
func (l *rateLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.seen[key]
	cut := now.Add(-l.window)
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	if i == len(ts) {
		delete(l.seen, key)
		return nil
	}
	if i > 0 {
		ts = append([]time.Time(nil), ts[i:]...)
		l.seen[key] = ts
	}
	return ts
}

// allowed reports whether key could have one more message now, without
// counting one.
func (l *rateLimiter) allowed(key string) bool {
	if l == nil || key == "" {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, l.now())) < l.limit
}

// take counts one message for every key ("" is skipped), or for none of
// them when any is at its limit. undo gives the message back, for one that
// was not stored after all.
func (l *rateLimiter) take(keys ...string) (undo func(), ok bool) {
	if l == nil {
		return func() {}, true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	fresh := 0
	for _, k := range keys {
		if k == "" {
			continue
		}
		switch n := len(l.recent(k, now)); {
		case n >= l.limit:
			return nil, false
		case n == 0:
			fresh++
		}
	}
	if len(l.seen)+fresh > maxRateKeys {
		return nil, false
	}
	for _, k := range keys {
		if k != "" {
			l.seen[k] = append(l.seen[k], now)
		}
	}
	return func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range keys {
			ts := l.seen[k]
			for i := len(ts) - 1; i >= 0; i-- {
				if ts[i].Equal(now) {
					l.seen[k] = append(ts[:i:i], ts[i+1:]...)
					break
				}
			}
			if len(l.seen[k]) == 0 {
				delete(l.seen, k)
			}
		}
	}, true
}

// prune forgets the keys with nothing left in the window: once a minute,
// or once a second while the table is full. l.mu is held.
func (l *rateLimiter) prune(now time.Time) {
	since := now.Sub(l.pruned)
	if since < time.Second || since < time.Minute && len(l.seen) < maxRateKeys {
		return
	}
	l.pruned = now
	for k := range l.seen {
		l.recent(k, now)
	}
}
