package classify

import "testing"

func TestDump(t *testing.T) {
	c := defaultClassifier(t)
	for i, r := range loadRequests(t, "requests.json") {
		res := c.Classify(r.Subject, r.Body)
		mark := " "
		if res.Class != r.Class {
			mark = "X"
		}
		t.Logf("%s %2d %-12s %-40.40q %s", mark, i, r.Class, r.Subject, res.Reason())
	}
}
