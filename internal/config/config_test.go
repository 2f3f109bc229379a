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
