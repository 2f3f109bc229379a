package main

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
)

func tokenCommand() command {
	return command{
		name:    "token",
		summary: "create an API token for a staff account",
		usage:   "create --email E [--name LABEL]",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			email := fs.String("email", "", "the staff account's email `address`")
			name := fs.String("name", "cli", "a `label` to recognise the token by")
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) != 1 || args[0] != "create" {
					return usagef("want: token create --email E")
				}
				if *email == "" {
					return usagef("token create needs --email")
				}
				a, err := openApp(e.ctx, cfg, slog.New(slog.NewTextHandler(e.stderr, nil)))
				if err != nil {
					return err
				}
				defer a.store.Close()
				tok, _, err := a.svc.CreateToken(e.ctx, *email, *name)
				if err != nil {
					return fmt.Errorf("%s", desk.ErrorMessage(err))
				}
				fmt.Fprintln(e.stdout, tok)
				return nil
			}
		},
	}
}
