package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkDueBatch is `due --batch` in-process on 400,000 lines.
func BenchmarkDueBatch(b *testing.B) {
	in := batchInput(400_000, 1)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		if code := run(b.Context(), []string{"due", "--batch"}, bytes.NewReader(in), io.Discard, io.Discard, nil); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkDueBatchVsRickar runs the real `slatrack due --batch` binary and
// a baseline program that answers the same 400,000 lines with rickar/cal's
// AddWorkHours (testdata/rickarbatch), end to end, best of three each, and
// fails unless slatrack is at least 4× faster. It also checks that both
// programs give the same answers, so the speed is not bought with errors.
func BenchmarkDueBatchVsRickar(b *testing.B) {
	dir := b.TempDir()
	ours, base := filepath.Join(dir, "slatrack"), filepath.Join(dir, "rickarbatch")
	for _, build := range [][]string{{"-o", ours, "."}, {"-o", base, "./testdata/rickarbatch"}} {
		cmd := exec.Command("go", append([]string{"build"}, build...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %v: %v\n%s", build, err, out)
		}
	}
	in := filepath.Join(dir, "lines.txt")
	if err := os.WriteFile(in, batchInput(400_000, 1), 0o600); err != nil {
		b.Fatal(err)
	}
	timeIt := func(bin string, args ...string) (time.Duration, []byte) {
		best := time.Duration(1 << 62)
		var out []byte
		for range 3 {
			f, err := os.Open(in)
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			cmd := exec.Command(bin, args...)
			cmd.Stdin, cmd.Stdout, cmd.Env = f, &buf, []string{"PATH=" + os.Getenv("PATH")}
			cmd.Dir = dir // no config/slatrack.toml there: built-in defaults
			start := time.Now()
			err = cmd.Run()
			d := time.Since(start)
			f.Close()
			if err != nil {
				b.Fatalf("%s: %v", bin, err)
			}
			best, out = min(best, d), buf.Bytes()
		}
		return best, out
	}
	for b.Loop() {
		tOurs, outOurs := timeIt(ours, "due", "--batch")
		tBase, outBase := timeIt(base)
		if !bytes.Equal(outOurs, outBase) {
			b.Fatalf("slatrack and the rickar baseline disagree on the same 400,000 lines")
		}
		speedup := float64(tBase) / float64(tOurs)
		b.ReportMetric(float64(tOurs.Milliseconds()), "ms-slatrack")
		b.ReportMetric(float64(tBase.Milliseconds()), "ms-rickar")
		b.ReportMetric(speedup, "x-faster")
		if speedup < 4 {
			b.Errorf("due --batch on 400,000 lines: %v, rickar baseline %v: %.1f× faster, want ≥ 4×", tOurs, tBase, speedup)
		}
	}
}
