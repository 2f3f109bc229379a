package classify

import ("testing";"time")

func TestRegexCost(t *testing.T) {
	c := defaultClassifier(t)
	fd := &field{text: tidy(benchBody("> Let us know what you think."))}
	fd.folded = fold(fd.text)
	for _, cr := range c.compiled {
		for _, rp := range cr.regexps {
			pass := rp.needs.pass(fd.folded)
			t0 := time.Now()
			for k := 0; k < 20; k++ { rp.re.FindStringIndex(fd.text) }
			s := rp.re.String(); if len(s) > 60 { s = s[:60] }
			t.Logf("%-5v %10v %-60s %q", pass, time.Since(t0)/20, s, rp.needs)
		}
	}
}
