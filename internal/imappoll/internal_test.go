package imappoll

import (
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func TestBackoff(t *testing.T) {
	for _, c := range []struct {
		interval time.Duration
		failures int
		want     time.Duration
	}{
		{time.Minute, 0, time.Minute},
		{time.Minute, 1, time.Minute},
		{time.Minute, 2, 2 * time.Minute},
		{time.Minute, 3, 4 * time.Minute},
		{time.Minute, 4, 5 * time.Minute},
		{time.Minute, 400, 5 * time.Minute},
		{10 * time.Minute, 5, 10 * time.Minute},
		{time.Second, 9, 256 * time.Second},
		{time.Second, 10, 5 * time.Minute},
	} {
		if got := backoff(c.interval, c.failures); got != c.want {
			t.Errorf("backoff(%v, %d) = %v, want %v", c.interval, c.failures, got, c.want)
		}
	}
}

func TestLowestUIDs(t *testing.T) {
	set := imap.UIDSet{{Start: 40, Stop: 42}, {Start: 3, Stop: 5}, {Start: 4, Stop: 7}, {Start: 4294967294, Stop: 4294967295}}
	skip := map[imap.UID]struct{}{5: {}}
	for _, c := range []struct {
		n    int
		want []imap.UID
	}{
		{2, []imap.UID{3, 4}},
		{5, []imap.UID{3, 4, 6, 7, 40}},
		{100, []imap.UID{3, 4, 6, 7, 40, 41, 42, 4294967294, 4294967295}},
	} {
		got, err := lowestUIDs(set, c.n, skip)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("lowestUIDs(n=%d) = %v, %v; want %v", c.n, got, err, c.want)
		}
	}
	if got, err := lowestUIDs(imap.UIDSet{{Start: 1, Stop: 4000000000}}, 3, nil); err != nil || !slices.Equal(got, []imap.UID{1, 2, 3}) {
		t.Errorf("huge range: %v, %v", got, err)
	}
	if _, err := lowestUIDs(imap.UIDSet{{Start: 1, Stop: 0}}, 3, nil); err == nil {
		t.Error("dynamic set accepted")
	}
	if got, err := lowestUIDs(nil, 3, nil); err != nil || got != nil {
		t.Errorf("nil set: %v, %v", got, err)
	}
}
