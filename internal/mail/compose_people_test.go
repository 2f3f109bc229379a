package mail_test

import (
	"bytes"
	"testing"

	"github.com/slatrack/slatrack/internal/mail"
)

// TestCompose_CcAndAttachments: copies and files of every kind survive a
// round trip through Compose and Parse, in lines SMTP accepts.
func TestCompose_CcAndAttachments(t *testing.T) {
	files := []mail.Attachment{
		{Filename: "steps.txt", ContentType: "text/plain", Data: []byte("1. one\n2. two\n" + string(bytes.Repeat([]byte("x"), 2000)) + "\n")},
		{Filename: "shot.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\n\x00\xff")},
		{Filename: "orig.eml", ContentType: "message/rfc822", Data: []byte("Subject: hi\n\nbare LF body\n")},
	}
	raw, err := mail.Compose(mail.Outgoing{From: mail.Address{Email: "support@desk.gov"}, To: []mail.Address{{Email: "ann@agency.gov"}},
		Cc: []mail.Address{{Name: "Carl\r\nBcc: eve@evil.example", Email: "carl@partner.example"}}, Subject: "files", Text: "see\nattached\n",
		MessageID: "r1@desk.gov", Attachments: files})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.Parse(raw, mail.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Cc) != 1 || m.Cc[0].Email != "carl@partner.example" || bytes.Contains(raw, []byte("\r\nBcc:")) {
		t.Errorf("Cc %v (a name must not inject a header)", m.Cc)
	}
	if len(m.Attachments) != 3 {
		t.Fatalf("%d attachments", len(m.Attachments))
	}
	if got := m.Attachments[1].Data; !bytes.Equal(got, files[1].Data) {
		t.Errorf("binary attachment changed: %q", got)
	}
	if got := m.Attachments[2].Data; !bytes.Equal(got, files[2].Data) {
		t.Errorf("attached mail changed: %q", got)
	}
	if got := bytes.ReplaceAll(m.Attachments[0].Data, []byte("\r\n"), []byte("\n")); !bytes.Equal(got, files[0].Data) {
		t.Errorf("text attachment changed beyond its line ends")
	}
}
