package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// csvWriter is the one writer of the reports' CSV: RFC 4180 through
// encoding/csv (fields quoted when they need it, every row ending in CRLF),
// with every text cell neutralised against spreadsheet formulas (csvSafe).
// Only the numbers a report computes are written as they are, so a
// negative overdue_by_seconds stays a number.
type csvWriter struct{ w *csv.Writer }

func newCSVWriter(w io.Writer) *csvWriter {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // RFC 4180 §2.1: each record ends in CRLF
	return &csvWriter{w: cw}
}

// csvCell is one cell: text from people or the report, or a number.
type csvCell struct {
	v   string
	num bool
}

// csvText is a text cell; it is neutralised when written.
func csvText(s string) csvCell { return csvCell{v: s} }

// csvNum is a number the report computed ("" for none), written as it is.
func csvNum(s string) csvCell { return csvCell{v: s, num: true} }

// csvInt is csvNum of an integer.
func csvInt[T int | int64](n T) csvCell { return csvNum(strconv.FormatInt(int64(n), 10)) }

// header writes the header row.
func (c *csvWriter) header(names []string) error {
	cells := make([]csvCell, len(names))
	for i, n := range names {
		cells[i] = csvText(n)
	}
	return c.row(cells...)
}

// row writes one record.
func (c *csvWriter) row(cells ...csvCell) error {
	rec := make([]string, len(cells))
	for i, cell := range cells {
		if cell.num {
			rec[i] = cell.v
		} else {
			rec[i] = csvSafe(cell.v)
		}
	}
	return c.w.Write(rec)
}

// flush writes out what is buffered and reports any error so far.
func (c *csvWriter) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// csvSafe neutralises spreadsheet formula injection as OWASP's CSV
// Injection guidance describes. A spreadsheet evaluates a cell that starts
// with = + - @ (or with a tab or carriage return, which some skip before
// looking): such a cell gets a leading apostrophe, so it is shown as text.
//
// The start of a cell is not only the start of the field: a spreadsheet
// whose locale separates with ';' (or a reader splitting on tabs or line
// breaks) starts a new cell after each of those, and OWASP warns that
// separators and quotes let a formula in the middle of a field begin a
// cell. So after every , ; tab CR or LF — skipping spaces and double
// quotes, which do not stop a formula — a formula character gets an
// apostrophe too: "x;=1+1" becomes "x;'=1+1", read as text in every
// locale. An apostrophe already there marks text, and is left alone.
func csvSafe(s string) string {
	var b strings.Builder // stays empty unless an apostrophe goes in
	done := 0             // s[:done] is in b
	atCell := true        // at the start of a cell, as some spreadsheet may see it
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if atCell {
			switch ch {
			case ' ', '"': // a formula may still follow
			case '=', '+', '-', '@', '\t', '\r':
				b.WriteString(s[done:i])
				b.WriteByte('\'')
				done = i
				atCell = false
			default:
				atCell = false
			}
		}
		switch ch {
		case ',', ';', '\t', '\r', '\n':
			atCell = true
		}
	}
	if b.Len() == 0 {
		return s
	}
	b.WriteString(s[done:])
	return b.String()
}
