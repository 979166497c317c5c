package alerts

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"mime"
	"net"
	"net/smtp"
	"strings"
	"time"
)

// Mailer sends one message to one address.
type Mailer interface {
	Send(ctx context.Context, to string, msg []byte) error
}

// SMTP sends mail through an SMTP server with the standard library's
// client: STARTTLS whenever the server offers it, and PLAIN authentication
// when a user is given (which net/smtp allows only over TLS or to
// localhost, so a password never crosses a network in the clear).
type SMTP struct {
	Addr     string // host:port
	User     string
	Password string
	From     string // envelope sender
}

// Send implements Mailer.
func (s *SMTP) Send(ctx context.Context, to string, msg []byte) error {
	var auth smtp.Auth
	if s.User != "" {
		host, _, _ := net.SplitHostPort(s.Addr)
		auth = smtp.PlainAuth("", s.User, s.Password, host)
	}
	done := make(chan error, 1)
	go func() { done <- smtp.SendMail(s.Addr, auth, s.From, []string{to}, msg) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// message is one plain-text mail.
type message struct {
	from, to, subject, body string
	// unsubscribe is the one-click unsubscribe URL (RFC 8058); "" for none.
	unsubscribe string
	now         time.Time
}

// bytes renders the message: UTF-8 text in base64, the subject encoded as
// RFC 2047 words, and for a digest the List-Unsubscribe and
// List-Unsubscribe-Post headers of RFC 8058 (the sending MTA's DKIM
// signature should cover both).
func (m *message) bytes() []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", m.from)
	h("To", m.to)
	h("Subject", mime.BEncoding.Encode("utf-8", m.subject))
	h("Date", m.now.Format(time.RFC1123Z))
	h("Message-ID", "<"+rand.Text()+"@"+domainOf(m.from)+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	h("Content-Transfer-Encoding", "base64")
	h("Auto-Submitted", "auto-generated")
	if m.unsubscribe != "" {
		h("List-Unsubscribe", "<"+m.unsubscribe+">")
		h("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(m.body, "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.Trim(addr[i+1:], "> ")
	}
	return "localhost"
}
