// Package clock is slatrack's business-hours clock: it turns a ticket's
// receipt time and a response target ("3h", "2d") into a due instant, and
// measures how much open time lies between two instants. It holds pure values
// and functions only — no database, JSON or HTTP.
//
// # Semantics
//
//   - Default calendar: America/New_York, Monday–Friday, 09:00–17:00
//     wall-clock time, closed on US federal holidays as observed (a holiday
//     on a Saturday is observed on the Friday before, one on a Sunday on the
//     Monday after — including New Year's Day on a Saturday, observed on
//     Friday 31 December of the year before). The holidays are New Year's
//     Day, Martin Luther King Jr. Day, Washington's Birthday (OPM's and the
//     law's name for what rickar/cal calls Presidents' Day), Memorial Day,
//     Juneteenth (since 2021), Independence Day, Labor Day, Columbus Day,
//     Veterans Day, Thanksgiving Day and Christmas Day, as defined by
//     github.com/rickar/cal/v2/us.
//   - The clock runs only while the desk is open. It starts at receipt, or
//     at the next opening when the ticket arrives while the desk is closed
//     (nights, weekends, holidays, configured closures).
//   - The deadline is the earliest instant at which the target's open time
//     has elapsed. A target used up exactly at closing is due at closing
//     (17:00), not at the next opening.
//   - "N business days" is N × (close − open) of open time (see
//     Target.Duration and Calendar.BusinessDay).
//   - Input instants in any UTC offset are compared as instants; answers are
//     given in the calendar's time zone and keep the input's fraction of a
//     second.
//   - Open time is a set of instants: the desk is open at an instant exactly
//     when the wall clock in the calendar's zone reads, at that instant, a
//     date on which the desk opens and a time of day in [Open, Close). So DST
//     changes, the year boundary, Juneteenth, holidays on weekends and
//     configured closures all just work, no instant is counted twice, and a
//     deadline is never before its start. Where a DST change skips the
//     opening (America/Santiago, America/Havana and, until 2021,
//     Pacific/Apia skip midnight), the date opens at the first instant after
//     the gap; a wall-clock time that a change repeats is open each time it
//     occurs within the hours (so a date whose opening is repeated has two
//     open intervals); a date the zone skips entirely (Apia, 30 December
//     2011) has no open time.
//   - Targets are bounded by MaxTarget (see CheckTarget), so that deadlines
//     stay where the rest of slatrack can hold them.
//
// # Implementation
//
// New precomputes, for every day from 1990-01-01 to 2100-12-31 in the
// calendar's zone, the open intervals in Unix nanoseconds and a prefix sum of
// open time. Elapsed is then a difference of two prefix sums and Due a
// binary search plus a subtraction: no allocation, no zone lookups, no locks.
// Instants outside the table are handled by a plain walk over the same open
// intervals, which is slower but equally correct; both come from one
// definition of the open intervals (open.go). A Calendar never changes after
// New, so one value may be shared by any number of goroutines.
package clock
