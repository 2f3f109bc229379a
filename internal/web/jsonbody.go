package web

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slatrack/slatrack/internal/desk"
)

// notAnObject refuses a body whose JSON value is not an object (an array, a
// string, a number, true, false or null) with a message that shows what is
// wanted, built from the JSON names of into's fields. It returns nil for an
// object, and for text that is not JSON at all, which the decoder reports.
func notAnObject(data []byte, into any) error {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] == '{' || !json.Valid(trimmed) {
		return nil
	}
	kind := map[byte]string{'[': "an array", '"': "a string", 't': "true", 'f': "false", 'n': "null"}[trimmed[0]]
	if kind == "" {
		kind = "a number"
	}
	return desk.FieldError("body", "the request body must be a JSON object like %s, not %s", exampleObject(into), kind)
}

// exampleObject is a JSON object with the first two fields of the struct
// into points to, e.g. {"subject": "…", "body": "…"}.
func exampleObject(into any) string {
	t := reflect.TypeOf(into)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var parts []string
	for i := 0; t.Kind() == reflect.Struct && i < t.NumField() && len(parts) < 2; i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name == "" || name == "-" {
			continue
		}
		v := `"…"`
		if k := t.Field(i).Type.Kind(); k == reflect.Bool {
			v = "true"
		}
		parts = append(parts, strconv.Quote(name)+": "+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// badText finds the first string in the JSON object data that is not
// Unicode text: invalid UTF-8, or a \u escape of a lone UTF-16 surrogate
// (\ud800 without its pair). encoding/json would quietly turn either into
// U+FFFD, so what was sent would not be what is stored. The error names the
// top-level field the string belongs to ("body" for a bad field name). Data
// that is not valid JSON gives nil: the decoder reports it.
func badText(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, wantKey, field := 0, false, ""
	var prev int64
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil // the end, or a syntax error for the decoder to report
		}
		off := dec.InputOffset()
		raw := data[prev:off] // the token, after any separators before it
		prev = off
		switch v := tok.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
			wantKey = depth == 1 // an object just opened, or a field's value closed
			continue
		case string:
			key := depth == 1 && wantKey
			if problem := textProblem(raw); problem != "" {
				if key {
					return desk.FieldError("body", "a field name in the request body %s", problem)
				}
				return desk.FieldError(field, "the field %q %s", field, problem)
			}
			if key {
				field, wantKey = v, false
				continue
			}
		}
		if depth == 1 {
			wantKey = true // a scalar value of a top-level field
		}
	}
}

// textProblem says what is wrong with the JSON string literal in raw (which
// the decoder has accepted), or "" when it is proper Unicode text.
func textProblem(raw []byte) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8 text"
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if raw[i+1] != 'u' {
			i++ // \n, \", \\ …
			continue
		}
		r := hex4(raw[i+2 : i+6])
		switch {
		case r >= 0xD800 && r < 0xDC00: // high surrogate: its low half must follow
			if i+12 <= len(raw) && raw[i+6] == '\\' && raw[i+7] == 'u' {
				if lo := hex4(raw[i+8 : i+12]); lo >= 0xDC00 && lo < 0xE000 {
					i += 11
					continue
				}
			}
			return "has a lone UTF-16 surrogate escape (" + string(raw[i:i+6]) + ") that is not a character"
		case r >= 0xDC00 && r < 0xE000:
			return "has a lone UTF-16 surrogate escape (" + string(raw[i:i+6]) + ") that is not a character"
		}
		i += 5
	}
	return ""
}

// hex4 reads four hex digits, as json.Decoder has already checked them.
func hex4(b []byte) rune {
	n, _ := strconv.ParseUint(string(b), 16, 32)
	return rune(n)
}
