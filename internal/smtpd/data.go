package smtpd

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// Reading DATA ourselves.
//
// go-smtp's DATA reader (v0.25.1, and v0.26.0 alike) loses track of the
// line start after CR CR LF: its state machine drops the second CR's
// "possibly end of line" state, so a message whose last line ends in a bare
// CR (Python's smtplib sends "…\r" + "\r\n.\r\n" for a body ending in "\r")
// never ends, the transaction times out and the client retries for ever;
// and a stuffed dot on the line after such a CR is kept ("..x" stored for
// ".x"). So the connection reads the DATA section itself, with dotReader,
// straight from the socket, and then hands go-smtp's own reader an empty
// message (".\r\n"), which it cannot get wrong.
//
// That needs go-smtp to have buffered nothing of the message when DATA
// starts, so trackedConn hands go-smtp at most one line per Read: go-smtp's
// buffer never holds more than the line it is parsing, and after the DATA
// command line it is empty. It needs to know when DATA starts too: right
// after go-smtp writes the 354 reply, which is the only place it does, it
// calls the session's Data on the same goroutine.

// readBufSize is how much is read from the network at a time.
const readBufSize = 32 << 10

// endOfData is what go-smtp's reader is given once dotReader has read a
// message: the end marker of an empty message.
var endOfData = []byte(".\r\n")

// errDataLineTooLong ends a message with a line over MaxLineLength (after
// the rest of it has been read and dropped).
var errDataLineTooLong = errors.New("smtpd: line too long in message")

// Read hands go-smtp the client's bytes, at most one line per call (see
// above), and after a DATA section read by dotReader the end marker of an
// empty one.
func (c *trackedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		return n, nil
	}
	if err := c.fill(); err != nil {
		return 0, err
	}
	b := c.rbuf[c.rpos:c.rend]
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	}
	n := copy(p, b)
	c.rpos += n
	return n, nil
}

// fill reads from the network when everything read before has been handed
// on. A read error is kept: the connection is not read from again.
func (c *trackedConn) fill() error {
	if c.rpos < c.rend {
		return nil
	}
	if c.rerr != nil {
		return c.rerr
	}
	if c.rbuf == nil {
		c.rbuf = make([]byte, readBufSize)
	}
	n, err := c.Conn.Read(c.rbuf)
	c.rpos, c.rend = 0, n
	if err == nil && n == 0 {
		err = io.ErrNoProgress
	}
	if err != nil {
		c.rerr = err
		if n == 0 {
			return err
		}
	}
	return nil
}

// fail makes the connection unreadable after a DATA section that was not
// read to its end: what follows is no command, so go-smtp's next read ends
// the connection (after it has written the reply to the message).
func (c *trackedConn) fail() {
	c.rpos, c.rend = 0, 0
	c.pending = nil
	c.rerr = io.EOF
}

// Write notes a 354 reply: the session's Data that follows reads the
// message with dotReader.
func (c *trackedConn) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, []byte("354 ")) {
		c.dataStarts.Store(true)
	}
	return c.Conn.Write(p)
}

// Deadlines: every read waits at most until the session's end, and during
// a mail transaction until the transaction's.

// SetReadDeadline is go-smtp's per-command read timeout, shortened to the
// end of the session or of the mail transaction when that comes first.
func (c *trackedConn) SetReadDeadline(t time.Time) error {
	return c.Conn.SetReadDeadline(c.clamp(t))
}

// clamp is t, or the session's or transaction's end when earlier.
func (c *trackedConn) clamp(t time.Time) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, end := range []time.Time{c.sessionEnd, c.txEnd} {
		if !end.IsZero() && (t.IsZero() || end.Before(t)) {
			t = end
		}
	}
	return t
}

// beginTx starts a mail transaction's deadline (at MAIL FROM); endTx ends it
// (once the reply to its message is written, or on RSET).
func (c *trackedConn) beginTx(end time.Time) {
	c.mu.Lock()
	c.txEnd = end
	c.mu.Unlock()
}

func (c *trackedConn) endTx() {
	c.mu.Lock()
	c.txEnd = time.Time{}
	c.mu.Unlock()
}

// txDeadline is when the mail transaction must be over; zero outside one.
func (c *trackedConn) txDeadline() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.txEnd
}

// expired says which deadline, if any, has passed: "transaction",
// "session" or "".
func (c *trackedConn) expired(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case !c.txEnd.IsZero() && !now.Before(c.txEnd):
		return "transaction"
	case !c.sessionEnd.IsZero() && !now.Before(c.sessionEnd):
		return "session"
	}
	return ""
}

// takeDataStart reports (once) whether go-smtp has just answered DATA with
// 354, so the message is next on the wire.
func (c *trackedConn) takeDataStart() bool { return c.dataStarts.Swap(false) }

// dotState is where dotReader is in a line.
type dotState uint8

const (
	atLineStart dotState = iota // the first octet of a line is next
	afterDot                    // read a "." at the start of a line
	afterDotCR                  // read ".\r" at the start of a line
	afterCR                     // read "\r" (maybe the end of a line)
	inLine                      // in the middle of a line
)

// dotReader reads one DATA section from the connection (RFC 5321 4.5.2):
// the message as sent, CRLF kept, with the dot that stuffs a line starting
// with "." removed, up to the "." line that ends it. Every CR is checked
// for the LF that ends a line, whatever came before it. A line longer than
// maxLine octets (CRLF included) makes the rest of the message be read and
// dropped, then Read returns errDataLineTooLong.
//
// When the end is read, go-smtp is handed endOfData; when reading fails,
// the connection is failed (see trackedConn.fail).
type dotReader struct {
	c       *trackedConn
	timeout time.Duration // the longest wait for more data
	maxLine int

	state   dotState
	line    int // octets of the current line read so far
	tooLong bool
	err     error // io.EOF at the end marker; set, nothing more is read
}

func (c *trackedConn) newDotReader(timeout time.Duration, maxLine int) *dotReader {
	return &dotReader{c: c, timeout: timeout, maxLine: maxLine}
}

func (d *dotReader) Read(p []byte) (int, error) {
	n := 0
	for n == 0 && d.err == nil && len(p) > 0 {
		if d.c.rpos == d.c.rend {
			// Each wait for the client is bounded, and none goes past the
			// session's or the transaction's end.
			d.c.Conn.SetReadDeadline(d.c.clamp(time.Now().Add(d.timeout)))
		}
		if err := d.c.fill(); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF // the client left mid-message
			}
			d.err = err
			d.c.fail()
			break
		}
		n = d.decode(p)
	}
	if n > 0 {
		return n, nil
	}
	return 0, d.err
}

// decode moves what the connection has buffered into p, as far as p has
// room or the message ends.
func (d *dotReader) decode(p []byte) int {
	buf := d.c.rbuf[d.c.rpos:d.c.rend]
	i, n := 0, 0
	for i < len(buf) && n < len(p) {
		if d.state == inLine {
			// The bulk of a message: copy up to the next CR or LF at once.
			seg := buf[i:min(len(buf), i+len(p)-n)]
			if j := bytes.IndexByte(seg, '\r'); j >= 0 {
				seg = seg[:j]
			}
			if j := bytes.IndexByte(seg, '\n'); j >= 0 {
				seg = seg[:j]
			}
			if len(seg) > 0 {
				if d.line += len(seg); d.line > d.maxLine {
					d.tooLong = true
				}
				if !d.tooLong {
					n += copy(p[n:], seg)
				}
				i += len(seg)
				continue
			}
		}
		b := buf[i]
		keep := true
		switch d.state {
		case atLineStart:
			switch b {
			case '.':
				d.state, keep = afterDot, false
			case '\r':
				d.state = afterCR
			default:
				d.state = inLine
			}
		case afterDot:
			if b == '\r' {
				d.state, keep = afterDotCR, false
			} else {
				d.state = inLine
			}
		case afterDotCR:
			if b == '\n' {
				d.c.rpos += i + 1
				d.end()
				return n
			}
			// The CR after a stuffed dot was part of the line: keep it,
			// and look at b again as after any CR.
			if !d.tooLong {
				p[n] = '\r'
				n++
			}
			d.state = afterCR
			continue
		case afterCR:
			switch b {
			case '\n':
				d.state = atLineStart
			case '\r': // still maybe the end of a line: go-smtp's bug
			default:
				d.state = inLine
			}
		case inLine:
			if b == '\r' {
				d.state = afterCR
			}
		}
		i++
		if d.line++; d.line > d.maxLine {
			d.tooLong = true
		}
		if b == '\n' {
			d.line = 0
		}
		if keep && !d.tooLong {
			p[n] = b
			n++
		}
	}
	d.c.rpos += i
	return n
}

// end is the end marker read: go-smtp gets its empty message.
func (d *dotReader) end() {
	d.err = io.EOF
	if d.tooLong {
		d.err = errDataLineTooLong
	}
	d.c.pending = endOfData
}

// finish is called when the session is done with the message: what is left
// of it is read and dropped when drain is set, or else the connection is
// failed, so go-smtp never reads message lines as commands.
func (d *dotReader) finish(drain bool) {
	if d.err != nil {
		return
	}
	if drain {
		io.Copy(io.Discard, d)
		return
	}
	d.err = io.ErrUnexpectedEOF
	d.c.fail()
}
