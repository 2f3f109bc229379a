package main

import (
	"flag"
	"fmt"
	"log/slog"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/store"
)

func migrateCommand() command {
	return command{
		name:    "migrate",
		summary: "create or upgrade the database schema, or copy a desk to another database",
		usage: "[--from sqlite:PATH --to postgres://…]\n\n" +
			"Without flags, migrates the configured database (serve also does this).\n" +
			"With --from and --to, migrates both and copies every row of the first into\n" +
			"the second, which must be empty, verifying the row counts table by table.",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			from := fs.String("from", "", "copy from this database `DSN`")
			to := fs.String("to", "", "copy into this (empty) database `DSN`")
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q", args[0])
				}
				log := slog.New(slog.NewTextHandler(e.stderr, nil))
				if *from != "" || *to != "" {
					if *from == "" || *to == "" {
						return usagef("--from and --to go together")
					}
					return copyDesk(e, *from, *to, log)
				}
				a, err := openApp(e.ctx, cfg, log)
				if err != nil {
					return err
				}
				defer a.store.Close()
				fmt.Fprintf(e.stdout, "database %s is up to date\n", store.RedactDSN(cfg.Database.DSN))
				return nil
			}
		},
	}
}

// copyDesk copies one database into another, showing progress per table.
func copyDesk(e *env, from, to string, log *slog.Logger) error {
	open := func(dsn string) (*store.Store, error) {
		s, err := store.Open(e.ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", store.RedactDSN(dsn), err)
		}
		if _, err := s.Migrate(e.ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("migrate %s: %w", store.RedactDSN(dsn), err)
		}
		return s, nil
	}
	src, err := open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := open(to)
	if err != nil {
		return err
	}
	defer dst.Close()
	start := time.Now()
	last := time.Time{}
	var rows int64
	err = src.CopyTo(e.ctx, dst, func(table string, done, total int64) {
		if done == total || time.Since(last) > 250*time.Millisecond {
			pct := 100.0
			if total > 0 {
				pct = float64(done) * 100 / float64(total)
			}
			fmt.Fprintf(e.stderr, "\r%-14s %9d / %-9d %5.1f%%", table, done, total, pct)
			last = time.Now()
		}
		if done == total {
			fmt.Fprintf(e.stderr, "  ✓ verified\n")
			rows += total
		}
	})
	if err != nil {
		fmt.Fprintln(e.stderr)
		return err
	}
	fmt.Fprintf(e.stdout, "copied %d rows from %s to %s in %s; row counts verified\n", rows, store.RedactDSN(from), store.RedactDSN(to), time.Since(start).Round(time.Millisecond))
	return nil
}
