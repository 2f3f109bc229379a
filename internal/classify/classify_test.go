package classify

import (
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"testing"
)

// TestClassify_Rules pins down individual default rules, word boundaries and
// negation: which class, which rule, and what text matched.
func TestClassify_Rules(t *testing.T) {
	c := defaultClassifier(t)
	tests := []struct {
		name          string
		subject, body string
		class         string
		rule          string // "" to skip the check
		match         string // "" to skip the check
	}{
		// availability rules
		{"5xx bare code", "App returns 503 intermittently", "", Availability, "availability: 5xx error", "503"},
		{"5xx plural", "502s", "on all routes", Availability, "availability: 5xx error", "502s"},
		{"5xx words", "", "we get a Bad Gateway page", Availability, "availability: 5xx error", "Bad Gateway"},
		{"5xx with context", "", "cf apps: Server error, status code: 500", Availability, "availability: 5xx error", "Server error"},
		{"500 with status", "", "curl shows HTTP/1.1 500 for /healthz", Availability, "availability: 5xx error", "HTTP/1.1 500"},
		{"500 errors", "", "we see lots of 500 errors", Availability, "availability: 5xx error", "500 errors"},
		{"users with 502 is not provisioning", "users are getting 502 errors", "please add more users to the org later", Availability, "availability: 5xx error", ""},
		{"timeout", "cf push hangs then times out", "", Availability, "availability: timeout", "hangs"},
		{"i/o timeout", "", "dial tcp: i/o timeout", Availability, "availability: timeout", "timeout"},
		{"connection refused beats service instance", "connection refused to our postgres service instance", "", Availability, "availability: connection failure", "connection refused"},
		{"tls error", "", "browser says ERR_SSL_PROTOCOL_ERROR", Availability, "availability: connection failure", "ERR_SSL_PROTOCOL_ERROR"},
		{"broker unreachable", "", "The service broker could not be reached", Availability, "availability: connection failure", "could not be reached"},
		{"not loading", "site not loading", "", Availability, "availability: unreachable or not loading", "not loading"},
		{"can't reach, typographic apostrophe", "", "we can’t reach the app", Availability, "availability: unreachable or not loading", "can't reach"},
		{"cannot access our site", "", "we cannot access our site from the VPN", Availability, "availability: unreachable or not loading", "cannot access our site"},
		{"is down", "", "everything is down", Availability, "availability: down", "everything is down"},
		{"app is down", "", "our app is down", Availability, "availability: down", "app is down"},
		{"is host down", "Is cloud.gov down?", "", Availability, "availability: down", "Is cloud.gov down"},
		{"is the site down", "", "is the site down for everyone or just me", Availability, "availability: down", "is the site down"},
		{"production down", "URGENT: production down", "", Availability, "availability: down", "production down"},
		{"site's down", "", "the site's down again", Availability, "availability: down", "site's down"},
		{"went down", "", "It went down around 2pm", Availability, "availability: down", "went down"},
		{"subject just down", "DOWN!!!", "", Availability, "availability: down", "DOWN!!!"},
		{"crashing", "App keeps crashing", "", Availability, "availability: crashing", "crashing"},
		{"health checks", "", "instances are failing health checks", Availability, "availability: crashing", "failing health checks"},
		{"slow", "site very slow since this morning", "", Availability, "availability: slow or degraded", "slow"},
		{"latency", "", "p99 latency spiked to 10s", Availability, "availability: slow or degraded", "latency"},
		{"outage", "", "Is there an outage in us-gov-west-1?", Availability, "availability: outage", "outage"},
		{"app errors", "App errors since last deploy", "", Availability, "availability: errors and failures", "App errors"},
		{"not working", "", "our website is not working", Availability, "availability: errors and failures", "website is not working"},
		{"offline", "Emergency - benefits portal offline", "", Availability, "availability: outage", "Emergency"},
		{"blank page", "", "the pages render as a blank page", Availability, "availability: unreachable or not loading", "blank page"},
		{"never loads", "", "the login page never loads", Availability, "availability: unreachable or not loading", "never loads"},
		{"no longer responding: negator inside the pattern", "", "the API is no longer responding", Availability, "availability: unreachable or not loading", "no longer responding"},
		{"search broken", "Search broken", "", Availability, "availability: errors and failures", "Search broken"},
		{"getting errors", "", "we keep getting random errors on upload", Availability, "availability: errors and failures", "getting random errors"},
		{"stopped receiving", "", "our log drain stopped receiving anything", Availability, "availability: errors and failures", "stopped receiving"},
		{"forwarded and quoted", "Fwd: help", "> > the website isn't loading for\n> > anyone in our office", Availability, "availability: unreachable or not loading", "isn't loading"},
		{"phrase across line break", "", "we keep getting connection\nrefused from the db", Availability, "availability: connection failure", "connection\nrefused"},
		{"case-insensitive", "SERVICE UNAVAILABLE", "", Availability, "availability: 5xx error", "SERVICE UNAVAILABLE"},

		// word boundaries: none of these is an outage
		{"download is not down", "Download logs", "How can I download a week of logs?", Other, "", ""},
		{"drop-down is not down", "", "The org drop-down in the dashboard is sorted alphabetically.", Other, DefaultRuleName, ""},
		{"downgrade is not down", "", "We plan to downgrade our package next year.", Other, DefaultRuleName, ""},
		{"top-down is not down", "", "We want a top-down view of spending.", Other, DefaultRuleName, ""},
		{"breakdown is not down", "", "Please send a breakdown of our usage.", Other, DefaultRuleName, ""},
		{"zero-downtime is not downtime", "", "zero-downtime deploys with the rolling strategy", Other, DefaultRuleName, ""},
		{"508 is not 5xx", "508 compliance", "Is the dashboard Section 508 compliant?", Other, "other: compliance", "508"},
		{"500 MB is not 5xx", "", "We'd like 500 MB more for next year's plan", Other, DefaultRuleName, ""},
		{"broken link is not an outage", "", "The docs have a broken link to the buildpack page.", Other, "other: documentation", "docs"},
		{"crashes inside a word", "", "the crashpad docs", Other, "other: documentation", "docs"},
		{"slower inside a word", "", "timeoutSeconds in the manifest", Other, DefaultRuleName, ""},

		// negation (availability only)
		{"not an outage", "not an outage, just a question", "do you have a status page?", Other, "other: question", "status page"},
		{"no downtime", "", "Can we migrate the database without any downtime?", Provisioning, "provisioning: service instance", "migrate the database"},
		{"zero downtime spaced", "", "zero downtime deploys please", Other, DefaultRuleName, ""},
		{"isn't down", "", "The app isn't down, we just want more memory quota.", Provisioning, "provisioning: quota", "quota"},
		{"negated then real", "no 502s since the fix", "but now the site is down", Availability, "availability: down", "site is down"},
		{"negated then real, same rule", "", "No outage on Monday, but a big outage today", Availability, "availability: outage", "outage"},
		{"never seen 502 before still counts", "", "we've never seen 502s like this before", Availability, "availability: 5xx error", "502s"},
		{"negation does not cross punctuation", "", "not sure why, timeouts everywhere", Availability, "availability: timeout", "timeouts"},
		{"negation ignored for provisioning", "", "I never got the invite email", Provisioning, "provisioning: accounts and login", "invite"},

		// provisioning rules
		{"new org", "New org request", "", Provisioning, "provisioning: org or space", "New org"},
		{"create a space", "", "pls create a space named analytics-dev", Provisioning, "provisioning: org or space", "create a space"},
		{"like a production space", "", "We'd like a production space set up", Provisioning, "provisioning: org or space", "like a production space"},
		{"need another org", "", "we need another org for training", Provisioning, "provisioning: org or space", "need another org"},
		{"role", "", "Please add jane.doe@agency.gov as SpaceDeveloper in org agency-prod", Provisioning, "provisioning: roles and access", "SpaceDeveloper"},
		{"add an e-mail address", "", "Please add jane.doe@agency.gov as a developer", Provisioning, "provisioning: roles and access", "add jane.doe@agency.gov"},
		{"access to org", "", "Can someone give me access to our org?", Provisioning, "provisioning: roles and access", "give me access"},
		{"access to package is not provisioning", "", "Our ISSO would like access to the FedRAMP package.", Other, "other: compliance", "ISSO"},
		{"out of office access is not provisioning", "Automatic reply", "I have limited access to email.", Other, "other: auto-reply", "Automatic reply"},
		{"invitation", "Invitation expired", "", Provisioning, "provisioning: accounts and login", "Invitation"},
		{"can't log in is access, not an outage", "Can't log in", "after PIV login I see the dashboard but no orgs", Provisioning, "provisioning: accounts and login", "Can't log in"},
		{"earlier rule in body beats later rule in subject", "Can't log in", "I get 'not authorized' after PIV login", Provisioning, "provisioning: roles and access", "not authorized"},
		{"longest match at the same start", "", "getting 502 Bad Gateway on /", Availability, "availability: 5xx error", "502 Bad Gateway"},
		{"login page 500 is an outage", "Can't log in", "login page shows Internal Server Error", Availability, "availability: 5xx error", "Internal Server Error"},
		{"quota", "Memory quota increase", "", Provisioning, "provisioning: quota", "quota"},
		{"service key", "", "How do I create a service key?", Provisioning, "provisioning: service instance", "service key"},
		{"custom domain", "", "set up www.example.gov as a custom domain", Provisioning, "provisioning: domains and routes", "custom domain"},
		{"egress", "", "enable public egress for space prod", Provisioning, "provisioning: network access", "egress"},

		// other rules
		{"billing", "Invoice question", "", Other, "other: billing", "Invoice"},
		{"compliance", "", "what do we need for our ATO?", Other, "other: compliance", "ATO"},
		{"potato is not ATO", "", "potato", Other, DefaultRuleName, ""},
		{"question", "How do I set env vars?", "", Other, "other: question", "How do I"},
		{"empty", "", "", Other, DefaultRuleName, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Classify(tt.subject, tt.body)
			if got.Class != tt.class ||
				(tt.rule != "" && got.Rule != tt.rule) ||
				(tt.match != "" && got.Match != tt.match) {
				t.Errorf("Classify(%q, %q)\n got %s (%s)\nwant %s, rule %q, match %q",
					tt.subject, tt.body, got.Class, got.Reason(), tt.class, tt.rule, tt.match)
			}
			if got.Rule == DefaultRuleName && got.Match != "" {
				t.Errorf("default result has Match %q", got.Match)
			}
		})
	}
}

// TestClassify_Order checks evaluation order: class first, then the order
// given; subject before body; leftmost match within a field.
func TestClassify_Order(t *testing.T) {
	c, err := New(defaultClasses(), []Rule{
		{Name: "prov: users", Class: Provisioning, Patterns: []string{"user"}},
		{Name: "other: docs", Class: Other, Patterns: []string{"docs"}},
		{Name: "avail: b", Class: Availability, Patterns: []string{"beta"}},
		{Name: "avail: a", Class: Availability, Patterns: []string{"alpha", "/gam+a/"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		subject, body string
		rule, match   string
	}{
		// availability wins over provisioning listed earlier
		{"user", "alpha", "avail: a", "alpha"},
		// within a class, the order given: "avail: b" was listed first
		{"alpha beta", "", "avail: b", "beta"},
		// the subject's match is reported before the body's
		{"gammma", "alpha", "avail: a", "gammma"},
		// within a field, words before regexps; leftmost among regexps
		{"", "gamma then alpha", "avail: a", "alpha"},
		{"", "gammma then gama", "avail: a", "gammma"},
		// a regexp in the subject beats a word in the body
		{"gamma", "alpha", "avail: a", "gamma"},
		// provisioning beats other
		{"docs", "user", "prov: users", "user"},
		{"docs", "", "other: docs", "docs"},
	}
	for _, tt := range tests {
		got := c.Classify(tt.subject, tt.body)
		if got.Rule != tt.rule || got.Match != tt.match {
			t.Errorf("Classify(%q, %q) = %s; want rule %q matching %q", tt.subject, tt.body, got.Reason(), tt.rule, tt.match)
		}
	}
}

func TestNew_BadRules(t *testing.T) {
	rule := func(name string) Rule { return Rule{Name: name, Class: Other, Patterns: []string{name}} }
	ok := rule("fine")
	tests := []struct {
		name  string
		rules []Rule
		want  string // the whole message
	}{
		{"unknown class", []Rule{ok, rule("a"), rule("b"), {Name: "x", Class: "foo", Patterns: []string{"x"}}},
			`classify.rules[3] ("x"): class "foo" is not one of availability, provisioning, other`},
		{"class is case-sensitive", []Rule{{Name: "x", Class: "Availability", Patterns: []string{"x"}}},
			`classify.rules[0] ("x"): class "Availability" is not one of availability, provisioning, other`},
		{"empty name", []Rule{ok, {Name: " ", Class: Other, Patterns: []string{"x"}}},
			`classify.rules[1]: name is empty; every rule needs a name to show staff`},
		{"duplicate name", []Rule{ok, {Name: "fine", Class: Other, Patterns: []string{"x"}}},
			`classify.rules[1] ("fine"): name is already used by classify.rules[0]; names must be unique`},
		{"reserved name", []Rule{{Name: DefaultRuleName, Class: Other, Patterns: []string{"x"}}},
			`classify.rules[0] ("default: no rule matched"): name is reserved for tickets no rule matched`},
		{"no patterns", []Rule{{Name: "x", Class: Other}},
			`classify.rules[0] ("x"): no patterns`},
		{"blank pattern", []Rule{{Name: "x", Class: Other, Patterns: []string{"ok", "  "}}},
			`classify.rules[0] ("x"): pattern 2 "  ": empty pattern`},
		{"empty regexp", []Rule{{Name: "x", Class: Other, Patterns: []string{"//"}}},
			`classify.rules[0] ("x"): pattern 1 "//": empty regular expression`},
		{"bad regexp", []Rule{ok, {Name: "5xx", Class: Availability, Patterns: []string{"502", "/5(0[234]/"}}},
			"classify.rules[1] (\"5xx\"): pattern 2 \"/5(0[234]/\": error parsing regexp: missing closing ): `5(0[234]`"},
		{"regexp matching nothing at all", []Rule{{Name: "x", Class: Other, Patterns: []string{"/x*/"}}},
			`classify.rules[0] ("x"): pattern 1 "/x*/": matches empty text, so it would match every ticket`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(defaultClasses(), tt.rules)
			if err == nil {
				t.Fatalf("New succeeded (%v); want error %q", c != nil, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNew_GoodEdgeCases(t *testing.T) {
	c, err := New(defaultClasses(), nil)
	if err != nil {
		t.Fatalf("New(defaultClasses(), nil): %v", err)
	}
	if got := c.Classify("site down", "502"); got.Class != Other || got.Rule != DefaultRuleName {
		t.Errorf("empty rule set: got %+v", got)
	}
	// A lone slash is a (punctuation) word pattern, not an empty regexp.
	if _, err := New(defaultClasses(), []Rule{{Name: "slash", Class: Other, Patterns: []string{"/"}}}); err != nil {
		t.Errorf("pattern \"/\": %v", err)
	}
}

func TestClassify_ReasonNamesRule(t *testing.T) {
	c := defaultClassifier(t)
	got := c.Classify("Users are getting 502 bad gateway", "")
	if want := `rule "availability: 5xx error" matched "502 bad gateway"`; got.Reason() != want {
		t.Errorf("Reason() = %s; want %s", got.Reason(), want)
	}
	if !strings.Contains(got.Reason(), got.Rule) || !strings.Contains(got.Reason(), got.Match) {
		t.Errorf("Reason() %q does not name rule %q and match %q", got.Reason(), got.Rule, got.Match)
	}

	got = c.Classify("hello", "just saying hi")
	if got.Rule != DefaultRuleName || got.Match != "" {
		t.Errorf("unmatched: got %+v", got)
	}
	if want := `no rule matched, so "other" by default`; got.Reason() != want {
		t.Errorf("Reason() = %s; want %s", got.Reason(), want)
	}

	// Every rule name a default classification can give is one staff can
	// look up in the rule set.
	names := map[string]bool{DefaultRuleName: true}
	for _, r := range c.Rules() {
		names[r.Name] = true
	}
	for _, r := range loadRequests(t, "requests.json") {
		if res := c.Classify(r.Subject, r.Body); !names[res.Rule] {
			t.Errorf("%q: rule %q is not in the rule set", r.Subject, res.Rule)
		}
	}

	long := Result{Class: Other, Rule: "r", Match: strings.Repeat("é", 100)}
	if want := `rule "r" matched "` + strings.Repeat("é", 60) + `…"`; long.Reason() != want {
		t.Errorf("long match: Reason() = %s", long.Reason())
	}
}

// TestNew_Classes: the classes given to New decide the evaluation order,
// the fallback and which rules honour negation; nothing about the default
// classes is built in.
func TestNew_Classes(t *testing.T) {
	classes := []Class{{Name: "general", Fallback: true}, {Name: "security", Negation: true}, {Name: "outage"}}
	rules := []Rule{
		{Name: "outage: down", Class: "outage", Patterns: []string{"down"}},
		{Name: "security: breach", Class: "security", Patterns: []string{"breach"}},
		{Name: "general: docs", Class: "general", Patterns: []string{"docs"}},
	}
	c, err := New(classes, rules)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		subject, class, rule string
	}{
		{"docs down after a breach", "general", "general: docs"},     // the first class's rules go first
		{"site down after a breach", "security", "security: breach"}, // then the second's
		{"site down", "outage", "outage: down"},
		{"not a breach, the site is down", "outage", "outage: down"}, // security honours negation
		{"hello", "general", DefaultRuleName},                        // the fallback
	}
	for _, tt := range tests {
		if got := c.Classify(tt.subject, ""); got.Class != tt.class || got.Rule != tt.rule {
			t.Errorf("Classify(%q) = %s %s; want %s %s", tt.subject, got.Class, got.Reason(), tt.class, tt.rule)
		}
	}
	if got := c.Classify("hello", ""); got.Reason() != `no rule matched, so "general" by default` {
		t.Errorf("Reason() = %s", got.Reason())
	}
	if got := c.Classes(); len(got) != 3 || got[0].Name != "general" {
		t.Errorf("Classes() = %+v", got)
	}

	for _, bad := range []struct {
		name    string
		classes []Class
		want    string
	}{
		{"no fallback", []Class{{Name: "a"}}, "no class is the fallback"},
		{"two fallbacks", []Class{{Name: "a", Fallback: true}, {Name: "b", Fallback: true}}, `classes "a" and "b" are both the fallback`},
		{"duplicate", []Class{{Name: "a", Fallback: true}, {Name: "a"}}, `name "a" is empty or used twice`},
	} {
		if _, err := New(bad.classes, nil); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: error %v, want %q", bad.name, err, bad.want)
		}
	}
	_, err = New(classes, []Rule{{Name: "x", Class: "other", Patterns: []string{"x"}}})
	if want := `classify.rules[0] ("x"): class "other" is not one of general, security, outage`; err == nil || err.Error() != want {
		t.Errorf("rule for a class not given: %v, want %s", err, want)
	}
}

// TestImmutable checks that callers cannot change a Classifier through the
// slices they passed in or got out.
func TestImmutable(t *testing.T) {
	rules := DefaultRules()
	c, err := New(defaultClasses(), rules)
	if err != nil {
		t.Fatal(err)
	}
	rules[0].Patterns[0] = "zzz"
	rules[0].Name = "renamed"
	got := c.Rules()
	got[0].Patterns[0] = "yyy"
	if r := c.Classify("big outage", ""); r.Rule != "availability: outage" {
		t.Errorf("after mutating inputs: %s", r.Reason())
	}
	if c.Rules()[0].Patterns[0] != "outage" {
		t.Error("Rules() shares its slices with callers")
	}
	if DefaultRules()[0].Name != "availability: outage" {
		t.Error("DefaultRules() shares its slice with callers")
	}
}

// TestDefaultRules_Valid checks every default rule compiles, every class has
// rules, and availability rules come first.
func TestDefaultRules_Valid(t *testing.T) {
	rules := DefaultRules()
	if _, err := New(defaultClasses(), rules); err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for i, r := range rules {
		count[r.Class]++
		if i > 0 && classRank(r.Class) < classRank(rules[i-1].Class) {
			t.Errorf("rule %d %q (%s) is listed after a %s rule; list rules in evaluation order", i, r.Name, r.Class, rules[i-1].Class)
		}
		if !strings.HasPrefix(r.Name, r.Class+": ") {
			t.Errorf("rule %d %q: name should start with %q so staff see the class", i, r.Name, r.Class+": ")
		}
	}
	for _, cl := range classNames() {
		if count[cl] == 0 {
			t.Errorf("no default rules for %s", cl)
		}
	}
}

// pass is the plain reading of a prefilter, the oracle for needleIndex:
// whether folded (the fold of a text) has a string of every set.
func (p prefilter) pass(folded string) bool {
	for _, set := range p {
		if !slices.ContainsFunc(set, func(s string) bool { return strings.Contains(folded, s) }) {
			return false
		}
	}
	return true
}

// TestPrefilter_NeverSkipsAMatch checks the regexp prefilter is sound (it
// never rules out a text the regexp matches) and that the needle index
// agrees with plain substring search.
func TestPrefilter_NeverSkipsAMatch(t *testing.T) {
	var texts []string
	for _, r := range loadRequests(t, "requests.json") {
		texts = append(texts, tidy(r.Subject), tidy(r.Body))
	}
	for _, s := range []string{
		"IS COMPLETELY DOWN", "health \t checks\r\n\r\nFAILING", "\u212Aelvin", "ſite", "Σίσυφος",
		"HTTP/1.1 503", "Got a 500", "err_SSL_x", "set\fup", "create\v\vspace",
	} {
		texts = append(texts, tidy(s)) // the prefilter is for tidied text
	}
	extra := []string{
		`/\bkelvin\b/`, `/site/`, `/σίσυφοσ/`, `/(?:a|b)c+d/`, `/x(?:yy|z)?w/`, `/(?i:foo)|bar/`,
		`/(?-i:Down)/`, `/[ab]x{2,}/`, `/\d+ms/`, `/err_ssl_\w+/`, `/got\s+a\s+500/`,
		`/set\s*up/`, `/create\s+space/`, `/health\s*checks?\s+failing/`, `/[\t ]checks/`,
	}
	var res []string
	for _, r := range DefaultRules() {
		for _, p := range r.Patterns {
			if strings.HasPrefix(p, "/") && strings.HasSuffix(p, "/") && len(p) > 2 {
				res = append(res, p)
			}
		}
	}
	res = append(res, extra...)
	for _, p := range res {
		c, err := New(defaultClasses(), []Rule{{Name: "r", Class: Other, Patterns: []string{p}}})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		rp := c.compiled[0].regexps[0]
		needles := &c.needles
		if rp.phrases { // not run as a regexp, so not in c.needles
			needles = &needleIndex{}
			rp.needIDs = needles.setIDs(rp.needs, false)
			needles.build()
		}
		for _, text := range texts {
			if rp.re.MatchString(text) && !rp.needs.pass(fold(text)) {
				t.Errorf("%s matches %q but its prefilter %q rules it out", p, text, rp.needs)
			}
			hit, _ := needles.scan(text, nil, nil)
			if got, want := passes(rp.needIDs, hit), rp.needs.pass(fold(text)); got != want {
				t.Errorf("%s on %q: needle index says %v, strings.Contains says %v", p, text, got, want)
			}
		}
	}
	// Spot-check what the prefilter asks for.
	for _, tt := range []struct {
		re   string
		want prefilter // nil: no prefilter
	}{
		{`down`, prefilter{{"down"}}},
		{`(?i)(?:is|are)\s+DOWN\b`, prefilter{{"are\ndown", "are down", "is\ndown", "is down"}}},
		{`(?i)(?:is|are)\W+DOWN\b`, prefilter{{"down"}, {"are", "is"}}},
		{`5\d\d\s+errors?`, prefilter{{"\nerror", " error"}, {"5"}}},
		{`foo|bar\d*`, prefilter{{"bar", "foo"}}},
		{`\d+`, nil},
		{`(?:foo)?bar`, prefilter{{"bar"}}},
		{`(?:foo)*|bar`, nil},
		{`(?:create|delete)\s+(?:org|space)s?`, prefilter{{"create\norg", "create\nspace", "create org", "create space", "delete\norg", "delete\nspace", "delete org", "delete space"}}},
		// tidied text has single ' ' or '\n' for whitespace
		{`set\s+up`, prefilter{{"set\nup", "set up"}}},
		{`set\s*up`, prefilter{{"set\nup", "set up", "setup"}}},
		{`(?i)[a-c]x`, prefilter{{"ax", "bx", "cx"}}},
		{`[a-z]x`, prefilter{{"x"}}},
	} {
		tree, err := syntax.Parse(tt.re, syntax.Perl)
		if err != nil {
			t.Fatal(err)
		}
		if got := newPrefilter(tree); !slices.EqualFunc(got, tt.want, slices.Equal) {
			t.Errorf("newPrefilter(%s) = %q; want %q", tt.re, got, tt.want)
		}
	}
}

// TestClassify_Concurrent is for -race: one Classifier, many goroutines.
func TestClassify_Concurrent(t *testing.T) {
	c := defaultClassifier(t)
	reqs := loadRequests(t, "requests.json")
	want := make([]Result, len(reqs))
	for i, r := range reqs {
		want[i] = c.Classify(r.Subject, r.Body)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range reqs {
				i := (k + g) % len(reqs)
				if got := c.Classify(reqs[i].Subject, reqs[i].Body); got != want[i] {
					t.Errorf("goroutine %d, %q: got %+v, want %+v", g, reqs[i].Subject, got, want[i])
				}
			}
		})
	}
	wg.Wait()
}

func TestTokenizeAndTidy(t *testing.T) {
	text := tidy("  > Re:  the drop-down\r\n>\n> can’t \t load — site's\fDOWN!  ")
	if want := "Re: the drop-down\ncan't load — site's\nDOWN!"; text != want {
		t.Fatalf("tidy = %q; want %q", text, want)
	}
	var words []string
	for _, tk := range tokenize(text) {
		g := ""
		if tk.gap {
			g = "_"
		}
		words = append(words, g+text[tk.start:tk.end])
	}
	want := []string{"_Re", ":", "_the", "_drop-down", "_can't", "_load", "_—", "_site's", "_DOWN", "!"}
	if !slices.Equal(words, want) {
		t.Errorf("tokenize = %q; want %q", words, want)
	}
	if got := fold("DOWN \u212A ſ"); got != "down k s" {
		t.Errorf("fold = %q", got)
	}
	if fold("Σ") != fold("σ") || fold("σ") != fold("ς") {
		t.Errorf("fold: sigmas differ: %q %q %q", fold("Σ"), fold("σ"), fold("ς"))
	}
}

func TestClassify_LongBodyIsCapped(t *testing.T) {
	c := defaultClassifier(t)
	filler := strings.Repeat("log line without anything interesting é\n", MaxScan/40+10)
	if got := c.Classify("logs attached", filler+"outage"); got.Class != Other {
		t.Errorf("match past MaxScan counted: %s", got.Reason())
	}
	if got := c.Classify("logs attached", "outage\n"+filler); got.Class != Availability {
		t.Errorf("match before MaxScan missed: %s", got.Reason())
	}
}

// benchBody builds a realistic ~2KB forwarded e-mail.
func benchBody(tail string) string {
	var b strings.Builder
	b.WriteString("---------- Forwarded message ---------\nFrom: Alex Rivera <alex.rivera@example.gov>\nDate: Mon, Mar 2, 2026 at 10:02 AM\nSubject: question about our deployment\nTo: platform-team@example.gov\n\n")
	para := "> Hi team, we deployed version 2.4.1 of the benefits application to our staging space yesterday and would like to confirm the manifest settings for memory, instances and the health check type before we promote it to production next week. "
	for b.Len() < 1900 {
		b.WriteString(para)
		b.WriteString("\n")
	}
	b.WriteString(tail)
	b.WriteString("\n> Thanks,\n> Alex\n")
	return b.String()
}

func BenchmarkClassify(b *testing.B) {
	c, err := New(defaultClasses(), DefaultRules())
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, subject, tail string }{
		// Nothing matches: every rule is tried, the worst case.
		{"unmatched", "Fwd: question about our deployment", "> Let us know what you think."},
		// An outage mentioned only at the end of the body.
		{"availability-late", "Fwd: question about our deployment", "> Also, since 9am the app returns 502 bad gateway."},
		{"provisioning", "Fwd: question about our deployment", "> Could you also create a new space named reports?"},
	} {
		body := benchBody(bc.tail)
		b.Run(fmt.Sprintf("%s-%dB", bc.name, len(body)), func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				c.Classify(bc.subject, body)
			}
		})
	}
}

func BenchmarkNew(b *testing.B) {
	rules := DefaultRules()
	for b.Loop() {
		if _, err := New(defaultClasses(), rules); err != nil {
			b.Fatal(err)
		}
	}
}
