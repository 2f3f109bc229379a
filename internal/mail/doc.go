// Package mail parses inbound support mail and composes slatrack's outgoing
// mail.
//
// Parse turns raw RFC 5322 bytes into a Message: decoded to UTF-8 whatever
// the declared (or missing, or wrong) charset, the HTML body sanitised, the
// attachments named safely, and the mail judged as normal, auto-reply, bulk
// or bounce. Unusable mail comes back as a *RejectError so the caller can
// quarantine it. Parse never panics, whatever the input.
//
// IDSigner makes slatrack's own Message-IDs, signed so that a reply can be
// threaded onto its ticket without trusting the sender, and Compose renders
// an outgoing message with no way for header injection to slip through.
//
// The package is a leaf: it depends only on the standard library, enmime,
// bluemonday and golang.org/x/{text,net}.
package mail
