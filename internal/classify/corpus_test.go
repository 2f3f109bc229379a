package classify

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// request is one labelled ticket in testdata/*.json.
type request struct {
	Class   string `json:"class"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

func loadRequests(t testing.TB, name string) []request {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []request
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&reqs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for i, r := range reqs {
		if !validClass(r.Class) {
			t.Fatalf("%s[%d] (%q): class %q is not valid", name, i, r.Subject, r.Class)
		}
	}
	return reqs
}

// defaultClasses are the default configuration's classes as the
// classifier sees them (config.Default holds the real ones).
func defaultClasses() []Class {
	return []Class{{Name: Availability, Negation: true}, {Name: Provisioning}, {Name: Other, Fallback: true}}
}

// classNames are defaultClasses' names, in evaluation order.
func classNames() []string {
	var out []string
	for _, c := range defaultClasses() {
		out = append(out, c.Name)
	}
	return out
}

func validClass(s string) bool { return classRank(s) >= 0 }

func classRank(s string) int { return slices.Index(classNames(), s) }

func defaultClassifier(t testing.TB) *Classifier {
	t.Helper()
	c, err := New(defaultClasses(), DefaultRules())
	if err != nil {
		t.Fatalf("New(defaultClasses(), DefaultRules()): %v", err)
	}
	return c
}

// TestClassify_Corpus measures the default rules against hand-written,
// hand-labelled tickets. Availability recall must be perfect (a missed outage
// is the costliest mistake); overall accuracy must be at least 90%.
//
//	go test -run TestClassify_Corpus -v ./internal/classify/
func TestClassify_Corpus(t *testing.T) {
	c := defaultClassifier(t)
	reqs := loadRequests(t, "requests.json")
	if len(reqs) < 70 {
		t.Fatalf("corpus has %d requests; want at least 70", len(reqs))
	}

	classes := classNames()
	idx := map[string]int{}
	for i, cl := range classes {
		idx[cl] = i
	}
	confusion := make([][]int, len(classes)) // [want][got]
	for i := range confusion {
		confusion[i] = make([]int, len(classes))
	}
	correct := 0
	for i, r := range reqs {
		res := c.Classify(r.Subject, r.Body)
		confusion[idx[r.Class]][idx[res.Class]]++
		if res.Class == r.Class {
			correct++
			continue
		}
		t.Logf("miss [%d] %q: want %s, got %s: %s", i, r.Subject, r.Class, res.Class, res.Reason())
	}

	var b strings.Builder
	fmt.Fprintf(&b, "confusion matrix (rows = labelled, columns = classified):\n")
	fmt.Fprintf(&b, "%14s", "")
	for _, cl := range classes {
		fmt.Fprintf(&b, " %13s", cl)
	}
	fmt.Fprintf(&b, " %8s %9s\n", "recall", "precision")
	for i, cl := range classes {
		fmt.Fprintf(&b, "%14s", cl)
		row, col := 0, 0
		for j := range classes {
			fmt.Fprintf(&b, " %13d", confusion[i][j])
			row += confusion[i][j]
			col += confusion[j][i]
		}
		fmt.Fprintf(&b, " %7.1f%% %8.1f%%\n", pct(confusion[i][i], row), pct(confusion[i][i], col))
	}
	overall := pct(correct, len(reqs))
	fmt.Fprintf(&b, "overall accuracy: %d/%d = %.1f%%", correct, len(reqs), overall)
	t.Log(b.String())

	av := idx[Availability]
	avTotal := 0
	for _, n := range confusion[av] {
		avTotal += n
	}
	if confusion[av][av] != avTotal {
		t.Errorf("availability recall is %d/%d; every outage must be classified as availability", confusion[av][av], avTotal)
	}
	if overall < 90 {
		t.Errorf("overall accuracy is %.1f%%; want at least 90%%", overall)
	}
}

func pct(n, d int) float64 {
	if d == 0 {
		return 100
	}
	return 100 * float64(n) / float64(d)
}
