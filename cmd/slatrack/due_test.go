package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runCmd runs slatrack in-process with its own streams.
func runCmd(t testing.TB, stdin string, environ []string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errb, environ)
	return code, out.String(), errb.String()
}

func TestDue(t *testing.T) {
	cases := []struct {
		name, class, received, want string
	}{
		{"spec_example_thursday_16:00_over_observed_july_3", "availability", "2026-07-02T16:00:00-04:00", "2026-07-06T11:00:00-04:00"},
		{"utc_input_same_instant", "availability", "2026-07-02T20:00:00Z", "2026-07-06T11:00:00-04:00"},
		{"provisioning_2d_from_friday_noon", "provisioning", "2026-11-20T12:00:00-05:00", "2026-11-24T12:00:00-05:00"},
		{"other_5d_over_thanksgiving_due_at_closing", "other", "2026-11-23T09:00:00-05:00", "2026-11-30T17:00:00-05:00"},
		{"saturday_arrival_counts_from_monday", "availability", "2026-11-28T10:00:00-05:00", "2026-11-30T12:00:00-05:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCmd(t, "", nil, "due", tc.class, tc.received)
			if code != 0 || strings.TrimSpace(out) != tc.want {
				t.Fatalf("due %s %s = %q (exit %d, stderr %q), want %s", tc.class, tc.received, out, code, errOut, tc.want)
			}
		})
	}
}

func TestDue_Errors(t *testing.T) {
	t.Run("unknown_class_lists_valid_ones", func(t *testing.T) {
		code, _, errOut := runCmd(t, "", nil, "due", "urgent", "2026-07-02T16:00:00-04:00")
		if code == 0 || !strings.Contains(errOut, `unknown class "urgent"`) || !strings.Contains(errOut, "availability, provisioning, other") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("unparseable_time_shows_expected_form", func(t *testing.T) {
		code, _, errOut := runCmd(t, "", nil, "due", "other", "July 2nd")
		if code == 0 || !strings.Contains(errOut, "RFC 3339") || !strings.Contains(errOut, "2026-07-02T16:00:00-04:00") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("missing_arguments_is_usage_error", func(t *testing.T) {
		code, _, errOut := runCmd(t, "", nil, "due", "other")
		if code != 2 || !strings.Contains(errOut, "CLASS RECEIVED") {
			t.Fatalf("exit %d, stderr %q", code, errOut)
		}
	})
}

func TestDue_Explain(t *testing.T) {
	code, out, errOut := runCmd(t, "", nil, "due", "--explain", "availability", "2026-07-02T16:00:00-04:00")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"2026-07-06T11:00:00-04:00",
		"Thu 2026-07-02 16:00:00 EDT → 17:00:00 EDT",
		"Mon 2026-07-06 09:00:00 EDT → 11:00:00 EDT",
		"Fri 2026-07-03  holiday  Independence Day (observed)",
		"Sat 2026-07-04  weekend",
		"Monday, July 6, 11:00 AM ET",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain output lacks %q:\n%s", want, out)
		}
	}
}

// TestDue_ExplainAddsUp runs the Santiago example (midnight skipped
// on 6 September 2026) through the CLI: the answer is after the receipt and
// the listed segments add up to the target.
func TestDue_ExplainAddsUp(t *testing.T) {
	env := []string{"SLATRACK_CALENDAR_TIMEZONE=America/Santiago", "SLATRACK_CALENDAR_OPEN=00:00", "SLATRACK_CALENDAR_CLOSE=23:59",
		"SLATRACK_CALENDAR_WORKDAYS=Mon,Tue,Wed,Thu,Fri,Sat,Sun", "SLATRACK_CALENDAR_HOLIDAYS=none", "SLATRACK_SLA_AVAILABILITY=30m", "SLATRACK_SLA_AT_RISK=10m"}
	code, out, errOut := runCmd(t, "", env, "due", "--explain", "availability", "2026-09-05T23:58:00-04:00")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"2026-09-06T01:29:00-03:00\n",
		"Sat 2026-09-05 23:58:00 -04 → 23:59:00 -04      1m0s  (total 1m0s)",
		"Sun 2026-09-06 01:00:00 -03 → 01:29:00 -03     29m0s  (total 30m0s)",
		"due       Sun 2026-09-06 01:29:00 -03",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "clock starts") {
		t.Errorf("received while open, yet --explain says the clock starts later:\n%s", out)
	}
	t.Run("closed_at_receipt_says_when_the_clock_starts", func(t *testing.T) {
		_, out, _ := runCmd(t, "", nil, "due", "--explain", "availability", "2026-07-04T12:00:00-04:00")
		if !strings.Contains(out, "clock starts at the next opening: Mon 2026-07-06 09:00:00 EDT") {
			t.Errorf("--explain on a Saturday does not say when the clock starts:\n%s", out)
		}
	})
}

// TestDue_KeepsFractionOfASecond checks that a receipt's fraction of a
// second is in the answer, single and batch (it used to be dropped, printing
// the deadline up to a second early).
func TestDue_KeepsFractionOfASecond(t *testing.T) {
	const received, want = "2026-07-02T16:00:00.25-04:00", "2026-07-06T11:00:00.25-04:00"
	if code, out, errOut := runCmd(t, "", nil, "due", "availability", received); code != 0 || strings.TrimSpace(out) != want {
		t.Errorf("due availability %s = %q (exit %d, %s), want %s", received, out, code, errOut, want)
	}
	in := "availability " + received + "\nother 2026-07-02T16:00:00.123456789Z\nother 2026-07-02T16:00:00Z\n"
	code, out, errOut := runCmd(t, in, nil, "due", "--batch")
	if w := want + "\n2026-07-10T12:00:00.123456789-04:00\n2026-07-10T12:00:00-04:00\n"; code != 0 || out != w {
		t.Errorf("due --batch = %q (exit %d, %s), want %q", out, code, errOut, w)
	}
}

func TestDue_Batch(t *testing.T) {
	in := "availability 2026-07-02T16:00:00-04:00\n" +
		"nonsense\n" +
		"\n" +
		"urgent 2026-07-02T16:00:00-04:00\n" +
		"other yesterday\n" +
		"provisioning 2026-11-20T12:00:00-05:00\n"
	code, out, errOut := runCmd(t, in, nil, "due", "--batch")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("want one output line per input line (6), got %d: %q", len(lines), out)
	}
	want := []string{"2026-07-06T11:00:00-04:00", "error: want CLASS RECEIVED", "error: empty line", `error: unknown class "urgent"`, "error: cannot read time", "2026-11-24T12:00:00-05:00"}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d = %q, want prefix %q", i+1, lines[i], w)
		}
	}
	if code != 1 || !strings.Contains(errOut, "4 line(s)") {
		t.Errorf("exit %d (want 1 after all lines), stderr %q", code, errOut)
	}
	if code, _, _ := runCmd(t, "other 2026-07-02T16:00:00-04:00\n", nil, "due", "--batch"); code != 0 {
		t.Errorf("all-good batch exit %d, want 0", code)
	}
}

// TestDue_BatchMatchesSingle checks that batch and single answers agree on
// many random inputs, so the fast path computes the same deadlines.
func TestDue_BatchMatchesSingle(t *testing.T) {
	in := batchInput(200, 7)
	code, out, errOut := runCmd(t, string(in), nil, "due", "--batch")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	got := strings.Split(strings.TrimSpace(out), "\n")
	for i, line := range strings.Split(strings.TrimSpace(string(in)), "\n") {
		f := strings.Fields(line)
		_, one, _ := runCmd(t, "", nil, "due", f[0], f[1])
		if strings.TrimSpace(one) != got[i] {
			t.Fatalf("line %d %q: batch %q, single %q", i+1, line, got[i], one)
		}
	}
}

// batchInput makes n "CLASS RECEIVED" lines spread over 2024–2028 in
// several UTC offsets.
func batchInput(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	classes := []string{"availability", "provisioning", "other"}
	zones := []*time.Location{time.UTC, time.FixedZone("", -4*3600), time.FixedZone("", -5*3600), time.FixedZone("", 5*3600+1800)}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := time.Date(2028, 12, 31, 0, 0, 0, 0, time.UTC).Unix() - start
	var b bytes.Buffer
	for i := 0; i < n; i++ {
		t := time.Unix(start+r.Int64N(span), 0).In(zones[r.IntN(len(zones))])
		fmt.Fprintf(&b, "%s %s\n", classes[r.IntN(3)], t.Format(time.RFC3339))
	}
	return b.Bytes()
}

func TestCalendar(t *testing.T) {
	code, out, errOut := runCmd(t, "", nil, "calendar", "--year", "2027")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"2027-06-18  Friday     holiday  Juneteenth (observed)",
		"2027-07-05  Monday     holiday  Independence Day (observed)",
		"2027-12-24  Friday     holiday  Christmas Day (observed)",
		"2027-12-31  Friday     holiday  New Year's Day (observed)",
		"12 closed weekday(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("calendar --year 2027 lacks %q:\n%s", want, out)
		}
	}
}

func TestCalendar_ClosuresFromConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "desk.toml")
	os.WriteFile(cfg, []byte("[calendar]\nclosures = [\"2027-03-03: Snow day\", \"2027-03-06\"]\n"), 0o600)
	code, out, errOut := runCmd(t, "", nil, "calendar", "--config", cfg, "--year", "2027")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "2027-03-03  Wednesday  closure  Snow day") {
		t.Errorf("closure missing:\n%s", out)
	}
	if strings.Contains(out, "2027-03-06") {
		t.Errorf("a Saturday closure is not a closed weekday:\n%s", out)
	}
	if !strings.Contains(out, "13 closed weekday(s)") {
		t.Errorf("want 13 closed weekdays:\n%s", out)
	}
	// The closure moves deadlines too.
	_, due, _ := runCmd(t, "", nil, "due", "--config", cfg, "availability", "2027-03-02T16:00:00-05:00")
	if strings.TrimSpace(due) != "2027-03-04T11:00:00-05:00" {
		t.Errorf("due over the snow day = %q", due)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name    string
		args    []string
		environ []string
		want    string
	}{
		{"unknown_key_named", []string{"due", "--config", write("a.toml", "[calendar]\nopen = \"09:00\"\nopne = \"x\"\n"), "other", "2026-07-02T16:00:00-04:00"}, nil, "unknown key calendar.opne"},
		{"bad_value_named", []string{"due", "--config", write("b.toml", "[[sla.classes]]\nname = \"other\"\nfirst_response = \"3 hours\"\nfallback = true\n"), "other", "2026-07-02T16:00:00-04:00"}, nil, "sla.classes[0].first_response"},
		{"bad_timezone", []string{"calendar", "--config", write("c.toml", "[calendar]\ntimezone = \"Mars/Olympus\"\n")}, nil, "calendar.timezone"},
		{"missing_explicit_file", []string{"calendar", "--config", filepath.Join(dir, "nope.toml")}, nil, "nope.toml"},
		{"env_bad_value_named", []string{"calendar"}, []string{"SLATRACK_CALENDAR_OPEN=9am"}, "calendar.open"},
		{"env_unknown_variable", []string{"calendar"}, []string{"SLATRACK_CALENDAR_OPNE=09:00"}, "SLATRACK_CALENDAR_OPNE is not a configuration key"},
		{"toml_syntax_error", []string{"calendar", "--config", write("d.toml", "[calendar\n")}, nil, "d.toml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, "", tc.environ, tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, stderr %q, want it to mention %q", code, errOut, tc.want)
			}
		})
	}
}

func TestConfig_EnvOverridesFile(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "desk.toml")
	os.WriteFile(cfg, []byte("[[sla.classes]]\nname = \"availability\"\nfirst_response = \"4h\"\nfallback = true\n"), 0o600)
	_, out, _ := runCmd(t, "", nil, "due", "--config", cfg, "availability", "2026-07-01T09:00:00-04:00")
	if strings.TrimSpace(out) != "2026-07-01T13:00:00-04:00" {
		t.Errorf("file value: %q", out)
	}
	_, out, _ = runCmd(t, "", []string{"SLATRACK_SLA_AVAILABILITY=2h"}, "due", "--config", cfg, "availability", "2026-07-01T09:00:00-04:00")
	if strings.TrimSpace(out) != "2026-07-01T11:00:00-04:00" {
		t.Errorf("env value: %q", out)
	}
}

func TestHelp(t *testing.T) {
	code, out, _ := runCmd(t, "", nil, "help")
	for _, c := range []string{"serve", "due", "calendar", "migrate", "user", "token", "classify"} {
		if !strings.Contains(out, "\n  "+c+" ") {
			t.Errorf("help does not list %s:\n%s", c, out)
		}
	}
	if code != 0 {
		t.Errorf("exit %d", code)
	}
	for _, c := range []string{"serve", "due", "calendar", "migrate", "user", "token", "classify"} {
		code, out, _ := runCmd(t, "", nil, c, "--help")
		if code != 0 || !strings.Contains(out, "usage: slatrack "+c) || !strings.Contains(out, "-config") {
			t.Errorf("%s --help: exit %d, %q", c, code, out)
		}
	}
	if code, _, errOut := runCmd(t, "", nil, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d %q", code, errOut)
	}
}

// kindsConfig is the shipped configuration with a next-response target of
// 2 business hours for availability and a resolution target of 5 business
// days for provisioning.
func kindsConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "config", "slatrack.toml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	for _, c := range []struct{ class, key, value string }{{"availability", "next_response", "2h"}, {"provisioning", "resolution", "5d"}} {
		i := strings.Index(s, `name = "`+c.class+`"`)
		j := i + strings.Index(s[i:], c.key+` = ""`)
		if i < 0 || j < i {
			t.Fatalf("no %s for %s in the shipped configuration", c.key, c.class)
		}
		s = s[:j] + c.key + ` = "` + c.value + `"` + s[j+len(c.key+` = ""`):]
	}
	p := filepath.Join(t.TempDir(), "slatrack.toml")
	if err := os.WriteFile(p, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDue_Kind: --kind answers for every promise with the class's target
// for it (next response defaulting to the first-response target), and a
// class without a resolution target says so.
func TestDue_Kind(t *testing.T) {
	cfg := kindsConfig(t)
	cases := []struct {
		name, kind, class, start, want string
	}{
		{"first_response_is_the_default", "", "availability", "2026-07-02T16:00:00-04:00", "2026-07-06T11:00:00-04:00"},
		{"first_response_named", "first_response", "availability", "2026-07-02T16:00:00-04:00", "2026-07-06T11:00:00-04:00"},
		{"next_response_own_target_friday_16:30", "next_response", "availability", "2026-12-04T16:30:00-05:00", "2026-12-07T10:30:00-05:00"},
		{"next_response_defaults_to_first_response", "next_response", "provisioning", "2026-11-20T12:00:00-05:00", "2026-11-24T12:00:00-05:00"},
		{"resolution_5d_over_thanksgiving", "resolution", "provisioning", "2026-11-23T09:00:00-05:00", "2026-11-30T17:00:00-05:00"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"due", "--config", cfg}
			if tc.kind != "" {
				args = append(args, "--kind", tc.kind)
			}
			code, out, errOut := runCmd(t, "", nil, append(args, tc.class, tc.start)...)
			if code != 0 || strings.TrimSpace(out) != tc.want {
				t.Fatalf("%v = %q (exit %d, stderr %q), want %s", args, out, code, errOut, tc.want)
			}
		})
	}
	t.Run("explain_names_the_kind", func(t *testing.T) {
		_, out, _ := runCmd(t, "", nil, "due", "--config", cfg, "--kind", "resolution", "--explain", "provisioning", "2026-11-23T09:00:00-05:00")
		if !strings.Contains(out, "class provisioning: resolution within 5 business days") {
			t.Errorf("--explain:\n%s", out)
		}
	})
	t.Run("class_without_resolution", func(t *testing.T) {
		code, out, errOut := runCmd(t, "", nil, "due", "--config", cfg, "--kind", "resolution", "availability", "2026-07-02T16:00:00-04:00")
		if code != 1 || out != "" || !strings.Contains(errOut, "class availability makes no resolution promise") || !strings.Contains(errOut, "[[sla.classes]]") {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("unknown_kind_is_usage_error", func(t *testing.T) {
		code, _, errOut := runCmd(t, "", nil, "due", "--kind", "reply", "other", "2026-07-02T16:00:00-04:00")
		if code != 2 || !strings.Contains(errOut, `unknown promise kind "reply"`) || !strings.Contains(errOut, "first_response, next_response, resolution") {
			t.Errorf("exit %d, stderr %q", code, errOut)
		}
	})
	t.Run("batch_lines_may_name_the_kind", func(t *testing.T) {
		in := "availability 2026-12-04T16:30:00-05:00\n" +
			"availability next_response 2026-12-04T16:30:00-05:00\n" +
			"provisioning resolution 2026-11-23T09:00:00-05:00\n" +
			"availability resolution 2026-11-23T09:00:00-05:00\n" +
			"other reply 2026-11-23T09:00:00-05:00\n" +
			"provisioning resolution\tyesterday\n"
		code, out, errOut := runCmd(t, in, nil, "due", "--config", cfg, "--batch")
		want := "2026-12-07T11:30:00-05:00\n2026-12-07T10:30:00-05:00\n2026-11-30T17:00:00-05:00\n" +
			"error: class availability makes no resolution promise (set resolution in its [[sla.classes]] table to give it one)\n" +
			"error: unknown promise kind \"reply\" (kinds: first_response, next_response, resolution)\n" +
			"error: cannot read time \"yesterday\" (want " + instantForm + ")\n"
		if code != 1 || out != want || !strings.Contains(errOut, "3 line(s)") {
			t.Errorf("exit %d, stderr %q, out:\n%s\nwant:\n%s", code, errOut, out, want)
		}
		// --kind sets the kind of the lines that name none.
		_, out, _ = runCmd(t, "availability 2026-12-04T16:30:00-05:00\n", nil, "due", "--config", cfg, "--kind", "next_response", "--batch")
		if out != "2026-12-07T10:30:00-05:00\n" {
			t.Errorf("--kind next_response --batch = %q", out)
		}
	})
}
