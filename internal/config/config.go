// Package config holds slatrack's one configuration struct: built-in
// defaults, overlaid by a TOML file (config/slatrack.toml or --config FILE),
// then by SLATRACK_SECTION_KEY environment variables. It is parsed once in
// main and passed down; nothing here is a mutable global.
package config

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/slatrack/slatrack/internal/classify"
	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/report"
	"github.com/slatrack/slatrack/internal/sla"
)

// DefaultPath is read when no --config is given; a missing default file is
// not an error (the built-in defaults equal its documented contents).
const DefaultPath = "config/slatrack.toml"

// Config is the whole configuration. Field tags give the TOML keys; the
// environment variable for a key is SLATRACK_<SECTION>_<KEY> in upper case.
type Config struct {
	Server   Server   `toml:"server"`
	Database Database `toml:"database"`
	Calendar Calendar `toml:"calendar"`
	SLA      SLA      `toml:"sla"`
	Tickets  Tickets  `toml:"tickets"`
	Mail     Mail     `toml:"mail"`
	Notify   Notify   `toml:"notify"`
	Metrics  Metrics  `toml:"metrics"`
	Reports  Reports  `toml:"reports"`

	// Derived values, filled by Validate.
	busyTimeout     time.Duration
	clockOpts       clock.Options
	classes         []sla.Class
	classifyClasses []classify.Class
	rules           []classify.Rule // the classes' rules, in evaluation order
	atRisk          clock.Target
	mailDur         MailDurations
	relayCAs        *x509.CertPool // nil: the system's roots
}

// Mail configures mail in and out.
type Mail struct {
	// SMTPAddr is where `serve` listens for inbound SMTP; "" turns it off.
	SMTPAddr string `toml:"smtp_addr"`
	// Addresses are the desk's addresses: inbound mail for others is refused
	// (550) and the first one is the sender of outgoing mail.
	Addresses []string `toml:"addresses"`
	FromName  string   `toml:"from_name"`
	// Domain names slatrack's Message-IDs (default: the first address's domain).
	Domain          string `toml:"domain"`
	MaxMessageMB    int    `toml:"max_message_mb"`
	MaxAttachmentMB int    `toml:"max_attachment_mb"`
	MaxRecipients   int    `toml:"max_recipients"`
	ReopenDays      int    `toml:"reopen_days"`
	AckLimit        int    `toml:"ack_limit"`
	AckWindow       string `toml:"ack_window"`
	// AckLimitNewSenders caps, desk-wide, the acknowledgements per
	// ack_window beyond which requesters new to the desk get none (a flood
	// of forged senders must not make the desk a backscatter source); 0
	// turns the cap off.
	AckLimitNewSenders int `toml:"ack_limit_new_senders"`
	// InboundSecret authorises POST /api/v1/inbound/email with the header
	// X-Slatrack-Secret (besides API tokens); "" allows tokens only. At
	// least 16 characters when set.
	InboundSecret string `toml:"inbound_secret"`
	SendInterval  string `toml:"send_interval"`
	Relay         Relay  `toml:"relay"`
	IMAP          IMAP   `toml:"imap"`

	// AuthservIDs are the authserv-ids of the MTAs whose
	// Authentication-Results header fields slatrack believes (the receiving
	// MTA that checks SPF, DKIM and DMARC). Mail they find unverified never
	// threads onto an existing ticket by its subject tag. Empty: no mail is
	// judged.
	AuthservIDs []string `toml:"trusted_authserv_ids"`
	// Limits of the SMTP listener (see smtpd.Config for what each does).
	SMTPMaxSessions        int    `toml:"smtp_max_sessions"`
	SMTPMaxSessionsPerIP   int    `toml:"smtp_max_sessions_per_ip"`
	SMTPTransactionTimeout string `toml:"smtp_transaction_timeout"`
	SMTPSessionTimeout     string `toml:"smtp_session_timeout"`
	SMTPMaxInflightMB      int    `toml:"smtp_max_inflight_mb"`
	SMTPSenderLimit        int    `toml:"smtp_sender_limit"`
	SMTPClientLimit        int    `toml:"smtp_client_limit"` // 0: none
	SMTPRateWindow         string `toml:"smtp_rate_window"`
}

// Relay is the SMTP server outgoing mail is handed to.
type Relay struct {
	Host     string `toml:"host"` // "" queues mail without sending it
	Port     int    `toml:"port"`
	TLS      string `toml:"tls"` // starttls, tls or none
	Username string `toml:"username"`
	Password string `toml:"password"`
	// CAFile is a PEM bundle of the CAs that may sign the relay's
	// certificate, used instead of the system's roots (a desk with a
	// private CA); "" means the system's roots. The certificate must name
	// Host either way.
	CAFile string `toml:"ca_file"`
}

// IMAP is a mailbox slatrack polls for inbound mail.
type IMAP struct {
	Addr       string `toml:"addr"` // host:port; "" turns polling off
	TLS        string `toml:"tls"`  // tls, starttls or none
	User       string `toml:"user"`
	Password   string `toml:"password"`
	Folder     string `toml:"folder"`
	DoneFolder string `toml:"done_folder"`
	Interval   string `toml:"interval"`

	// IncludeSeen fetches messages already flagged \Seen too (a person has
	// read them); only with DoneFolder, which is how fetched mail is told
	// apart then.
	IncludeSeen bool `toml:"include_seen"`
	// CAFile is a PEM file of the certificate authorities that sign the
	// server's certificate (a private CA); "" uses the system's.
	CAFile string `toml:"ca_file"`
}

// Notify configures SLA warnings and the daily digest.
type Notify struct {
	// WebhookURL receives a JSON POST per warning (Slack-compatible "text").
	WebhookURL string `toml:"webhook_url"`
	// AvailabilityAfterHours lets availability warnings go out while the
	// desk is closed (nights, weekends); other classes wait for the opening.
	AvailabilityAfterHours bool `toml:"availability_after_hours"`
	// Staff are the addresses warnings for unassigned tickets and the digest
	// go to; empty means every active staff account.
	Staff []string `toml:"staff"`
	// Interval is how often the scheduler looks (default 1m).
	Interval string `toml:"interval"`
	// Digest turns the daily digest at each business day's opening on or off.
	Digest bool `toml:"digest"`
}

// Reports configures the reports' defaults.
type Reports struct {
	// ForecastHours is how many business hours ahead the overdue report's
	// breach forecast looks by default (0 to report.MaxForecastHours);
	// the page, the API (?forecast_hours=) and `slatrack report overdue
	// --forecast-hours` can ask for another horizon.
	ForecastHours int `toml:"forecast_hours"`
}

// Metrics configures GET /metrics.
type Metrics struct {
	// Access is "loopback" (default: only from 127.0.0.1/::1), "token"
	// (Authorization: Bearer <metrics.token>) or "open".
	Access string `toml:"access"`
	Token  string `toml:"token"`
}

// BusyTimeout is database.busy_timeout, parsed (after Validate).
func (c *Config) BusyTimeout() time.Duration { return c.busyTimeout }

// MailDurations are the parsed durations of [mail].
type MailDurations struct {
	AckWindow, SendInterval, IMAPInterval, NotifyInterval time.Duration

	SMTPTransactionTimeout, SMTPSessionTimeout, SMTPRateWindow time.Duration
}

// Server configures the HTTP side of `slatrack serve`.
type Server struct {
	Addr          string `toml:"addr"`
	BaseURL       string `toml:"base_url"`
	SecureCookies bool   `toml:"secure_cookies"`
	SessionHours  int    `toml:"session_hours"`
	// IntakePerHour limits web-form submissions per client address.
	IntakePerHour int `toml:"intake_per_hour"`
	// MaxBodyKB caps request bodies (forms and JSON).
	MaxBodyKB int `toml:"max_body_kb"`
	// TrustedProxies are the load balancers whose X-Forwarded-For is believed.
	TrustedProxies []string `toml:"trusted_proxies"`
	// QueuePollSeconds is how often an open queue page asks for changes.
	QueuePollSeconds int `toml:"queue_poll_seconds"`
}

// Database selects the store: "sqlite:PATH" (embedded default) or "postgres://…".
type Database struct {
	DSN string `toml:"dsn"`
	// MaxConnections caps the connection pool; 0 picks the engine's
	// default (8 on SQLite, 20 on PostgreSQL).
	MaxConnections int `toml:"max_connections"`
	// BusyTimeout is how long a write waits for SQLite's write lock (held
	// by another process) before it is answered "busy, try again".
	BusyTimeout string `toml:"busy_timeout"`
}

// Calendar is the desk's opening hours as written in the file.
type Calendar struct {
	Timezone string   `toml:"timezone"`
	Open     string   `toml:"open"`
	Close    string   `toml:"close"`
	Workdays []string `toml:"workdays"`
	Holidays string   `toml:"holidays"`
	Closures []string `toml:"closures"`
}

// Tickets configures ticket references.
type Tickets struct {
	RefPrefix string `toml:"ref_prefix"`
}

// Default returns the built-in configuration, identical to the documented
// config/slatrack.toml.
func Default() Config {
	return Config{
		Server: Server{
			Addr:           "127.0.0.1:8080",
			BaseURL:        "http://localhost:8080",
			SecureCookies:  true,
			SessionHours:   12,
			IntakePerHour:  20,
			MaxBodyKB:      256,
			TrustedProxies: []string{},
			// Often enough that a new ticket shows within a breath, rarely
			// enough that a desk of open pages is no load.
			QueuePollSeconds: 15,
		},
		Database: Database{DSN: "sqlite:data/slatrack.db", BusyTimeout: "5s"},
		Calendar: Calendar{
			Timezone: "America/New_York",
			Open:     "09:00",
			Close:    "17:00",
			Workdays: []string{"Mon", "Tue", "Wed", "Thu", "Fri"},
			Holidays: clock.HolidaysUSFederal,
			Closures: []string{},
		},
		SLA:     SLA{AtRisk: "1h", Classes: defaultClasses()},
		Tickets: Tickets{RefPrefix: "SR"},
		Mail: Mail{
			SMTPAddr:           "127.0.0.1:2525",
			Addresses:          []string{"support@slatrack.local"},
			FromName:           "Support desk",
			MaxMessageMB:       25,
			MaxAttachmentMB:    10,
			MaxRecipients:      50,
			ReopenDays:         14,
			AckLimit:           10,
			AckWindow:          "3h",
			AckLimitNewSenders: 100,
			SendInterval:       "5s",
			AuthservIDs:        []string{},
			Relay:              Relay{Port: 587, TLS: "starttls"},
			IMAP:               IMAP{TLS: "tls", Folder: "INBOX", Interval: "1m"},

			SMTPMaxSessions:        200,
			SMTPMaxSessionsPerIP:   64,
			SMTPTransactionTimeout: "5m",
			SMTPSessionTimeout:     "30m",
			SMTPMaxInflightMB:      100,
			SMTPSenderLimit:        60,
			SMTPClientLimit:        0,
			SMTPRateWindow:         "1h",
		},
		Notify:  Notify{Staff: []string{}, Interval: "1m", Digest: true},
		Metrics: Metrics{Access: "loopback"},
		Reports: Reports{ForecastHours: report.DefaultForecastHours},
	}
}

// Load builds the configuration: defaults, then the file at path (when path
// is empty the default path is tried and may be missing), then the
// environment. The result is validated.
func Load(path string, environ []string) (Config, error) {
	cfg := Default()
	explicit := path != ""
	if !explicit {
		path = DefaultPath
	}
	data, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := cfg.overlayTOML(path, data); err != nil {
			return Config{}, err
		}
	case explicit || !errors.Is(err, os.ErrNotExist):
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if err := cfg.overlayEnv(environ); err != nil {
		return Config{}, err
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

func (c *Config) overlayTOML(path string, data []byte) error {
	// Arrays in the file replace the defaults rather than merging with them.
	// The decoder would decode an array of tables into the default
	// elements, so a class the file gives without a key would keep the
	// default class's value at its position: start from none.
	builtIn := c.SLA.Classes
	c.SLA.Classes = nil
	md, err := toml.Decode(string(data), c)
	if !md.IsDefined("sla", "classes") {
		c.SLA.Classes = builtIn
	}
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return fmt.Errorf("config: %s: %s", path, perr.Error())
		}
		return fmt.Errorf("config: %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		for _, k := range keys {
			if why, ok := movedKeys[k]; ok {
				return fmt.Errorf("config: %s: unknown key %s: %s (see config/slatrack.toml)", path, k, why)
			}
		}
		return fmt.Errorf("config: %s: unknown key %s (see config/slatrack.toml for the valid keys)", path, strings.Join(keys, ", "))
	}
	return nil
}

// Validate checks every value and fills the derived settings. Each error
// names the key it is about.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key string, err error) { errs = append(errs, fmt.Errorf("config: %s: %v", key, err)) }

	opts := clock.Options{Holidays: c.Calendar.Holidays}
	loc, err := time.LoadLocation(c.Calendar.Timezone)
	if err != nil || c.Calendar.Timezone == "" {
		bad("calendar.timezone", fmt.Errorf("%q is not a known time zone (want an IANA name, e.g. \"America/New_York\")", c.Calendar.Timezone))
	}
	opts.Location = loc
	if opts.Open, err = clock.ParseTimeOfDay(c.Calendar.Open); err != nil {
		bad("calendar.open", err)
	}
	if opts.Close, err = clock.ParseTimeOfDay(c.Calendar.Close); err != nil {
		bad("calendar.close", err)
	}
	if err == nil && opts.Close <= opts.Open {
		bad("calendar.close", fmt.Errorf("%q must be later than calendar.open %q", c.Calendar.Close, c.Calendar.Open))
	}
	if len(c.Calendar.Workdays) == 0 {
		bad("calendar.workdays", errors.New("at least one workday is needed"))
	}
	for _, w := range c.Calendar.Workdays {
		d, err := clock.ParseWeekday(w)
		if err != nil {
			bad("calendar.workdays", err)
			continue
		}
		opts.Workdays[d] = true
	}
	if h := c.Calendar.Holidays; h != clock.HolidaysUSFederal && h != clock.HolidaysNone {
		bad("calendar.holidays", fmt.Errorf("%q is not a holiday set (want \"us-federal\" or \"none\")", h))
	}
	for _, s := range c.Calendar.Closures {
		date, name, _ := strings.Cut(s, ":")
		cl, err := clock.ParseDate(date)
		if err != nil {
			bad("calendar.closures", fmt.Errorf("%v; an optional name may follow a colon: \"2025-12-24: Christmas Eve\"", err))
			continue
		}
		cl.Name = strings.TrimSpace(name)
		opts.Closures = append(opts.Closures, cl)
	}
	if err := clock.CheckClosures(opts.Closures); err != nil {
		bad("calendar.closures", err)
	}
	calendarOK := len(errs) == 0 // the target bounds need valid hours and workdays
	c.clockOpts = opts

	var businessDay time.Duration
	if opts.Close > opts.Open {
		businessDay = opts.Close - opts.Open
	}
	if err := c.validateSLA(businessDay, opts, calendarOK, bad); err != nil {
		errs = append(errs, err)
	}

	if c.Server.Addr == "" {
		bad("server.addr", errors.New("must not be empty (e.g. \"127.0.0.1:8080\")"))
	}
	if !strings.HasPrefix(c.Server.BaseURL, "http://") && !strings.HasPrefix(c.Server.BaseURL, "https://") {
		bad("server.base_url", fmt.Errorf("%q must start with http:// or https://", c.Server.BaseURL))
	}
	c.Server.BaseURL = strings.TrimRight(c.Server.BaseURL, "/")
	positive := func(key string, v int) {
		if v <= 0 {
			bad(key, fmt.Errorf("%d must be a positive number", v))
		}
	}
	positive("server.intake_per_hour", c.Server.IntakePerHour)
	// Upper bounds keep every size and lifetime computed from these far
	// from overflowing (a huge max_body_kb wrapped negative: every POST 413).
	within("server.session_hours", c.Server.SessionHours, 1, maxSessionHours, bad)
	within("server.max_body_kb", c.Server.MaxBodyKB, 1, maxBodyKB, bad)
	within("reports.forecast_hours", c.Reports.ForecastHours, 0, report.MaxForecastHours, bad)
	within("server.queue_poll_seconds", c.Server.QueuePollSeconds, 2, 3600, bad)
	if !strings.HasPrefix(c.Database.DSN, "sqlite:") && !strings.HasPrefix(c.Database.DSN, "postgres://") && !strings.HasPrefix(c.Database.DSN, "postgresql://") {
		// The value is not repeated: it may hold a password.
		bad("database.dsn", errors.New(`must start with "sqlite:" or "postgres://"`))
	}
	if d, err := time.ParseDuration(c.Database.BusyTimeout); err != nil || d < 10*time.Millisecond || d > time.Minute {
		bad("database.busy_timeout", fmt.Errorf("%q must be a duration between 10ms and 1m, like \"5s\"", c.Database.BusyTimeout))
	} else {
		c.busyTimeout = d
	}
	if c.Database.MaxConnections < 0 || c.Database.MaxConnections > 1000 {
		bad("database.max_connections", fmt.Errorf("%d must be between 1 and 1000 (or 0 for the engine's default)", c.Database.MaxConnections))
	}
	if p := c.Tickets.RefPrefix; p == "" || strings.ContainsAny(p, " -[]") {
		bad("tickets.ref_prefix", fmt.Errorf("%q must be non-empty letters (e.g. \"SR\")", p))
	}
	c.validateMail(bad)
	return errors.Join(errs...)
}

func (c *Config) validateMail(bad func(string, error)) {
	m := &c.Mail
	if len(m.Addresses) == 0 {
		bad("mail.addresses", errors.New("at least one address is needed (e.g. [\"support@agency.gov\"])"))
	}
	for i, a := range m.Addresses {
		a = strings.ToLower(strings.TrimSpace(a))
		if at := strings.LastIndexByte(a, '@'); at <= 0 || at == len(a)-1 || strings.ContainsAny(a, " <>,") {
			bad("mail.addresses", fmt.Errorf("%q is not a bare address like support@agency.gov", a))
		}
		m.Addresses[i] = a
	}
	if m.Domain == "" && len(m.Addresses) > 0 {
		m.Domain = m.Addresses[0][strings.LastIndexByte(m.Addresses[0], '@')+1:]
	}
	for key, v := range map[string]int{"mail.max_message_mb": m.MaxMessageMB, "mail.max_attachment_mb": m.MaxAttachmentMB,
		"mail.max_recipients": m.MaxRecipients, "mail.reopen_days": m.ReopenDays, "mail.ack_limit": m.AckLimit} {
		if v <= 0 {
			bad(key, fmt.Errorf("%d must be a positive number", v))
		}
	}
	if m.AckLimitNewSenders < 0 {
		bad("mail.ack_limit_new_senders", fmt.Errorf("%d must be 0 (no cap) or a positive number", m.AckLimitNewSenders))
	}
	for _, l := range []struct {
		key     string
		v, most int
	}{{"mail.max_message_mb", m.MaxMessageMB, maxMessageMB}, {"mail.max_attachment_mb", m.MaxAttachmentMB, maxMessageMB}, {"mail.reopen_days", m.ReopenDays, maxReopenDays}} {
		if l.v > l.most { // ≤ 0 is refused above
			bad(l.key, fmt.Errorf("%d must be at most %d", l.v, l.most))
		}
	}
	dur := func(key, s string, least time.Duration) time.Duration {
		d, err := time.ParseDuration(s)
		switch {
		case err != nil || d <= 0:
			bad(key, fmt.Errorf("%q is not a duration like \"30s\", \"5m\" or \"3h\"", s))
		case d < least:
			bad(key, fmt.Errorf("%q is shorter than the least allowed, %s", s, least))
		}
		return d
	}
	c.mailDur.AckWindow = dur("mail.ack_window", m.AckWindow, 0)
	// The loops that wake up every interval: a nanosecond kept a core busy.
	c.mailDur.SendInterval = dur("mail.send_interval", m.SendInterval, minInterval)
	c.mailDur.IMAPInterval = dur("mail.imap.interval", m.IMAP.Interval, minInterval)
	c.mailDur.NotifyInterval = dur("notify.interval", c.Notify.Interval, minInterval)
	if u := c.Notify.WebhookURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		bad("notify.webhook_url", fmt.Errorf("%q must be an http:// or https:// URL", u))
	}
	for i, a := range c.Notify.Staff {
		c.Notify.Staff[i] = strings.ToLower(strings.TrimSpace(a))
		if !strings.Contains(a, "@") {
			bad("notify.staff", fmt.Errorf("%q is not an email address", a))
		}
	}
	switch c.Metrics.Access {
	case "loopback", "open":
	case "token":
		if len(c.Metrics.Token) < 16 {
			bad("metrics.token", errors.New("must be at least 16 characters when metrics.access = \"token\""))
		}
	default:
		bad("metrics.access", fmt.Errorf("%q must be one of loopback, token, open", c.Metrics.Access))
	}
	oneOf := func(key, v string, ok ...string) {
		for _, o := range ok {
			if v == o {
				return
			}
		}
		bad(key, fmt.Errorf("%q must be one of %s", v, strings.Join(ok, ", ")))
	}
	oneOf("mail.relay.tls", m.Relay.TLS, "starttls", "tls", "none")
	oneOf("mail.imap.tls", m.IMAP.TLS, "tls", "starttls", "none")
	if m.Relay.Host != "" && (m.Relay.Port <= 0 || m.Relay.Port > 65535) {
		bad("mail.relay.port", fmt.Errorf("%d is not a port", m.Relay.Port))
	}
	c.relayCAs = nil
	if m.Relay.CAFile != "" {
		var err error
		if c.relayCAs, err = loadCAFile(m.Relay.CAFile); err != nil {
			bad("mail.relay.ca_file", err)
		}
	}
	if m.IMAP.Addr != "" && m.IMAP.User == "" {
		bad("mail.imap.user", errors.New("is needed when mail.imap.addr is set"))
	}
	if m.IMAP.IncludeSeen && m.IMAP.DoneFolder == "" {
		bad("mail.imap.include_seen", errors.New("needs mail.imap.done_folder: without it, mail already read would be fetched again at every poll"))
	}
	if s := m.InboundSecret; s != "" && len(s) < 16 {
		bad("mail.inbound_secret", fmt.Errorf("is %d characters; use at least 16 (a random string, e.g. from `openssl rand -hex 16`), or \"\" to allow API tokens only", len(s)))
	}
	for i, id := range m.AuthservIDs {
		id = strings.ToLower(strings.TrimSpace(id))
		if id == "" || strings.ContainsAny(id, " \t;()\"") {
			bad("mail.trusted_authserv_ids", fmt.Errorf("%q is not an authserv-id (the first word of the MTA's Authentication-Results, e.g. \"mx.agency.gov\")", m.AuthservIDs[i]))
		}
		m.AuthservIDs[i] = id
	}
	c.validateSMTPLimits(bad, func(key, s string) time.Duration { return dur(key, s, minInterval) })
}

// validateSMTPLimits checks the SMTP listener's limits: each must let
// real mail through, none may be off.
func (c *Config) validateSMTPLimits(bad func(string, error), dur func(string, string) time.Duration) {
	m := &c.Mail
	if m.SMTPMaxSessions <= 0 {
		bad("mail.smtp_max_sessions", fmt.Errorf("%d must be a positive number", m.SMTPMaxSessions))
	}
	if m.SMTPMaxSessionsPerIP <= 0 || m.SMTPMaxSessionsPerIP > m.SMTPMaxSessions {
		bad("mail.smtp_max_sessions_per_ip", fmt.Errorf("%d must be a positive number, at most mail.smtp_max_sessions (%d)", m.SMTPMaxSessionsPerIP, m.SMTPMaxSessions))
	}
	atLeast := func(key, s string, min time.Duration) time.Duration {
		d := dur(key, s)
		if d > 0 && d < min {
			bad(key, fmt.Errorf("%q is too short: at least %s", s, min))
		}
		return d
	}
	c.mailDur.SMTPTransactionTimeout = atLeast("mail.smtp_transaction_timeout", m.SMTPTransactionTimeout, 10*time.Second)
	c.mailDur.SMTPSessionTimeout = atLeast("mail.smtp_session_timeout", m.SMTPSessionTimeout, 10*time.Second)
	if t, s := c.mailDur.SMTPTransactionTimeout, c.mailDur.SMTPSessionTimeout; t > 0 && s > 0 && s < t {
		bad("mail.smtp_session_timeout", fmt.Errorf("%q must be at least mail.smtp_transaction_timeout (%q)", m.SMTPSessionTimeout, m.SMTPTransactionTimeout))
	}
	// Each message in flight is held twice (read, then assembled).
	if min := 2 * m.MaxMessageMB; m.SMTPMaxInflightMB < min || m.SMTPMaxInflightMB > 1<<20 {
		bad("mail.smtp_max_inflight_mb", fmt.Errorf("%d must be at least twice mail.max_message_mb (%d) and at most %d", m.SMTPMaxInflightMB, min, 1<<20))
	}
	if m.SMTPSenderLimit <= 0 {
		bad("mail.smtp_sender_limit", fmt.Errorf("%d must be a positive number", m.SMTPSenderLimit))
	}
	if m.SMTPClientLimit < 0 {
		bad("mail.smtp_client_limit", fmt.Errorf("%d must be 0 (no limit) or a positive number", m.SMTPClientLimit))
	}
	c.mailDur.SMTPRateWindow = atLeast("mail.smtp_rate_window", m.SMTPRateWindow, time.Second)
}

// loadCAFile reads a PEM bundle of CA certificates.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("%s holds no PEM certificate (want -----BEGIN CERTIFICATE----- blocks)", path)
	}
	return pool, nil
}

// RelayRootCAs are the CAs of mail.relay.ca_file, parsed; nil means the
// system's roots.
func (c Config) RelayRootCAs() *x509.CertPool { return c.relayCAs }

// Limits on values that are accepted by their type but would break things:
// sizes and lifetimes that overflow when turned into bytes or durations, and
// intervals so short that their loop never sleeps.
const (
	maxBodyKB       = 10240 // 10 MB: forms and JSON bodies
	maxSessionHours = 8760  // a year
	maxMessageMB    = 1024  // mail.max_message_mb and mail.max_attachment_mb
	maxReopenDays   = 3650  // ten years
	minInterval     = 100 * time.Millisecond
)

// within reports key unless lo ≤ v ≤ hi.
func within(key string, v, lo, hi int, bad func(string, error)) {
	if v < lo || v > hi {
		bad(key, fmt.Errorf("%d must be between %d and %d", v, lo, hi))
	}
}

// MailDurations are [mail]'s durations, parsed.
func (c Config) MailDurations() MailDurations { return c.mailDur }

// ClockOptions are the calendar settings, parsed.
func (c Config) ClockOptions() clock.Options { return c.clockOpts }
