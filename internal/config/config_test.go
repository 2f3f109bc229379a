package config_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/mailtest"
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
	if o.Close != 18*time.Hour || o.Open != 9*time.Hour || cfg.SLA.Classes[0].FirstResponse != "3h" || cfg.Database.DSN != "sqlite:data/slatrack.db" {
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
	c.SLA.Classes[2].FirstResponse = "0d"
	c.Database.DSN = "mysql://x"
	c.Server.BaseURL = "localhost"
	err := c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, key := range []string{"calendar.open", "calendar.workdays", "calendar.holidays", "calendar.closures", "sla.classes[2].first_response", "database.dsn", "server.base_url"} {
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

// TestValidate_RelayCAFile: mail.relay.ca_file is read and parsed when the
// configuration is loaded; a missing or non-PEM file is refused, naming
// the key.
func TestValidate_RelayCAFile(t *testing.T) {
	ca := mailtest.NewCA(t)
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "ca.der")
	os.WriteFile(notPEM, ca.Cert.Raw, 0o600)
	tests := []struct {
		name, file, err string
	}{
		{"unset: system roots", "", ""},
		{"PEM bundle", ca.File(t), ""},
		{"missing", filepath.Join(dir, "nope.pem"), "config: mail.relay.ca_file: open "},
		{"not PEM", notPEM, "config: mail.relay.ca_file: " + notPEM + " holds no PEM certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := config.Default()
			c.Mail.Relay.CAFile = tt.file
			err := c.Validate()
			switch {
			case tt.err == "" && err != nil:
				t.Fatal(err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			if tt.err != "" {
				return
			}
			if got := c.RelayRootCAs(); (got != nil) != (tt.file != "") {
				t.Fatalf("RelayRootCAs = %v", got)
			}
			if tt.file != "" {
				if _, err := ca.Issue(t, "relay.agency.gov").Leaf.Verify(x509.VerifyOptions{Roots: c.RelayRootCAs(), DNSName: "relay.agency.gov"}); err != nil {
					t.Errorf("the CA file's CA does not verify its certificates: %v", err)
				}
			}
		})
	}
}

// TestValidate_Limits: values their type accepts but that break things are
// refused with the key named, and the values at each limit are accepted.
func TestValidate_Limits(t *testing.T) {
	cases := []struct {
		name string
		set  func(c *config.Config)
		key  string // "" means valid
		says string
	}{
		{"max_body_kb_overflow", func(c *config.Config) { c.Server.MaxBodyKB = 9007199254740993 }, "server.max_body_kb", "between 1 and 10240"},
		{"max_body_kb_zero", func(c *config.Config) { c.Server.MaxBodyKB = 0 }, "server.max_body_kb", "between 1 and 10240"},
		{"max_body_kb_at_limit", func(c *config.Config) { c.Server.MaxBodyKB = 10240 }, "", ""},
		{"session_hours_overflow", func(c *config.Config) { c.Server.SessionHours = 1 << 40 }, "server.session_hours", "between 1 and 8760"},
		{"max_message_mb_overflow", func(c *config.Config) { c.Mail.MaxMessageMB = 1 << 45 }, "mail.max_message_mb", "at most 1024"},
		{"max_attachment_mb_overflow", func(c *config.Config) { c.Mail.MaxAttachmentMB = 1 << 45 }, "mail.max_attachment_mb", "at most 1024"},
		{"reopen_days_overflow", func(c *config.Config) { c.Mail.ReopenDays = 1 << 40 }, "mail.reopen_days", "at most 3650"},
		{"send_interval_1ns", func(c *config.Config) { c.Mail.SendInterval = "1ns" }, "mail.send_interval", "least allowed, 100ms"},
		{"send_interval_99ms", func(c *config.Config) { c.Mail.SendInterval = "99ms" }, "mail.send_interval", "100ms"},
		{"send_interval_100ms", func(c *config.Config) { c.Mail.SendInterval = "100ms" }, "", ""},
		{"imap_interval_1ns", func(c *config.Config) { c.Mail.IMAP.Interval = "1ns" }, "mail.imap.interval", "100ms"},
		{"notify_interval_1us", func(c *config.Config) { c.Notify.Interval = "1us" }, "notify.interval", "100ms"},
		{"at_risk_equal_to_a_target", func(c *config.Config) { c.SLA.AtRisk = "3h" }, "sla.at_risk", `sla.classes[0].first_response (availability) is "3h"`},
		{"at_risk_in_days_longer_than_hours", func(c *config.Config) { c.SLA.AtRisk = "1d" }, "sla.at_risk", "shorter than every target"},
		{"at_risk_against_other_target", func(c *config.Config) {
			c.SLA.Classes[0].FirstResponse = "1d"
			c.SLA.Classes[2].FirstResponse = "90m"
			c.SLA.AtRisk = "2h"
		}, "sla.at_risk", `sla.classes[2].first_response (other) is "90m"`},
		{"at_risk_just_under", func(c *config.Config) { c.SLA.AtRisk = "179m" }, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := config.Default()
			tc.set(&c)
			err := c.Validate()
			if tc.key == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "config: "+tc.key+": ") || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("err %v, want one naming %s and saying %q", err, tc.key, tc.says)
			}
		})
	}
	t.Run("from_the_environment", func(t *testing.T) {
		_, err := config.Load("", []string{"SLATRACK_SERVER_MAX_BODY_KB=9007199254740993", "SLATRACK_MAIL_SEND_INTERVAL=1ns"})
		for _, key := range []string{"server.max_body_kb", "mail.send_interval"} {
			if err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("err %v does not name %s", err, key)
			}
		}
	})
}
