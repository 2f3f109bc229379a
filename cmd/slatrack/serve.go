package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/imappoll"
	"github.com/slatrack/slatrack/internal/metrics"
	"github.com/slatrack/slatrack/internal/notify"
	"github.com/slatrack/slatrack/internal/outbox"
	"github.com/slatrack/slatrack/internal/smtpd"
	"github.com/slatrack/slatrack/internal/store"
	"github.com/slatrack/slatrack/internal/web"
)

func serveCommand() command {
	return command{
		name:    "serve",
		summary: "run the desk: web (intake form, staff queue, JSON API), SMTP, outbox, IMAP",
		usage:   "",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			addr := fs.String("addr", "", "listen `address` (default: server.addr from config)")
			verbose := fs.Bool("v", false, "log every request")
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				if *addr != "" {
					cfg.Server.Addr = *addr
				}
				level := slog.LevelInfo
				if *verbose {
					level = slog.LevelDebug
				}
				log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
				return serve(e, cfg, log)
			}
		},
	}
}

func serve(e *env, cfg *config.Config, log *slog.Logger) error {
	ctx := e.ctx
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.store.Close()
	if err := bootstrapAdmin(ctx, a.svc, e); err != nil {
		return err
	}
	secret, err := a.secret(ctx)
	if err != nil {
		return fmt.Errorf("load signing secret: %w", err)
	}
	m := metrics.New(a.store, a.svc.Policy, time.Now, log)
	// The outbox sender, with a sender per delivery channel (mail only
	// when a relay is configured); the pages say what it does not send.
	sender := outbox.NewSender(a.store, relayConfig(cfg), log)
	ws, err := web.New(web.Options{
		Metrics: m, MetricsAccess: web.MetricsAccess{Mode: cfg.Metrics.Access, Token: cfg.Metrics.Token},
		Reports: a.store, ReportDefaults: cfg.Reports, Health: a.store, Sends: sender.Sends,
		Service: a.svc, Server: cfg.Server, Logger: log, Secret: secret,
		Ready: func(r *http.Request) error { return a.store.Ready(r.Context()) },
		Mail:  web.MailOptions{InboundSecret: cfg.Mail.InboundSecret, MaxMessageBytes: int64(cfg.Mail.MaxMessageMB) << 20},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Server.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (server.addr): %w", cfg.Server.Addr, err)
	}
	srv := &http.Server{
		Handler:           ws.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	// Background work stops when workCtx ends: after the listeners have
	// drained, so mail accepted during shutdown is still stored.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	var bg sync.WaitGroup
	background := func(name string, fn func(context.Context) error) {
		bg.Add(1)
		go func() {
			defer bg.Done()
			if err := fn(workCtx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error(name+" stopped", "err", err)
			}
		}()
	}
	background("session sweeper", func(ctx context.Context) error { sweepSessions(ctx, a.svc, log); return nil })
	background("outbox sender", func(ctx context.Context) error { return sender.Run(ctx, cfg.MailDurations().SendInterval) })
	warnings := &notify.Scheduler{Store: a.store, Policy: a.svc.Policy, Mail: a.svc.Mail, BaseURL: cfg.Server.BaseURL, Log: log,
		Config: notify.Config{WebhookURL: cfg.Notify.WebhookURL, AvailabilityAfterHours: cfg.Notify.AvailabilityAfterHours,
			Staff: cfg.Notify.Staff, Digest: cfg.Notify.Digest}}
	background("warning scheduler", func(ctx context.Context) error { return warnings.Run(ctx, cfg.MailDurations().NotifyInterval) })
	if cfg.Mail.IMAP.Addr != "" {
		if err := imapConfig(cfg).Validate(); err != nil {
			return fmt.Errorf("config: mail.imap: %w", err)
		}
		poller := imappoll.New(imapConfig(cfg), func(ctx context.Context, raw []byte) error {
			_, err := a.svc.IngestMail(ctx, raw, "imap")
			return err
		}, log)
		defer poller.Close()
		background("imap poller", poller.Run)
	}

	errc := make(chan error, 2)
	var smtpSrv *smtpd.Server
	if cfg.Mail.SMTPAddr != "" {
		smtpSrv = smtpd.New(smtpdConfig(cfg), func(ctx context.Context, raw []byte, env smtpd.Envelope) error {
			res, err := a.svc.IngestMail(ctx, raw, "smtp")
			if err == nil && res.Action == desk.ActionIgnored {
				log.Info("inbound mail not acted on", "from", env.From, "reason", res.Reason)
			}
			return err
		}, log)
		sl, err := net.Listen("tcp", cfg.Mail.SMTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s (mail.smtp_addr): %w", cfg.Mail.SMTPAddr, err)
		}
		go func() { errc <- smtpSrv.Serve(sl) }()
		log.Info("smtp listening", "addr", sl.Addr().String(), "addresses", strings.Join(cfg.Mail.Addresses, ","))
	}
	log.Info("slatrack serving", "addr", ln.Addr().String(), "url", cfg.Server.BaseURL, "database", store.RedactDSN(cfg.Database.DSN))
	fmt.Fprintln(e.stdout, servingLine(ln.Addr(), cfg.Server.BaseURL))
	go func() { errc <- srv.Serve(ln) }()
	var runErr error
	select {
	case runErr = <-errc:
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing HTTP requests and SMTP deliveries in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && runErr == nil {
		runErr = fmt.Errorf("shutdown http: %w", err)
	}
	if smtpSrv != nil {
		if err := smtpSrv.Shutdown(sctx); err != nil && runErr == nil {
			runErr = fmt.Errorf("shutdown smtp: %w", err)
		}
	}
	stopWork()
	bg.Wait()
	if runErr != nil && !errors.Is(runErr, http.ErrServerClosed) && !errors.Is(runErr, smtpd.ErrServerClosed) {
		return runErr
	}
	return nil
}

// smtpdConfig is [mail] for the SMTP listener.
func smtpdConfig(cfg *config.Config) smtpd.Config {
	m, d := cfg.Mail, cfg.MailDurations()
	return smtpd.Config{
		Addr: m.SMTPAddr, Domain: m.Domain, Addresses: m.Addresses,
		MaxMessageBytes: int64(m.MaxMessageMB) << 20, MaxRecipients: m.MaxRecipients,
		MaxSessions: m.SMTPMaxSessions, MaxSessionsPerIP: m.SMTPMaxSessionsPerIP,
		TransactionTimeout: d.SMTPTransactionTimeout, SessionTimeout: d.SMTPSessionTimeout,
		MaxInflightBytes: int64(m.SMTPMaxInflightMB) << 20,
		SenderLimit:      m.SMTPSenderLimit, ClientLimit: m.SMTPClientLimit, RateWindow: d.SMTPRateWindow,
	}
}

// relayConfig is [mail.relay] for the outbox sender.
func relayConfig(cfg *config.Config) outbox.RelayConfig {
	r := cfg.Mail.Relay
	return outbox.RelayConfig{Host: r.Host, Port: r.Port, TLS: r.TLS, Username: r.Username, Password: r.Password, HeloName: cfg.Mail.Domain,
		RootCAs: cfg.RelayRootCAs()}
}

// imapConfig is [mail.imap] for the poller.
func imapConfig(cfg *config.Config) imappoll.Config {
	m := cfg.Mail.IMAP
	return imappoll.Config{Addr: m.Addr, TLS: m.TLS, User: m.User, Password: m.Password, Folder: m.Folder,
		DoneFolder: m.DoneFolder, IncludeSeen: m.IncludeSeen, CAFile: m.CAFile,
		Interval: cfg.MailDurations().IMAPInterval, MaxBytes: cfg.Mail.MaxMessageMB << 20}
}

// servingLine is the start-up line: the address actually listening (an
// unspecified host, as in ":8080", is reached as localhost), and base_url
// when links point elsewhere (a proxy's public address, or a mistake).
func servingLine(addr net.Addr, baseURL string) string {
	at, everywhere := listenURL(addr)
	note := "staff login: " + at + "/login"
	if everywhere {
		note = "every interface; " + note
	}
	line := "slatrack is serving on " + at + " (" + note + ")"
	if !sameOrigin(at, baseURL) {
		line += "\nlinks in pages and mail use server.base_url " + baseURL
	}
	return line
}

// listenURL is addr as an http:// URL for people; everywhere reports that
// it listens on every interface.
func listenURL(addr net.Addr) (at string, everywhere bool) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String(), false
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host, everywhere = "localhost", true
	}
	return "http://" + net.JoinHostPort(host, port), everywhere
}

// sameOrigin reports whether base reaches the listener at listen: the same
// scheme and port, and the same host or both loopback.
func sameOrigin(listen, base string) bool {
	l, err1 := url.Parse(listen)
	b, err2 := url.Parse(strings.TrimRight(base, "/"))
	if err1 != nil || err2 != nil || l.Scheme != b.Scheme || l.Port() != b.Port() || b.Path != "" {
		return false
	}
	return strings.EqualFold(l.Hostname(), b.Hostname()) || (isLoopbackHost(l.Hostname()) && isLoopbackHost(b.Hostname()))
}

func isLoopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// bootstrapAdmin makes sure the desk has a way in that the output tells:
// when no active admin account exists (a new desk, or one `slatrack seed`
// filled with staff only) it creates one, with the password from
// SLATRACK_ADMIN_PASSWORD or a random one printed once; when that address
// is already an account that is not an active admin, it says how to add
// one instead.
func bootstrapAdmin(ctx context.Context, svc *desk.Service, e *env) error {
	users, err := svc.Staff(ctx)
	if err != nil || desk.AnyActiveAdmin(users) {
		return err
	}
	email, password := getenv(e.environ, "SLATRACK_ADMIN_EMAIL"), getenv(e.environ, "SLATRACK_ADMIN_PASSWORD")
	if email == "" {
		email = "admin@slatrack.local"
	}
	generated := password == ""
	if generated {
		password = desk.RandomToken()[:20]
	}
	u, err := svc.CreateUser(ctx, desk.NewUser{Email: email, Name: "Administrator", Role: desk.RoleAdmin, Password: password})
	if err != nil {
		if desk.ErrorCode(err) != desk.Conflict {
			return fmt.Errorf("create the first admin: %s", desk.ErrorMessage(err))
		}
		if now, err := svc.Staff(ctx); err != nil || desk.AnyActiveAdmin(now) {
			return err // another instance made it first
		}
		fmt.Fprintf(e.stdout, "\nNo active admin account exists, and %s is already an account that is not one.\n"+
			"Add an admin with:\n  slatrack user add --email YOU@EXAMPLE.ORG --name \"Your Name\" --role admin   (password on standard input)\n"+
			"or set SLATRACK_ADMIN_EMAIL to a new address and start serve again.\n\n", email)
		return nil
	}
	what := "No staff accounts existed"
	if len(users) > 0 {
		what = "No active admin account existed"
	}
	fmt.Fprintf(e.stdout, "\n%s, so an admin was created:\n  email:    %s\n", what, u.Email)
	if generated {
		fmt.Fprintf(e.stdout, "  password: %s   (shown only this once; set SLATRACK_ADMIN_PASSWORD to choose it)\n\n", password)
	} else {
		fmt.Fprintf(e.stdout, "  password: from SLATRACK_ADMIN_PASSWORD\n\n")
	}
	return nil
}

func sweepSessions(ctx context.Context, svc *desk.Service, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := svc.SweepSessions(ctx, time.Now()); err != nil {
				log.Warn("sweep sessions", "err", err)
			} else if n > 0 {
				log.Info("swept expired sessions", "count", n)
			}
		}
	}
}

func getenv(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
