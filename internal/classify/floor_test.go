package classify

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// floorWork is the least any word-based classifier must do with a ticket:
// lower-case it and split it into words, once.
func floorWork(subject, body string) int {
	return len(strings.Fields(strings.ToLower(subject))) + len(strings.Fields(strings.ToLower(body)))
}

// How many times the floor Classify may cost, from measurements on the
// 2-core development machine (see the README's performance table), with
// room for a loaded machine: mail measures 1.4–2.3×, pasted logs 2.6–3.3×
// (their timestamps and brackets are several words and punctuation marks
// each to the classifier, one field each to strings.Fields). The
// classifier before this one measured 5–139×.
const (
	maxMailRatio = 3
	maxLogsRatio = 5
)

// floorBodies are the bodies BenchmarkClassifyVsFloor classifies: 4 KB and
// 62 KB, quiet (nothing matches, so every rule is tried), with one rule's
// literals far apart (the case that made a regexp scan the whole body), and
// pasted logs dense with the literal text the regexps look for.
func floorBodies() []struct {
	name, subject, body string
	max                 float64 // the most times the floor it may cost
} {
	mail := func(size int, first, last string) string {
		var b strings.Builder
		b.WriteString("---------- Forwarded message ---------\nFrom: Alex Rivera <alex.rivera@example.gov>\nSubject: question about our deployment\n\n")
		b.WriteString("> " + first + "\n")
		para := "> Hi team, we deployed version 2.4.1 of the benefits tool to our staging space yesterday and would like to confirm the manifest settings for memory, instances and the health check type before we promote it next week.\n"
		for b.Len() < size-len(last)-40 {
			b.WriteString(para)
		}
		b.WriteString("> " + last + "\n> Thanks, Alex\n")
		return b.String()
	}
	logs := func(size int) string {
		var b strings.Builder
		b.WriteString("Here is what our app logged overnight, nothing urgent:\n")
		lines := []string{
			"2026-03-02T10:00:%02d.123Z ERROR [application] download of report.csv from files.example.gov failed: error code E%d, will add to the retry queue",
			"2026-03-02T10:00:%02d.456Z WARN  [worker] access to cache.example.com took %d ms; can't use the fast path, moving on",
			"2026-03-02T10:00:%02d.789Z INFO  [scheduler] is the job down the list? create a new batch of %d items",
		}
		for i := 0; b.Len() < size; i++ {
			fmt.Fprintf(&b, lines[i%len(lines)]+"\n", i%60, i%400+100)
		}
		return b.String()
	}
	return []struct {
		name, subject, body string
		max                 float64
	}{
		{"quiet-4KB", "Fwd: question about our deployment", mail(4<<10, "Let us know.", "Let us know what you think."), maxMailRatio},
		{"application-then-error-4KB", "Fwd: question", mail(4<<10, "The application form is new.", "One error in the manual is fixed."), maxMailRatio},
		{"quiet-62KB", "Fwd: question about our deployment", mail(62<<10, "Let us know.", "Let us know what you think."), maxMailRatio},
		{"application-then-error-62KB", "Fwd: question", mail(62<<10, "The application form is new.", "One error in the manual is fixed."), maxMailRatio},
		{"logs-62KB", "logs from last night", logs(62 << 10), maxLogsRatio},
	}
}

// BenchmarkClassifyVsFloor compares Classify with floorWork on the same
// text in the same run and fails when it costs more than the body's max
// times as much: the classifier's cost is linear in the text with a small
// constant, whatever the text. It reports both times and their ratio.
//
//	go test -run '^$' -bench ClassifyVsFloor -benchtime 1x ./internal/classify/
func BenchmarkClassifyVsFloor(b *testing.B) {
	c := defaultClassifier(b)
	for _, bc := range floorBodies() {
		b.Run(bc.name, func(b *testing.B) {
			if got := c.Classify(bc.subject, bc.body); got.Rule != DefaultRuleName {
				b.Fatalf("the benchmark bodies match nothing, but got %s", got.Reason())
			}
			for b.Loop() {
				c.Classify(bc.subject, bc.body)
			}
			// The floor and the classifier, timed alternately; the best of
			// several rounds of each, so that a busy machine hurts neither.
			floor, classify := time.Duration(1<<62), time.Duration(1<<62)
			n := max(1, (2<<20)/len(bc.body))
			for range 7 {
				floor = min(floor, timeN(n, func() { floorWork(bc.subject, bc.body) }))
				classify = min(classify, timeN(n, func() { c.Classify(bc.subject, bc.body) }))
			}
			ratio := float64(classify) / float64(floor)
			b.ReportMetric(float64(floor.Nanoseconds())/float64(n)/1e3, "floor-µs/op")
			b.ReportMetric(float64(classify.Nanoseconds())/float64(n)/1e3, "classify-µs/op")
			b.ReportMetric(ratio, "x-floor")
			if ratio > bc.max {
				b.Errorf("Classify costs %.1f× the floor (lower-case and split the text) on %s; want at most %g×", ratio, bc.name, bc.max)
			}
		})
	}
}

func timeN(n int, f func()) time.Duration {
	start := time.Now()
	for range n {
		f()
	}
	return time.Since(start)
}
