package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/web"
)

func serveCommand() command {
	return command{
		name:    "serve",
		summary: "run the web server (intake form, staff queue, JSON API)",
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
	ws, err := web.New(web.Options{
		Service: a.svc, Server: cfg.Server, Logger: log, Secret: secret,
		Ready: func(r *http.Request) error { return a.store.Ping(r.Context()) },
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
	go sweepSessions(ctx, a.svc, log)
	log.Info("slatrack serving", "addr", ln.Addr().String(), "url", cfg.Server.BaseURL, "database", redactDSN(cfg.Database.DSN))
	fmt.Fprintf(e.stdout, "slatrack is serving on http://%s (staff login: %s/login)\n", ln.Addr(), cfg.Server.BaseURL)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// bootstrapAdmin creates the first admin on a desk with no users, with the
// password from SLATRACK_ADMIN_PASSWORD or a random one printed once.
func bootstrapAdmin(ctx context.Context, svc *desk.Service, e *env) error {
	n, err := svc.Store.CountUsers(ctx)
	if err != nil || n > 0 {
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
		if desk.ErrorCode(err) == desk.Conflict {
			return nil // another instance made it first
		}
		return fmt.Errorf("create the first admin: %s", desk.ErrorMessage(err))
	}
	fmt.Fprintf(e.stdout, "\nNo staff accounts existed, so an admin was created:\n  email:    %s\n", u.Email)
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
			if n, err := svc.Store.DeleteExpiredSessions(ctx, time.Now()); err != nil {
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

// redactDSN hides a password in a PostgreSQL URL for logs.
func redactDSN(dsn string) string {
	if i := strings.Index(dsn, "://"); i >= 0 {
		if j := strings.Index(dsn[i+3:], "@"); j >= 0 {
			cred := dsn[i+3 : i+3+j]
			if k := strings.Index(cred, ":"); k >= 0 {
				return dsn[:i+3] + cred[:k] + ":***" + dsn[i+3+j:]
			}
		}
	}
	return dsn
}
