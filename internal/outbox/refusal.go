package outbox

import (
	"errors"

	"github.com/emersion/go-smtp"
)

// refusalWords says in words why the relay refused a mail permanently, from
// the enhanced status code of its 5xx reply (RFC 3463), as a prefix to the
// reply itself: "the recipient's mailbox does not exist: RCPT TO <…>: 550
// 5.1.1 …". Errors that are not a relay's reply get no prefix.
func refusalWords(err error) string {
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code/100 != 5 {
		return ""
	}
	words := "the relay refused it permanently"
	if ec := se.EnhancedCode; ec != smtp.EnhancedCodeNotSet && ec != smtp.NoEnhancedCode {
		if w, ok := detailWords[[2]int{ec[1], ec[2]}]; ok {
			words = w
		} else if w, ok := subjectWords[ec[1]]; ok {
			words = w
		}
	}
	return words + ": "
}

// detailWords are the common enhanced codes X.subject.detail.
var detailWords = map[[2]int]string{
	{1, 1}:  "the recipient's mailbox does not exist",
	{1, 2}:  "the recipient's mail domain does not exist or takes no mail",
	{1, 3}:  "the recipient's address is not valid",
	{1, 6}:  "the recipient's mailbox has moved",
	{1, 7}:  "the desk's sender address was refused",
	{1, 8}:  "the desk's sender address was refused",
	{1, 10}: "the recipient's domain takes no mail",
	{2, 1}:  "the recipient's mailbox is disabled",
	{2, 2}:  "the recipient's mailbox is full",
	{2, 3}:  "the message is larger than the recipient accepts",
	{3, 4}:  "the message is larger than the relay accepts",
	{7, 1}:  "the relay's policy refused it (not allowed, or taken for spam)",
}

// subjectWords are the classes of enhanced codes X.subject.*.
var subjectWords = map[int]string{
	1: "an address was refused",
	2: "the recipient's mailbox cannot take it",
	3: "the receiving mail system cannot take it",
	4: "it cannot be routed to the recipient",
	5: "the relay did not accept how it was sent",
	6: "the relay did not accept its content",
	7: "the relay refused it for security or policy reasons",
}
