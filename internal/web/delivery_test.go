package web_test

import (
	"context"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// TestTicketPage_DeliveryRefused: an acknowledgement the relay refused for
// good shows on the ticket page as not delivered and not retried, with the
// relay's reason in words (escaped: the relay's text is not ours).
func TestTicketPage_DeliveryRefused(t *testing.T) {
	a := withMail(newApp(t))
	ctx := context.Background()
	res, err := a.svc.IngestMail(ctx, []byte("From: Ann <ann@agency.gov>\r\nTo: support@desk.gov\r\nSubject: VPN down\r\nMessage-ID: <d1@agency.gov>\r\n\r\nhelp\r\n"), "smtp")
	if err != nil || res.Action != desk.ActionCreated {
		t.Fatalf("%+v %v", res, err)
	}
	claimed, err := a.store.ClaimOutbox(ctx, time.Now().Add(time.Hour), 10, time.Minute, nil)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %d", err, len(claimed))
	}
	reason := "the recipient's mailbox does not exist: RCPT TO <ann@agency.gov>: 550 5.1.1 <b>no such user</b>"
	if err := a.store.MarkOutboxFailed(ctx, claimed[0].ID, reason, time.Now(), true); err != nil {
		t.Fatal(err)
	}
	_, body := a.staffClient("sam@agency.gov").get("/tickets/" + res.Ref)
	wantContains(t, body, `delivery-failed`,
		`<small class="danger delivery-reason">Not delivered, and not retried: the recipient&#39;s mailbox does not exist: RCPT TO &lt;ann@agency.gov&gt;: 550 5.1.1 &lt;b&gt;no such user&lt;/b&gt;</small>`)
	wantLacks(t, body, "<b>no such user</b>", "next try")
}
