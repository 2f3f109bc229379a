package mail

import (
	"fmt"
	"path/filepath"
	"os"
	"testing"
)

func TestDump(t *testing.T) {
	files, _ := filepath.Glob("testdata/corpus/*.eml")
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		m, err := Parse(raw, Limits{})
		if err != nil { fmt.Printf("== %s: ERR %v\n", filepath.Base(f), err); continue }
		fmt.Printf("== %s: %s [%s] from=%q subj=%q probs=%q\n", filepath.Base(f), m.Kind, m.KindReason, m.From.String(), m.Subject, m.Problems)
		if os.Getenv("FULL") != "" { fmt.Printf("TEXT:\n%s\nHTML:\n%s\n", m.Text, m.HTML) }
	}
}
