package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/slatrack/slatrack/internal/config"
)

func classifyCommand() command {
	return command{
		name:    "classify",
		summary: "show how a request would be classified, or list the rules",
		usage:   "SUBJECT [BODY] | --rules",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			rules := fs.Bool("rules", false, "print the classification rules in use")
			return func(e *env, cfg *config.Config, args []string) error {
				if *rules {
					for _, r := range cfg.ClassifyRules() {
						fmt.Fprintf(e.stdout, "%-13s %s\n              %s\n", r.Class, r.Name, strings.Join(r.Patterns, " | "))
					}
					return nil
				}
				if len(args) < 1 || len(args) > 2 {
					return usagef("want SUBJECT [BODY], e.g. `slatrack classify \"App returns 502\"`")
				}
				c, err := cfg.Classifier()
				if err != nil {
					return err
				}
				body := ""
				if len(args) == 2 {
					body = args[1]
				}
				res := c.Classify(args[0], body)
				fmt.Fprintf(e.stdout, "%s\n%s\n", res.Class, res.Reason())
				return nil
			}
		},
	}
}
