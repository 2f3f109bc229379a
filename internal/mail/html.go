package mail

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
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
	b.Grow(len(s) / 4)
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
			t := z.Text() // unescaped; valid until the next token
			if len(t) == 0 {
				continue
			}
			if pre > 0 {
				b.Write(bytes.ReplaceAll(t, nbsp, []byte(" ")))
				newlines = 0
				if t[len(t)-1] == '\n' {
					newlines = 1
				}
				continue
			}
			for i := 0; i < len(t); {
				if n := htmlSpaceAt(t, i); n > 0 {
					space = true
					i += n
					continue
				}
				j := i
				for j < len(t) && htmlSpaceAt(t, j) == 0 {
					j++
				}
				if space && newlines == 0 && b.Len() > 0 {
					b.WriteByte(' ')
				}
				b.Write(t[i:j])
				newlines, space = 0, false
				i = j
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch tag := atom.Lookup(name); tag {
			case atom.Script, atom.Style, atom.Title:
				// Raw-text elements: the tokenizer hands over their content as
				// one text token, so a missing end tag cannot hide the rest.
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Noscript, atom.Noembed, atom.Noframes, atom.Iframe:
				// Fallback content, which mail clients show: markup, not raw text.
				if tt == html.StartTagToken {
					z.NextIsNotRawText()
				}
			case atom.Br:
				if skip == 0 {
					b.WriteByte('\n')
					newlines++
					space = false
				}
			case atom.P, atom.Div, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote, atom.Table,
				atom.Ul, atom.Ol, atom.Dl, atom.Hr, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Address, atom.Figure:
				brk(2)
			case atom.Pre:
				brk(2)
				if tt == html.StartTagToken {
					pre++
				} else if tt == html.EndTagToken && pre > 0 {
					pre--
				}
			case atom.Tr, atom.Dt, atom.Dd:
				brk(1)
			case atom.Li:
				brk(1)
				if tt != html.EndTagToken {
					b.WriteString("- ")
					newlines = 0
				}
			case atom.Td, atom.Th:
				if tt == html.StartTagToken && newlines == 0 {
					b.WriteByte('\t')
					space = false
				}
			}
		}
	}
}

var nbsp = []byte("\u00a0")

// htmlSpaceAt returns the length of the white space (HTML space characters
// or a no-break space) at t[i], or 0.
func htmlSpaceAt(t []byte, i int) int {
	switch t[i] {
	case ' ', '\t', '\n', '\r', '\f':
		return 1
	case 0xc2:
		if i+1 < len(t) && t[i+1] == 0xa0 {
			return 2
		}
	}
	return 0
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
