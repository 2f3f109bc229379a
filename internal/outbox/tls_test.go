package outbox_test

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mailtest"
	"github.com/slatrack/slatrack/internal/outbox"
)

// TestRelayCA: a relay whose certificate a private CA signed is refused
// until that CA is given (mail.relay.ca_file), with STARTTLS and with
// implicit TLS alike; with the CA, a certificate for another name is still
// refused: the host name is always verified.
func TestRelayCA(t *testing.T) {
	ca := mailtest.NewCA(t)
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	for _, mode := range []string{outbox.TLSStartTLS, outbox.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			tests := []struct {
				name    string
				certFor string // the name the relay's certificate is for
				roots   *x509.CertPool
				lastErr string // "" = sent
			}{
				{"system roots only", "127.0.0.1", nil, "certificate signed by unknown authority"},
				{"desk CA", "127.0.0.1", roots, ""},
				{"desk CA, another host's certificate", "relay.example", roots, "doesn't contain any IP SANs"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					cfg := &tls.Config{Certificates: []tls.Certificate{ca.Issue(t, tt.certFor)}}
					r := startRelay(t, relayOpts{tls: cfg, implicit: mode == outbox.TLSImplicit})
					q := newQueue()
					id := q.add(mail(1, "alice@customer.example"))
					rc := relayConfig(r)
					rc.TLS, rc.RootCAs = mode, tt.roots
					s, _ := newSender(q, rc)
					n := runOnce(t, s)
					m := q.get(id)
					if tt.lastErr == "" {
						if n != 1 || len(r.received()) != 1 || !r.received()[0].tls {
							t.Fatalf("not sent over TLS with the CA: %s %q", m.Status, m.LastError)
						}
						return
					}
					if n != 0 || len(r.received()) != 0 {
						t.Fatalf("sent to a relay whose certificate does not verify")
					}
					if m.Status != desk.OutboxQueued || !strings.Contains(m.LastError, tt.lastErr) {
						t.Errorf("status %s, LastError %q, want queued with %q", m.Status, m.LastError, tt.lastErr)
					}
				})
			}
		})
	}
}
