package email

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	mail "github.com/wneessen/go-mail"
)

// Config is an SMTP server and the sender address.
type Config struct {
	Host string
	// Port defaults to 465 for implicit TLS, 587 otherwise.
	Port int
	// ImplicitTLS speaks TLS from the first byte (SMTP_Protocol "smtps").
	ImplicitTLS bool
	// IgnoreTLS never upgrades a plain connection with STARTTLS
	// (SMTP_IgnoreTLS, Rocket.Chat's default). Without it, STARTTLS is used
	// whenever the server offers it.
	IgnoreTLS bool
	// RequireTLS refuses to send over an unencrypted connection.
	RequireTLS bool
	// Username and Password authenticate when Username is set (the
	// strongest mechanism the server offers).
	Username string
	Password string
	// From is the sender address (From_Email), "Name <address>" allowed.
	From string
	// TLS tunes the TLS client (nil: the system's roots, ServerName Host).
	TLS *tls.Config
	// Timeout bounds each SMTP step (default 30s).
	Timeout time.Duration
	// HeloName is the name sent in EHLO (default "localhost").
	HeloName string
}

// SettingsReader reads Rocket.Chat settings by id: the value, or nil when
// the setting does not exist (settings.Registry satisfies it).
type SettingsReader interface {
	Value(id string) any
}

// ConfigFromSettings reads SMTP_Protocol, SMTP_Host, SMTP_Port,
// SMTP_IgnoreTLS (true when not set, Rocket.Chat's default), SMTP_Username,
// SMTP_Password and From_Email.
func ConfigFromSettings(r SettingsReader) (Config, error) {
	str := func(id string) string { s, _ := r.Value(id).(string); return strings.TrimSpace(s) }
	ignoreTLS, ok := r.Value("SMTP_IgnoreTLS").(bool)
	c := Config{
		Host:        str("SMTP_Host"),
		ImplicitTLS: str("SMTP_Protocol") == "smtps",
		IgnoreTLS:   ignoreTLS || !ok,
		Username:    str("SMTP_Username"),
		Password:    func() string { s, _ := r.Value("SMTP_Password").(string); return s }(),
		From:        str("From_Email"),
	}
	if p := str("SMTP_Port"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return c, fmt.Errorf("email: SMTP_Port %q is not a port number", p)
		}
		c.Port = n
	}
	return c, nil
}

// ErrNotConfigured is returned by Send when no SMTP host is set.
var ErrNotConfigured = errors.New("email: SMTP is not configured (SMTP_Host)")

// Message is one e-mail.
type Message struct {
	From    string // default: Config.From
	To      string // "Name <address>" or an address
	ReplyTo string
	Subject string
	HTML    string // empty: plain text only
	Text    string
	// Headers are added as they are (List-Unsubscribe, ...).
	Headers map[string]string
	// IDSeed, when set, makes the Message-ID a function of it (the job's
	// key): a retried e-mail keeps its Message-ID, so that a receiving
	// system can drop a copy sent twice after a crash.
	IDSeed string
}

// Sender sends e-mails through one SMTP server.
type Sender struct {
	cfg Config
}

// NewSender returns a sender for cfg; it does not connect.
func NewSender(cfg Config) *Sender {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.HeloName == "" {
		cfg.HeloName = "localhost"
	}
	return &Sender{cfg: cfg}
}

// Send delivers one message: a connection, the message, QUIT.
func (s *Sender) Send(ctx context.Context, m Message) error {
	c := s.cfg
	if c.Host == "" {
		return ErrNotConfigured
	}
	opts := []mail.Option{mail.WithTimeout(c.Timeout), mail.WithHELO(c.HeloName)}
	port := c.Port
	tlsConf := c.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
	}
	opts = append(opts, mail.WithTLSConfig(tlsConf))
	switch {
	case c.ImplicitTLS:
		if port == 0 {
			port = 465
		}
		opts = append(opts, mail.WithSSL())
	case c.RequireTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case c.IgnoreTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSOpportunistic))
	}
	if port == 0 {
		port = 587
	}
	opts = append(opts, mail.WithPort(port))
	if c.Username != "" {
		// The strongest mechanism offered; PLAIN and LOGIN only over TLS,
		// except to a server on this machine, where nothing crosses a network.
		auth := mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover)
		if isLoopback(c.Host) {
			auth = mail.WithOpportunisticSMTPAuth(mail.SMTPAuthSCRAMSHA256, mail.SMTPAuthSCRAMSHA1, mail.SMTPAuthCramMD5,
				mail.SMTPAuthPlain, mail.SMTPAuthLogin, mail.SMTPAuthPlainNoEnc, mail.SMTPAuthLoginNoEnc)
		}
		opts = append(opts, auth, mail.WithUsername(c.Username), mail.WithPassword(c.Password))
	}
	client, err := mail.NewClient(c.Host, opts...)
	if err != nil {
		return fmt.Errorf("email: %w", err)
	}
	msg, err := s.build(m)
	if err != nil {
		return err
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("email: send to %s: %w", m.To, err)
	}
	return nil
}

func (s *Sender) build(m Message) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	from := m.From
	if from == "" {
		from = s.cfg.From
	}
	if from == "" {
		return nil, errPermanent{errors.New("email: no sender address (From_Email)")}
	}
	if err := msg.From(from); err != nil {
		return nil, errPermanent{fmt.Errorf("email: sender %q: %w", from, err)}
	}
	if err := msg.To(m.To); err != nil {
		return nil, errPermanent{fmt.Errorf("email: recipient %q: %w", m.To, err)}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return nil, errPermanent{fmt.Errorf("email: reply-to %q: %w", m.ReplyTo, err)}
		}
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	if m.IDSeed != "" {
		sum := sha256.Sum256([]byte(m.IDSeed))
		msg.SetMessageIDWithValue(hex.EncodeToString(sum[:16]) + "@" + domainOf(from))
	} else {
		msg.SetMessageID()
	}
	for k, v := range m.Headers {
		msg.SetGenHeader(mail.Header(k), v)
	}
	text := m.Text
	if text == "" && m.HTML != "" {
		text = HTMLToText(m.HTML)
	}
	msg.SetBodyString(mail.TypeTextPlain, text)
	if m.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	}
	return msg, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// domainOf returns the domain of an address ("Name <a@b.org>" gives b.org).
func domainOf(addr string) string {
	addr = strings.TrimSpace(addr)
	if i := strings.LastIndexByte(addr, '<'); i >= 0 {
		addr = strings.TrimSuffix(addr[i+1:], ">")
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i+1 < len(addr) {
		return addr[i+1:]
	}
	return "localhost"
}

type errPermanent struct{ err error }

func (e errPermanent) Error() string { return e.err.Error() }
func (e errPermanent) Unwrap() error { return e.err }

// Permanent reports whether sending failed for good: the message is wrong
// (a bad address) or the server refused it with a 5xx answer. Other errors
// (server down, 4xx answers, timeouts) are worth retrying.
func Permanent(err error) bool {
	var p errPermanent
	if errors.As(err, &p) {
		return true
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		return !se.IsTemp() && code >= 500 && code < 600
	}
	return false
}
