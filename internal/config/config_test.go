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

// TestValidate_MailSecurityKeys: the mail security keys are checked and
// normalised.
func TestValidate_MailSecurityKeys(t *testing.T) {
	for key, change := range map[string]func(c *config.Config){
		"mail.inbound_secret":       func(c *config.Config) { c.Mail.InboundSecret = "short-secret" },
		"mail.imap.include_seen":    func(c *config.Config) { c.Mail.IMAP.IncludeSeen = true },
		"mail.trusted_authserv_ids": func(c *config.Config) { c.Mail.AuthservIDs = []string{"mx.agency.gov; dmarc=pass"} },
	} {
		t.Run(key, func(t *testing.T) {
			c := config.Default()
			change(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), key) {
				t.Fatalf("Validate = %v, want an error naming %s", err, key)
			}
		})
	}
	c := config.Default()
	c.Mail.InboundSecret = "sixteen-chars-ok"
	c.Mail.IMAP.IncludeSeen, c.Mail.IMAP.DoneFolder = true, "Processed"
	c.Mail.AuthservIDs = []string{" MX.Agency.gov "}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Mail.AuthservIDs[0] != "mx.agency.gov" {
		t.Errorf("authserv-id not normalised: %q", c.Mail.AuthservIDs)
	}
	cfg, err := config.Load("", []string{"SLATRACK_MAIL_TRUSTED_AUTHSERV_IDS=mx1.agency.gov,mx2.agency.gov"})
	if err != nil || len(cfg.Mail.AuthservIDs) != 2 || cfg.Mail.AuthservIDs[1] != "mx2.agency.gov" {
		t.Fatalf("from the environment: %v %q", err, cfg.Mail.AuthservIDs)
	}
}

// TestValidate_SMTPLimits: every SMTP listener limit is checked, naming its key.
func TestValidate_SMTPLimits(t *testing.T) {
	tests := []struct {
		name string
		set  func(m *config.Mail)
		key  string // named in the error; "" for a valid setting
	}{
		{"defaults", func(*config.Mail) {}, ""},
		{"client limit on", func(m *config.Mail) { m.SMTPClientLimit = 500 }, ""},
		{"no sessions", func(m *config.Mail) { m.SMTPMaxSessions = 0 }, "mail.smtp_max_sessions"},
		{"per address over the total", func(m *config.Mail) { m.SMTPMaxSessionsPerIP = m.SMTPMaxSessions + 1 }, "mail.smtp_max_sessions_per_ip"},
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
		{"target_far_beyond_the_calendar", func(c *config.Config) { c.SLA.Classes[2].FirstResponse = "100000d" },
			"config: sla.classes[2].first_response: 100000d is more open time than the calendar can count (at most 37760d)"},
		{"target_overflowing_a_duration", func(c *config.Config) { c.SLA.Classes[0].FirstResponse = "9000000000000000000h" },
			"config: sla.classes[0].first_response: 9000000000000000000h is more open time than the calendar can count (at most 302080h)"},
		{"at_risk_beyond_the_calendar", func(c *config.Config) { c.SLA.AtRisk = "99999999m" },
			"config: sla.at_risk: 99999999m is more open time than the calendar can count"},
		{"bound_follows_the_calendar", func(c *config.Config) {
			c.Calendar.Workdays = []string{"Mon"}
			c.SLA.Classes[1].FirstResponse = "5000d"
		}, "config: sla.classes[1].first_response: 5000d is more open time than the calendar can count (at most 4480d)"},
		{"largest_target_accepted", func(c *config.Config) { c.SLA.Classes[2].FirstResponse = "37760d" }, ""},
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
