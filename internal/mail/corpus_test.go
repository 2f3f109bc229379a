package mail

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// corpusSigner is the signer testdata/gen used for the corpus's own ids.
var corpusSigner = IDSigner{Secret: []byte("corpus-secret"), Domain: "slatrack.example.gov"}

// corpusCase is one entry of testdata/corpus.json.
type corpusCase struct {
	File               string   `json:"file"`
	Description        string   `json:"description"`
	Reject             bool     `json:"reject"`
	RejectContains     string   `json:"reject_contains"`
	Kind               Kind     `json:"kind"`
	KindReason         string   `json:"kind_reason"`
	From               string   `json:"from"`
	FromName           string   `json:"from_name"`
	Subject            *string  `json:"subject"`
	SubjectContains    string   `json:"subject_contains"`
	MessageID          *string  `json:"message_id"`
	InReplyTo          []string `json:"in_reply_to"`
	References         []string `json:"references"`
	To                 []string `json:"to"`
	Cc                 []string `json:"cc"`
	ReturnPath         string   `json:"return_path"`
	NullReturnPath     bool     `json:"null_return_path"`
	Date               string   `json:"date"`
	BouncedIDs         []string `json:"bounced_ids"`
	BouncedRef         string   `json:"bounced_ref"`
	ThreadRef          string   `json:"thread_ref"`
	Ours               bool     `json:"ours"`
	SubjectRefs        []string `json:"subject_refs"`
	TextContains       []string `json:"text_contains"`
	TextNotContains    []string `json:"text_not_contains"`
	TextEmpty          bool     `json:"text_empty"`
	HTMLContains       []string `json:"html_contains"`
	HTMLMustNotContain []string `json:"html_must_not_contain"`
	HTMLEmpty          bool     `json:"html_empty"`
	Attachments        []string `json:"attachments"`
	ProblemsContains   []string `json:"problems_contains"`
	SameMessageIDAs    string   `json:"same_message_id_as"`
}

func loadCorpus(t testing.TB) []corpusCase {
	t.Helper()
	b, err := os.ReadFile("testdata/corpus.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []corpusCase
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

func readCorpusFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "corpus", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	if len(cases) < 45 {
		t.Fatalf("corpus has %d messages, want at least 45", len(cases))
	}
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	if len(files) != len(cases) {
		t.Errorf("%d .eml files but %d entries in corpus.json", len(files), len(cases))
	}
	parsed := map[string]*Message{}
	for _, c := range cases {
		t.Run(c.File, func(t *testing.T) {
			raw := readCorpusFile(t, c.File)
			m, err := Parse(raw, Limits{})
			if c.Reject {
				if m != nil || err == nil {
					t.Fatalf("want reject, got message (kind %s, from %q) err %v", m.Kind, m.From.Email, err)
				}
				var rej *RejectError
				if !errors.As(err, &rej) {
					t.Fatalf("error %T %v is not a *RejectError", err, err)
				}
				if !strings.Contains(rej.Reason, c.RejectContains) {
					t.Errorf("reject reason %q does not contain %q", rej.Reason, c.RejectContains)
				}
				return
			}
			if err != nil || m == nil {
				t.Fatalf("Parse: %v", err)
			}
			parsed[c.File] = m
			checkInvariants(t, m, raw)
			check := func(field string, got, want any) {
				t.Helper()
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", field, got, want)
				}
			}
			check("Kind", m.Kind, c.Kind)
			if c.KindReason != "" {
				check("KindReason", m.KindReason, c.KindReason)
			}
			if c.Kind == KindNormal && m.KindReason != "" {
				t.Errorf("KindReason %q for a normal message", m.KindReason)
			}
			check("IsAutomatic", m.IsAutomatic(), c.Kind != KindNormal)
			check("From.Email", m.From.Email, c.From)
			if c.FromName != "" {
				check("From.Name", m.From.Name, c.FromName)
			}
			if c.Subject != nil {
				check("Subject", m.Subject, *c.Subject)
			}
			if c.SubjectContains != "" && !strings.Contains(m.Subject, c.SubjectContains) {
				t.Errorf("Subject %q does not contain %q", m.Subject, c.SubjectContains)
			}
			if c.MessageID != nil {
				check("MessageID", m.MessageID, *c.MessageID)
			}
			if c.InReplyTo != nil {
				check("InReplyTo", m.InReplyTo, c.InReplyTo)
			}
			if c.References != nil {
				check("References", m.References, c.References)
			}
			if c.To != nil {
				check("To", emails(m.To), c.To)
			}
			if c.Cc != nil {
				check("Cc", emails(m.Cc), c.Cc)
			}
			if c.ReturnPath != "" {
				check("ReturnPath", m.ReturnPath, c.ReturnPath)
			}
			check("NullReturnPath", m.NullReturnPath, c.NullReturnPath)
			if c.NullReturnPath && m.ReturnPath != "" {
				t.Errorf("ReturnPath %q with a null return path", m.ReturnPath)
			}
			if c.Date != "" {
				want, err := time.Parse(time.RFC3339, c.Date)
				if err != nil {
					t.Fatal(err)
				}
				if !m.Date.Equal(want) {
					t.Errorf("Date = %v, want %v", m.Date, want)
				}
			}
			if c.Kind == KindBounce {
				check("BouncedIDs", m.BouncedIDs, c.BouncedIDs)
			} else if len(m.BouncedIDs) > 0 {
				t.Errorf("BouncedIDs %v on a %s message", m.BouncedIDs, m.Kind)
			}
			if c.BouncedRef != "" {
				found := false
				for _, id := range m.BouncedIDs {
					if ref, ok := corpusSigner.Verify(id); ok && ref == c.BouncedRef {
						found = true
					}
				}
				if !found {
					t.Errorf("no bounced id verifies as %s: %v", c.BouncedRef, m.BouncedIDs)
				}
			}
			if c.ThreadRef != "" {
				got := ""
				for _, id := range append(append([]string{}, m.InReplyTo...), m.References...) {
					if ref, ok := corpusSigner.Verify(id); ok {
						got = ref
						break
					}
				}
				want := c.ThreadRef
				if want == "-" {
					want = ""
				}
				check("thread ref", got, want)
			}
			check("Ours(MessageID)", m.MessageID != "" && corpusSigner.Ours(m.MessageID), c.Ours)
			if c.SubjectRefs != nil {
				check("SubjectRefs", SubjectRefs(m.Subject, "SR"), c.SubjectRefs)
			}
			for _, s := range c.TextContains {
				if !strings.Contains(m.Text, s) {
					t.Errorf("Text does not contain %q:\n%s", s, m.Text)
				}
			}
			for _, s := range c.TextNotContains {
				if strings.Contains(m.Text, s) {
					t.Errorf("Text contains %q:\n%s", s, m.Text)
				}
			}
			if c.TextEmpty && m.Text != "" {
				t.Errorf("Text = %q, want empty", m.Text)
			}
			for _, s := range c.HTMLContains {
				if !strings.Contains(m.HTML, s) {
					t.Errorf("HTML does not contain %q:\n%s", s, m.HTML)
				}
			}
			for _, s := range append(c.HTMLMustNotContain, alwaysForbiddenHTML...) {
				if strings.Contains(strings.ToLower(m.HTML), strings.ToLower(s)) {
					t.Errorf("HTML contains %q:\n%s", s, m.HTML)
				}
			}
			if c.HTMLEmpty && m.HTML != "" {
				t.Errorf("HTML = %q, want empty", m.HTML)
			}
			var names []string
			for _, a := range m.Attachments {
				names = append(names, a.Filename)
			}
			if names == nil {
				names = []string{}
			}
			want := c.Attachments
			if want == nil {
				want = []string{}
			}
			check("attachments", names, want)
			for _, p := range c.ProblemsContains {
				found := false
				for _, q := range m.Problems {
					if strings.Contains(q, p) {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem contains %q: %q", p, m.Problems)
				}
			}
		})
	}
	for _, c := range cases {
		if c.SameMessageIDAs == "" {
			continue
		}
		a, b := parsed[c.File], parsed[c.SameMessageIDAs]
		if a == nil || b == nil {
			t.Errorf("%s / %s: not both parsed", c.File, c.SameMessageIDAs)
			continue
		}
		if a.MessageID == "" || a.MessageID != b.MessageID {
			t.Errorf("%s and %s: Message-IDs %q and %q, want equal", c.File, c.SameMessageIDAs, a.MessageID, b.MessageID)
		}
		if a.Hash == b.Hash {
			t.Errorf("%s and %s: same Hash for different bytes", c.File, c.SameMessageIDAs)
		}
	}
}

// alwaysForbiddenHTML must never survive sanitising.
var alwaysForbiddenHTML = []string{"<script", "javascript:", "<iframe", "<object", "<style", "<form", "<svg", " onerror", " onload", " onclick"}

func emails(as []Address) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Email)
	}
	return out
}

// checkInvariants holds for every parsed message, whatever the input.
func checkInvariants(t testing.TB, m *Message, raw []byte) {
	t.Helper()
	strs := map[string]string{
		"MessageID": m.MessageID, "From.Name": m.From.Name, "From.Email": m.From.Email, "ReturnPath": m.ReturnPath,
		"Subject": m.Subject, "Text": m.Text, "HTML": m.HTML, "KindReason": m.KindReason,
	}
	for i, v := range m.InReplyTo {
		strs["InReplyTo"+string(rune('0'+i%10))] = v
	}
	for _, v := range m.References {
		strs["References"] = v
	}
	for _, v := range m.BouncedIDs {
		strs["BouncedIDs"] = v
	}
	for _, v := range m.Problems {
		strs["Problems"] = v
	}
	for _, a := range append(append([]Address{}, m.To...), m.Cc...) {
		strs["To/Cc "+a.Email] = a.Name + a.Email
	}
	for _, a := range m.Attachments {
		strs["Attachment "+a.Filename] = a.Filename + a.ContentType
		if a.Filename == "" || strings.ContainsAny(a.Filename, "/\\\r\n") || strings.HasPrefix(a.Filename, ".") || utf8.RuneCountInString(a.Filename) > maxFilenameRunes {
			t.Errorf("unsafe attachment name %q", a.Filename)
		}
	}
	for k, vs := range m.Headers {
		for _, v := range vs {
			strs["Header "+k] = k + v
		}
	}
	for k, v := range strs {
		if !utf8.ValidString(v) {
			t.Errorf("%s is not valid UTF-8: %q", k, v)
		}
		if strings.IndexByte(v, 0) >= 0 {
			t.Errorf("%s contains NUL: %q", k, v)
		}
	}
	if strings.ContainsAny(m.Subject, "\r\n") || utf8.RuneCountInString(m.Subject) > maxSubjectRunes {
		t.Errorf("Subject not one bounded line: %q", m.Subject)
	}
	if strings.Contains(strings.ToLower(m.HTML), "<script") {
		t.Errorf("HTML contains <script: %q", m.HTML)
	}
	if m.Kind != KindNormal && m.Kind != KindAutoReply && m.Kind != KindBulk && m.Kind != KindBounce {
		t.Errorf("Kind = %q", m.Kind)
	}
	if m.From.Email == "" && m.Kind != KindBounce {
		t.Errorf("no From on a %s message", m.Kind)
	}
	if m.From.Email != "" && (m.From.Email != strings.ToLower(m.From.Email) || !validEmail(m.From.Email)) {
		t.Errorf("From.Email %q not a lowercased valid address", m.From.Email)
	}
	if len(m.Hash) != 64 {
		t.Errorf("Hash = %q", m.Hash)
	}
	for _, id := range append(append(append([]string{m.MessageID}, m.InReplyTo...), m.References...), m.BouncedIDs...) {
		if id != "" && !validMessageID(id) {
			t.Errorf("invalid id %q kept", id)
		}
	}
}
