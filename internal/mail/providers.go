package mail

import "strings"

// publicProviders are mail domains anyone can sign up at. Two addresses
// there share no organisation, so the desk never treats them as
// colleagues (see SameOrganisation). The one list; add to it here.
var publicProviders = map[string]bool{
	"gmail.com": true, "googlemail.com": true,
	"outlook.com": true, "hotmail.com": true, "hotmail.co.uk": true, "live.com": true, "msn.com": true,
	"yahoo.com": true, "yahoo.co.uk": true, "ymail.com": true, "rocketmail.com": true,
	"icloud.com": true, "me.com": true, "mac.com": true,
	"aol.com": true, "aim.com": true,
	"proton.me": true, "protonmail.com": true, "pm.me": true,
	"gmx.com": true, "gmx.de": true, "gmx.net": true, "web.de": true,
	"mail.com": true, "zoho.com": true, "yandex.com": true, "yandex.ru": true,
	"mail.ru": true, "fastmail.com": true, "tutanota.com": true, "hey.com": true,
	"qq.com": true, "163.com": true, "126.com": true, "comcast.net": true,
	"verizon.net": true, "att.net": true,
}

// Domain is the lower-cased domain of an address ("" when it has none).
func Domain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(email[at+1:]), "."))
}

// PublicProvider reports whether domain is a public mail provider's.
func PublicProvider(domain string) bool {
	return publicProviders[strings.ToLower(strings.TrimSuffix(domain, "."))]
}

// SameOrganisation reports whether two addresses are at the same
// organisation's mail domain: the same domain, and not a public
// provider's (two gmail.com users are strangers).
func SameOrganisation(a, b string) bool {
	da, db := Domain(a), Domain(b)
	return da != "" && da == db && !PublicProvider(da)
}
