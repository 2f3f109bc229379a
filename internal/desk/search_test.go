package desk_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

var testSyntax = desk.SearchSyntax{RefPrefix: "SR", Classes: []string{"availability", "provisioning", "other"}}

func word(w string) desk.SearchTerm { return desk.SearchTerm{Words: []string{w}} }

func phrase(ws ...string) desk.SearchTerm { return desk.SearchTerm{Words: ws, Phrase: true} }

func TestParseSearch(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want desk.Search
	}{
		{"empty", "", desk.Search{}},
		{"blank", "   ", desk.Search{}},
		{"one word lower-cased", "Invoices", desk.Search{Terms: []desk.SearchTerm{word("invoices")}}},
		{"words", "invoice  refund", desk.Search{Terms: []desk.SearchTerm{word("invoice"), word("refund")}}},
		{"phrase", `"pay the invoice"`, desk.Search{Terms: []desk.SearchTerm{phrase("pay", "the", "invoice")}}},
		{"curly quotes", "\u201cpay the invoice\u201d", desk.Search{Terms: []desk.SearchTerm{phrase("pay", "the", "invoice")}}},
		{"quoted single word", `"refund"`, desk.Search{Terms: []desk.SearchTerm{word("refund")}}},
		{"phrase and words", `late "pay the invoice" refund`, desk.Search{Terms: []desk.SearchTerm{word("late"), phrase("pay", "the", "invoice"), word("refund")}}},
		{"stop words left out", "the invoice for me", desk.Search{Terms: []desk.SearchTerm{word("invoice")}}},
		{"punctuation splits a word into a phrase", "e-mail", desk.Search{Terms: []desk.SearchTerm{phrase("e", "mail")}}},
		{"an address as words", "lee@provisions.gov", desk.Search{Terms: []desk.SearchTerm{phrase("lee", "provisions", "gov")}}},
		{"underscore stays in the word", "a_b", desk.Search{Terms: []desk.SearchTerm{word("a_b")}}},
		{"trailing punctuation", "broken!", desk.Search{Terms: []desk.SearchTerm{word("broken")}}},
		{"non-ASCII letters", "Übergabe café", desk.Search{Terms: []desk.SearchTerm{word("übergabe"), word("café")}}},
		{"a curly apostrophe stays in the word", "can’t", desk.Search{Terms: []desk.SearchTerm{word("can’t")}}},
		{"repeated word once", "vpn VPN vpn", desk.Search{Terms: []desk.SearchTerm{word("vpn")}}},
		{"reference", "SR-1042", desk.Search{Ref: "SR-1042"}},
		{"reference lower case", "sr-1042", desk.Search{Ref: "SR-1042"}},
		{"reference and words", "SR-1042 invoice", desk.Search{Ref: "SR-1042", Terms: []desk.SearchTerm{word("invoice")}}},
		{"another prefix is words", "covid-19", desk.Search{Terms: []desk.SearchTerm{phrase("covid", "19")}}},
		{"from address", "from:Ann@Example.org", desk.Search{From: "ann@example.org"}},
		{"from domain", "from:example.org", desk.Search{From: "@example.org"}},
		{"from at-domain", "from:@example.org", desk.Search{From: "@example.org"}},
		{"class", "class:Provisioning", desk.Search{Class: "provisioning"}},
		{"status", "status:waiting", desk.Search{Status: "waiting"}},
		{"status all", "status:all", desk.Search{Status: "all"}},
		{"assignee me", "assignee:me", desk.Search{Assignee: "me"}},
		{"assignee none", "assignee:none", desk.Search{Assignee: "none"}},
		{"assignee email", "assignee:Sam@Agency.gov", desk.Search{Assignee: "sam@agency.gov"}},
		{"filter name any case", "Status:OPEN", desk.Search{Status: "open"}},
		{"same filter twice alike", "status:open status:open", desk.Search{Status: "open"}},
		{"everything", `from:example.org class:other status:all assignee:none "dns record" expired SR-7`,
			desk.Search{From: "@example.org", Class: "other", Status: "all", Assignee: "none", Ref: "SR-7",
				Terms: []desk.SearchTerm{phrase("dns", "record"), word("expired")}}},
		{"a quoted filter is words", `"status:open"`, desk.Search{Terms: []desk.SearchTerm{phrase("status", "open")}}},
		{"Re: pasted from a subject", "Re: invoice", desk.Search{Terms: []desk.SearchTerm{word("re"), word("invoice")}}},
		{"a link is words", "https://example.org/pay", desk.Search{Terms: []desk.SearchTerm{phrase("https", "example", "org", "pay")}}},
		{"exactly 200 characters", strings.Repeat("a", 200), desk.Search{Terms: []desk.SearchTerm{word(strings.Repeat("a", 200))}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := desk.ParseSearch(tc.in, testSyntax)
			if err != nil {
				t.Fatalf("ParseSearch(%q): %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseSearch(%q)\n got  %+v\n want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseSearch_Errors(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want string
	}{
		{"unknown filter", "priority:high", `“priority:” is not a search filter; the filters are from:, class:, status: and assignee: (to search for the text itself, put it in quotes: "priority:high")`},
		{"filter without value", "status:", "status: needs a value right after the colon, e.g. status:waiting"},
		{"bad class", "class:billing", `there is no class "billing"; the classes are availability, provisioning, other`},
		{"bad status", "status:done", `there is no status "done"; the statuses are new, open, waiting, resolved, closed, or all`},
		{"bad assignee", "assignee:sam", "assignee:sam is not a staff email; write assignee:me, assignee:none or a staff member's email"},
		{"bad from", "from:ann@", "from:ann@ is not an email address or a mail domain; write from:ann@example.org or from:example.org"},
		{"from without a dot", "from:localhost", "from:localhost is not an email address or a mail domain"},
		{"two statuses", "status:open status:closed", "the search has status: twice (open and closed); use it once"},
		{"two references", "SR-1 SR-2", "a search can name one ticket reference; it names SR-1 and SR-2"},
		{"open quote", `"pay the invoice`, `a quotation mark is not closed; put a " at the end of the phrase`},
		{"only common words", "the and of", "those words are too common to search for; add a less common word"},
		{"only punctuation", "%%", `"%%" has no letters or digits to search for`},
		{"only a dash", "—", `"—" has no letters or digits to search for`},
		{"too long", strings.Repeat("a", 201), "the search is 201 characters long; it may be at most 200"},
		{"too many terms", "a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13", "a search may have at most 12 words and phrases; this one has 13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := desk.ParseSearch(tc.in, testSyntax)
			if err == nil {
				t.Fatalf("ParseSearch(%q): no error, want %q", tc.in, tc.want)
			}
			if desk.ErrorCode(err) != desk.Invalid || desk.ErrorField(err) != "q" {
				t.Errorf("ParseSearch(%q): code %q field %q, want invalid q", tc.in, desk.ErrorCode(err), desk.ErrorField(err))
			}
			if msg := desk.ErrorMessage(err); !strings.Contains(msg, tc.want) {
				t.Errorf("ParseSearch(%q) = %q, want it to say %q", tc.in, msg, tc.want)
			}
		})
	}
}

func TestSearchCursor_RoundTrips(t *testing.T) {
	c := desk.SearchCursor{Rank: 2, ID: 42}
	got, err := desk.DecodeSearchCursor(c.Encode())
	if err != nil || got != c {
		t.Fatalf("DecodeSearchCursor(Encode(%+v)) = %+v, %v", c, got, err)
	}
	queue := desk.Cursor{At: time.Date(2026, 7, 1, 9, 30, 0, 0, time.UTC), ID: 42}.Encode()
	for _, bad := range []string{"", "%%%", queue, "cy4x"} {
		if _, err := desk.DecodeSearchCursor(bad); desk.ErrorCode(err) != desk.Invalid {
			t.Errorf("DecodeSearchCursor(%q): %v, want invalid", bad, err)
		}
	}
}
