package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
)

// Exit statuses for mail-in, as sendmail/Postfix understand them (sysexits.h).
const (
	exDataErr  = 65 // the data can never be accepted: the MTA bounces it
	exTempFail = 75 // try again later: the MTA keeps the mail queued
)

func mailInCommand() command {
	return command{
		name:    "mail-in",
		summary: "store one message from standard input (for an MTA's pipe or alias)",
		usage: "< message.eml\n\n" +
			"Exit status 0 when stored (as a ticket, on its thread, as a duplicate, or in\n" +
			"quarantine), 75 when the database is unavailable (the MTA retries later),\n" +
			"65 for data that can never be accepted.",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) > 0 {
					return usagef("mail-in reads the message from standard input and takes no arguments")
				}
				limit := int64(2*cfg.Mail.MaxMessageMB) << 20
				raw, err := io.ReadAll(io.LimitReader(e.stdin, limit+1))
				if err != nil {
					return &exitError{code: exTempFail, err: fmt.Errorf("read standard input: %w", err)}
				}
				if int64(len(raw)) > limit {
					return &exitError{code: exDataErr, err: fmt.Errorf("message larger than %d MB: refused", 2*cfg.Mail.MaxMessageMB)}
				}
				if len(raw) == 0 {
					return &exitError{code: exDataErr, err: fmt.Errorf("empty message on standard input")}
				}
				a, err := openApp(e.ctx, cfg, slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
				if err != nil {
					return &exitError{code: exTempFail, err: err}
				}
				defer a.store.Close()
				res, err := a.svc.IngestMail(e.ctx, raw, "pipe")
				if err != nil {
					code := exTempFail
					if c := desk.ErrorCode(err); c == desk.Invalid || c == desk.TooLarge {
						code = exDataErr
					}
					return &exitError{code: code, err: err}
				}
				fmt.Fprintf(e.stdout, "%s %s\n", res.Action, res.Ref)
				return nil
			}
		},
	}
}
