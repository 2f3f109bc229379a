// Command slatrack is a support-ticket SLA tracker: it takes requests by web
// and mail, computes first-response deadlines in business time, and serves
// the staff queue and reports. Run `slatrack help` for the subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/slatrack/slatrack/internal/config"
)

// env is what every subcommand gets: its streams, the environment and a
// context cancelled on SIGINT/SIGTERM.
type env struct {
	ctx     context.Context
	stdin   io.Reader
	stdout  io.Writer
	stderr  io.Writer
	environ []string
}

// command is one subcommand. setup declares its own flags (--config and
// --help are added for every command) and returns the function to run.
type command struct {
	name    string
	summary string
	usage   string // arguments after the command name
	setup   func(fs *flag.FlagSet) func(e *env, cfg *config.Config, args []string) error
	// noConfig commands do not need a valid configuration (help).
	noConfig bool
}

// exitError carries a specific exit status (e.g. 1 for a batch with bad
// lines, 75/65 for mail-in).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// usageError is a mistake in how the command was called (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

func commands() []command {
	cmds := []command{
		serveCommand(),
		migrateCommand(),
		dueCommand(),
		calendarCommand(),
		classifyCommand(),
		userCommand(),
		tokenCommand(),
		mailInCommand(),
		seedCommand(),
		reportCommand(),
		loadtestCommand(),
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Environ())
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, environ: environ}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		if len(args) > 1 {
			return run(ctx, []string{args[1], "--help"}, stdin, stdout, stderr, environ)
		}
		printHelp(stdout)
		return 0
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			c := c
			cmd = &c
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "slatrack: unknown command %q\n\n", args[0])
		printHelp(stderr)
		return 2
	}
	fs := flag.NewFlagSet("slatrack "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	configPath := fs.String("config", "", "read configuration from `FILE` (default "+config.DefaultPath+" when present)")
	runFn := cmd.setup(fs)
	usage := func(out io.Writer) {
		fs.SetOutput(out)
		fmt.Fprintf(out, "usage: slatrack %s [flags] %s\n\n%s\n\nflags:\n", cmd.name, cmd.usage, cmd.summary)
		fs.PrintDefaults()
	}
	// Parse prints the usage itself on --help and after a bad flag's error;
	// it is printed here instead, once: to stdout when asked for, to
	// stderr after a mistake.
	fs.Usage = func() {}
	// Flags may come before or after the arguments (`user add --email E`).
	var positional []string
	for rest := args[1:]; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage(stdout)
				return 0
			}
			usage(stderr)
			return 2
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		positional, rest = append(positional, rest[0]), rest[1:]
	}
	var cfg config.Config
	if !cmd.noConfig {
		var err error
		if cfg, err = config.Load(*configPath, environ); err != nil {
			fmt.Fprintf(stderr, "slatrack %s: %v\n", cmd.name, err)
			return 1
		}
	}
	err := runFn(e, &cfg, positional)
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "slatrack %s: %v\n(run `slatrack %s --help` for usage)\n", cmd.name, err, cmd.name)
		return 2
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintf(stderr, "slatrack %s: %v\n", cmd.name, ee.err)
		}
		return ee.code
	}
	fmt.Fprintf(stderr, "slatrack %s: %v\n", cmd.name, err)
	return 1
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "slatrack — support-ticket SLA tracker")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "usage: slatrack COMMAND [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Every command takes --config FILE and --help.")
	fmt.Fprintln(w, "Run `slatrack help COMMAND` for a command's flags.")
}
