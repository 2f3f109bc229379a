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
		summary: "print the first-response deadline for a class and a receipt time",
		usage: "CLASS RECEIVED | --batch < lines\n\n" +
			"CLASS is one of the configured classes ([[sla.classes]]); RECEIVED is\n" +
			"RFC 3339 (2026-07-02T16:00:00-04:00). With --batch, each input line is\n" +
			"\"CLASS RECEIVED\" and each output line the deadline or \"error: <reason>\".",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			explain := fs.Bool("explain", false, "also show the open segments used and the closed days skipped")
			batch := fs.Bool("batch", false, "read \"CLASS RECEIVED\" lines from standard input, one deadline per line")
			return func(e *env, cfg *config.Config, args []string) error {
				p, err := buildPolicy(cfg)
				if err != nil {
					return err
				}
				if *batch {
					if len(args) > 0 {
						return usagef("--batch reads standard input and takes no arguments")
					}
					bad, err := dueBatch(p, e.stdin, e.stdout)
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
				received, err := parseInstant(args[1], p)
				if err != nil {
					return err
				}
				due, err := p.Due(args[0], received)
				if err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, due.Format(time.RFC3339Nano))
				if *explain {
					writeExplanation(e.stdout, p, args[0], received)
				}
				return nil
			}
		},
	}
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

func writeExplanation(w io.Writer, p *sla.Policy, class string, received time.Time) {
	target, _ := p.Target(class)
	d, _ := p.TargetDuration(class)
	cal := p.Calendar()
	ex := cal.Explain(received, d)
	loc := cal.Location()
	// Fractions of a second show when there are any, so the segments add up
	// on the page as they do in the clock.
	const layout, clockLayout = "Mon 2006-01-02 15:04:05.999999999 MST", "15:04:05.999999999 MST"
	fmt.Fprintf(w, "\nclass %s: first response within %s (%s of open time)\n", class, target.Words(), d)
	fmt.Fprintf(w, "received  %s\n", received.In(loc).Format(layout))
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

// dueBatch streams "CLASS RECEIVED" lines to deadlines, one output line per
// input line, in constant memory. It returns how many lines were bad.
func dueBatch(p *sla.Policy, in io.Reader, out io.Writer) (int, error) {
	targets := map[string]time.Duration{}
	for _, c := range p.ClassNames() {
		targets[c], _ = p.TargetDuration(c)
	}
	cal := p.Calendar()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	w := bufio.NewWriterSize(out, 64*1024)
	buf := make([]byte, 0, 64)
	bad := 0
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		buf = buf[:0]
		due, err := dueLine(p, cal.Due, targets, line)
		if err != nil {
			bad++
			buf = append(buf, "error: "...)
			buf = append(buf, err.Error()...)
		} else {
			buf = due.AppendFormat(buf, time.RFC3339Nano) // the receipt's fraction of a second, when it has one
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

// dueLine parses one batch line without allocating on the good path;
// targets are the policy's, by class.
func dueLine(p *sla.Policy, due func(time.Time, time.Duration) time.Time, targets map[string]time.Duration, line []byte) (time.Time, error) {
	i := bytes.IndexAny(line, " \t")
	if i < 0 {
		if len(line) == 0 {
			return time.Time{}, errors.New("empty line (want CLASS RECEIVED)")
		}
		return time.Time{}, fmt.Errorf("want CLASS RECEIVED, got %q", truncate(line))
	}
	class, rest := line[:i], bytes.TrimSpace(line[i+1:])
	target, ok := targets[string(class)] // no allocation: the compiler looks up in place
	if !ok {
		return time.Time{}, p.UnknownClassError(string(class))
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
