// Command rickarbatch is the baseline for `slatrack due --batch`: it reads
// the same "CLASS RECEIVED" lines and answers each with rickar/cal's
// BusinessCalendar.AddWorkHours (holiday cache on), the way a program
// written straight on that library would. It lives under testdata so it is
// built only by the benchmark that compares against it.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/us"
)

func main() {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	c := cal.NewBusinessCalendar()
	c.Cacheable = true
	c.SetWorkHours(9*time.Hour, 17*time.Hour)
	c.AddHoliday(us.NewYear, us.MlkDay, us.PresidentsDay, us.MemorialDay, us.Juneteenth, us.IndependenceDay,
		us.LaborDay, us.ColumbusDay, us.VeteransDay, us.ThanksgivingDay, us.ChristmasDay)
	targets := map[string]time.Duration{"availability": 3 * time.Hour, "provisioning": 16 * time.Hour, "other": 40 * time.Hour}
	sc := bufio.NewScanner(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for sc.Scan() {
		class, ts, ok := bytes.Cut(bytes.TrimSpace(sc.Bytes()), []byte(" "))
		target, known := targets[string(class)]
		t, err := time.Parse(time.RFC3339, string(ts))
		if !ok || !known || err != nil {
			fmt.Fprintln(w, "error: bad line")
			continue
		}
		fmt.Fprintln(w, c.AddWorkHours(t.In(loc), target).Format(time.RFC3339))
	}
}
