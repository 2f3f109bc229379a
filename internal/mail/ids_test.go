package mail

import (
	"reflect"
	"strings"
	"testing"
)

func TestIDSignerRoundTrip(t *testing.T) {
	s := IDSigner{Secret: []byte("s3cret"), Domain: "slatrack.example.gov"}
	for _, ref := range []string{"SR-1042", "sr-7", "INC_2024-000123", "odd ref/with.dots", ""} {
		id := s.New(ref)
		if !validMessageID(id) {
			t.Errorf("New(%q) = %q is not a valid Message-ID", ref, id)
		}
		if strings.ContainsAny(id, "<> ") {
			t.Errorf("New(%q) = %q has brackets or spaces", ref, id)
		}
		got, ok := s.Verify(id)
		if !ok || got != strings.ToUpper(ref) {
			t.Errorf("Verify(New(%q)) = %q, %v", ref, got, ok)
		}
		if !s.Ours(id) {
			t.Errorf("Ours(New(%q)) = false", ref)
		}
		// With brackets and spaces, as found in headers.
		if got, ok := s.Verify(" <" + id + "> "); !ok || got != strings.ToUpper(ref) {
			t.Errorf("Verify(<%s>) = %q, %v", id, got, ok)
		}
	}
	a, b := s.New("SR-1"), s.New("SR-1")
	if a == b {
		t.Errorf("New returned the same id twice: %s", a)
	}
	id := s.New("SR-1042")
	if !strings.HasPrefix(id, "sr-1042.") || !strings.HasSuffix(id, "@slatrack.example.gov") {
		t.Errorf("id %q does not look like sr-1042.<rand>.<mac>@slatrack.example.gov", id)
	}
	local := id[:strings.IndexByte(id, '@')]
	if mac := local[strings.LastIndexByte(local, '.')+1:]; len(mac)*4 < 80 {
		t.Errorf("signature %q carries fewer than 80 bits", mac)
	}
}

func TestIDSignerRejects(t *testing.T) {
	s := IDSigner{Secret: []byte("s3cret"), Domain: "slatrack.example.gov"}
	other := IDSigner{Secret: []byte("another secret"), Domain: "slatrack.example.gov"}
	id := s.New("SR-1042")
	at := strings.IndexByte(id, '@')
	local, domain := id[:at], id[at+1:]
	i := strings.LastIndexByte(local, '.')
	mac := local[i+1:]
	j := strings.LastIndexByte(local[:i], '.')
	rnd := local[j+1 : i]

	flip := func(s string, k int) string {
		c := s[k]
		if c == '0' {
			c = '1'
		} else {
			c = '0'
		}
		return s[:k] + string(c) + s[k+1:]
	}
	cases := map[string]string{
		"forged signature":     local[:i+1] + flip(mac, 5) + "@" + domain,
		"zero signature":       local[:i+1] + strings.Repeat("0", len(mac)) + "@" + domain,
		"tampered ref":         "sr-1043" + local[len("sr-1042"):] + "@" + domain,
		"tampered ref suffix":  "sr-10420" + local[len("sr-1042"):] + "@" + domain,
		"tampered random":      local[:j+1] + flip(rnd, 0) + local[i:] + "@" + domain,
		"upper-cased mac":      local[:i+1] + strings.ToUpper(mac) + "@" + domain,
		"truncated mac":        local[:len(local)-1] + "@" + domain,
		"other domain":         local + "@evil.example",
		"no domain":            local,
		"garbage":              "hello@world",
		"empty":                "",
		"foreign id":           "CAFk3+7Qm0xq1cT6kQ9Z0Z+Xy7rP0a=Wm4F2pLxkT9q8w@mail.gmail.com",
		"extra dot in random":  local[:j+1] + "." + local[j+1:] + "@" + domain,
		"missing ref":          local[j:] + "@" + domain,
		"embedded in garbage":  "x" + id,
		"wrong secret's id":    other.New("SR-1042"),
		"very long":            strings.Repeat("a", 300) + id,
		"ref with bad escape":  "sr=zz" + local[len("sr-1042"):] + "@" + domain,
		"ref with odd escapes": "sr=4" + local[len("sr-1042"):] + "@" + domain,
	}
	for name, bad := range cases {
		if ref, ok := s.Verify(bad); ok {
			t.Errorf("%s: Verify(%q) = %q, true", name, bad, ref)
		}
		if name != "other domain" && s.Ours(bad) {
			t.Errorf("%s: Ours(%q) = true", name, bad)
		}
	}
	// Our signature on another domain is still ours (loop detection), but
	// does not thread.
	if !s.Ours(cases["other domain"]) {
		t.Error("Ours: our signature under another domain not recognised")
	}
	// Another secret does not accept ours.
	if _, ok := other.Verify(id); ok || other.Ours(id) {
		t.Error("a signer with another secret accepted our id")
	}
	// No secret, no trust.
	if _, ok := (IDSigner{Domain: "slatrack.example.gov"}).Verify(id); ok {
		t.Error("a signer without a secret verified an id")
	}
}

func TestIDSignerCaseTolerance(t *testing.T) {
	s := IDSigner{Secret: []byte("s3cret"), Domain: "Slatrack.Example.GOV"}
	id := s.New("SR-1042")
	at := strings.IndexByte(id, '@')
	// Domain case does not matter.
	if ref, ok := s.Verify(id[:at] + "@SLATRACK.EXAMPLE.GOV"); !ok || ref != "SR-1042" {
		t.Errorf("upper-case domain: %q %v", ref, ok)
	}
	// The ref part may come back in any case.
	if ref, ok := s.Verify("SR-1042" + id[len("sr-1042"):]); !ok || ref != "SR-1042" {
		t.Errorf("upper-case ref: %q %v", ref, ok)
	}
	if !strings.HasSuffix(id, "@slatrack.example.gov") {
		t.Errorf("domain not lowercased in %q", id)
	}
}

func TestSubjectRefs(t *testing.T) {
	cases := []struct {
		subject, prefix string
		want            []string
	}{
		{"[SR-1042] We received your request", "SR", []string{"SR-1042"}},
		{"RE: [sr-1042] printer", "SR", []string{"SR-1042"}},
		{"Re: [SR-1042] Re: [SR-1042] dup", "SR", []string{"SR-1042"}},
		{"[SR-7] and [SR-1043] both", "sr", []string{"SR-7", "SR-1043"}},
		{"[ SR-99 ] spaced", "SR", []string{"SR-99"}},
		{"SR-1042 without brackets", "SR", nil},
		{"[SRX-1042] other prefix", "SR", nil},
		{"[XSR-1042] other prefix", "SR", nil},
		{"[SR-] no number", "SR", nil},
		{"[SR-12a] trailing letter", "SR", nil},
		{"[INC-5] other desk [SR-6]", "INC", []string{"INC-5"}},
		{"[A.B-5] regexp metacharacters in prefix", "A.B", []string{"A.B-5"}},
		{"[AxB-5] not a wildcard", "A.B", nil},
		{"anything", "", nil},
		{"", "SR", nil},
	}
	for _, c := range cases {
		if got := SubjectRefs(c.subject, c.prefix); !reflect.DeepEqual(got, c.want) {
			t.Errorf("SubjectRefs(%q, %q) = %q, want %q", c.subject, c.prefix, got, c.want)
		}
	}
}

func TestParseIDList(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"<a@b>", []string{"a@b"}},
		{"  <a@b>  ", []string{"a@b"}},
		{"a@b", []string{"a@b"}},
		{"<a@b> <c@d>\r\n\t<e@f>", []string{"a@b", "c@d", "e@f"}},
		{"<a@b>,<c@d>, e@f", []string{"a@b", "c@d", "e@f"}},
		{"<a@b> (John's message of Tuesday) <c@d>", []string{"a@b", "c@d"}},
		{"(comment with x@y) <a@b>", []string{"a@b"}},
		{"<a@b> <a@b>", []string{"a@b"}},
		{"<>", nil},
		{"garbage", nil},
		{"<no-at-sign>", nil},
		{"<a b@c>", nil},
		{"<a@b", []string{"a@b"}},
		{"<a\x01@b>", nil},
		{"<" + strings.Repeat("x", 251) + "@b>", nil},
	}
	for _, c := range cases {
		if got := parseIDList(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("parseIDList(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var many []string
	for i := 0; i < 500; i++ {
		many = append(many, "<id-"+itoa(i)+"@h>")
	}
	got := parseIDList(strings.Join(many, " "))
	if len(got) != maxRefIDs || got[0] != "id-0@h" || got[1] != "id-301@h" || got[len(got)-1] != "id-499@h" {
		t.Errorf("long References: %d ids, first %q last %q", len(got), got[0], got[len(got)-1])
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}
