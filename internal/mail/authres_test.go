package mail

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseAuthResults(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want AuthResult
	}{
		{"rfc_8601_example", `example.com; spf=pass smtp.mailfrom=example.net`,
			AuthResult{"example.com", []MethodResult{{Method: "spf", Result: "pass", Props: map[string]string{"smtp.mailfrom": "example.net"}}}}},
		{"none", `example.org 1; none`, AuthResult{AuthServID: "example.org"}},
		{"comments_versions_reason_and_spaces", "MX.Desk.gov;\r\n\tdkim/1 = pass (2048-bit key; unprotected) reason=\"good; sig\" header.d=agency.gov header.i=@agency.gov header.b=\"AbC=\";\r\n" +
			"\tspf=softfail (mx: domain of transitioning ann@agency.gov does not designate 1.2.3.4) smtp . mailfrom = ann@agency.gov;\r\n\tdmarc=fail (p=reject dis=none) header.from=agency.gov",
			AuthResult{"mx.desk.gov", []MethodResult{
				{Method: "dkim", Result: "pass", Reason: "good; sig", Props: map[string]string{"header.d": "agency.gov", "header.i": "@agency.gov", "header.b": "AbC="}},
				{Method: "spf", Result: "softfail", Props: map[string]string{"smtp.mailfrom": "ann@agency.gov"}},
				{Method: "dmarc", Result: "fail", Props: map[string]string{"header.from": "agency.gov"}},
			}}},
		{"garbage_entries_skipped", `mx.desk.gov; ===; spf; dkim=pass`, AuthResult{"mx.desk.gov", []MethodResult{{Method: "dkim", Result: "pass"}}}},
		{"quoted_authserv_id", `"mx.desk.gov" ; auth=pass smtp.auth=ann`,
			AuthResult{"mx.desk.gov", []MethodResult{{Method: "auth", Result: "pass", Props: map[string]string{"smtp.auth": "ann"}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseAuthResults([]string{tc.in})
			if len(got) != 1 || !reflect.DeepEqual(got[0], tc.want) {
				t.Fatalf("parseAuthResults(%q)\n got %+v\nwant %+v", tc.in, got, tc.want)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		many := make([]string, 100)
		for i := range many {
			many[i] = "mx; " + strings.Repeat("spf=pass;", 200)
		}
		got := parseAuthResults(many)
		if len(got) != maxAuthFields || len(got[0].Methods) != maxAuthMethods {
			t.Fatalf("%d fields, %d methods", len(got), len(got[0].Methods))
		}
	})
}

func TestMessageAuthentication(t *testing.T) {
	trusted := []string{"mx.desk.gov"}
	for _, tc := range []struct {
		name    string
		from    string
		fields  []string
		trusted []string
		want    AuthStatus
		reason  string
	}{
		{"no_trusted_ids_configured", "ann@agency.gov", []string{"mx.desk.gov; dmarc=fail"}, []string{}, AuthUnchecked, ""},
		{"no_field", "ann@agency.gov", nil, trusted, AuthUnchecked, ""},
		{"untrusted_field_ignored", "ann@agency.gov", []string{"evil.example; dmarc=fail", "mx.elsewhere; dmarc=pass"}, trusted, AuthUnchecked, ""},
		{"trusted_field_with_no_result", "ann@agency.gov", []string{"mx.desk.gov; none"}, trusted, AuthUnchecked, ""},
		{"dmarc_fail", "ann@agency.gov", []string{"mx.desk.gov; dmarc=fail header.from=agency.gov"}, trusted, AuthUnverified, "dmarc=fail for agency.gov"},
		{"dmarc_fail_case_insensitive_id", "ann@agency.gov", []string{"MX.DESK.GOV; DMARC=FAIL"}, []string{" Mx.Desk.Gov "}, AuthUnverified, "dmarc=fail"},
		{"dmarc_pass", "ann@agency.gov", []string{"mx.desk.gov; spf=fail smtp.mailfrom=x@evil.example; dmarc=pass header.from=agency.gov"}, trusted, AuthVerified, "dmarc=pass"},
		{"a_forged_pass_does_not_hide_a_real_fail", "ann@agency.gov", []string{"mx.desk.gov; dmarc=fail", "mx.desk.gov; dmarc=pass"}, trusted, AuthUnverified, "dmarc=fail"},
		{"dmarc_pass_for_another_from_does_not_count", "ann@agency.gov", []string{"mx.desk.gov; dmarc=pass header.from=evil.example; spf=none"}, trusted, AuthUnverified, "no DMARC, SPF or DKIM pass"},
		{"no_dmarc_aligned_dkim", "ann@agency.gov", []string{"mx.desk.gov; dkim=pass header.d=mail.agency.gov; spf=fail; dmarc=none"}, trusted, AuthVerified, "dkim=pass for mail.agency.gov"},
		{"no_dmarc_aligned_spf", "ann@sub.agency.gov", []string{"mx.desk.gov; spf=pass smtp.mailfrom=bounces@agency.gov"}, trusted, AuthVerified, "spf=pass for agency.gov"},
		{"dkim_header_i_aligned", "ann@agency.gov", []string{"mx.desk.gov; dkim=pass header.i=@agency.gov"}, trusted, AuthVerified, "dkim=pass"},
		{"smtp_auth", "ann@agency.gov", []string{"mx.desk.gov; auth=pass smtp.auth=ann"}, trusted, AuthVerified, "logged in"},
		{"pass_for_an_unrelated_domain_is_not_enough", "ceo@agency.gov", []string{"mx.desk.gov; spf=pass smtp.mailfrom=evil.example; dkim=pass header.d=evil.example; dmarc=none"}, trusted, AuthUnverified, "no DMARC, SPF or DKIM pass for agency.gov"},
		{"same_public_suffix_is_not_alignment", "ann@agency.co.uk", []string{"mx.desk.gov; dkim=pass header.d=evil.co.uk"}, trusted, AuthUnverified, ""},
		{"spf_and_dkim_failed", "ann@agency.gov", []string{"mx.desk.gov; spf=softfail smtp.mailfrom=ann@agency.gov", "mx.desk.gov; dkim=fail header.d=agency.gov"}, trusted, AuthUnverified, "spf=softfail, dkim=fail"},
		{"comments_do_not_confuse", "ann@agency.gov", []string{"mx.desk.gov (dmarc=fail; spf=fail); dkim=pass (ok) header.d=agency.gov"}, trusted, AuthVerified, "dkim=pass"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := "From: Ann <" + tc.from + ">\r\nTo: support@desk.gov\r\nSubject: hi\r\n"
			for _, f := range tc.fields {
				raw += "Authentication-Results: " + f + "\r\n"
			}
			m := mustParse(t, []byte(raw+"\r\nhello\r\n"), Limits{})
			v := m.Authentication(tc.trusted)
			if v.Status != tc.want || !strings.Contains(v.Reason, tc.reason) || (v.Status != AuthUnchecked) == (v.Reason == "") {
				t.Fatalf("Authentication = %+v, want %q with a reason containing %q", v, tc.want, tc.reason)
			}
		})
	}
}

func TestCheckRoutable(t *testing.T) {
	for _, ok := range []string{"ann@agency.gov", "a@b.example", "a@x.test", "admin@slatrack.local", "ops@corp.internal", "x@sub.agency.co.uk", "a@xn--bcher-kva.example"} {
		if err := CheckRoutable(ok); err != nil {
			t.Errorf("CheckRoutable(%q) = %v", ok, err)
		}
	}
	for bad, reason := range map[string]string{
		"postmaster@[10.0.0.5]":    "IP address",
		"root@[IPv6:::1]":          "IP address",
		"a@10.0.0.5":               "IP address",
		"root@localhost":           "one-word domain",
		"ann@intranet":             "one-word domain",
		"x@anything.invalid":       ".invalid",
		"x@host.localhost":         ".localhost",
		"x@abcdefghijklmnop.onion": ".onion",
		"x@name.alt":               ".alt",
	} {
		if err := CheckRoutable(bad); err == nil || !strings.Contains(err.Error(), reason) || !strings.Contains(err.Error(), bad) {
			t.Errorf("CheckRoutable(%q) = %v, want an error naming it and %q", bad, err, reason)
		}
	}
}

func TestParseRefusesUnroutableSender(t *testing.T) {
	mustReject(t, []byte("From: postmaster@[10.0.0.5]\r\nSubject: hi\r\n\r\nhello\r\n"), Limits{}, "unroutable sender: postmaster@[10.0.0.5] has an IP address")
	mustReject(t, []byte("From: Root <root@localhost>\r\nSubject: hi\r\n\r\nhello\r\n"), Limits{}, "one-word domain")
	// A bounce needs no sender at all, so its MAILER-DAEMON may be anything.
	m := mustParse(t, []byte("From: MAILER-DAEMON@[10.0.0.5]\r\nReturn-Path: <>\r\nSubject: Undelivered Mail Returned to Sender\r\n\r\nfailed\r\n"), Limits{})
	if m.Kind != KindBounce {
		t.Fatalf("kind %s", m.Kind)
	}
}

func TestBidiControlsLeaveSubjectsAndNames(t *testing.T) {
	raw := "From: =?utf-8?q?Bob_=E2=80=AEnimda?= <bob@agency.gov>\r\nSubject: invoice\u202efdp.exe \u2066x\u2069 \u200fok\r\n\r\nhello\r\n"
	m := mustParse(t, []byte(raw), Limits{})
	if m.Subject != "invoicefdp.exe x \u200fok" {
		t.Errorf("subject %q", m.Subject)
	}
	if m.From.Name != "Bob nimda" {
		t.Errorf("name %q", m.From.Name)
	}
	if got := StripBidi("a\u202ab\u202bc\u202cd\u202de\u202ef\u2066g\u2067h\u2068i\u2069j\u200ek"); got != "abcdefghij\u200ek" {
		t.Errorf("StripBidi = %q", got)
	}
}

func TestAddressDisplay(t *testing.T) {
	for _, tc := range []struct {
		raw, want string
	}{
		{`=?utf-8?q?Ren=C3=A9e_M=C3=BCller?= <renee@agency.gov>`, "Renée Müller <renee@agency.gov>"},
		{`"=?utf-8?q?Ren=C3=A9e_M=C3=BCller?=" <renee@agency.gov>`, "Renée Müller <renee@agency.gov>"},
		{`=?ISO-8859-1?Q?Ren=E9e?= =?ISO-8859-1?Q?_M=FCller?= <renee@agency.gov>`, "Renée Müller <renee@agency.gov>"},
		{`renee@agency.gov`, "renee@agency.gov"},
	} {
		m := mustParse(t, []byte("From: "+tc.raw+"\r\nSubject: hi\r\n\r\nhello\r\n"), Limits{})
		if got := m.From.Display(); got != tc.want {
			t.Errorf("From %s: Display = %q, want %q", tc.raw, got, tc.want)
		}
	}
}
