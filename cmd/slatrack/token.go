package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
)

func tokenCommand() command {
	return command{
		name:    "token",
		summary: "manage API tokens: create, list, revoke",
		usage: "create --email E [--name LABEL] [--expires 90d]   (prints the token, once)\n" +
			"       slatrack token list\n" +
			"       slatrack token revoke ID\n" +
			"       slatrack token revoke --email E --name LABEL",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			email := fs.String("email", "", "the staff account's email `address`")
			name := fs.String("name", "cli", "a `label` to recognise the token by")
			expires := fs.String("expires", "", "how long the token works: `DAYS`d (90d) or a duration (12h); default: until revoked")
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) == 0 {
					return usagef("want one of: create, list, revoke")
				}
				named := false
				fs.Visit(func(f *flag.Flag) { named = named || f.Name == "name" })
				var run func(a *app) error
				switch verb, rest := args[0], args[1:]; {
				case verb == "create" && len(rest) == 0:
					if *email == "" {
						return usagef("token create needs --email")
					}
					ttl, err := parseExpiry(*expires)
					if err != nil {
						return err
					}
					run = func(a *app) error {
						tok, _, err := a.svc.CreateToken(e.ctx, desk.NewToken{Email: *email, Name: *name, ExpiresIn: ttl})
						if err != nil {
							return fmt.Errorf("%s", desk.ErrorMessage(err))
						}
						fmt.Fprintln(e.stdout, tok)
						return nil
					}
				case verb == "list" && len(rest) == 0:
					run = func(a *app) error { return listTokens(e, a) }
				case verb == "revoke" && len(rest) == 1 && *email == "":
					id, err := strconv.ParseUint(rest[0], 10, 64)
					if err != nil {
						return usagef("token revoke wants a token ID from `slatrack token list`, not %q", rest[0])
					}
					run = func(a *app) error {
						t, err := a.svc.RevokeToken(e.ctx, id)
						return printRevoked(e.stdout, t, err)
					}
				case verb == "revoke" && len(rest) == 0:
					if *email == "" || !named {
						return usagef("token revoke needs an ID, or --email and --name")
					}
					run = func(a *app) error {
						t, err := a.svc.RevokeNamedToken(e.ctx, *email, *name)
						return printRevoked(e.stdout, t, err)
					}
				case verb == "create" || verb == "list" || verb == "revoke":
					return usagef("token %s: unexpected argument %q", verb, strings.Join(rest, " "))
				default:
					return usagef("unknown verb %q (want create, list or revoke)", verb)
				}
				a, err := openApp(e.ctx, cfg, slog.New(slog.NewTextHandler(e.stderr, nil)))
				if err != nil {
					return err
				}
				defer a.store.Close()
				return run(a)
			}
		},
	}
}

// parseExpiry reads --expires: "" (never), "90d" (days) or a Go duration.
func parseExpiry(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	bad := usagef("--expires %q: want a number of days (90d) or a duration (12h)", s)
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil {
			return 0, bad
		}
		if n > math.MaxInt64/int64(24*time.Hour) {
			n = math.MaxInt64 / int64(24*time.Hour) // far beyond the limit, which the service names
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, bad
		}
	}
	if d <= 0 {
		return 0, usagef("--expires %q: the expiry must be in the future", s)
	}
	return d, nil
}

// listTokens prints every token as a table, times in the desk's zone.
func listTokens(e *env, a *app) error {
	tokens, err := a.svc.ListTokens(e.ctx)
	if err != nil {
		return fmt.Errorf("%s", desk.ErrorMessage(err))
	}
	if len(tokens) == 0 {
		fmt.Fprintln(e.stdout, "no API tokens (create one with `slatrack token create --email E`)")
		return nil
	}
	loc := a.svc.Policy.Calendar().Location()
	at := func(t *time.Time, none string) string {
		if t == nil {
			return none
		}
		return t.In(loc).Format("2006-01-02 15:04 MST")
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tOWNER\tCREATED\tLAST USED\tEXPIRES")
	for _, t := range tokens {
		owner := ""
		if t.Owner != nil {
			owner = t.Owner.Email
			if !t.Owner.Active {
				owner += " (deactivated)"
			}
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, owner, at(&t.CreatedAt, ""), at(t.LastUsedAt, "never"), at(t.ExpiresAt, "never"))
	}
	return w.Flush()
}

func printRevoked(w io.Writer, t *desk.Token, err error) error {
	if err != nil {
		return fmt.Errorf("%s", desk.ErrorMessage(err))
	}
	owner := fmt.Sprintf("user #%d", t.UserID)
	if t.Owner != nil {
		owner = t.Owner.Email
	}
	fmt.Fprintf(w, "revoked token %d %q of %s\n", t.ID, t.Name, owner)
	return nil
}
