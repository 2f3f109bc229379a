package mail

import "strings"

// unflow joins the soft line breaks of a format=flowed text (RFC 3676):
// a line ending in a space continues on the next line of the same quote
// depth. Space-stuffing is removed; with delsp=yes the trailing space of a
// soft break is deleted. Quote markers are kept.
func unflow(s string, delsp bool) string {
	lines := strings.Split(s, "\n")
	var b strings.Builder
	b.Grow(len(s))
	prevDepth := -1
	open := false // the previous line was a soft break still waiting for its continuation
	for _, line := range lines {
		depth := 0
		for depth < len(line) && line[depth] == '>' {
			depth++
		}
		content := line[depth:]
		if strings.HasPrefix(content, " ") {
			content = content[1:] // space-stuffing (or the space after quote markers)
		}
		if open && depth != prevDepth {
			b.WriteByte('\n')
			open = false
		}
		if !open {
			if depth > 0 {
				b.WriteString(strings.Repeat(">", depth))
				b.WriteByte(' ')
			}
		}
		soft := strings.HasSuffix(content, " ") && content != "-- "
		if soft && delsp {
			content = content[:len(content)-1]
		}
		b.WriteString(content)
		if soft {
			open = true
		} else {
			b.WriteByte('\n')
			open = false
		}
		prevDepth = depth
	}
	out := b.String()
	return strings.TrimSuffix(out, "\n")
}
