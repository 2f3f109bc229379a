package mail

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
)

// outlookMessage builds a typical ~20 KB Outlook message: Exchange headers,
// related > alternative with a quoted reply thread, and a small inline
// image.
func outlookMessage() []byte {
	var b bytes.Buffer
	b.WriteString(`Received: from BN8PR09MB1234.namprd09.prod.outlook.com (2603:10b6:408:a1::12)
 by BN8PR09MB5678.namprd09.prod.outlook.com with HTTPS; Tue, 5 Mar 2024 14:02:11 +0000
From: "Doe, Jane (OCIO)" <Jane.Doe@agency.gov>
To: Service Desk <desk@slatrack.example.gov>
CC: "Smith, Bob" <bob.smith@agency.gov>
Subject: RE: [SR-1042] Printer on 3rd floor not working
Thread-Topic: [SR-1042] Printer on 3rd floor not working
Thread-Index: AdpvBdBJ2nJ0Qm9TRx6kP0Y3b7cHqQ==
Date: Tue, 5 Mar 2024 14:02:10 +0000
Message-ID: <BN8PR09MB12345E0A1C2D3F4B5A6C7D8E9F0A1B2C3D4E5@BN8PR09MB1234.namprd09.prod.outlook.com>
References: <sr-1042.abcdefgh.0123456789abcdef01234567@slatrack.example.gov>
In-Reply-To: <sr-1042.abcdefgh.0123456789abcdef01234567@slatrack.example.gov>
Accept-Language: en-US
X-MS-Has-Attach: yes
X-MS-TNEF-Correlator:
X-MS-Exchange-Organization-SCL: -1
Content-Type: multipart/related; boundary="_004_rel_"; type="multipart/alternative"
MIME-Version: 1.0

--_004_rel_
Content-Type: multipart/alternative; boundary="_000_alt_"

--_000_alt_
Content-Type: text/plain; charset="utf-8"
Content-Transfer-Encoding: quoted-printable

`)
	var text, html strings.Builder
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&text, "Line %d of the reply thread =E2=80=94 the printer on the 3rd floor still shows =\n\"Paper jam\" after the technician=E2=80=99s visit.\n", i)
		fmt.Fprintf(&html, "<p class=3D\"MsoNormal\">Line %d of the reply thread =E2=80=94 the printer on the 3rd fl=\noor still shows &quot;Paper jam&quot;.<o:p></o:p></p>\n", i)
	}
	b.WriteString(text.String())
	b.WriteString("\n--_000_alt_\nContent-Type: text/html; charset=\"utf-8\"\nContent-Transfer-Encoding: quoted-printable\n\n<html><head><style><!-- p.MsoNormal {margin:0in;} --></style></head><body>\n")
	b.WriteString(html.String())
	b.WriteString("<img src=3D\"cid:image001.png@01DA\"></body></html>\n\n--_000_alt_--\n\n--_004_rel_\nContent-Type: image/png; name=\"image001.png\"\nContent-Disposition: inline; filename=\"image001.png\"\nContent-ID: <image001.png@01DA>\nContent-Transfer-Encoding: base64\n\n")
	img := make([]byte, 6000)
	rand.New(rand.NewSource(1)).Read(img)
	b.WriteString(wrapBase64(img))
	b.WriteString("--_004_rel_--\n")
	return bytes.ReplaceAll(b.Bytes(), []byte("\n"), []byte("\r\n"))
}

// bigMessage builds a message of about size bytes: a short text and one
// base64 attachment taking up the rest.
func bigMessage(size int) []byte {
	head := simpleHead + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nSee the attached archive.\r\n--big\r\nContent-Type: application/zip; name=\"logs.zip\"\r\nContent-Disposition: attachment; filename=\"logs.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	tail := "--big--\r\n"
	room := size - len(head) - len(tail)
	n := room / 78 * 57 // 76 base64 chars + CRLF per 57 bytes
	data := make([]byte, n)
	rand.New(rand.NewSource(2)).Read(data)
	var b bytes.Buffer
	b.Grow(size)
	b.WriteString(head)
	b.WriteString(strings.ReplaceAll(wrapBase64(data), "\n", "\r\n"))
	b.WriteString(tail)
	return b.Bytes()
}

func wrapBase64(data []byte) string {
	e := base64.StdEncoding.EncodeToString(data)
	var sb strings.Builder
	sb.Grow(len(e) + len(e)/76 + 2)
	for len(e) > 76 {
		sb.WriteString(e[:76])
		sb.WriteByte('\n')
		e = e[76:]
	}
	sb.WriteString(e)
	sb.WriteByte('\n')
	return sb.String()
}

const bigSize = 25_000_000 // "25 MB", under the 25 MiB default limit

// bigLimits keep the big attachment (it is over the 10 MiB default), the
// worst case for memory.
var bigLimits = Limits{MaxAttachmentBytes: 25 << 20}

func BenchmarkParse(b *testing.B) {
	b.Run("outlook-20KB", func(b *testing.B) {
		raw := outlookMessage()
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(raw, Limits{}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("attachment-25MB", func(b *testing.B) {
		raw := bigMessage(bigSize)
		b.SetBytes(int64(len(raw)))
		b.ReportAllocs()
		for b.Loop() {
			m, err := Parse(raw, bigLimits)
			if err != nil || len(m.Attachments) != 1 {
				b.Fatal(err)
			}
		}
	})
}

func TestBenchMessagesParse(t *testing.T) {
	raw := outlookMessage()
	if len(raw) < 18_000 || len(raw) > 24_000 {
		t.Errorf("outlook message is %d bytes, want about 20 KB", len(raw))
	}
	m := mustParse(t, raw, Limits{})
	if m.Kind != KindNormal || len(m.Attachments) != 1 || !strings.Contains(m.Text, "Line 39 of the reply thread") || m.HTML == "" {
		t.Errorf("outlook message parsed wrong: %s %v %q", m.Kind, names(m.Attachments), m.Text[:80])
	}
}

// TestParseLargeMessageMemory: parsing a 25 MB message must not allocate
// more than 8× its size in total, and must not keep much more than the
// decoded attachment alive. Not timed.
func TestParseLargeMessageMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates ~100 MB")
	}
	raw := bigMessage(bigSize)
	if len(raw) > DefaultLimits().MaxMessageBytes || len(raw) < bigSize-100 {
		t.Fatalf("big message is %d bytes", len(raw))
	}
	for _, lim := range []Limits{bigLimits, {}} {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Parse(raw, lim)
		if err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		total := after.TotalAlloc - before.TotalAlloc
		inUse := int64(after.HeapInuse) - int64(before.HeapInuse)
		t.Logf("limits %+v: %d attachments; total allocated %.1f MB (%.2f× message), heap in use +%.1f MB",
			lim, len(m.Attachments), float64(total)/1e6, float64(total)/float64(len(raw)), float64(inUse)/1e6)
		if total > uint64(8*len(raw)) && !raceEnabled {
			t.Errorf("total allocation %d bytes is more than 8× the %d-byte message", total, len(raw))
		}
		if inUse > int64(3*len(raw)) && !raceEnabled {
			t.Errorf("heap in use grew by %d bytes for a %d-byte message", inUse, len(raw))
		}
		if lim == bigLimits && (len(m.Attachments) != 1 || len(m.Attachments[0].Data) < bigSize*57/78-1000) {
			t.Errorf("attachment not kept whole: %v", names(m.Attachments))
		}
		if lim == (Limits{}) && (len(m.Attachments) != 0 || !hasProblem(m, `attachment "logs.zip" dropped`)) {
			t.Errorf("default limits: attachment not dropped: %v %q", names(m.Attachments), m.Problems)
		}
		runtime.KeepAlive(m)
	}
}

// TestParseBigBodiesMemory: big text, HTML and format=flowed bodies and
// deep HTML nesting stay within a bounded multiple of the message size.
func TestParseBigBodiesMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates a few hundred MB")
	}
	bodies := map[string]string{
		"html":        "Content-Type: text/html; charset=utf-8\r\n\r\n" + strings.Repeat("<div><p>Some <b>text</b> &amp; <a href=\"https://x.example/\">link</a></p></div>\r\n", 60_000),
		"html-nested": "Content-Type: text/html\r\n\r\n" + strings.Repeat("<b>", 1_500_000) + "x",
		"qp-text":     "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("Gr=C3=BC=C3=9Fe aus K=C3=B6ln, a line of text =\r\nsoft broken.\r\n", 100_000),
		"flowed":      "Content-Type: text/plain; format=flowed\r\n\r\n" + strings.Repeat(strings.Repeat(">", 50)+" quoted soft \r\n", 80_000),
		"latin1":      "Content-Type: text/plain\r\n\r\n" + strings.Repeat("caf\xe9 ", 1_000_000),
	}
	for name, body := range bodies {
		raw := []byte(simpleHead + body)
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := Parse(raw, Limits{})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		total := after.TotalAlloc - before.TotalAlloc
		t.Logf("%-11s %4.1f MB: allocated %.1f× its size", name, float64(len(raw))/1e6, float64(total)/float64(len(raw)))
		if total > uint64(20*len(raw)) && !raceEnabled {
			t.Errorf("%s: allocated %d bytes for a %d-byte message", name, total, len(raw))
		}
		if len(m.HTML) > maxHTMLBytes*2 {
			t.Errorf("%s: sanitised HTML is %d bytes", name, len(m.HTML))
		}
		runtime.KeepAlive(m)
	}
}
