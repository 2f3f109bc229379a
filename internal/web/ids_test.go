package web_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/store/storetest"
)

// outOfRangeIDs are ids no row can have: both databases keep ids as signed
// 64-bit integers, and the drivers refuse a uint64 with the high bit set.
var outOfRangeIDs = []string{
	"9223372036854775808",  // 2^63
	"18446744073709551615", // 2^64 − 1
	"18446744073709551616", // 2^64: not even a uint64
	"0",
	"-1",
	"1e3",
}

// TestIDs_OutOfRange: ids ≥ 2^63 in a path are 404 and in a cursor 400, on
// both engines, never a 500.
func TestIDs_OutOfRange(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		a := newAppOn(t, st)
		tk := a.mkTicket(desk.NewTicket{Subject: "Quota question"}, nil)
		admin := a.staffClient("admin@agency.gov")
		for _, id := range outOfRangeIDs {
			t.Run("id_"+id, func(t *testing.T) {
				for _, r := range []struct{ method, path string }{
					{"GET", "/admin/quarantine/" + id + "/raw"},
					{"POST", "/admin/quarantine/" + id + "/reprocess"},
					{"POST", "/admin/quarantine/" + id + "/discard"},
					{"GET", "/tickets/" + tk.Ref + "/attachments/" + id},
					{"POST", "/admin/users/" + id + "/active"},
				} {
					var resp *http.Response
					var body string
					if r.method == "GET" {
						resp, body = admin.get(r.path)
					} else {
						resp, body = admin.submit("/admin/users", r.path, url.Values{"active": {"1"}})
					}
					if resp.StatusCode != http.StatusNotFound {
						t.Errorf("%s %s: status %d, want 404", r.method, r.path, resp.StatusCode)
					}
					wantNoLeak(t, body)
				}
			})
		}
		tok := a.apiToken("sam@agency.gov")
		for name, raw := range map[string]string{
			"id_2^63":   "0.1782990000000000.9223372036854775808",
			"id_2^64-1": "0.1782990000000000.18446744073709551615",
		} {
			t.Run("cursor_"+name, func(t *testing.T) {
				cur := base64.RawURLEncoding.EncodeToString([]byte(raw))
				resp, body := a.api(tok, "GET", "/api/v1/tickets?status=all&cursor="+cur, "")
				wantJSONError(t, resp, body, http.StatusBadRequest, "cursor")
				resp, body = admin.get("/queue?cursor=" + cur)
				wantStatus(t, resp, body, http.StatusBadRequest)
				wantNoLeak(t, body)
			})
		}
	})
}
