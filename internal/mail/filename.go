package mail

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

const maxFilenameRunes = 200

// extByType gives an extension for unnamed attachments. It is a fixed
// table (not mime.ExtensionsByType) so names do not depend on the host's
// mime.types files.
var extByType = map[string]string{
	"application/pdf":          ".pdf",
	"application/zip":          ".zip",
	"application/gzip":         ".gz",
	"application/json":         ".json",
	"application/xml":          ".xml",
	"application/msword":       ".doc",
	"application/vnd.ms-excel": ".xls",
	"application/rtf":          ".rtf",
	"application/ms-tnef":      ".dat",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   ".docx",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         ".xlsx",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
	"application/pkcs7-signature":                                               ".p7s",
	"application/x-pkcs7-signature":                                             ".p7s",
	"application/pgp-signature":                                                 ".asc",
	"application/octet-stream":                                                  ".bin",
	"image/png":                                                                 ".png",
	"image/jpeg":                                                                ".jpg",
	"image/jpg":                                                                 ".jpg",
	"image/pjpeg":                                                               ".jpg",
	"image/gif":                                                                 ".gif",
	"image/webp":                                                                ".webp",
	"image/bmp":                                                                 ".bmp",
	"image/tiff":                                                                ".tif",
	"image/svg+xml":                                                             ".svg",
	"image/heic":                                                                ".heic",
	"text/plain":                                                                ".txt",
	"text/html":                                                                 ".html",
	"text/csv":                                                                  ".csv",
	"text/calendar":                                                             ".ics",
	"text/vcard":                                                                ".vcf",
	"text/x-vcard":                                                              ".vcf",
	"text/rfc822-headers":                                                       ".txt",
	"message/rfc822":                                                            ".eml",
	"message/global":                                                            ".eml",
	"message/delivery-status":                                                   ".txt",
	"audio/mpeg":                                                                ".mp3",
	"video/mp4":                                                                 ".mp4",
}

func extForType(ct string) string {
	if e, ok := extByType[ct]; ok {
		return e
	}
	switch {
	case strings.HasPrefix(ct, "text/"):
		return ".txt"
	case strings.HasPrefix(ct, "image/"), strings.HasPrefix(ct, "application/"), strings.HasPrefix(ct, "audio/"), strings.HasPrefix(ct, "video/"):
		return ".bin"
	}
	return ""
}

// windowsReserved are device names Windows will not open as files.
var windowsReserved = map[string]bool{
	"CON": true, "PRN": true, "AUX": true, "NUL": true,
	"COM1": true, "COM2": true, "COM3": true, "COM4": true, "COM5": true, "COM6": true, "COM7": true, "COM8": true, "COM9": true,
	"LPT1": true, "LPT2": true, "LPT3": true, "LPT4": true, "LPT5": true, "LPT6": true, "LPT7": true, "LPT8": true, "LPT9": true,
}

// cleanFilename makes an attachment name safe to show and to save: only
// the last path element, no control or bidi/format characters (so
// "invoice\u202Egpj.exe" shows its real extension), no characters Windows
// forbids, no leading dots, at most 200 runes (keeping the extension), and
// never empty ("attachment" plus an extension guessed from ct).
func cleanFilename(name, ct string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0, r == utf8.RuneError:
			return -1
		case unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029':
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Join(strings.Fields(name), " ")
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ")
	if name != "" {
		base := strings.ToUpper(strings.TrimSuffix(name, path.Ext(name)))
		if windowsReserved[base] {
			name = "_" + name
		}
	}
	if utf8.RuneCountInString(name) > maxFilenameRunes {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 20 {
			ext = ""
		}
		base := []rune(strings.TrimSuffix(name, ext))
		base = base[:maxFilenameRunes-utf8.RuneCountInString(ext)]
		name = strings.TrimRight(string(base), ". ") + ext
	}
	if name == "" {
		name = "attachment" + extForType(ct)
	}
	return name
}
