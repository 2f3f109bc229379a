package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatrack/slatrack/internal/sla"
)

// PercentileMethod names how Median and P90 are computed.
const PercentileMethod = "nearest-rank"

// ComplianceCSVHeader is the header row of Compliance.WriteCSV.
var ComplianceCSVHeader = []string{
	"scope", "class", "start", "end",
	"received", "met", "late", "open_overdue", "pending", "closed_unanswered", "breached",
	"percent_met", "median_first_response_seconds", "p90_first_response_seconds", "objective",
	"kind", "made", "kept", "broken", "cancelled", "percent_kept",
	"median_time_to_keep_seconds", "p90_time_to_keep_seconds",
}

// WriteCSV writes the report as CSV with the header ComplianceCSVHeader:
//
//   - scope "period": one row per class, then one with class "total"; start
//     and end are the period [from, to);
//   - scope "week": per week (oldest first), one row per class then
//     "total"; start and end are the week's Monday 00:00 and the next
//     Monday 00:00 (the first and last week may reach outside the period);
//   - scope "kind": per kind of promise (Compliance.Kinds), one row per
//     class then "total", for the promises started in the period [start,
//     end): kind, made, kept, broken, open_overdue, pending, cancelled,
//     breached (broken + open overdue), percent_kept, the median and 90th
//     percentile time to keep and the objective ("within 3 business
//     hours"). The ticket columns (received, met, late, closed_unanswered,
//     percent_met and the first-response times) are empty on these rows,
//     and the promise columns on the others.
//
// Times are RFC 3339 in the calendar's zone. percent_met is 100 × met /
// (met + breached) with two decimals, empty when met + breached = 0. The
// median and 90th percentile first-response times (nearest rank, business
// seconds) are on period rows only and empty when nothing was answered;
// objective is on period class rows only. Rows end in CRLF, and text cells
// that could be read as a spreadsheet formula get an apostrophe (see
// csvSafe).
func (c *Compliance) WriteCSV(w io.Writer) error {
	cw := newCSVWriter(w)
	if err := cw.header(ComplianceCSVHeader); err != nil {
		return err
	}
	row := func(scope string, s Stats, start, end time.Time, withTimes bool) error {
		percent, median, p90 := csvNum(""), csvNum(""), csvNum("")
		if p, ok := s.PercentMet(); ok {
			percent = csvNum(strconv.FormatFloat(p, 'f', 2, 64))
		}
		if withTimes && s.Answered() > 0 {
			median, p90 = csvInt(seconds(s.Median)), csvInt(seconds(s.P90))
		}
		return cw.row(
			csvText(scope), csvText(s.Class), csvText(rfc(start, c.loc)), csvText(rfc(end, c.loc)),
			csvInt(s.Received), csvInt(s.Met), csvInt(s.Late),
			csvInt(s.OpenOverdue), csvInt(s.Pending), csvInt(s.ClosedUnanswered),
			csvInt(s.Breached), percent, median, p90, csvText(s.Objective),
			csvNum(""), csvNum(""), csvNum(""), csvNum(""), csvNum(""), csvNum(""), csvNum(""), csvNum(""),
		)
	}
	for _, s := range append(c.Classes[:len(c.Classes):len(c.Classes)], c.Total) {
		if err := row("period", s, c.From, c.To, true); err != nil {
			return err
		}
	}
	for _, wk := range c.Weeks {
		for _, s := range append(wk.Classes[:len(wk.Classes):len(wk.Classes)], wk.Total) {
			s.Objective = ""
			if err := row("week", s, wk.Start, wk.End, false); err != nil {
				return err
			}
		}
	}
	none := csvNum("")
	for _, k := range c.Kinds {
		for _, s := range append(k.Classes[:len(k.Classes):len(k.Classes)], k.Total) {
			percent, median, p90 := none, none, none
			if p, ok := s.PercentKept(); ok {
				percent = csvNum(strconv.FormatFloat(p, 'f', 2, 64))
			}
			if s.Ended() > 0 {
				median, p90 = csvInt(seconds(s.Median)), csvInt(seconds(s.P90))
			}
			if err := cw.row(
				csvText("kind"), csvText(s.Class), csvText(rfc(c.From, c.loc)), csvText(rfc(c.To, c.loc)),
				none, none, none, csvInt(s.OpenOverdue), csvInt(s.Pending), none,
				csvInt(s.Breached), none, none, none, csvText(s.Objective),
				csvText(s.Kind), csvInt(s.Made), csvInt(s.Kept), csvInt(s.Broken), csvInt(s.Cancelled), percent,
				median, p90,
			); err != nil {
				return err
			}
		}
	}
	return cw.flush()
}

type complianceJSON struct {
	From             string      `json:"from"`
	To               string      `json:"to"`
	At               string      `json:"at"`
	TimeZone         string      `json:"time_zone"`
	PercentileMethod string      `json:"percentile_method"`
	Classes          []statsJSON `json:"classes"`
	Total            statsJSON   `json:"total"`
	Weeks            []weekJSON  `json:"weeks"`
	Kinds            []kindJSON  `json:"kinds"`
}

type kindJSON struct {
	Kind    string          `json:"kind"`
	Label   string          `json:"label"`
	Classes []kindStatsJSON `json:"classes"`
	Total   kindStatsJSON   `json:"total"`
}

type kindStatsJSON struct {
	Class         string   `json:"class"`
	Objective     string   `json:"objective,omitempty"`
	Made          int      `json:"made"`
	Kept          int      `json:"kept"`
	Broken        int      `json:"broken"`
	OpenOverdue   int      `json:"open_overdue"`
	Pending       int      `json:"pending"`
	Cancelled     int      `json:"cancelled"`
	Breached      int      `json:"breached"`
	PercentKept   *float64 `json:"percent_kept"`
	Ended         int      `json:"ended"`
	MedianSeconds *int64   `json:"median_time_to_keep_seconds"`
	P90Seconds    *int64   `json:"p90_time_to_keep_seconds"`
	Median        *string  `json:"median_time_to_keep"`
	P90           *string  `json:"p90_time_to_keep"`
}

type statsJSON struct {
	Class            string   `json:"class"`
	Objective        string   `json:"objective,omitempty"`
	Received         int      `json:"received"`
	Met              int      `json:"met"`
	Late             int      `json:"late"`
	OpenOverdue      int      `json:"open_overdue"`
	Pending          int      `json:"pending"`
	ClosedUnanswered int      `json:"closed_unanswered"`
	Breached         int      `json:"breached"`
	PercentMet       *float64 `json:"percent_met"`
	Answered         int      `json:"answered"`
	MedianSeconds    *int64   `json:"median_first_response_seconds"`
	P90Seconds       *int64   `json:"p90_first_response_seconds"`
	Median           *string  `json:"median_first_response"`
	P90              *string  `json:"p90_first_response"`
}

type weekStatsJSON struct {
	Class      string   `json:"class"`
	Received   int      `json:"received"`
	Met        int      `json:"met"`
	Breached   int      `json:"breached"`
	PercentMet *float64 `json:"percent_met"`
	// The rest of the outcomes, so a week's row adds up to received.
	Late             int `json:"late"`
	OpenOverdue      int `json:"open_overdue"`
	Pending          int `json:"pending"`
	ClosedUnanswered int `json:"closed_unanswered"`
}

type weekJSON struct {
	Start   string          `json:"start"`
	End     string          `json:"end"`
	Classes []weekStatsJSON `json:"classes"`
	Total   weekStatsJSON   `json:"total"`
}

// percentJSON is the percentage met rounded to 0.01, or nil.
func percentJSON(s Stats) *float64 { return round2(s.PercentMet()) }

// round2 is p rounded to 0.01, or nil when !ok.
func round2(p float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	p = math.Round(p*100) / 100
	return &p
}

func (c *Compliance) kindStatsJSON(s KindStats) kindStatsJSON {
	out := kindStatsJSON{
		Class: s.Class, Objective: s.Objective, Made: s.Made, Kept: s.Kept, Broken: s.Broken,
		OpenOverdue: s.OpenOverdue, Pending: s.Pending, Cancelled: s.Cancelled, Breached: s.Breached,
		PercentKept: round2(s.PercentKept()), Ended: s.Ended(),
	}
	if s.Ended() > 0 {
		m, p := seconds(s.Median), seconds(s.P90)
		mw, pw := sla.FormatBusiness(s.Median, c.businessDay), sla.FormatBusiness(s.P90, c.businessDay)
		out.MedianSeconds, out.P90Seconds, out.Median, out.P90 = &m, &p, &mw, &pw
	}
	return out
}

func (c *Compliance) statsJSON(s Stats) statsJSON {
	out := statsJSON{
		Class: s.Class, Objective: s.Objective, Received: s.Received, Met: s.Met, Late: s.Late,
		OpenOverdue: s.OpenOverdue, Pending: s.Pending, ClosedUnanswered: s.ClosedUnanswered,
		Breached: s.Breached, PercentMet: percentJSON(s), Answered: s.Answered(),
	}
	if s.Answered() > 0 {
		m, p := seconds(s.Median), seconds(s.P90)
		mw, pw := sla.FormatBusiness(s.Median, c.businessDay), sla.FormatBusiness(s.P90, c.businessDay)
		out.MedianSeconds, out.P90Seconds, out.Median, out.P90 = &m, &p, &mw, &pw
	}
	return out
}

func weekStats(s Stats) weekStatsJSON {
	return weekStatsJSON{
		Class: s.Class, Received: s.Received, Met: s.Met, Breached: s.Breached, PercentMet: percentJSON(s),
		Late: s.Late, OpenOverdue: s.OpenOverdue, Pending: s.Pending, ClosedUnanswered: s.ClosedUnanswered,
	}
}

// WriteJSON writes the report as one JSON object: from, to, at (RFC 3339),
// time_zone, percentile_method ("nearest-rank"), classes and total (counts,
// percent_met rounded to 0.01 or null, answered, median and p90
// first-response time in business seconds and in words, null when nothing
// was answered, objective), weeks (start, end, per class and total:
// received, met, breached, percent_met and the other outcomes), and kinds
// (per kind of promise: kind, label, and per class and total: made, kept,
// broken, open_overdue, pending, cancelled, breached, percent_kept rounded
// to 0.01 or null, ended, the median and p90 time to keep in business
// seconds and in words, null when none ended, objective).
func (c *Compliance) WriteJSON(w io.Writer) error {
	out := complianceJSON{
		From: rfc(c.From, c.loc), To: rfc(c.To, c.loc), At: rfc(c.At, c.loc),
		TimeZone: c.loc.String(), PercentileMethod: PercentileMethod,
		Classes: []statsJSON{}, Total: c.statsJSON(c.Total), Weeks: []weekJSON{}, Kinds: []kindJSON{},
	}
	for _, k := range c.Kinds {
		kj := kindJSON{Kind: k.Kind, Label: k.Label, Classes: []kindStatsJSON{}, Total: c.kindStatsJSON(k.Total)}
		for _, s := range k.Classes {
			kj.Classes = append(kj.Classes, c.kindStatsJSON(s))
		}
		out.Kinds = append(out.Kinds, kj)
	}
	for _, s := range c.Classes {
		out.Classes = append(out.Classes, c.statsJSON(s))
	}
	for _, wk := range c.Weeks {
		wj := weekJSON{Start: rfc(wk.Start, c.loc), End: rfc(wk.End, c.loc), Classes: []weekStatsJSON{}, Total: weekStats(wk.Total)}
		for _, s := range wk.Classes {
			wj.Classes = append(wj.Classes, weekStats(s))
		}
		out.Weeks = append(out.Weeks, wj)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// percentText is "71.4%", or "—" when undefined.
func percentText(s Stats) string { return percentWords(s.PercentMet()) }

// percentWords is p as "71.4%", or "—" when !ok.
func percentWords(p float64, ok bool) string {
	if !ok {
		return "—"
	}
	return strconv.FormatFloat(p, 'f', 1, 64) + "%"
}

// WriteText writes the report for a terminal: the period, one aligned row
// per class and the total, a note on how to read it, and the weekly trend
// (met/decided and percent met per class).
func (c *Compliance) WriteText(w io.Writer) error {
	fmt.Fprintf(w, "First-response compliance for tickets received %s – %s\n", c.From.Format(textTime), c.To.Format(textTime))
	fmt.Fprintf(w, "as of %s; times are business time (%s calendar)\n\n", c.At.Format(textTime), c.loc)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CLASS\tRECEIVED\tMET\tLATE\tOPEN OVERDUE\tPENDING\tCLOSED UNANSWERED\tBREACHED\tMET %\tMEDIAN\tP90")
	for _, s := range append(c.Classes[:len(c.Classes):len(c.Classes)], c.Total) {
		med, p90 := "—", "—"
		if s.Answered() > 0 {
			med, p90 = sla.FormatBusiness(s.Median, c.businessDay), sla.FormatBusiness(s.P90, c.businessDay)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n",
			termSafe(s.Class, 24), s.Received, s.Met, s.Late, s.OpenOverdue, s.Pending, s.ClosedUnanswered, s.Breached,
			percentText(s), med, p90)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Objectives:")
	for _, s := range c.Classes {
		if s.Objective != "" {
			fmt.Fprintf(w, "  %s: %s\n", termSafe(s.Class, 24), s.Objective)
		}
	}
	fmt.Fprintln(w, "Met % = met / (met + breached); breached = late + open overdue; pending and closed-unanswered")
	fmt.Fprintln(w, "tickets are not counted. Median and P90 are nearest-rank over answered tickets.")
	if err := c.writeKindsText(w); err != nil {
		return err
	}
	if len(c.Weeks) == 0 {
		return nil
	}
	fmt.Fprintf(w, "\nWeekly trend (weeks from Monday 00:00; met/decided and met %%):\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	head := []string{"WEEK OF", "RECEIVED"}
	for _, s := range c.Classes {
		head = append(head, strings.ToUpper(termSafe(s.Class, 24)))
	}
	head = append(head, "TOTAL")
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	cell := func(s Stats) string {
		return fmt.Sprintf("%d/%d %s", s.Met, s.Met+s.Breached, percentText(s))
	}
	for _, wk := range c.Weeks {
		cols := []string{wk.Start.Format("Mon 2006-01-02"), strconv.Itoa(wk.Total.Received)}
		for _, s := range wk.Classes {
			cols = append(cols, cell(s))
		}
		cols = append(cols, cell(wk.Total))
		fmt.Fprintln(tw, strings.Join(cols, "\t"))
	}
	return tw.Flush()
}

// writeKindsText writes the promises by kind: per kind an aligned row per
// class and the total.
func (c *Compliance) writeKindsText(w io.Writer) error {
	for _, k := range c.Kinds {
		fmt.Fprintf(w, "\nPromises of a %s started in the period:\n", k.Label)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CLASS\tOBJECTIVE\tMADE\tKEPT\tBROKEN\tOPEN OVERDUE\tPENDING\tCANCELLED\tKEPT %\tMEDIAN\tP90")
		for _, s := range append(k.Classes[:len(k.Classes):len(k.Classes)], k.Total) {
			med, p90, obj := "—", "—", s.Objective
			if s.Ended() > 0 {
				med, p90 = sla.FormatBusiness(s.Median, c.businessDay), sla.FormatBusiness(s.P90, c.businessDay)
			}
			if obj == "" {
				obj = "—"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\n",
				termSafe(s.Class, 24), obj, s.Made, s.Kept, s.Broken, s.OpenOverdue, s.Pending, s.Cancelled,
				percentWords(s.PercentKept()), med, p90)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if len(c.Kinds) > 0 {
		fmt.Fprintln(w, "Kept % = kept / (kept + broken + open overdue); cancelled and pending promises are not counted.")
		fmt.Fprintln(w, "Median and P90 are nearest-rank business time to keep (start to end, less pauses) over kept and broken promises.")
	}
	return nil
}
