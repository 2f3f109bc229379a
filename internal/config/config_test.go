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

func TestValidate_SMTPLimits(t *testing.T) {
	tests := []struct {
		name string
		set  func(m *config.Mail)
		key  string // named in the error; "" for a valid setting
	}{
		{"defaults", func(*config.Mail) {}, ""},
		{"client limit on", func(m *config.Mail) { m.SMTPClientLimit = 500 }, ""},
		{"no sessions", func(m *config.Mail) { m.SMTPMaxSessions = 0 }, "mail.smtp_max_sessions"},
		{"per address over the total", func(m *config.Mail) { m.SMTPMaxSessionsPerIP = 101 }, "mail.smtp_max_sessions_per_ip"},
		{"per address zero", func(m *config.Mail) { m.SMTPMaxSessionsPerIP = 0 }, "mail.smtp_max_sessions_per_ip"},
		{"transaction timeout not a duration", func(m *config.Mail) { m.SMTPTransactionTimeout = "soon" }, "mail.smtp_transaction_timeout"},
		{"transaction timeout too short", func(m *config.Mail) { m.SMTPTransactionTimeout = "1ns" }, "mail.smtp_transaction_timeout"},
		{"session shorter than a transaction", func(m *config.Mail) { m.SMTPSessionTimeout = "1m" }, "mail.smtp_session_timeout"},
		{"in-flight smaller than two messages", func(m *config.Mail) { m.SMTPMaxInflightMB = 49 }, "mail.smtp_max_inflight_mb"},
		{"in-flight overflowing", func(m *config.Mail) { m.SMTPMaxInflightMB = 1 << 50 }, "mail.smtp_max_inflight_mb"},
		{"sender limit off", func(m *config.Mail) { m.SMTPSenderLimit = 0 }, "mail.smtp_sender_limit"},
		{"client limit negative", func(m *config.Mail) { m.SMTPClientLimit = -1 }, "mail.smtp_client_limit"},
		{"rate window too short", func(m *config.Mail) { m.SMTPRateWindow = "10ms" }, "mail.smtp_rate_window"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			tt.set(&c.Mail)
			err := c.Validate()
			switch {
			case tt.key == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.key != "" && (err == nil || !strings.Contains(err.Error(), "config: "+tt.key+": ")):
				t.Errorf("error %v, want one naming %s", err, tt.key)
			}
		})
	}
	c := config.Default()
	c.Validate()
	if d := c.MailDurations(); d.SMTPTransactionTimeout != 5*time.Minute || d.SMTPSessionTimeout != 30*time.Minute || d.SMTPRateWindow != time.Hour {
		t.Errorf("parsed SMTP durations = %+v", d)
	}
}
