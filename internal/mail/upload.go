package mail

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
)

// Upload is a file a person attached by hand (a staff reply, the web
// form), before it is checked.
type Upload struct {
	Filename    string
	ContentType string
	Data        []byte
}

// CheckUploads applies inbound mail's limits (Limits.MaxAttachmentBytes
// per file, Limits.MaxAttachments files) and its filename cleaning to files
// people attach on a page or through the API, so a file is treated the
// same whichever way it came in. The content type is the declared one when
// it parses, else one sniffed from the bytes; it only labels the file, which
// is always served as a download. The error says which file and why, in
// words.
func CheckUploads(files []Upload, l Limits) ([]Attachment, error) {
	l = l.withDefaults()
	if len(files) > l.MaxAttachments {
		return nil, fmt.Errorf("at most %d files may be attached", l.MaxAttachments)
	}
	out := make([]Attachment, 0, len(files))
	for _, f := range files {
		if len(f.Data) == 0 && f.Filename == "" {
			continue // an empty file input
		}
		ct := uploadType(f)
		name := cleanFilename(f.Filename, ct)
		if len(f.Data) > l.MaxAttachmentBytes {
			return nil, fmt.Errorf("%s is %s; each file may be at most %s", name, sizeWords(int64(len(f.Data))), sizeWords(int64(l.MaxAttachmentBytes)))
		}
		if len(f.Data) == 0 {
			return nil, fmt.Errorf("%s is empty", name)
		}
		out = append(out, Attachment{Filename: name, ContentType: ct, Data: f.Data})
	}
	return out, nil
}

func uploadType(f Upload) string {
	// A generic declared type says nothing: the bytes may say more.
	if mt, _, err := mime.ParseMediaType(f.ContentType); err == nil && strings.Contains(mt, "/") && mt != "application/octet-stream" {
		return strings.ToLower(mt)
	}
	mt, _, _ := mime.ParseMediaType(http.DetectContentType(f.Data))
	return mt
}

// sizeWords is a file size for people: "12 KB", "10.5 MB".
func sizeWords(n int64) string {
	switch {
	case n >= 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MB"
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", (n+1023)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
