package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fourClassesConfig is the configuration file of a desk that added
// "security" (1 business hour), renamed "other" to "general" and dropped
// "provisioning", with its database in a temp dir.
func fourClassesConfig(t *testing.T) string {
	t.Helper()
	classes, err := os.ReadFile(filepath.Join("..", "..", "internal", "config", "testdata", "four-classes.toml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "desk.toml")
	body := fmt.Sprintf("[database]\ndsn = %q\n\n%s", "sqlite:"+filepath.Join(dir, "d.db"), classes)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestClasses_CLI: the commands take their classes from the configuration
// file: due, due --batch, due --explain, classify and classify --rules know
// the new class and refuse the dropped one, and seed fills a desk with the
// configured classes only.
func TestClasses_CLI(t *testing.T) {
	cfg := fourClassesConfig(t)
	t.Run("due_new_class", func(t *testing.T) {
		// Thursday 16:00 + 1 business hour = Thursday 17:00 (the closing).
		code, out, errOut := runCmd(t, "", nil, "due", "--config", cfg, "security", "2026-07-02T16:00:00-04:00")
		if code != 0 || strings.TrimSpace(out) != "2026-07-02T17:00:00-04:00" {
			t.Fatalf("exit %d, out %q, stderr %q", code, out, errOut)
		}
		code, out, _ = runCmd(t, "", nil, "due", "--config", cfg, "--explain", "security", "2026-07-02T16:30:00-04:00")
		if code != 0 || !strings.Contains(out, "class security: first response within 1 business hour") || !strings.Contains(out, "2026-07-06T09:30:00-04:00") {
			t.Errorf("--explain: exit %d\n%s", code, out)
		}
	})
	t.Run("due_env_override_of_a_file_class", func(t *testing.T) {
		_, out, _ := runCmd(t, "", []string{"SLATRACK_SLA_SECURITY=2h"}, "due", "--config", cfg, "security", "2026-07-01T09:00:00-04:00")
		if strings.TrimSpace(out) != "2026-07-01T11:00:00-04:00" {
			t.Errorf("SLATRACK_SLA_SECURITY=2h: %q", out)
		}
	})
	t.Run("due_dropped_class_lists_the_configured_ones", func(t *testing.T) {
		code, _, errOut := runCmd(t, "", nil, "due", "--config", cfg, "provisioning", "2026-07-02T16:00:00-04:00")
		if code == 0 || !strings.Contains(errOut, `unknown class "provisioning" (valid classes: security, availability, general)`) {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("due_batch", func(t *testing.T) {
		in := "security 2026-07-02T16:00:00-04:00\ngeneral 2026-07-02T16:00:00-04:00\nother 2026-07-02T16:00:00-04:00\n"
		code, out, _ := runCmd(t, in, nil, "due", "--config", cfg, "--batch")
		want := "2026-07-02T17:00:00-04:00\n2026-07-09T16:00:00-04:00\nerror: unknown class \"other\" (valid classes: security, availability, general)\n"
		if code != 1 || out != want {
			t.Errorf("exit %d\n got %q\nwant %q", code, out, want)
		}
	})
	t.Run("classify", func(t *testing.T) {
		code, out, _ := runCmd(t, "", nil, "classify", "--config", cfg, "Our credentials exposed", "and the site is down")
		if code != 0 || !strings.HasPrefix(out, "security\nrule \"security: leak\" matched") {
			t.Errorf("exit %d: %q", code, out)
		}
		_, out, _ = runCmd(t, "", nil, "classify", "--config", cfg, "Hello")
		if !strings.HasPrefix(out, "general\nno rule matched, so \"general\" by default") {
			t.Errorf("fallback: %q", out)
		}
		_, out, _ = runCmd(t, "", nil, "classify", "--config", cfg, "--rules")
		if !strings.Contains(out, "security      security: leak") || strings.Contains(out, "provisioning") {
			t.Errorf("--rules:\n%s", out)
		}
	})
	t.Run("seed_uses_the_configured_classes", func(t *testing.T) {
		if code, out, errOut := runCmd(t, "", nil, "seed", "--config", cfg, "--tickets", "400"); code != 0 {
			t.Fatalf("seed: exit %d %s %s", code, out, errOut)
		}
		a := seedApp(t, cfg)
		classes := map[string]int{}
		for _, tk := range allTickets(t, a) {
			classes[tk.Class]++
			if due, err := a.svc.Policy.Due(tk.Class, tk.ReceivedAt); err != nil || (tk.ClassBy != "staff" && !due.Equal(tk.ResponseDueAt)) {
				t.Fatalf("%s (%s): due %v, want %v (%v)", tk.Ref, tk.Class, tk.ResponseDueAt, due, err)
			}
		}
		if len(classes) != 3 || classes["security"] == 0 || classes["availability"] == 0 || classes["general"] == 0 {
			t.Errorf("seeded classes %v", classes)
		}
	})
}
