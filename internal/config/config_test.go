package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/config"
)

// TestDefaultFileMatchesBuiltIn keeps the documented config/slatrack.toml
// and the built-in defaults identical, so "a file may give only some keys"
// means the same thing whether or not the file is present.
func TestDefaultFileMatchesBuiltIn(t *testing.T) {
	fromFile, err := config.Load(filepath.Join("..", "..", "config", "slatrack.toml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	builtIn := config.Default()
	if err := builtIn.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromFile, builtIn) {
		t.Errorf("config/slatrack.toml differs from config.Default():\nfile:     %+v\nbuilt-in: %+v", fromFile, builtIn)
	}
}

func TestLoad_PartialFileKeepsDefaults(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.toml")
	os.WriteFile(p, []byte("[calendar]\nclose = \"18:00\"\n"), 0o600)
	cfg, err := config.Load(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := cfg.ClockOptions()
	if o.Close != 18*time.Hour || o.Open != 9*time.Hour || cfg.SLA.Availability != "3h" || cfg.Database.DSN != "sqlite:data/slatrack.db" {
		t.Errorf("partial file: %+v", cfg)
	}
}

func TestLoad_Env(t *testing.T) {
	cfg, err := config.Load("", []string{
		"SLATRACK_DATABASE_DSN=postgres://u:p@db/slatrack",
		"SLATRACK_CALENDAR_CLOSURES=2026-12-24: Christmas Eve, 2026-12-26",
		"SLATRACK_SERVER_SECURE_COOKIES=false",
		"SLATRACK_SERVER_SESSION_HOURS=8",
		"SLATRACK_ADMIN_PASSWORD=not-a-config-key-but-allowed",
		"HOME=/root",
	})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Database.DSN != "postgres://u:p@db/slatrack" || cfg.Server.SecureCookies || cfg.Server.SessionHours != 8 {
		t.Errorf("env not applied: %+v", cfg)
	}
	cl := cfg.ClockOptions().Closures
	if len(cl) != 2 || cl[0].Name != "Christmas Eve" || cl[1].Day != 26 {
		t.Errorf("closures from env: %+v", cl)
	}
}

func TestValidate_NamesEveryBadKey(t *testing.T) {
	c := config.Default()
	c.Calendar.Open = "25:00"
	c.Calendar.Workdays = []string{"Funday"}
	c.Calendar.Holidays = "uk"
	c.Calendar.Closures = []string{"tomorrow"}
	c.SLA.Other = "0d"
	c.Database.DSN = "mysql://x"
	c.Server.BaseURL = "localhost"
	err := c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"calendar.open", "calendar.workdays", "calendar.holidays", "calendar.closures", "sla.other", "database.dsn", "server.base_url"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestEnvNames(t *testing.T) {
	names := strings.Join(config.EnvNames(), " ")
	for _, n := range []string{"SLATRACK_DATABASE_DSN", "SLATRACK_CALENDAR_TIMEZONE", "SLATRACK_SLA_AVAILABILITY", "SLATRACK_SERVER_ADDR"} {
		if !strings.Contains(names, n) {
			t.Errorf("EnvNames lacks %s", n)
		}
	}
}

func TestValidate_CalendarAndTargets(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(c *config.Config)
		wantErr string // "" means valid
	}{
		{"closure_twice_with_different_names", func(c *config.Config) {
			c.Calendar.Closures = []string{"2026-12-24: Christmas Eve", "2026-12-24: Snow day"}
		}, `config: calendar.closures: closure 2026-12-24 is listed twice with different names, "Christmas Eve" and "Snow day"`},
		{"closure_twice_named_and_unnamed", func(c *config.Config) {
			c.Calendar.Closures = []string{"2026-12-24", "2026-12-24: Christmas Eve"}
		}, `calendar.closures: closure 2026-12-24 is listed twice with different names, "Closure" and "Christmas Eve"`},
		{"closure_twice_with_one_name", func(c *config.Config) {
			c.Calendar.Closures = []string{"2026-12-24: Christmas Eve", "2026-12-24:Christmas Eve "}
		}, ""},
		{"target_far_beyond_the_calendar", func(c *config.Config) { c.SLA.Other = "100000d" },
			"config: sla.other: 100000d is more open time than the calendar can count (at most 37760d)"},
		{"target_overflowing_a_duration", func(c *config.Config) { c.SLA.Availability = "9000000000000000000h" },
			"config: sla.availability: 9000000000000000000h is more open time than the calendar can count (at most 302080h)"},
		{"at_risk_beyond_the_calendar", func(c *config.Config) { c.SLA.AtRisk = "99999999m" },
			"config: sla.at_risk: 99999999m is more open time than the calendar can count"},
		{"bound_follows_the_calendar", func(c *config.Config) {
			c.Calendar.Workdays = []string{"Mon"}
			c.SLA.Provisioning = "5000d"
		}, "config: sla.provisioning: 5000d is more open time than the calendar can count (at most 4480d)"},
		{"largest_target_accepted", func(c *config.Config) { c.SLA.Other = "37760d" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.edit(&c)
			err := c.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
