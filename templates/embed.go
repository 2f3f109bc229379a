// Package templates embeds slatrack's HTML templates: base.html is the page
// frame, partials_*.html hold shared fragments, and every other file is one
// page. The web package parses them once at start-up.
package templates

import "embed"

// FS holds every template file.
//
//go:embed *.html
var FS embed.FS
