package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/slatrack/slatrack/internal/clock"
	"github.com/slatrack/slatrack/internal/config"
)

func calendarCommand() command {
	return command{
		name:    "calendar",
		summary: "list the desk's closed weekdays (holidays and closures) for a year",
		usage:   "[--year YYYY]",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			year := fs.Int("year", 0, "calendar `year` (default: this year)")
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) > 0 {
					return usagef("unexpected argument %q (use --year YYYY)", args[0])
				}
				cal, err := clock.New(cfg.ClockOptions())
				if err != nil {
					return err
				}
				y := *year
				if y == 0 {
					y = time.Now().In(cal.Location()).Year()
				}
				if y < 1900 || y > 2200 {
					return usagef("--year %d is out of range (1900–2200)", y)
				}
				days := cal.ClosedWeekdays(y)
				fmt.Fprintf(e.stdout, "Closed weekdays in %d (%s, %s–%s):\n", y, cfg.Calendar.Timezone, cfg.Calendar.Open, cfg.Calendar.Close)
				for _, d := range days {
					fmt.Fprintf(e.stdout, "%s  %-9s  %-8s %s\n", d.Date.Format("2006-01-02"), d.Date.Weekday(), d.Kind, d.Name)
				}
				fmt.Fprintf(e.stdout, "%d closed weekday(s)\n", len(days))
				return nil
			}
		},
	}
}
