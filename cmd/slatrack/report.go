package main

import (
	"bufio"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"time"

	"github.com/slatrack/slatrack/internal/config"
	"github.com/slatrack/slatrack/internal/report"
)

// reportFormats are the output formats of `slatrack report`.
var reportFormats = []string{"text", "csv", "json"}

func reportCommand() command {
	return command{
		name:    "report",
		summary: "print the overdue report or the SLA compliance report (text, CSV or JSON)",
		usage: "overdue [--at TIME] [--forecast-hours N] [--format text|csv|json]\n" +
			"       slatrack report compliance [--period last30|last90|week|month | --from DATE [--to DATE]] [--at TIME] [--format text|csv|json]\n\n" +
			"overdue lists the open tickets whose owed promise (first response, next\n" +
			"response or resolution) is broken or at risk, most overdue first per class,\n" +
			"and the forecast: those that will be broken within the next N business hours\n" +
			"unless kept (--forecast-hours, default reports.forecast_hours); --at judges\n" +
			"the promises owed now as of that instant.\n" +
			"compliance counts, for the tickets received in the period, first responses met\n" +
			"and breached per class and per week, with median and 90th-percentile\n" +
			"first-response times, then for the promises started in the period, per kind\n" +
			"and class, how many were made, kept and broken and how long keeping them\n" +
			"took. Every duration is business time.",
		setup: func(fs *flag.FlagSet) func(*env, *config.Config, []string) error {
			format := fs.String("format", "text", "output `format`: text, csv or json")
			atFlag := fs.String("at", "", "report as of `TIME`, RFC 3339 (default: now)")
			period := fs.String("period", "", "compliance period `NAME`: last30 (default), last90, week (the last 7 days) or month (this month so far)")
			from := fs.String("from", "", "compliance: first `DATE` received (YYYY-MM-DD in the desk's time zone, or RFC 3339)")
			to := fs.String("to", "", "compliance: last `DATE` received, inclusive (YYYY-MM-DD), or an exclusive RFC 3339 instant (default: --at)")
			forecastHours := fs.String("forecast-hours", "", "overdue: forecast what falls due within the next `N` business hours (0 to 200; default: reports.forecast_hours)")
			baseURL := fs.String("base-url", "", "overdue CSV: `URL` the ticket links start with (default: server.base_url)")
			return func(e *env, cfg *config.Config, args []string) error {
				if len(args) != 1 || (args[0] != "overdue" && args[0] != "compliance") {
					return usagef("want `report overdue` or `report compliance`")
				}
				kind := args[0]
				if !validFormat(*format) {
					return usagef("unknown --format %q (valid formats: %s)", *format, strings.Join(reportFormats, ", "))
				}
				pol, err := buildPolicy(cfg)
				if err != nil {
					return err
				}
				loc := pol.Calendar().Location()
				at := time.Now()
				if *atFlag != "" {
					if at, err = parseInstant(*atFlag, pol); err != nil {
						return usagef("--at: %v", err)
					}
				}
				at = at.In(loc)
				var periodFrom, periodTo time.Time
				var forecast time.Duration
				if kind == "overdue" {
					if *period != "" || *from != "" || *to != "" {
						return usagef("--period, --from and --to are for `report compliance`; the overdue report is as of --at")
					}
					if forecast, err = report.ParseForecastHours(*forecastHours, cfg.Reports.ForecastHours); err != nil {
						return reportUsage(err)
					}
				} else {
					if *forecastHours != "" {
						return usagef("--forecast-hours is for `report overdue`")
					}
					periodFrom, periodTo, err = report.ParsePeriod(*period, *from, *to, at, loc)
					if err != nil {
						return reportUsage(err)
					}
				}

				a, err := openApp(e.ctx, cfg, slog.New(slog.NewTextHandler(e.stderr, nil)))
				if err != nil {
					return err
				}
				defer a.store.Close()
				w := bufio.NewWriterSize(e.stdout, 64*1024)
				if kind == "overdue" {
					r, err := report.BuildOverdue(e.ctx, a.store, pol, at, forecast)
					if err != nil {
						return reportUsage(err)
					}
					switch *format {
					case "csv":
						base := *baseURL
						if base == "" {
							base = cfg.Server.BaseURL
						}
						err = r.WriteCSV(w, base)
					case "json":
						err = r.WriteJSON(w)
					default:
						err = r.WriteText(w)
					}
					if err != nil {
						return err
					}
					return w.Flush()
				}
				c, err := report.BuildCompliance(e.ctx, a.store, pol, periodFrom, periodTo, at)
				if err != nil {
					return reportUsage(err)
				}
				switch *format {
				case "csv":
					err = c.WriteCSV(w)
				case "json":
					err = c.WriteJSON(w)
				default:
					err = c.WriteText(w)
				}
				if err != nil {
					return err
				}
				return w.Flush()
			}
		},
	}
}

// reportUsage turns a bad report parameter into a usage error naming its
// flag (--from, --at, --forecast-hours); other errors pass through.
func reportUsage(err error) error {
	var pe *report.ParamError
	if errors.As(err, &pe) {
		return usagef("--%s: %s", strings.ReplaceAll(pe.Param, "_", "-"), pe.Message)
	}
	return err
}

func validFormat(f string) bool {
	for _, v := range reportFormats {
		if f == v {
			return true
		}
	}
	return false
}
