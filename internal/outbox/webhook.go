package outbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
)

// KindWebhook is the outbox kind of a webhook notice (desk.OutboxWebhook).
// Its rows are on desk.DeliveryWebhook: Target is the URL and Raw the JSON
// body. They go through the same queue as mail (claimed with a lease,
// retried with Backoff), but are POSTed instead of relayed, and need no
// relay.
const KindWebhook = desk.OutboxWebhook

// WebhookTimeout bounds one webhook POST, from connecting to reading the
// reply.
const WebhookTimeout = 10 * time.Second

// webhookClient follows a redirect only when it keeps the method and body
// (307, 308) and stays on the same scheme, host and port: a webhook URL is
// a secret, and its body goes nowhere else.
var webhookClient = &http.Client{
	Timeout: WebhookTimeout,
	CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		first := via[0].URL
		if req.Method != http.MethodPost || req.URL.Scheme != first.Scheme || !strings.EqualFold(req.URL.Host, first.Host) {
			return http.ErrUseLastResponse
		}
		return nil
	},
}

// webhookChannel POSTs the rows of desk.DeliveryWebhook; it keeps nothing
// across a batch (webhookClient reuses connections).
type webhookChannel struct{}

func openWebhook(context.Context) Channel { return webhookChannel{} }

// Send POSTs m (Channel).
func (webhookChannel) Send(ctx context.Context, m *desk.OutboxMail) error {
	res := postWebhook(ctx, m)
	if res.permanent {
		return Permanent(res.err)
	}
	return res.err
}

// Close does nothing (Channel).
func (webhookChannel) Close() {}

// postWebhook POSTs m.Raw as JSON to m.Target. A 2xx reply is success; 429, a
// 5xx, a timeout or a network error is temporary (retried with Backoff);
// any other reply, a redirect elsewhere included, is permanent. The URL's
// path and query (where webhook tokens live) never appear in the error.
func postWebhook(ctx context.Context, m *desk.OutboxMail) result {
	u, err := url.Parse(strings.TrimSpace(m.Target))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return result{err: errors.New("webhook: the URL is not an http:// or https:// URL"), permanent: true}
	}
	where := "webhook " + u.Scheme + "://" + u.Host + "/…"
	if len(m.Raw) == 0 {
		return result{err: errors.New(where + ": empty body"), permanent: true}
	}
	ctx, cancel := context.WithTimeout(ctx, WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(m.Raw))
	if err != nil {
		return result{err: fmt.Errorf("%s: %v", where, redactURLError(err)), permanent: true}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "slatrack")
	resp, err := webhookClient.Do(req)
	if err != nil {
		return result{err: fmt.Errorf("%s: %v", where, redactURLError(err))}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	code := resp.StatusCode
	if code >= 200 && code < 300 {
		return result{}
	}
	msg := fmt.Sprintf("%s: %s", where, resp.Status)
	if code >= 300 && code < 400 {
		msg += " (redirect not followed: only 307/308 to the same host are)"
	} else if s := strings.TrimSpace(strings.ToValidUTF8(string(snippet), "")); s != "" {
		msg += ": " + s
	}
	temporary := code == http.StatusTooManyRequests || code >= 500
	return result{err: errors.New(msg), permanent: !temporary}
}

// redactURLError drops the URL from an *url.Error (it names the secret
// webhook path), keeping the cause.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return fmt.Errorf("timed out: %w", ue.Err)
		}
		return ue.Err
	}
	return err
}
