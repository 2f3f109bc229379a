package main

import (
	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/sla"
)

// buildPolicy makes the business-hours calendar and SLA policy from config.
func buildPolicy(cfg *config.Config) (*sla.Policy, error) {
	cal, err := clock.New(cfg.ClockOptions())
	if err != nil {
		return nil, err
	}
	return sla.New(cal, cfg.Classes(), cfg.AtRisk())
}
