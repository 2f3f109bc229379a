package main

import (
	"crypto/x509"
	"testing"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/mailtest"
)

// TestRelayConfig_CAFile: serve hands mail.relay.ca_file's CAs to the
// outbox sender, which then trusts certificates that CA signed.
func TestRelayConfig_CAFile(t *testing.T) {
	ca := mailtest.NewCA(t)
	cfg := config.Default()
	cfg.Mail.Relay.Host, cfg.Mail.Relay.CAFile = "relay.agency.gov", ca.File(t)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rc := relayConfig(&cfg)
	if rc.RootCAs == nil {
		t.Fatal("no CAs given to the sender")
	}
	if _, err := ca.Issue(t, "relay.agency.gov").Leaf.Verify(x509.VerifyOptions{Roots: rc.RootCAs, DNSName: rc.Host}); err != nil {
		t.Errorf("the sender's CAs do not verify the relay: %v", err)
	}
}
