package mail

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
)

// htmlPolicy is bluemonday's UGC policy (no scripts, styles, event
// handlers, forms, iframes, objects or SVG; links only http, https and
// mailto) tightened for mail: no relative or protocol-relative URLs, links
// open in a new tab without referrer, and images may only point at
// cid: parts of the message itself, so nothing remote is ever loaded.
var htmlPolicy = newHTMLPolicy()

func newHTMLPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowRelativeURLs(false)
	p.AllowURLSchemes("cid")
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(true)
	p.RewriteSrc(func(u *url.URL) {
		if !strings.EqualFold(u.Scheme, "cid") {
			*u = url.URL{}
		}
	})
	return p
}

var imgTag = regexp.MustCompile(`<img(?:\s+[a-z-]+="[^"]*")*\s*/?>`)

// sanitizeHTML returns the HTML safe to show in the desk's pages.
func sanitizeHTML(s string) string {
	out := htmlPolicy.Sanitize(s)
	// RewriteSrc leaves src="" on remote images: drop such images (and any
	// left without a source). bluemonday's output is normalized and escapes
	// quotes and angle brackets in text and attribute values, so these
	// patterns only ever match whole tags.
	out = strings.ReplaceAll(out, ` src=""`, "")
	out = imgTag.ReplaceAllStringFunc(out, func(tag string) string {
		if strings.Contains(tag, ` src="`) {
			return tag
		}
		return ""
	})
	return strings.TrimSpace(out)
}

// htmlToText renders HTML as readable plain text: tags stripped, entities
// decoded, paragraphs and line breaks kept, scripts and styles dropped.
func htmlToText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip, pre := 0, 0
	newlines := 2 // pending line breaks already written (start of text counts as a paragraph)
	space := false
	brk := func(n int) {
		for newlines < n {
			b.WriteByte('\n')
			newlines++
		}
		space = false
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return tidyText(b.String())
		case html.TextToken:
			if skip > 0 {
				continue
			}
			t := strings.ReplaceAll(string(z.Text()), "\u00a0", " ")
			if t == "" {
				continue
			}
			if pre > 0 {
				b.WriteString(t)
				newlines = 0
				if strings.HasSuffix(t, "\n") {
					newlines = 1
				}
				continue
			}
			if isHTMLSpace(rune(t[0])) {
				space = true
			}
			for i, w := range strings.FieldsFunc(t, isHTMLSpace) {
				if (i > 0 || space) && newlines == 0 && b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(w)
				newlines, space = 0, false
			}
			if isHTMLSpace(rune(t[len(t)-1])) {
				space = true
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			tag := string(name)
			switch tag {
			case "script", "style", "title", "template", "noscript", "head":
				if tag == "head" {
					continue
				}
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch tag {
			case "br":
				b.WriteByte('\n')
				newlines++
				space = false
			case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "ul", "ol", "dl", "hr", "section", "article", "header", "footer", "address", "figure":
				brk(2)
			case "pre":
				brk(2)
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
			case "tr", "dt", "dd":
				brk(1)
			case "li":
				if tt != html.EndTagToken {
					brk(1)
					b.WriteString("- ")
					newlines = 0
				} else {
					brk(1)
				}
			case "td", "th":
				if tt == html.StartTagToken && newlines == 0 {
					b.WriteByte('\t')
					space = false
				}
			default:
				// Inline elements: a word boundary at most.
			}
		}
	}
}

func isHTMLSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\f':
		return true
	}
	return false
}

// tidyText trims trailing spaces on each line and allows at most one blank
// line in a row.
func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRight(l, " \t")
		if strings.TrimSpace(l) == "" {
			blank++
			if blank > 1 {
				continue
			}
			l = ""
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
