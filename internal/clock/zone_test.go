package clock_test

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"
)

// backAcrossMidnight is a made-up zone whose clock is set back across
// midnight, which no zone in the tz database does in the table years: at
// UTC+1 ("A") it springs forward at 00:00 on 1 March to UTC+2 ("B") (midnight
// skipped, as in Santiago), and on 1 October at 00:30 it falls back to 23:30
// of 30 September (UTC+1). So the wall clock reads 1 October before it reads
// 30 September for the second time: one date's open time comes after the
// next date's, which the clock must put in order. Transitions from 2020 to
// 2030.
func backAcrossMidnight(tb testing.TB) *time.Location {
	tb.Helper()
	const a, b = 3600, 7200
	var when []int32
	var types []byte
	for y := 2020; y <= 2030; y++ {
		spring := time.Date(y, time.March, 1, 0, 0, 0, 0, time.UTC).Unix() - a  // 00:00 A
		fall := time.Date(y, time.October, 1, 0, 30, 0, 0, time.UTC).Unix() - b // 00:30 B
		when = append(when, int32(spring), int32(fall))
		types = append(types, 1, 0)
	}
	names := []byte("A\x00B\x00")
	var buf bytes.Buffer
	buf.WriteString("TZif")
	buf.Write(make([]byte, 16)) // version 1, then 15 unused bytes
	// isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
	for _, n := range []uint32{0, 0, 0, uint32(len(when)), 2, uint32(len(names))} {
		binary.Write(&buf, binary.BigEndian, n)
	}
	binary.Write(&buf, binary.BigEndian, when)
	buf.Write(types)
	for _, z := range []struct {
		off       int32
		dst, name byte
	}{{a, 0, 0}, {b, 1, 2}} {
		binary.Write(&buf, binary.BigEndian, z.off)
		buf.Write([]byte{z.dst, z.name})
	}
	buf.Write(names)
	loc, err := time.LoadLocationFromTZData("Test/BackAcrossMidnight", buf.Bytes())
	if err != nil {
		tb.Fatalf("synthetic zone: %v", err)
	}
	// The zone must do what it says, or the tests using it prove nothing.
	first := time.Date(2026, time.September, 30, 22, 0, 0, 0, time.UTC) // 00:00 B, 1 October
	second := first.Add(30 * time.Minute)                               // 23:30 A, 30 September
	if d1, d2 := first.In(loc).Day(), second.In(loc).Day(); d1 != 1 || d2 != 30 {
		tb.Fatalf("synthetic zone: 1 October then 30 September expected, got the %d then the %d", d1, d2)
	}
	return loc
}
