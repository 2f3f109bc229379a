package outbox_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/desk/desktest"
	slmail "github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/mailtest"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// TestStaffReply_ReachesRequesterAndParticipantsWithTheFile sends a staff
// reply through a real SMTP conversation on loopback: the envelope holds
// the requester and every participant, the headers say To the requester
// and Cc the participants, and the file rides along.
func TestStaffReply_ReachesRequesterAndParticipantsWithTheFile(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	now := time.Date(2026, 7, 1, 10, 0, 0, 0, time.UTC)
	svc := desk.NewService(st, desk.Config{Policy: desktest.Policy(t), Classifier: desktest.Classifier(t), RefPrefix: "SR", BcryptCost: 4,
		Now: func() time.Time { return now }})
	svc.Mail = &desk.MailSettings{
		From: slmail.Address{Name: "Support", Email: "support@desk.test"}, Addresses: []string{"support@desk.test"},
		Signer: slmail.IDSigner{Secret: []byte("outbox-people-secret-123"), Domain: "desk.test"},
		Limits: slmail.DefaultLimits(), ReopenAfter: 14 * 24 * time.Hour, AckLimit: 10, AckWindow: 3 * time.Hour,
	}
	agent, err := svc.CreateUser(ctx, desk.NewUser{Email: "sam@desk.test", Name: "Sam", Role: desk.RoleStaff, Password: "long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.IngestMail(ctx, []byte("From: Ann <ann@agency.gov>\r\nTo: support@desk.test\r\nCc: Carl <carl@partner.example>\r\n"+
		"Subject: Export fails\r\nMessage-ID: <x1@agency.gov>\r\n\r\nThe export fails.\r\n"), "test")
	if err != nil || res.Action != desk.ActionCreated {
		t.Fatalf("ingest %+v %v", res, err)
	}
	if _, err := svc.AddParticipant(ctx, res.Ref, agent, "dana@agency.gov", "Dana"); err != nil {
		t.Fatal(err)
	}
	file := []byte("%PDF-1.4\n\x00\x01binary\xff report")
	if _, err := svc.ReplyWith(ctx, res.Ref, agent, desk.ReplyInput{Body: "The fixed export is attached.", Internal: false, Files: []slmail.Upload{{Filename: "export.pdf", ContentType: "application/pdf", Data: file}}}); err != nil {
		t.Fatal(err)
	}

	relay := mailtest.NewRelay(t)
	s := outbox.NewSender(st, outbox.RelayConfig{Host: relay.Host, Port: relay.Port, TLS: outbox.TLSNone}, quietLog())
	s.Now = func() time.Time { return now }
	if n, err := s.RunOnce(ctx); err != nil || n != 2 {
		t.Fatalf("sent %d (%v), want the acknowledgement and the reply", n, err)
	}
	mails := relay.WaitFor(2, 5*time.Second)
	var reply *mailtest.Mail
	for i := range mails {
		if len(mails[i].To) > 1 {
			reply = &mails[i]
		}
	}
	if reply == nil {
		t.Fatalf("no mail to several recipients among %+v", mails)
	}
	if got := reply.To; len(got) != 3 || got[0] != "ann@agency.gov" || got[1] != "carl@partner.example" || got[2] != "dana@agency.gov" {
		t.Errorf("envelope recipients %v", got)
	}
	m, err := slmail.Parse(reply.Data, slmail.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.To) != 1 || m.To[0].Email != "ann@agency.gov" {
		t.Errorf("To: %v", m.To)
	}
	if len(m.Cc) != 2 || m.Cc[0].Email != "carl@partner.example" || m.Cc[1].Email != "dana@agency.gov" || m.Cc[1].Name != "Dana" {
		t.Errorf("Cc: %v", m.Cc)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "export.pdf" || string(m.Attachments[0].Data) != string(file) {
		t.Errorf("attachments %+v", m.Attachments)
	}
	if m.Text == "" || !strings.Contains(m.Text, "The fixed export is attached.") {
		t.Errorf("text %q", m.Text)
	}
}
