package main

import (
	"flag"
	"fmt"
	"log/slog"

	"github.com/slatrack/slatrack/internal/config"
)

func migrateCommand() command {
	return command{
		name:    "migrate",
		summary: "create or upgrade the database schema (serve also does this)",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				log := slog.New(slog.NewTextHandler(e.stderr, nil))
				a, err := openApp(e.ctx, cfg, log)
				if err != nil {
					return err
				}
				defer a.store.Close()
				fmt.Fprintf(e.stdout, "database %s is up to date\n", redactDSN(cfg.Database.DSN))
				return nil
			}
		},
	}
}
