package config_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/config"
)

// fourClasses is a desk that added "security", renamed "other" to
// "general" and dropped "provisioning".
var fourClasses = filepath.Join("testdata", "four-classes.toml")

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "desk.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoad_Classes: the class list, its order, targets, properties and
// rules come from the file alone.
func TestLoad_Classes(t *testing.T) {
	cfg, err := config.Load(fourClasses, []string{"SLATRACK_SLA_AVAILABILITY=2h"})
	if err != nil {
		t.Fatal(err)
	}
	cl := cfg.Classes()
	var names []string
	for _, c := range cl {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "security,availability,general" {
		t.Fatalf("classes %v", names)
	}
	if cl[0].Title != "Security incident" || cl[0].FirstResponse.String() != "1h" || !cl[0].OverridesRequester || !cl[0].Urgent || cl[0].Fallback {
		t.Errorf("security: %+v", cl[0])
	}
	if cl[1].FirstResponse.String() != "2h" { // the environment wins over the file
		t.Errorf("SLATRACK_SLA_AVAILABILITY not applied: %+v", cl[1])
	}
	if !cl[2].Fallback || cl[2].OverridesRequester || cl[1].OverridesRequester || !cl[1].Urgent {
		t.Errorf("general: %+v", cl[2])
	}
	rules := cfg.ClassifyRules()
	if len(rules) != 2 || rules[0].Class != "security" || rules[1].Class != "availability" {
		t.Errorf("rules %+v", rules)
	}
	c, err := cfg.Classifier()
	if err != nil {
		t.Fatal(err)
	}
	for subject, want := range map[string]string{
		"Our keys were leaked and the site is down": "security",
		"Not an outage, just a question":            "general", // availability honours negation
		"The site is down":                          "availability",
		"Is CVE-2026-1234 relevant to us?":          "security",
	} {
		if got := c.Classify(subject, ""); got.Class != want {
			t.Errorf("Classify(%q) = %s (%s), want %s", subject, got.Class, got.Reason(), want)
		}
	}
	if got := c.Classify("hello", ""); got.Reason() != `no rule matched, so "general" by default` {
		t.Errorf("fallback reason %q", got.Reason())
	}
}

// TestLoad_ClassErrors: every mistake in the class list is refused with
// its key named.
func TestLoad_ClassErrors(t *testing.T) {
	class := func(name, extra string) string {
		return "[[sla.classes]]\nname = \"" + name + "\"\nfirst_response = \"2d\"\n" + extra + "\n"
	}
	fb := "fallback = true"
	cases := []struct {
		name, file string
		environ    []string
		want       string
	}{
		{"empty_list", "[sla]\nclasses = []\n", nil, "config: sla.classes: at least one class is needed"},
		{"duplicate_name", class("a", fb) + class("a", ""), nil, `config: sla.classes[1].name: "a" is already the name of class 1`},
		{"upper_case_name", class("Security", fb), nil, `config: sla.classes[0].name: name "Security" must be 1–32 lower-case letters`},
		{"name_with_space", class("a b", fb), nil, `config: sla.classes[0].name: name "a b" must be`},
		{"name_in_urls_slash", class("a/b", fb), nil, `config: sla.classes[0].name: name "a/b" must be`},
		{"empty_name", class("", fb), nil, "config: sla.classes[0].name: name is empty"},
		{"reserved_total", class("total", fb), nil, `config: sla.classes[0].name: name "total" is reserved`},
		{"no_fallback", class("a", "") + class("b", ""), nil, "config: sla.classes: exactly one class needs fallback = true"},
		{"two_fallbacks", class("a", fb) + class("b", fb), nil, "config: sla.classes: exactly one class needs fallback = true"},
		{"bad_target", "[[sla.classes]]\nname = \"a\"\nfirst_response = \"3 hours\"\nfallback = true\n", nil, `config: sla.classes[0].first_response: "3 hours" is not a business-time target`},
		{"missing_target", "[[sla.classes]]\nname = \"a\"\nfallback = true\n", nil, "config: sla.classes[0].first_response:"},
		{"target_not_above_at_risk", "[sla]\nat_risk = \"1h\"\n" + strings.Replace(class("sec", fb), "2d", "1h", 1), nil,
			`config: sla.at_risk: "1h" must be shorter than every target, and sla.classes[0].first_response (sec) is "1h"`},
		{"env_names_collide", class("a-b", fb) + class("a_b", ""), nil, `config: sla.classes[1].name: "a_b" and class "a-b" would share the environment variable SLATRACK_SLA_A_B`},
		{"rule_bad_pattern", class("a", fb+"\n[[sla.classes.rules]]\nname = \"ok\"\npatterns = [\"x\"]\n[[sla.classes.rules]]\nname = \"5xx\"\npatterns = [\"502\", \"/5(0/\"]"), nil,
			`config: sla.classes[0].rules[1] ("5xx"): pattern 2 "/5(0/": error parsing regexp`},
		{"rule_name_twice_across_classes", class("a", fb+"\n[[sla.classes.rules]]\nname = \"x\"\npatterns = [\"x\"]") + class("b", "[[sla.classes.rules]]\nname = \"x\"\npatterns = [\"y\"]"), nil,
			`config: sla.classes[1].rules[0] ("x"): name is already used by sla.classes[0].rules[0]; names must be unique`},
		{"rule_without_patterns", class("a", fb+"\n[[sla.classes.rules]]\nname = \"x\""), nil, `config: sla.classes[0].rules[0] ("x"): no patterns`},
		{"rule_names_its_class", class("a", fb+"\n[[sla.classes.rules]]\nname = \"x\"\nclass = \"b\"\npatterns = [\"x\"]"), nil, "unknown key sla.classes.rules.class"},
		{"unknown_class_key", class("a", fb+"\ncolour = \"red\""), nil, "unknown key sla.classes.colour"},
		{"old_target_key", "[sla]\navailability = \"4h\"\n", nil, "unknown key sla.availability: class targets are first_response in each [[sla.classes]] table"},
		{"old_rules_table", "[[classify.rules]]\nname = \"x\"\nclass = \"other\"\npatterns = [\"x\"]\n", nil, "unknown key classify.rules: classification rules belong to their class"},
		{"env_unknown_class", "", []string{"SLATRACK_SLA_SECURITY=2h"}, "SLATRACK_SLA_SECURITY is not a configuration key"},
		{"env_bad_target", "", []string{"SLATRACK_SLA_OTHER=soon"}, `config: sla.classes[2].first_response: "soon" is not a business-time target`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Load(writeFile(t, tc.file), tc.environ)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// TestEnvNames_FollowClasses: every class of the default list has its
// target variable.
func TestEnvNames_FollowClasses(t *testing.T) {
	names := strings.Join(config.EnvNames(), " ")
	for _, n := range []string{"SLATRACK_SLA_AVAILABILITY", "SLATRACK_SLA_PROVISIONING", "SLATRACK_SLA_OTHER", "SLATRACK_SLA_AT_RISK"} {
		if !strings.Contains(names, n) {
			t.Errorf("EnvNames lacks %s", n)
		}
	}
}

// TestClassNames_OnlyInTheConfiguration guards "a class is defined in
// config/slatrack.toml alone": no code, template or stylesheet names one of
// the default classes. The built-in defaults (this package's
// defaultClasses, and classify.DefaultRules with its class-name constants)
// are the only places allowed, and they are data the file repeats.
func TestClassNames_OnlyInTheConfiguration(t *testing.T) {
	root := filepath.Join("..", "..")
	allowed := map[string]bool{
		"internal/config/classes.go":                true, // the built-in class list
		"internal/classify/classify.go":             true, // the names DefaultRules assign
		"internal/classify/rules.go":                true, // DefaultRules
		"cmd/slatrack/testdata/rickarbatch/main.go": true, // the benchmark's baseline program, outside slatrack
	}
	named := regexp.MustCompile(`"(availability|provisioning|other)"|\b(sla|classify)\.(Availability|Provisioning|Other)\b|class-(availability|provisioning|other)\b`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".html", ".css", ".js", ".sql":
		default:
			return nil
		}
		if strings.HasSuffix(path, "_test.go") || allowed[rel] {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(data), "\n") {
			if m := named.FindString(line); m != "" && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d names the class %s; take classes from the policy (sla.Policy.Classes) instead", rel, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
