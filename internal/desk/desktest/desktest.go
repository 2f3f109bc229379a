// Package desktest gives tests the published desk's policy and classifier,
// built from the configuration defaults, so every package's tests measure
// against the same objectives (3h / 2d / 5d, at risk within 1h, New York
// business hours and US federal holidays).
package desktest

import (
	"testing"

	"github.com/slatrack/slatrack/internal/classify"
	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/sla"
)

// Policy is the default SLA policy on the default calendar.
func Policy(tb testing.TB) *sla.Policy {
	tb.Helper()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	pol, err := sla.New(clock.Default(), cfg.Classes(), cfg.AtRisk())
	if err != nil {
		tb.Fatal(err)
	}
	return pol
}

// Classifier is the classifier of the default classes and rules.
func Classifier(tb testing.TB) *classify.Classifier {
	tb.Helper()
	cfg := config.Default()
	if err := cfg.Validate(); err != nil {
		tb.Fatal(err)
	}
	cl, err := cfg.Classifier()
	if err != nil {
		tb.Fatal(err)
	}
	return cl
}
