package main

import (
	"reflect"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/smtpd"
)

// TestSMTPDConfig checks every [mail] limit reaches the SMTP listener.
func TestSMTPDConfig(t *testing.T) {
	cfg := config.Default()
	m := &cfg.Mail
	m.MaxMessageMB, m.MaxRecipients = 10, 7
	m.SMTPMaxSessions, m.SMTPMaxSessionsPerIP = 40, 4
	m.SMTPTransactionTimeout, m.SMTPSessionTimeout = "2m", "20m"
	m.SMTPMaxInflightMB = 64
	m.SMTPSenderLimit, m.SMTPClientLimit, m.SMTPRateWindow = 9, 300, "30m"
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	got := smtpdConfig(&cfg)
	want := smtpd.Config{
		Addr: "127.0.0.1:2525", Domain: "slatrack.local", Addresses: []string{"support@slatrack.local"},
		MaxMessageBytes: 10 << 20, MaxRecipients: 7,
		MaxSessions: 40, MaxSessionsPerIP: 4,
		TransactionTimeout: 2 * time.Minute, SessionTimeout: 20 * time.Minute,
		MaxInflightBytes: 64 << 20,
		SenderLimit:      9, ClientLimit: 300, RateWindow: 30 * time.Minute,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("smtpdConfig =\n%+v\nwant\n%+v", got, want)
	}
}
