package classify

import ("testing";"time";"regexp")

func TestRegexVariants(t *testing.T) {
	text := tidy(benchBody("> Let us know what you think."))
	verbs := `(?:create|creating|add|adding|delete|deleting|remove|removing|rename|renaming|move|moving|transfer|transferring|deactivate|deactivating|decommission|decommissioning|archive|set\s+up|setup)`
	tail := `\s+(?:(?:` + detRE + `)\s+){0,2}(?:org|orgs|organization|organizations|space|spaces)\b`
	for _, src := range []string{
		`(?im)\b` + verbs + tail,
		`(?m)\b` + verbs + tail,
		`(?im)` + verbs + tail,
		`(?m)` + verbs + tail,
		`(?im)\bdown\b`, `(?m)\bdown\b`, `(?im)down`, `(?im)\bhealth\s+red\b`,
	} {
		re := regexp.MustCompile(src)
		t0 := time.Now()
		for k := 0; k < 50; k++ { re.FindStringIndex(text) }
		s := src; if len(s) > 50 { s = s[:50] }
		t.Logf("%10v %s", time.Since(t0)/50, s)
	}
}
