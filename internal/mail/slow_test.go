package mail

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSlowInputs(t *testing.T) {
	files, _ := filepath.Glob("/root/.cache/go-build/fuzz/github.com/slatrack/slatrack/internal/mail/FuzzParse/*")
	type r struct{ d time.Duration; n int; f string }
	var rs []r
	for _, f := range files {
		b, _ := os.ReadFile(f)
		lines := strings.SplitN(string(b), "\n", 2)
		if len(lines) < 2 { continue }
		v := strings.TrimSpace(lines[1])
		v = strings.TrimSuffix(strings.TrimPrefix(v, "[]byte("), ")")
		s, err := strconv.Unquote(v)
		if err != nil { t.Log(err); continue }
		st := time.Now()
		Parse([]byte(s), Limits{})
		rs = append(rs, r{time.Since(st), len(s), filepath.Base(f)})
	}
	sort.Slice(rs, func(i, j int) bool { return rs[i].d > rs[j].d })
	for _, x := range rs[:5] { fmt.Println(x.d, x.n, x.f) }
}
