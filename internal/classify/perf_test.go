package classify

import ("testing";"time")

func TestPerf(t *testing.T) {
	t0 := time.Now()
	c := defaultClassifier(t)
	t.Log("New:", time.Since(t0))
	reqs := loadRequests(t, "requests.json")
	t0 = time.Now()
	for _, r := range reqs { c.Classify(r.Subject, r.Body) }
	t.Log("classify all:", time.Since(t0))
}
