package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"text/tabwriter"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/desk"
)

func userCommand() command {
	return command{
		name:    "user",
		summary: "manage staff accounts: add, list, password",
		usage: "add --email E --name N --role staff|admin  (password on standard input)\n" +
			"       slatrack user list\n" +
			"       slatrack user password --email E        (new password on standard input)",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			email := fs.String("email", "", "the account's email `address`")
			name := fs.String("name", "", "the person's `name`")
			role := fs.String("role", desk.RoleStaff, "staff or admin")
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) != 1 {
					return usagef("want one of: add, list, password")
				}
				a, err := openApp(e.ctx, cfg, slog.New(slog.NewTextHandler(e.stderr, nil)))
				if err != nil {
					return err
				}
				defer a.store.Close()
				switch args[0] {
				case "add":
					if *email == "" || *name == "" {
						return usagef("user add needs --email and --name")
					}
					pw, err := readPassword(e.stdin)
					if err != nil {
						return err
					}
					u, err := a.svc.CreateUser(e.ctx, desk.NewUser{Email: *email, Name: *name, Role: *role, Password: pw})
					if err != nil {
						return fmt.Errorf("%s", desk.ErrorMessage(err))
					}
					fmt.Fprintf(e.stdout, "added %s %s (%s)\n", u.Role, u.Email, u.Name)
				case "list":
					users, err := a.store.ListUsers(e.ctx)
					if err != nil {
						return err
					}
					w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
					fmt.Fprintln(w, "EMAIL\tNAME\tROLE\tACTIVE")
					for _, u := range users {
						fmt.Fprintf(w, "%s\t%s\t%s\t%v\n", u.Email, u.Name, u.Role, u.Active)
					}
					return w.Flush()
				case "password":
					if *email == "" {
						return usagef("user password needs --email")
					}
					u, err := a.store.GetUserByEmail(e.ctx, *email)
					if err != nil {
						return fmt.Errorf("%s: %s", *email, desk.ErrorMessage(err))
					}
					pw, err := readPassword(e.stdin)
					if err != nil {
						return err
					}
					if err := a.svc.SetPassword(e.ctx, u, pw); err != nil {
						return fmt.Errorf("%s", desk.ErrorMessage(err))
					}
					fmt.Fprintf(e.stdout, "password changed for %s; their sessions were ended and their API tokens revoked\n", u.Email)
				default:
					return usagef("unknown verb %q (want add, list or password)", args[0])
				}
				return nil
			}
		},
	}
}

// readPassword takes the first line of standard input.
func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", usagef("give the password on standard input, e.g. `printf '%%s\\n' \"$PW\" | slatrack user add ...`")
	}
	return line, nil
}
