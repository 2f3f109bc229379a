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
// hand-labelled tickets, in four sets:
//
//   - requests.json, the corpus the rules were first written against;
//   - fresh.json, 84 requests written apart from it, of kinds it lacked
//     (requests phrased without the obvious keywords, questions that name
//     apps, users or errors, outages described indirectly), before any rule
//     was changed for them (the rules then scored 50/84); the rules were
//     then improved with those kinds, so this is now part of the corpus;
//   - holdout.json, 45 more written at the same time and not looked at
//     during that first round (old rules 35/45, first round 38/45); its
//     misses then became the kinds of a second round (44/45);
//   - blind.json, 36 more written before the second round and never looked
//     at while changing the rules: an honest estimate of accuracy on
//     tickets the rules have not seen (old rules 28/36, these 30/36).
//
// Availability recall must be perfect on the sets the rules were improved
// with (a missed outage is the costliest mistake), and no set may score
// lower than these rules do.
//
//	go test -run TestClassify_Corpus -v ./internal/classify/
func TestClassify_Corpus(t *testing.T) {
	for _, tt := range []struct {
		file       string
		min        int     // requests in the set at least
		accuracy   float64 // percent, at least
		allOutages bool    // availability recall must be 100%
	}{
		{"requests.json", 70, 98, true},
		{"fresh.json", 70, 95, true},
		{"holdout.json", 45, 95, true},
		{"blind.json", 36, 83, false},
	} {
		t.Run(tt.file, func(t *testing.T) {
			scoreCorpus(t, tt.file, tt.min, tt.accuracy, tt.allOutages)
		})
	}
}

func scoreCorpus(t *testing.T, file string, min int, accuracy float64, allOutages bool) {
	c := defaultClassifier(t)
	reqs := loadRequests(t, file)
	if len(reqs) < min {
		t.Fatalf("%s has %d requests; want at least %d", file, len(reqs), min)
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
	if allOutages && confusion[av][av] != avTotal {
		t.Errorf("availability recall is %d/%d; every outage must be classified as availability", confusion[av][av], avTotal)
	}
	if overall < accuracy {
		t.Errorf("overall accuracy is %.1f%%; want at least %.0f%%", overall, accuracy)
	}
}

func pct(n, d int) float64 {
	if d == 0 {
		return 100
	}
	return 100 * float64(n) / float64(d)
}
