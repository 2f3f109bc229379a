package classify

import ("testing")

func TestNeeds(t *testing.T) {
	c := defaultClassifier(t)
	for _, cr := range c.compiled {
		for _, rp := range cr.regexps {
			s := rp.re.String(); if len(s) > 70 { s = s[:70] }
			t.Logf("%-40s %-72s %q", cr.name, s, rp.needs)
		}
	}
}
