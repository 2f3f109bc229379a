package main

import (
	"strings"
	"testing"
)

// TestHelp_PrintedOnce: --help (and `help COMMAND`) prints the command's
// usage once, on standard output, with nothing on standard error; a bad
// flag prints its error and the usage once, on standard error.
func TestHelp_PrintedOnce(t *testing.T) {
	for _, c := range commands() {
		for _, args := range [][]string{{c.name, "--help"}, {c.name, "-h"}, {"help", c.name}} {
			t.Run(strings.Join(args, "_"), func(t *testing.T) {
				code, out, errOut := runCmd(t, "", nil, args...)
				if code != 0 || strings.Count(out, "usage: slatrack "+c.name) != 1 || errOut != "" {
					t.Errorf("exit %d; stdout has the usage %d times:\n%s\nstderr %q", code, strings.Count(out, "usage: slatrack "+c.name), out, errOut)
				}
			})
		}
	}
	t.Run("slatrack_--help", func(t *testing.T) {
		code, out, errOut := runCmd(t, "", nil, "--help")
		if code != 0 || strings.Count(out, "usage: slatrack COMMAND") != 1 || errOut != "" {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
	t.Run("bad_flag", func(t *testing.T) {
		code, out, errOut := runCmd(t, "", nil, "serve", "--no-such-flag")
		if code != 2 || out != "" || !strings.Contains(errOut, "flag provided but not defined: -no-such-flag") ||
			strings.Count(errOut, "usage: slatrack serve") != 1 {
			t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
		}
	})
}
