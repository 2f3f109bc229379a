package mail

import (
	"fmt"
	"testing"
	"time"
)

func TestDumpCompose(t *testing.T) {
	b, err := Compose(Outgoing{
		From: Address{Name: "Service Desk – Ünit", Email: "Desk@Slatrack.example.gov"},
		To: []Address{{Name: "Doe, Jane\r\nBcc: x@y", Email: "jane@agency.gov"}},
		Subject: "Hi\r\nBcc: victim@x — Grüße [SR-1042] " ,
		Text: "Hello,\r\n\r\nline two with ünïcödé and a very long line " + fmt.Sprint(make([]int, 300)) + "\r\n-- \r\nDesk\r\n",
		MessageID: "sr-1042.abc@slatrack.example.gov", InReplyTo: "x@y", References: []string{"a@b", "x@y"},
		AutoSubmitted: "auto-replied", Headers: map[string]string{"X-Slatrack-Ticket": "SR-1042\r\nBcc: evil@x"},
		Date: time.Date(2024, 3, 5, 9, 3, 14, 0, time.UTC),
	})
	fmt.Printf("%v\n%s\n", err, b)
}
