// Package static embeds slatrack's stylesheet and scripts. The web package
// serves them under content-hashed names so browsers may cache them forever.
package static

import "embed"

// FS holds every static file.
//
//go:embed *.css *.svg *.js
var FS embed.FS
