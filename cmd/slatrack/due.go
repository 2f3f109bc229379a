package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/sla"
)

func dueCommand() command {
	return command{
		name:    "due",
		summary: "print when a promise (first response by default) falls due for a class and a start time",
		usage: "[--kind KIND] CLASS RECEIVED | [--kind KIND] --batch < lines\n\n" +
			"CLASS is one of the configured classes ([[sla.classes]]); RECEIVED is when the\n" +
			"promise's clock starts, in RFC 3339 (2026-07-02T16:00:00-04:00): the receipt\n" +
			"for a first response or a resolution, the customer's message for a next\n" +
			"response. KIND is first_response (default), next_response or resolution.\n" +
			"With --batch, each input line is \"CLASS RECEIVED\" (of --kind) or\n" +
			"\"CLASS KIND RECEIVED\", and each output line the due instant or\n" +
			"\"error: <reason>\".",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			explain := fs.Bool("explain", false, "also show the open segments used and the closed days skipped")
			batch := fs.Bool("batch", false, "read \"CLASS RECEIVED\" or \"CLASS KIND RECEIVED\" lines from standard input, one due instant per line")
			kind := fs.String("kind", sla.FirstResponse, "the promise: first_response, next_response or resolution")
			return func(e *env, cfg *config.Config, args []string) error {
				if !sla.ValidKind(*kind) {
					return usagef("--kind: %v", sla.UnknownKindError(*kind))
				}
				p, err := buildPolicy(cfg)
				if err != nil {
					return err
				}
				if *batch {
					if len(args) > 0 {
						return usagef("--batch reads standard input and takes no arguments")
					}
					bad, err := dueBatch(p, *kind, e.stdin, e.stdout)
					if err != nil {
						return err
					}
					if bad > 0 {
						return &exitError{code: 1, err: fmt.Errorf("%d line(s) could not be read", bad)}
					}
					return nil
				}
				if len(args) != 2 {
					return usagef("want CLASS RECEIVED, e.g. `slatrack due %s 2026-07-02T16:00:00-04:00` (classes: %s)", p.ClassNames()[0], p.ClassList())
				}
				start, err := parseInstant(args[1], p)
				if err != nil {
					return err
				}
				d, err := kindDuration(p, args[0], *kind)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, p.Calendar().Due(start, d).Format(time.RFC3339Nano))
				if *explain {
					writeExplanation(e.stdout, p, args[0], *kind, start)
				}
				return nil
			}
		},
	}
}

// kindDuration is the class's target for kind as open time, or an error
// naming the class and what would give it one.
func kindDuration(p *sla.Policy, class, kind string) (time.Duration, error) {
	if !p.ValidClass(class) {
		return 0, p.UnknownClassError(class)
	}
	d, ok := p.DurationFor(class, kind)
	if !ok {
		return 0, fmt.Errorf("class %s makes no %s promise (set resolution in its [[sla.classes]] table to give it one)", class, sla.KindLabel(kind))
	}
	return d, nil
}

// instantForm is shown whenever a receipt time cannot be read.
const instantForm = "RFC 3339, e.g. 2026-07-02T16:00:00-04:00 or 2026-07-02T20:00:00Z"

// parseInstant reads an RFC 3339 instant.
func parseInstant(s string, p *sla.Policy) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read time %q (want %s)", s, instantForm)
	}
	return t, nil
}

func writeExplanation(w io.Writer, p *sla.Policy, class, kind string, received time.Time) {
	target, _ := p.TargetFor(class, kind)
	d, _ := p.DurationFor(class, kind)
	cal := p.Calendar()
	ex := cal.Explain(received, d)
	loc := cal.Location()
	// Fractions of a second show when there are any, so the segments add up
	// on the page as they do in the clock.
	const layout, clockLayout = "Mon 2006-01-02 15:04:05.999999999 MST", "15:04:05.999999999 MST"
	fmt.Fprintf(w, "\nclass %s: %s within %s (%s of open time)\n", class, sla.KindLabel(kind), target.Words(), d)
	startWord := "received "
	if kind == sla.NextResponse {
		startWord = "customer "
	}
	fmt.Fprintf(w, "%s %s\n", startWord, received.In(loc).Format(layout))
	if len(ex.Segments) > 0 && ex.Segments[0].Start.After(received) {
		fmt.Fprintf(w, "clock starts at the next opening: %s\n", ex.Segments[0].Start.In(loc).Format(layout))
	}
	fmt.Fprintln(w, "open time counted:")
	var used time.Duration
	for _, s := range ex.Segments {
		used += s.End.Sub(s.Start)
		start, end := s.Start.In(loc), s.End.In(loc)
		endLayout := clockLayout
		if y, m, d := start.Date(); end.Day() != d || end.Month() != m || end.Year() != y {
			endLayout = layout
		}
		fmt.Fprintf(w, "  %s → %s  %8s  (total %s)\n", start.Format(layout), end.Format(endLayout), s.End.Sub(s.Start), used)
	}
	if len(ex.Skipped) > 0 {
		fmt.Fprintln(w, "closed days skipped:")
		for _, c := range ex.Skipped {
			fmt.Fprintf(w, "  %s  %-8s %s\n", c.Date.Format("Mon 2006-01-02"), c.Kind, c.Name)
		}
	}
	fmt.Fprintf(w, "due       %s (%s)\n", ex.Due.In(loc).Format(layout), p.Promise(ex.Due))
}

// dueBatch streams "CLASS RECEIVED" (of kind) and "CLASS KIND RECEIVED" lines
// to due instants, one output line per input line, in constant memory. It
// returns how many lines were bad.
func dueBatch(p *sla.Policy, kind string, in io.Reader, out io.Writer) (int, error) {
	// targets[kind][class] is the open time of each promise a class makes.
	targets := map[string]map[string]time.Duration{}
	for _, k := range sla.Kinds() {
		targets[k] = map[string]time.Duration{}
		for _, c := range p.ClassNames() {
			if d, ok := p.DurationFor(c, k); ok {
				targets[k][c] = d
			}
		}
	}
	b := batchTargets{p: p, kind: kind, byKind: targets}
	cal := p.Calendar()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	w := bufio.NewWriterSize(out, 64*1024)
	buf := make([]byte, 0, 64)
	bad := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		buf = buf[:0]
		due, err := b.dueLine(cal.Due, line)
		if err != nil {
			bad++
			buf = append(buf, "error: "...)
			buf = append(buf, err.Error()...)
		} else {
			buf = due.AppendFormat(buf, time.RFC3339Nano) // the start's fraction of a second, when it has one
		}
		buf = append(buf, '\n')
		if _, err := w.Write(buf); err != nil {
			return bad, err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return bad, fmt.Errorf("reading standard input: a line is longer than 1 MiB")
		}
		return bad, fmt.Errorf("reading standard input: %w", err)
	}
	return bad, w.Flush()
}

// batchTargets are the policy's targets by kind and class, and the kind of
// lines that name none.
type batchTargets struct {
	p      *sla.Policy
	kind   string
	byKind map[string]map[string]time.Duration
}

// dueLine parses one batch line without allocating on the good path.
func (b *batchTargets) dueLine(due func(time.Time, time.Duration) time.Time, line []byte) (time.Time, error) {
	i := bytes.IndexAny(line, " \t")
	if i < 0 {
		if len(line) == 0 {
			return time.Time{}, errors.New("empty line (want CLASS RECEIVED or CLASS KIND RECEIVED)")
		}
		return time.Time{}, fmt.Errorf("want CLASS RECEIVED or CLASS KIND RECEIVED, got %q", truncate(line))
	}
	class, rest := line[:i], bytes.TrimSpace(line[i+1:])
	targets := b.byKind[b.kind]
	kind := b.kind
	if j := bytes.IndexAny(rest, " \t"); j >= 0 { // CLASS KIND RECEIVED
		k := rest[:j]
		if targets = b.byKind[string(k)]; targets == nil {
			return time.Time{}, sla.UnknownKindError(string(k))
		}
		kind, rest = string(k), bytes.TrimSpace(rest[j+1:])
	}
	target, ok := targets[string(class)] // no allocation: the compiler looks up in place
	if !ok {
		_, err := kindDuration(b.p, string(class), kind)
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(rest))
	if err != nil {
		return time.Time{}, fmt.Errorf("cannot read time %q (want %s)", truncate(rest), instantForm)
	}
	return due(t, target), nil
}

func truncate(b []byte) string {
	s := string(b)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}
