package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/report"
)

// overdueCSVOf is the overdue report's CSV for tickets with these subjects.
func overdueCSVOf(t *testing.T, subjects ...string) []byte {
	t.Helper()
	src := &fakeSource{}
	for _, s := range subjects {
		src.tickets = append(src.tickets, &desk.Ticket{Ref: "SR-1", Class: "availability", Status: desk.StatusNew, Open: true,
			Subject: s, RequesterEmail: "ann@agency.gov", ReceivedAt: et(2026, 11, 2, 9, 0), ResponseDueAt: et(2026, 11, 2, 12, 0)})
	}
	r, err := report.BuildOverdue(context.Background(), src, testPolicy(t), et(2026, 11, 30, 10, 0), 4*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.WriteCSV(&b, ""); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestCSV_NeutralisesFormulas: a cell a spreadsheet could evaluate — at the
// start of the field, or after a separator some locale or reader splits on
// (OWASP's CSV Injection guidance) — gets an apostrophe; ordinary text,
// addresses, references and the computed numbers are left as they are.
func TestCSV_NeutralisesFormulas(t *testing.T) {
	cases := []struct{ name, subject, want string }{
		{"issue_example_semicolon_locale", "x;=1+1", "x;'=1+1"},
		{"equals_first", "=1+1", "'=1+1"},
		{"plus_minus_at", "+1 -2 @3", "'+1 -2 @3"},
		{"minus_first", "-5 GB left", "'-5 GB left"},
		{"after_spaces", "  =1+1", "  '=1+1"},
		{"inside_quotes", `"=1+1"`, `"'=1+1"`},
		{"after_comma", "a,-1", "a,'-1"},
		{"after_comma_and_space", `total, @SUM(A1:A9)`, `total, '@SUM(A1:A9)`},
		{"tab_then_formula", "\t=cmd|' /C calc'!A0", "'\t'=cmd|' /C calc'!A0"},
		{"after_a_line_break", "line one\n+1", "line one\n'+1"},
		{"dde_mid_field_after_semicolon", `ok;=cmd|' /C calc'!A0;fine`, `ok;'=cmd|' /C calc'!A0;fine`},
		{"already_text", "'=not a formula", "'=not a formula"},
		{"hyphens_inside_words", "Error -5 in eu-west-1 (a-b)", "Error -5 in eu-west-1 (a-b)"},
		{"url_with_query", "see https://x.example/?a=1&b=-2", "see https://x.example/?a=1&b=-2"},
		{"unicode", "Renée Müller: 東京 down", "Renée Müller: 東京 down"},
	}
	subjects := make([]string, len(cases))
	for i, tc := range cases {
		subjects[i] = tc.subject
	}
	recs, err := csv.NewReader(bytes.NewReader(overdueCSVOf(t, subjects...))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, rec := range recs[1:] {
		got[rec[8]] = true
		if rec[0] != "SR-1" || rec[9] != "ann@agency.gov" || rec[4] != "2026-11-02T09:00:00-05:00" {
			t.Errorf("other cells changed: %q", rec)
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !got[tc.want] {
				t.Errorf("no subject cell %q among %v", tc.want, got)
			}
		})
	}
	t.Run("numbers_stay_numbers", func(t *testing.T) {
		for _, rec := range recs[1:] {
			if strings.Trim(rec[6], "0123456789") != "" || rec[6] == "" {
				t.Fatalf("overdue_by_seconds %q", rec[6])
			}
		}
	})
	t.Run("compliance_class_names", func(t *testing.T) {
		src := &fakeSource{rows: []report.ResponseRow{{Class: "=evil;+x", ReceivedAt: et(2026, 11, 2, 9, 0), DueAt: et(2026, 11, 2, 12, 0), Open: true}}}
		c, err := report.BuildCompliance(context.Background(), src, testPolicy(t), compFrom, compTo, compAt)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := c.WriteCSV(&b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "period,'=evil;'+x,") || strings.Contains(b.String(), ";+x") {
			t.Errorf("class not neutralised:\n%s", b.String())
		}
	})
}

// TestCSV_RowsEndInCRLF: both CSV exports end every row, the last one
// included, in CRLF (RFC 4180 §2.1), and a line break inside a quoted cell
// is CRLF too.
func TestCSV_RowsEndInCRLF(t *testing.T) {
	overdue := overdueCSVOf(t, "plain", "two\nlines")
	src := &fakeSource{rows: []report.ResponseRow{{Class: "other", ReceivedAt: et(2026, 11, 2, 9, 0), DueAt: et(2026, 11, 9, 9, 0), Open: true}}}
	c, err := report.BuildCompliance(context.Background(), src, testPolicy(t), compFrom, compTo, compAt)
	if err != nil {
		t.Fatal(err)
	}
	var compliance bytes.Buffer
	if err := c.WriteCSV(&compliance); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string][]byte{"overdue": overdue, "compliance": compliance.Bytes()} {
		t.Run(name, func(t *testing.T) {
			if !bytes.HasSuffix(out, []byte("\r\n")) {
				t.Errorf("last row does not end in CRLF: %q", out[max(0, len(out)-20):])
			}
			if n, crlf := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")); n != crlf || n < 2 {
				t.Errorf("%d line feeds, %d of them after CR:\n%q", n, crlf, out)
			}
		})
	}
}
