package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/mail"
	"github.com/slatrack/slatrack/internal/store"
)

// app is the assembled desk: the store, migrated, and the service on top.
type app struct {
	store *store.Store
	svc   *desk.Service
}

// openApp opens and migrates the database and builds the service. The
// caller closes app.store.
func openApp(ctx context.Context, cfg *config.Config, log *slog.Logger) (*app, error) {
	policy, err := buildPolicy(cfg)
	if err != nil {
		return nil, err
	}
	cl, err := cfg.Classifier()
	if err != nil {
		return nil, err
	}
	// A migration still running after two seconds (one that rebuilds an
	// index on a large desk) is announced, so a long start is not silent.
	var slow *time.Timer
	migrating := func(name string) {
		if slow != nil {
			slow.Stop()
		}
		slow = time.AfterFunc(2*time.Second, func() {
			log.Info("applying migration; on a large desk this one takes minutes", "name", name)
		})
	}
	st, err := store.OpenWith(ctx, cfg.Database.DSN, store.Options{MaxConns: cfg.Database.MaxConnections, BusyTimeout: cfg.BusyTimeout(), Migrating: migrating})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	applied, err := st.Migrate(ctx)
	if slow != nil {
		slow.Stop()
	}
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	for _, m := range applied {
		log.Info("applied migration", "name", m)
	}
	a := &app{store: st, svc: desk.NewService(st, desk.Config{Policy: policy, Classifier: cl, RefPrefix: cfg.Tickets.RefPrefix})}
	idSecret, err := st.Setting(ctx, "mail_id_secret", func() (string, error) { return desk.RandomToken(), nil })
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("load mail signing secret: %w", err)
	}
	m := cfg.Mail
	a.svc.Mail = &desk.MailSettings{
		From:               mail.Address{Name: m.FromName, Email: m.Addresses[0]},
		Addresses:          m.Addresses,
		Signer:             mail.IDSigner{Secret: []byte(idSecret), Domain: m.Domain},
		Limits:             mailLimits(cfg),
		ReopenAfter:        time.Duration(m.ReopenDays) * 24 * time.Hour,
		AckLimit:           m.AckLimit,
		AckWindow:          cfg.MailDurations().AckWindow,
		NewSenderAckLimit:  m.AckLimitNewSenders,
		TrustedAuthservIDs: m.AuthservIDs,
	}
	return a, nil
}

// mailLimits are the parser's limits from [mail].
func mailLimits(cfg *config.Config) mail.Limits {
	l := mail.DefaultLimits()
	l.MaxMessageBytes = cfg.Mail.MaxMessageMB << 20
	l.MaxAttachmentBytes = cfg.Mail.MaxAttachmentMB << 20
	return l
}

// secret is the instance-shared key for signing cookies and tokens.
func (a *app) secret(ctx context.Context) ([]byte, error) {
	v, err := a.store.Setting(ctx, "web_secret", func() (string, error) { return desk.RandomToken(), nil })
	if err != nil {
		return nil, err
	}
	return base64.RawURLEncoding.DecodeString(v)
}
