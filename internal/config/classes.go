package config

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/classify"
	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/sla"
)

// SLA holds the desk's classes and the at-risk window.
type SLA struct {
	// AtRisk is the business time before a deadline from which a ticket
	// is at risk; shorter than every target.
	AtRisk string `toml:"at_risk"`
	// Classes are the [[sla.classes]] tables, in the order the classes are
	// shown and their rules tried. They are the only place a class is
	// defined: pages, reports, the API, the CLI and the classifier all
	// take the list from here.
	Classes []Class `toml:"classes"`
}

// Class is one [[sla.classes]] table.
type Class struct {
	// Name identifies the class in URLs, CSV, the API and the database
	// (lower-case letters, digits, '-', '_'); renaming it leaves stored
	// tickets under the old name.
	Name string `toml:"name"`
	// Title is the name people read ("" = Name with a capital).
	Title string `toml:"title"`
	// Description tells requesters what the class covers.
	Description string `toml:"description"`
	// FirstResponse is the first-response target in business time: "3h",
	// "2d".
	FirstResponse string `toml:"first_response"`
	// NextResponse is the target for answering each later customer
	// message ("" = the same as first_response).
	NextResponse string `toml:"next_response"`
	// Resolution is the target from receipt to resolved, with the clock
	// paused while waiting on the customer ("" = no resolution promise).
	Resolution string `toml:"resolution"`
	// OverridesRequester: when this class's rules match, it wins over the
	// class the requester chose.
	OverridesRequester bool `toml:"overrides_requester"`
	// Urgent: staff get a notice when such a ticket arrives, and with
	// notify.availability_after_hours its notices go out while the desk is
	// closed.
	Urgent bool `toml:"urgent"`
	// Negation: this class's rules skip negated matches ("not an outage").
	Negation bool `toml:"negation"`
	// Fallback: the class of a ticket no rule matched (exactly one class).
	Fallback bool `toml:"fallback"`
	// Rules classify tickets into this class; the first class's rules are
	// tried first.
	Rules []Rule `toml:"rules"`
}

// Rule is one [[sla.classes.rules]] table: a name shown to staff as the
// reason for the class, and case-insensitive patterns (words, phrases, or
// Go regular expressions between slashes; see package classify).
type Rule struct {
	Name     string   `toml:"name"`
	Patterns []string `toml:"patterns"`
}

// defaultClasses are the built-in classes, with the built-in rules of
// classify.DefaultRules; config/slatrack.toml spells out the same.
func defaultClasses() []Class {
	classes := []Class{
		{Name: "availability", Title: "Availability", Description: "The platform or your application is down or badly degraded",
			FirstResponse: "3h", OverridesRequester: true, Urgent: true, Negation: true},
		{Name: "provisioning", Title: "Provisioning", Description: "Orgs, spaces, users, quotas, service instances, access",
			FirstResponse: "2d"},
		{Name: "other", Title: "Other", Description: "Questions, billing, documentation, compliance, feedback",
			FirstResponse: "5d", Fallback: true},
	}
	for i := range classes {
		for _, r := range classify.DefaultRules() {
			if r.Class == classes[i].Name {
				classes[i].Rules = append(classes[i].Rules, Rule{Name: r.Name, Patterns: r.Patterns})
			}
		}
	}
	return classes
}

// movedKeys explain keys older configurations used.
var movedKeys = map[string]string{
	"sla.availability": "class targets are first_response in each [[sla.classes]] table",
	"sla.provisioning": "class targets are first_response in each [[sla.classes]] table",
	"sla.other":        "class targets are first_response in each [[sla.classes]] table",
	"classify":         "classification rules belong to their class, as [[sla.classes.rules]] tables with name and patterns",
	"classify.rules":   "classification rules belong to their class, as [[sla.classes.rules]] tables with name and patterns",
}

// classKey names class i's key field in errors: sla.classes[1].first_response.
func classKey(i int, field string) string {
	k := fmt.Sprintf("sla.classes[%d]", i)
	if field != "" {
		k += "." + field
	}
	return k
}

// classEnvName is the environment variable that overrides a class's
// first-response target: SLATRACK_SLA_AVAILABILITY.
func classEnvName(class string) string {
	return envPrefix + "SLA_" + strings.ToUpper(strings.ReplaceAll(class, "-", "_"))
}

// validateSLA checks [sla] and fills the derived classes, at-risk window,
// classifier classes and rules. businessDay is 0 when the hours are bad.
// A rule that does not compile is returned, worded with its key.
func (c *Config) validateSLA(businessDay time.Duration, opts clock.Options, calendarOK bool, bad func(string, error)) error {
	var err error
	atRiskOK := true
	if c.atRisk, err = clock.ParseTarget(c.SLA.AtRisk); err != nil {
		bad("sla.at_risk", err)
		atRiskOK = false
	} else if err := clock.CheckTarget(c.atRisk, opts); err != nil && calendarOK {
		// More open time than the calendar can count (see clock.MaxTarget).
		bad("sla.at_risk", err)
		atRiskOK = false
	}
	c.classes = make([]sla.Class, len(c.SLA.Classes))
	c.classifyClasses = make([]classify.Class, len(c.SLA.Classes))
	c.rules = nil
	var ruleKeys []string // classify's rule index → its key
	unparsed := map[int]bool{}
	envNames := map[string]int{}
	for i, cl := range c.SLA.Classes {
		t, err := clock.ParseTarget(cl.FirstResponse)
		if err != nil {
			bad(classKey(i, "first_response"), err)
			unparsed[i] = true
		} else if err := clock.CheckTarget(t, opts); err != nil && calendarOK {
			bad(classKey(i, "first_response"), err)
			unparsed[i] = true
		}
		c.classes[i] = sla.Class{Name: cl.Name, Title: strings.TrimSpace(cl.Title), Description: strings.TrimSpace(cl.Description),
			FirstResponse: t, OverridesRequester: cl.OverridesRequester, Urgent: cl.Urgent, Fallback: cl.Fallback}
		for _, k := range []struct {
			key, val string
			into     *clock.Target
		}{{"next_response", cl.NextResponse, &c.classes[i].NextResponse}, {"resolution", cl.Resolution, &c.classes[i].Resolution}} {
			if strings.TrimSpace(k.val) == "" {
				continue
			}
			t, err := clock.ParseTarget(k.val)
			if err == nil && calendarOK {
				err = clock.CheckTarget(t, opts)
			}
			if err != nil {
				bad(classKey(i, k.key), err)
				unparsed[i] = true
				continue
			}
			*k.into = t
		}
		c.classifyClasses[i] = classify.Class{Name: cl.Name, Negation: cl.Negation, Fallback: cl.Fallback}
		if env := classEnvName(cl.Name); cl.Name != "" {
			if j, dup := envNames[env]; dup && c.SLA.Classes[j].Name != cl.Name {
				bad(classKey(i, "name"), fmt.Errorf("%q and class %q would share the environment variable %s; rename one", cl.Name, c.SLA.Classes[j].Name, env))
			}
			envNames[env] = i
		}
		for j, r := range cl.Rules {
			c.rules = append(c.rules, classify.Rule{Name: r.Name, Class: cl.Name, Patterns: append([]string(nil), r.Patterns...)})
			ruleKeys = append(ruleKeys, classKey(i, fmt.Sprintf("rules[%d]", j)))
		}
	}
	// The rules of a valid class list, in sla: errors name our keys.
	checkAtRisk := c.atRisk
	if !atRiskOK {
		checkAtRisk = clock.Target{}
	}
	listOK := true
	for _, e := range sla.Check(c.classes, checkAtRisk, businessDay) {
		switch {
		case e.Index < 0:
			bad("sla.classes", e.Err)
			listOK = false
		case e.Field == "at_risk":
			bad("sla.at_risk", fmt.Errorf("%q must be shorter than every target, and %s (%s) is %q",
				c.SLA.AtRisk, classKey(e.Index, "first_response"), c.classes[e.Index].Name, c.classes[e.Index].FirstResponse))
		case e.Field == "first_response" && unparsed[e.Index]:
			// already reported
		default:
			bad(classKey(e.Index, e.Field), e.Err)
			listOK = false
		}
	}
	if !listOK {
		return nil
	}
	if _, err := classify.New(c.classifyClasses, c.rules); err != nil {
		var re *classify.RuleError
		if errors.As(err, &re) {
			return fmt.Errorf("config: %s", re.Describe(func(i int) string { return ruleKeys[i] }))
		}
		return fmt.Errorf("config: sla.classes: %w", err)
	}
	return nil
}

// Classes are the desk's classes, parsed (after Validate), in order.
func (c Config) Classes() []sla.Class { return append([]sla.Class(nil), c.classes...) }

// AtRisk is the business-time window before a deadline in which a ticket is at risk.
func (c Config) AtRisk() clock.Target { return c.atRisk }

// ClassifyRules are the classes' rules in evaluation order, each with its
// class set.
func (c Config) ClassifyRules() []classify.Rule {
	out := make([]classify.Rule, len(c.rules))
	for i, r := range c.rules {
		out[i] = classify.Rule{Name: r.Name, Class: r.Class, Patterns: append([]string(nil), r.Patterns...)}
	}
	return out
}

// Classifier compiles the classes' rules (after Validate, which has
// already checked they compile).
func (c Config) Classifier() (*classify.Classifier, error) {
	return classify.New(c.classifyClasses, c.rules)
}
