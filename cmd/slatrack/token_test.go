package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/store"
)

// tokenWorks reports whether the API token authenticates against dsn.
func tokenWorks(t *testing.T, dsn, tok string) bool {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = desk.NewService(st, desk.Config{}).TokenUser(context.Background(), tok)
	if err != nil && desk.ErrorCode(err) != desk.Unauthorized {
		t.Fatal(err)
	}
	return err == nil
}

func TestTokenCommand(t *testing.T) {
	dsn := dbDSN(t, t.TempDir())
	env := []string{"SLATRACK_DATABASE_DSN=" + dsn}
	cli := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		return runCmd(t, stdin, env, args...)
	}
	if code, _, errOut := cli("a long passphrase\n", "user", "add", "--email", "sam@agency.gov", "--name", "Sam", "--role", "staff"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	create := func(t *testing.T, args ...string) string {
		t.Helper()
		code, out, errOut := cli("", append([]string{"token", "create", "--email", "sam@agency.gov"}, args...)...)
		tok := strings.TrimSpace(out)
		if code != 0 || !strings.HasPrefix(tok, "slt_") {
			t.Fatalf("token create %v: %d %q %s", args, code, out, errOut)
		}
		return tok
	}
	ny, _ := time.LoadLocation("America/New_York")

	t.Run("create_and_list", func(t *testing.T) {
		before := time.Now().Add(90 * 24 * time.Hour).In(ny).Format("2006-01-02")
		ci := create(t, "--name", "ci", "--expires", "90d")
		after := time.Now().Add(90 * 24 * time.Hour).In(ny).Format("2006-01-02")
		create(t, "--name", "deploy")
		if !tokenWorks(t, dsn, ci) {
			t.Fatalf("new token refused")
		}
		code, out, errOut := cli("", "token", "list")
		if code != 0 {
			t.Fatalf("token list: %d %s", code, errOut)
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !regexp.MustCompile(`^ID +NAME +OWNER +CREATED +LAST USED +EXPIRES$`).MatchString(lines[0]) {
			t.Fatalf("token list:\n%s", out)
		}
		rows := map[string]string{}
		for _, l := range lines[1:] {
			f := strings.Fields(l)
			rows[f[1]] = l
		}
		if r := rows["ci"]; !strings.Contains(r, "sam@agency.gov") || !(strings.Contains(r, before) || strings.Contains(r, after)) {
			t.Errorf("ci row lacks owner or expiry %s: %q", before, r)
		}
		if r := rows["deploy"]; !regexp.MustCompile(`never +never$`).MatchString(r) {
			t.Errorf("deploy row: want never used, never expires: %q", r)
		}
	})

	t.Run("bad_expiry", func(t *testing.T) {
		for _, tc := range []struct {
			expires string
			code    int
			msg     string
		}{
			{"soon", 2, `--expires "soon": want a number of days (90d) or a duration (12h)`},
			{"0d", 2, "the expiry must be in the future"},
			{"-5h", 2, "the expiry must be in the future"},
			{"4000d", 1, "the expiry must be at most 3650 days"},
			{"99999999999999d", 1, "the expiry must be at most 3650 days"},
		} {
			code, out, errOut := cli("", "token", "create", "--email", "sam@agency.gov", "--expires", tc.expires)
			if code != tc.code || out != "" || !strings.Contains(errOut, tc.msg) {
				t.Errorf("--expires %s: exit %d, out %q, err %q; want %d and %q", tc.expires, code, out, errOut, tc.code, tc.msg)
			}
		}
	})

	t.Run("revoke_by_name_and_by_id", func(t *testing.T) {
		keep := create(t, "--name", "keep")
		byName := create(t, "--name", "nightly")
		code, out, errOut := cli("", "token", "revoke", "--email", "SAM@agency.gov", "--name", "nightly")
		if code != 0 || !regexp.MustCompile(`^revoked token \d+ "nightly" of sam@agency.gov\n$`).MatchString(out) {
			t.Fatalf("revoke by name: %d %q %s", code, out, errOut)
		}
		if tokenWorks(t, dsn, byName) {
			t.Errorf("token revoked by name still works")
		}
		byID := create(t, "--name", "once")
		_, list, _ := cli("", "token", "list")
		id := regexp.MustCompile(`(?m)^(\d+) +once `).FindStringSubmatch(list)
		if id == nil {
			t.Fatalf("no row for the token in:\n%s", list)
		}
		if code, out, errOut := cli("", "token", "revoke", id[1]); code != 0 || !strings.Contains(out, `"once" of sam@agency.gov`) {
			t.Fatalf("revoke by id: %d %q %s", code, out, errOut)
		}
		if tokenWorks(t, dsn, byID) {
			t.Errorf("token revoked by ID still works")
		}
		if code, _, errOut := cli("", "token", "revoke", id[1]); code != 1 || !strings.Contains(errOut, "there is no API token #"+id[1]) {
			t.Errorf("revoking twice: %d %s", code, errOut)
		}
		if !tokenWorks(t, dsn, keep) {
			t.Errorf("another token stopped working")
		}
	})

	t.Run("revoke_usage", func(t *testing.T) {
		for _, args := range [][]string{
			{"token", "revoke"},
			{"token", "revoke", "abc"},
			{"token", "revoke", "--email", "sam@agency.gov"}, // no --name: would revoke "cli" by default
			{"token", "revoke", "1", "2"},
			{"token", "frob"},
		} {
			if code, _, errOut := cli("", args...); code != 2 || !strings.Contains(errOut, "--help") {
				t.Errorf("%v: exit %d %s; want a usage error", args, code, errOut)
			}
		}
	})

	t.Run("password_change_revokes_tokens", func(t *testing.T) {
		tok := create(t, "--name", "before-reset")
		code, out, errOut := cli("a new long passphrase\n", "user", "password", "--email", "sam@agency.gov")
		if code != 0 || !strings.Contains(out, "their API tokens revoked") {
			t.Fatalf("user password: %d %q %s", code, out, errOut)
		}
		if tokenWorks(t, dsn, tok) {
			t.Errorf("a token survived the password change")
		}
		if _, out, _ := cli("", "token", "list"); !strings.Contains(out, "no API tokens") {
			t.Errorf("tokens left after the password change:\n%s", out)
		}
	})
}
