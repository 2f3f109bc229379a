package smtpd_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/slatrack/slatrack/internal/desk"
	"github.com/slatrack/slatrack/internal/smtpd"
)

// greet connects from the loopback address local (all of 127/8 is
// loopback on Linux, so each is another client address) and reads the
// greeting.
func greet(t *testing.T, addr, local string) (net.Conn, int, string) {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	code, msg, _ := textproto.NewReader(bufio.NewReader(conn)).ReadResponse(0)
	return conn, code, msg
}

func TestSessionLimits(t *testing.T) {
	_, addr := start(t, smtpd.Config{MaxSessions: 3, MaxSessionsPerIP: 2}, (&recorder{}).deliver)
	refused := func(local, why string) {
		t.Helper()
		conn, code, msg := greet(t, addr, local)
		if code != 421 || !strings.HasPrefix(msg, "4.7.0 ") || !strings.Contains(msg, why+", try again later") {
			t.Errorf("from %s: greeting %d %q, want 421 4.7.0 … %s", local, code, msg, why)
		}
		if _, err := conn.Read(make([]byte, 1)); err == nil {
			t.Errorf("from %s: connection left open after the 421", local)
		}
	}
	a1, code, _ := greet(t, addr, "127.0.0.1")
	if code != 220 {
		t.Fatalf("first connection: %d", code)
	}
	if _, code, _ := greet(t, addr, "127.0.0.1"); code != 220 {
		t.Fatalf("second connection: %d", code)
	}
	refused("127.0.0.1", "too many connections from your address")
	if _, code, _ := greet(t, addr, "127.0.0.2"); code != 220 {
		t.Fatalf("another address: %d", code)
	}
	refused("127.0.0.3", "too many connections")

	// A connection that ends makes room again.
	a1.Close()
	for deadline := time.Now().Add(5 * time.Second); ; {
		_, code, _ := greet(t, addr, "127.0.0.1")
		if code == 220 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no room after a connection closed: %d", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTransactionTimeout(t *testing.T) {
	const limit = time.Second
	// A client that sends one byte every 100 ms is never idle for
	// ReadTimeout, so only the transaction's deadline stops it.
	t.Run("slow drip in DATA", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{}
		_, addr := start(t, smtpd.Config{TransactionTimeout: limit}, rec.deliver)
		c := dialRaw(t, addr)
		began := time.Now()
		c.startData("alice@customer.example")
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			msg := message("drip", strings.Repeat("x", 1000))
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				if _, err := c.conn.Write(msg[i%len(msg) : i%len(msg)+1]); err != nil {
					return
				}
			}
		}()
		code, msg, _ := c.reply()
		took := time.Since(began)
		if code != 421 || msg != "4.4.2 transaction time limit (1s) exceeded, closing connection" {
			t.Errorf("reply %d %q, want 421 4.4.2 transaction time limit", code, msg)
		}
		if took < limit-100*time.Millisecond || took > limit+3*time.Second {
			t.Errorf("reply after %v, want about %v", took, limit)
		}
		if _, _, err := c.reply(); err == nil {
			t.Error("connection still open after the 421")
		}
		if n := len(rec.deliveries()); n != 0 {
			t.Errorf("%d deliveries of a message never finished", n)
		}
	})

	t.Run("slow commands", func(t *testing.T) {
		t.Parallel()
		_, addr := start(t, smtpd.Config{TransactionTimeout: limit}, (&recorder{}).deliver)
		c := dialRaw(t, addr)
		began := time.Now()
		c.send("MAIL FROM:<alice@customer.example>\r\n")
		c.expect(250)
		for {
			time.Sleep(200 * time.Millisecond)
			c.conn.Write([]byte("NOOP\r\n"))
			code, msg, _ := c.reply()
			if code == 250 && time.Since(began) < limit+3*time.Second {
				continue
			}
			if code != 421 || !strings.HasPrefix(msg, "4.4.2") {
				t.Errorf("after %v: %d %q, want 421 4.4.2", time.Since(began), code, msg)
			}
			break
		}
		if took := time.Since(began); took < limit-100*time.Millisecond {
			t.Errorf("closed after %v, before the limit", took)
		}
	})

	t.Run("each transaction has its own", func(t *testing.T) {
		t.Parallel()
		rec := &recorder{}
		_, addr := start(t, smtpd.Config{TransactionTimeout: limit}, rec.deliver)
		c := dial(t, addr)
		for i := range 3 { // 1.5 s in all, half a second each
			if err := c.Mail("alice@customer.example", nil); err != nil {
				t.Fatal(err)
			}
			if err := c.Rcpt(deskAddr, nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(limit / 2)
			w, err := c.Data()
			if err != nil {
				t.Fatal(err)
			}
			w.Write(message(fmt.Sprint("own", i), "hi\r\n"))
			if err := w.Close(); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
	})

	t.Run("storing is bounded by it", func(t *testing.T) {
		t.Parallel()
		var deadline atomic.Value
		rec := &recorder{wait: func(ctx context.Context) error {
			d, _ := ctx.Deadline()
			deadline.Store(d)
			<-ctx.Done()
			return desk.Errorf(desk.Unavailable, "store: %v", ctx.Err())
		}}
		_, addr := start(t, smtpd.Config{TransactionTimeout: limit}, rec.deliver)
		c := dialRaw(t, addr)
		began := time.Now()
		c.startData("alice@customer.example")
		c.send(string(message("stuck", "hi\r\n")) + ".\r\n")
		code, msg, err := c.reply()
		took := time.Since(began)
		if code != 451 {
			t.Errorf("a store that never answers: %d %q %v, want 451", code, msg, err)
		}
		if took > limit+3*time.Second {
			t.Errorf("451 after %v", took)
		}
		if d, _ := deadline.Load().(time.Time); d.IsZero() || d.Sub(began) > limit+500*time.Millisecond {
			t.Errorf("Deliverer's deadline %v, want %v after MAIL FROM at %v", d, limit, began)
		}
	})

	t.Run("session", func(t *testing.T) {
		t.Parallel()
		_, addr := start(t, smtpd.Config{SessionTimeout: limit}, (&recorder{}).deliver)
		c := dialRaw(t, addr)
		began := time.Now()
		for {
			time.Sleep(200 * time.Millisecond)
			c.conn.Write([]byte("NOOP\r\n"))
			code, msg, _ := c.reply()
			if code == 250 && time.Since(began) < limit+3*time.Second {
				continue
			}
			if code != 421 || !strings.HasPrefix(msg, "4.4.2") {
				t.Errorf("after %v: %d %q, want 421 4.4.2", time.Since(began), code, msg)
			}
			break
		}
	})
}

// blocker is a Deliverer that holds every message of at least min bytes
// until released, counting how many it holds at once.
type blocker struct {
	min      int
	release  chan struct{}
	held     atomic.Int32
	maxHeld  atomic.Int32
	received atomic.Int32
}

func newBlocker(min int) *blocker { return &blocker{min: min, release: make(chan struct{})} }

func (b *blocker) deliver(ctx context.Context, raw []byte, _ smtpd.Envelope) error {
	if len(raw) < b.min {
		return nil
	}
	n := b.held.Add(1)
	defer b.held.Add(-1)
	for m := b.maxHeld.Load(); n > m && !b.maxHeld.CompareAndSwap(m, n); m = b.maxHeld.Load() {
	}
	b.received.Add(1)
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// heapPeak samples the bytes of heap objects until stop is closed and
// returns the largest seen.
func heapPeak(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		var peak uint64
		for {
			metrics.Read(s)
			peak = max(peak, s[0].Value.Uint64())
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return out
}

func TestInflightBudget(t *testing.T) {
	const (
		size   = 1 << 20 // each message
		budget = 5 << 20 // room for two of them, charged twice their size
	)
	body := strings.Repeat(strings.Repeat("z", 78)+"\r\n", size/80)

	// Twelve clients send at once, none declaring SIZE, and the first
	// messages received are held in the Deliverer: the rest must get 452
	// rather than pile up in memory.
	t.Run("parallel messages", func(t *testing.T) {
		const clients = 12
		b := newBlocker(size)
		srv, addr := start(t, smtpd.Config{MaxMessageBytes: 2 << 20, MaxInflightBytes: budget}, b.deliver)
		msgs := make([][]byte, clients)
		for i := range msgs {
			msgs[i] = message(fmt.Sprint("big", i), body)
		}
		runtime.GC()
		base := heapPeak(closedChan())
		stop := make(chan struct{})
		peak := heapPeak(stop)

		errs := make([]error, clients)
		var done atomic.Int32
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer done.Add(1)
				c, err := smtp.Dial(addr)
				if err != nil {
					errs[i] = err
					return
				}
				defer c.Close()
				errs[i] = send(c, fmt.Sprintf("c%d@customer.example", i), []string{deskAddr}, msgs[i])
			}()
		}
		// Every client either has its answer or is held in the Deliverer.
		for deadline := time.Now().Add(20 * time.Second); done.Load()+b.held.Load() < clients; {
			if time.Now().After(deadline) {
				t.Fatalf("%d answered, %d held, of %d clients", done.Load(), b.held.Load(), clients)
			}
			time.Sleep(5 * time.Millisecond)
		}
		close(stop)
		grew := int64(<-peak) - int64(<-base)
		close(b.release)
		wg.Wait()

		accepted := 0
		for i, err := range errs {
			var se *smtp.SMTPError
			switch {
			case err == nil:
				accepted++
			case errors.As(err, &se) && se.Code == 452 && se.EnhancedCode == (smtp.EnhancedCode{4, 3, 1}):
			default:
				t.Errorf("client %d: %v, want 250 or 452 4.3.1", i, err)
			}
		}
		t.Logf("%d of %d accepted, at most %d held at once, heap grew by %.1f MiB (budget %d MiB)",
			accepted, clients, b.maxHeld.Load(), float64(grew)/(1<<20), budget>>20)
		if accepted == 0 || int(b.received.Load()) != accepted {
			t.Errorf("%d accepted, %d received by the Deliverer", accepted, b.received.Load())
		}
		if held := int64(b.maxHeld.Load()); 2*held*size > budget {
			t.Errorf("%d messages of %d bytes held at once: over the %d-byte budget", held, size, budget)
		}
		if grew > 2*budget {
			t.Errorf("heap grew by %d bytes with a budget of %d", grew, budget)
		}
		if free := srv.InflightFree(); free != budget {
			t.Errorf("%d of the budget free after every transaction, want all %d", free, budget)
		}
	})

	// A client that declares SIZE hears at MAIL FROM when it does not fit.
	t.Run("SIZE that does not fit", func(t *testing.T) {
		b := newBlocker(size)
		srv, addr := start(t, smtpd.Config{MaxMessageBytes: 2 << 20, MaxInflightBytes: budget}, b.deliver)
		msg := message("sized", body)
		opts := &smtp.MailOptions{Size: int64(len(msg))}
		sent := make(chan error, 2)
		for i := range 2 {
			go func() {
				c, err := smtp.Dial(addr)
				if err != nil {
					sent <- err
					return
				}
				defer c.Close()
				if err := c.Hello("client.example"); err != nil {
					sent <- err
					return
				}
				if err := c.Mail(fmt.Sprintf("s%d@customer.example", i), opts); err != nil {
					sent <- err
					return
				}
				c.Rcpt(deskAddr, nil)
				w, err := c.Data()
				if err != nil {
					sent <- err
					return
				}
				w.Write(msg)
				sent <- w.Close()
			}()
		}
		for deadline := time.Now().Add(10 * time.Second); b.held.Load() < 2; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d messages held, want 2", b.held.Load())
			}
		}
		c := dial(t, addr)
		err := c.Mail("third@customer.example", opts)
		if se := smtpErr(t, err); se.Code != 452 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 1}) || !strings.Contains(se.Message, "try again later") {
			t.Errorf("MAIL with a SIZE that does not fit: %v, want 452 4.3.1", err)
		}
		// A small message still fits.
		if err := send(c, "small@customer.example", []string{deskAddr}, message("small", "hi\r\n")); err != nil {
			t.Errorf("small message: %v", err)
		}
		close(b.release)
		for range 2 {
			if err := <-sent; err != nil {
				t.Errorf("held message: %v", err)
			}
		}
		if err := c.Mail("third@customer.example", opts); err != nil {
			t.Errorf("MAIL with SIZE once there is room: %v", err)
		}
		c.Reset()
		if free := srv.InflightFree(); free != budget {
			t.Errorf("%d of the budget free, want all %d", free, budget)
		}
	})
}

// TestInflightBudget_LargestMessageFits checks the smallest budget still
// takes one message of the largest size, a whole number of chunks.
func TestInflightBudget_LargestMessageFits(t *testing.T) {
	const max = 32 * smtpd.ChunkSize
	rec := &recorder{}
	srv, addr := start(t, smtpd.Config{MaxMessageBytes: max, MaxInflightBytes: 1}, rec.deliver)
	head := message("largest", "")
	msg := append(head, strings.Repeat(strings.Repeat("y", 78)+"\r\n", (max-len(head))/80)...)
	for len(msg) < max-2 {
		msg = append(msg, 'y')
	}
	msg = append(msg, '\r', '\n')
	for _, size := range []int64{0, max} { // without SIZE, then declaring it
		c := dial(t, addr)
		if err := c.Mail("alice@customer.example", &smtp.MailOptions{Size: size}); err != nil {
			t.Fatalf("MAIL SIZE=%d: %v", size, err)
		}
		if err := c.Rcpt(deskAddr, nil); err != nil {
			t.Fatal(err)
		}
		w, err := c.Data()
		if err != nil {
			t.Fatal(err)
		}
		w.Write(msg)
		if err := w.Close(); err != nil {
			t.Errorf("message of the largest size, SIZE=%d: %v", size, err)
		}
	}
	if n := len(rec.deliveries()); n != 2 {
		t.Errorf("%d deliveries, want 2", n)
	}
	if free := srv.InflightFree(); free != 2*(max+smtpd.ChunkSize) {
		t.Errorf("budget %d free, want the raised minimum %d", free, 2*(max+smtpd.ChunkSize))
	}
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

func TestSenderLimit(t *testing.T) {
	// msgFrom is a message whose header From: is from.
	msgFrom := func(from, id string) []byte {
		return []byte("From: " + from + "\r\nTo: support@desk.example\r\nSubject: hello\r\nMessage-ID: <" + id + "@customer.example>\r\n\r\nhi\r\n")
	}
	const over = "4.7.1 too many messages from this sender (at most 2 per 1h), try again later"

	t.Run("envelope sender refused at MAIL FROM", func(t *testing.T) {
		rec := &recorder{}
		_, addr := start(t, smtpd.Config{SenderLimit: 2}, rec.deliver)
		c := dial(t, addr)
		for i := range 2 {
			if err := send(c, "alice@customer.example", []string{deskAddr}, msgFrom("alice@customer.example", fmt.Sprint("a", i))); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		err := c.Mail("Alice@Customer.example", nil)
		if se := smtpErr(t, err); se.Code != 450 || "4.7.1 "+se.Message != over {
			t.Errorf("third message: %v, want 450 %s", err, over)
		}
		// Another sender is not held up.
		if err := send(c, "bob@customer.example", []string{deskAddr}, msgFrom("bob@customer.example", "b")); err != nil {
			t.Errorf("another sender: %v", err)
		}
	})

	t.Run("header From counted too", func(t *testing.T) {
		rec := &recorder{}
		_, addr := start(t, smtpd.Config{SenderLimit: 2}, rec.deliver)
		c := dial(t, addr)
		var err error
		for i := range 3 {
			err = send(c, fmt.Sprintf("bounce-%d@list.example", i), []string{deskAddr}, msgFrom("Alice <alice@customer.example>", fmt.Sprint("h", i)))
			if i < 2 && err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		if se := smtpErr(t, err); se.Code != 450 || "4.7.1 "+se.Message != over {
			t.Errorf("third message from the same From: %v, want 450", err)
		}
		if n := len(rec.deliveries()); n != 2 {
			t.Errorf("%d deliveries, want 2", n)
		}
	})

	t.Run("messages not stored do not count", func(t *testing.T) {
		rec := &recorder{err: desk.Errorf(desk.Unavailable, "store down")}
		_, addr := start(t, smtpd.Config{SenderLimit: 2}, rec.deliver)
		c := dial(t, addr)
		for i := range 3 {
			if err := send(c, "alice@customer.example", []string{deskAddr}, msgFrom("alice@customer.example", fmt.Sprint("f", i))); smtpCode(err) != 451 {
				t.Fatalf("message %d to a store that is down: %v", i, err)
			}
		}
		rec.mu.Lock()
		rec.err = nil
		rec.mu.Unlock()
		for i := range 2 {
			if err := send(c, "alice@customer.example", []string{deskAddr}, msgFrom("alice@customer.example", fmt.Sprint("g", i))); err != nil {
				t.Errorf("message %d once the store is back: %v", i, err)
			}
		}
	})

	t.Run("concurrent messages cannot overshoot", func(t *testing.T) {
		const clients = 10
		rec := &recorder{}
		_, addr := start(t, smtpd.Config{SenderLimit: 3}, rec.deliver)
		var wg sync.WaitGroup
		var refused atomic.Int32
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c, err := smtp.Dial(addr)
				if err != nil {
					t.Error(err)
					return
				}
				defer c.Close()
				err = send(c, "alice@customer.example", []string{deskAddr}, msgFrom("alice@customer.example", fmt.Sprint("c", i)))
				switch {
				case smtpCode(err) == 450:
					refused.Add(1)
				case err != nil:
					t.Errorf("client %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if n := len(rec.deliveries()); n != 3 || refused.Load() != clients-3 {
			t.Errorf("%d delivered and %d refused, want 3 and %d", n, refused.Load(), clients-3)
		}
	})

	t.Run("refills over the window", func(t *testing.T) {
		const window = 300 * time.Millisecond
		_, addr := start(t, smtpd.Config{SenderLimit: 1, RateWindow: window}, (&recorder{}).deliver)
		c := dial(t, addr)
		if err := send(c, "alice@customer.example", []string{deskAddr}, msgFrom("alice@customer.example", "r1")); err != nil {
			t.Fatal(err)
		}
		if err := c.Mail("alice@customer.example", nil); smtpCode(err) != 450 {
			t.Errorf("second message at once: %v, want 450", err)
		}
		time.Sleep(window + 100*time.Millisecond)
		if err := send(c, "alice@customer.example", []string{deskAddr}, msgFrom("alice@customer.example", "r2")); err != nil {
			t.Errorf("after the window: %v", err)
		}
	})

	t.Run("per client address", func(t *testing.T) {
		_, addr := start(t, smtpd.Config{ClientLimit: 2}, (&recorder{}).deliver)
		c := dial(t, addr)
		for i := range 2 {
			from := fmt.Sprintf("user%d@customer.example", i)
			if err := send(c, from, []string{deskAddr}, msgFrom(from, fmt.Sprint("p", i))); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		}
		err := c.Mail("new@customer.example", nil)
		if se := smtpErr(t, err); se.Code != 450 || !strings.Contains(se.Message, "too many messages from your address (at most 2 per 1h)") {
			t.Errorf("third message from the address: %v, want 450 4.7.1", err)
		}
	})
}
