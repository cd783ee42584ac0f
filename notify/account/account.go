// Package account sends the account e-mails of password reset and
// address verification, and redeems their links, as Rocket.Chat's
// users.forgotPassword / sendForgotPasswordEmail / resetPassword and
// users.sendConfirmationEmail / verifyEmail do. The e-mails go through the
// durable job queue (their links leave the store with the finished job's
// payload) and the SMTP sender of package email.
//
// The links carry signed tokens, not stored ones: a reset token names the
// user, its expiry and a fingerprint of the user's current password hash,
// so it stops working once used (the hash changes) or when the password
// changes otherwise; a verification token names the user and the address.
// The signing key is the installation's own (Deps.Secret).
package account

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"liftoff/auth/pwpolicy"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/notify/email"
	"liftoff/settings/setting"
	"liftoff/store"
)

// KindMail is the job kind of an account e-mail.
const KindMail = "mail.account"

// resetLifetime is how long a password-reset link works (Meteor's
// default, three days).
const resetLifetime = 3 * 24 * time.Hour

// verifyLifetime is how long a verification link works.
const verifyLifetime = 7 * 24 * time.Hour

// Auth is what the service asks of authentication (auth.Service).
type Auth interface {
	SetPassword(ctx context.Context, userID, password string) error
	LogoutOthers(ctx context.Context, userID, keepToken string) error
	IssueToken(ctx context.Context, u *model.User) (string, model.Time, error)
}

// Settings reads settings (settings.Registry).
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	String(id setting.ID) string
}

// Mail sends one e-mail.
type Mail interface {
	Send(ctx context.Context, m email.Message) error
}

// Deps are what the service works with.
type Deps struct {
	Store    store.Store
	Auth     Auth
	Queue    *jobs.Queue
	Settings Settings
	Mailer   *email.Mailer
	// Mail returns the SMTP sender (built from the settings at each send).
	Mail func() (Mail, error)
	// Secret signs the links' tokens (at least 32 random bytes).
	Secret []byte
	Now    func() time.Time
}

// Service sends and redeems account e-mails.
type Service struct{ d Deps }

// New returns the service and registers its job handler on d.Queue.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Service{d: d}
	d.Queue.Handle(KindMail, s.send, jobs.KindOptions{})
	return s
}

// Login is the result of redeeming a link: the user is logged in with a
// new resume token.
type Login struct {
	User    *model.User
	Token   string
	Expires model.Time
}

// mailJob is the payload of a KindMail job.
type mailJob struct {
	Kind string `json:"kind"` // "reset" or "verify"
	To   string `json:"to"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// ForgotPassword e-mails a password-reset link to the address's user, as
// sendForgotPasswordEmail. An address nobody has sends nothing and is no
// error (no one learns which addresses exist).
//
// Errors: error-invalid-params "Password reset is not enabled" when
// Accounts_PasswordReset is off.
func (s *Service) ForgotPassword(ctx context.Context, address string) error {
	if !s.d.Settings.Bool(setting.AccountsPasswordReset) {
		return model.Invalid("error-invalid-params", "Password reset is not enabled")
	}
	address = strings.ToLower(strings.TrimSpace(address))
	u, err := s.d.Store.UserByEmail(ctx, address)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	hash, err := s.d.Store.PasswordHash(ctx, u.ID)
	if err != nil {
		return err
	}
	token := s.sign("reset", u.ID, fingerprint(hash), s.d.Now().Add(resetLifetime))
	return s.enqueue(ctx, mailJob{Kind: "reset", To: address, Name: u.Name, URL: s.link("reset-password/" + token)})
}

// ResetPassword sets a new password with a reset link's token, ends the
// user's other sessions and logs the user in (Meteor's resetPassword).
//
// Errors: 403 "Token expired" for a token that is invalid, expired, used,
// or whose password changed since; error-invalid-password for an empty
// password; the password policy's error for a password it refuses.
func (s *Service) ResetPassword(ctx context.Context, token, password string) (*Login, error) {
	errExpired := model.Forbidden("403", "Token expired")
	parts, ok := s.verify("reset", token)
	if !ok || len(parts) != 2 {
		return nil, errExpired
	}
	userID, print := parts[0], parts[1]
	u, err := s.d.Store.UserByID(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errExpired
	}
	if err != nil {
		return nil, err
	}
	hash, err := s.d.Store.PasswordHash(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(fingerprint(hash)), []byte(print)) {
		return nil, errExpired
	}
	if password == "" {
		return nil, model.Invalid("error-invalid-password", "Password may not be empty")
	}
	if err := pwpolicy.Check(s.d.Settings, password); err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, model.Forbidden("error-user-is-not-activated", "User is not activated")
	}
	if err := s.d.Auth.SetPassword(ctx, u.ID, password); err != nil {
		return nil, err
	}
	if err := s.d.Auth.LogoutOthers(ctx, u.ID, ""); err != nil {
		return nil, err
	}
	tok, exp, err := s.d.Auth.IssueToken(ctx, u)
	if err != nil {
		return nil, err
	}
	return &Login{User: u, Token: tok, Expires: exp}, nil
}

// ResetTokenValid reports whether ResetPassword would accept the token now:
// well signed, unexpired, of a user whose password has not changed since
// (pw.getPolicyReset shows the password policy to its holder).
func (s *Service) ResetTokenValid(ctx context.Context, token string) bool {
	parts, ok := s.verify("reset", token)
	if !ok || len(parts) != 2 {
		return false
	}
	hash, err := s.d.Store.PasswordHash(ctx, parts[0])
	if err != nil {
		return false
	}
	return hmac.Equal([]byte(fingerprint(hash)), []byte(parts[1]))
}

// SendConfirmation e-mails an address-verification link to the user who
// has the address (users.sendConfirmationEmail). It reports false when no
// user has it.
func (s *Service) SendConfirmation(ctx context.Context, address string) (bool, error) {
	address = strings.TrimSpace(address)
	u, err := s.d.Store.UserByEmail(ctx, address)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	address = strings.ToLower(address)
	token := s.sign("verify", u.ID, address, s.d.Now().Add(verifyLifetime))
	return true, s.enqueue(ctx, mailJob{Kind: "verify", To: address, Name: u.Name, URL: s.link("verify-email/" + token)})
}

// VerifyEmail marks the address of a verification link verified and logs
// its user in (Meteor's verifyEmail).
//
// Errors: 403 "Verify email link expired" for an invalid or expired token,
// or an address the user no longer has.
func (s *Service) VerifyEmail(ctx context.Context, token string) (*Login, error) {
	errExpired := model.Forbidden("403", "Verify email link expired")
	parts, ok := s.verify("verify", token)
	if !ok || len(parts) != 2 {
		return nil, errExpired
	}
	userID, address := parts[0], parts[1]
	var user *model.User
	err := s.d.Store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByID(ctx, userID)
		if errors.Is(err, store.ErrNotFound) {
			return errExpired
		}
		if err != nil {
			return err
		}
		c := *u
		c.Emails = append([]model.Email(nil), u.Emails...)
		found := false
		for i := range c.Emails {
			if strings.EqualFold(c.Emails[i].Address, address) {
				found = true
				c.Emails[i].Verified = true
			}
		}
		if !found {
			return errExpired
		}
		c.UpdatedAt = model.TimeOf(s.d.Now())
		if err := tx.UpdateUser(ctx, &c); err != nil {
			return err
		}
		tx.Emit(model.UserChanged{User: &c, Fields: []string{"emails"}})
		user = &c
		return nil
	})
	if err != nil {
		return nil, err
	}
	tok, exp, err := s.d.Auth.IssueToken(ctx, user)
	if err != nil {
		return nil, err
	}
	return &Login{User: user, Token: tok, Expires: exp}, nil
}

func (s *Service) enqueue(ctx context.Context, j mailJob) error {
	b, _ := json.Marshal(j)
	_, err := s.d.Queue.Enqueue(ctx, jobs.NewJob{Kind: KindMail, Payload: b})
	return err
}

// link is the address of a page of the web client.
func (s *Service) link(path string) string {
	return strings.TrimRight(s.d.Settings.String(setting.SiteURL), "/") + "/" + path
}

// send renders and sends one account e-mail.
func (s *Service) send(ctx context.Context, job jobs.Job) error {
	var j mailJob
	if err := json.Unmarshal(job.Payload, &j); err != nil {
		return jobs.Permanent(err)
	}
	kind, key := email.ForgotPassword, "Forgot_Password_Url"
	if j.Kind == "verify" {
		kind, key = email.Verification, "Verification_Url"
	}
	m, err := s.d.Mailer.Account(kind, email.Recipient{Name: j.Name, Address: j.To}, map[string]string{key: j.URL})
	if err != nil {
		return jobs.Permanent(err)
	}
	m.IDSeed = job.ID
	mail, err := s.d.Mail()
	if err != nil {
		return jobs.Permanent(err)
	}
	if err := mail.Send(ctx, m); err != nil {
		if errors.Is(err, email.ErrNotConfigured) || email.Permanent(err) {
			return jobs.Permanent(err)
		}
		return err
	}
	return nil
}

// fingerprint identifies a password hash without revealing it.
func fingerprint(hash string) string {
	sum := sha256.Sum256([]byte("liftoff password fingerprint\x00" + hash))
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

// sign makes a token: the fields and the expiry, base64url, then an HMAC
// over the purpose and them.
func (s *Service) sign(purpose string, fields ...any) string {
	parts := make([]string, 0, len(fields))
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			parts = append(parts, v)
		case time.Time:
			parts = append(parts, strconv.FormatInt(v.Unix(), 10))
		}
	}
	body := base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "\x00")))
	return body + "." + s.mac(purpose, body)
}

func (s *Service) mac(purpose, body string) string {
	h := hmac.New(sha256.New, s.d.Secret)
	h.Write([]byte(purpose + "\x00" + body))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// verify checks a token's signature and expiry and returns its fields,
// without the expiry.
func (s *Service) verify(purpose, token string) ([]string, bool) {
	body, sig, ok := strings.Cut(token, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(s.mac(purpose, body))) {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil {
		return nil, false
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) < 2 {
		return nil, false
	}
	exp, err := strconv.ParseInt(parts[len(parts)-1], 10, 64)
	if err != nil || s.d.Now().After(time.Unix(exp, 0)) {
		return nil, false
	}
	return parts[:len(parts)-1], true
}

// SendTestEmail sends the SMTP test e-mail to the user's first address at
// once (the method sendSMTPTestEmail) and returns that address.
//
// Errors: error-invalid-email (the user has no address),
// error-email-send-failed (the SMTP server refused or is unreachable).
func (s *Service) SendTestEmail(ctx context.Context, user *model.User) (string, error) {
	to := user.Email()
	if to == "" {
		return "", model.Invalid("error-invalid-email", "Invalid email").InMethod()
	}
	m := email.Message{
		From: s.d.Settings.String(setting.FromEmail), To: to, Subject: "SMTP Test Email",
		HTML: "<p>You have successfully sent an email</p>", Text: "You have successfully sent an email",
	}
	mail, err := s.d.Mail()
	if err == nil {
		err = mail.Send(ctx, m)
	}
	if err != nil {
		return "", model.Invalid("error-email-send-failed", "Error trying to send email: %v", err).InMethod()
	}
	return to, nil
}

// SendWelcome sends the welcome e-mail (Accounts_UserAddedEmail) to the
// user who has the address, at once, as users.sendWelcomeEmail.
//
// Errors (marked InMethod): error-email-send-failed (SMTP not configured,
// or the server refused), error-invalid-user (no user has the address).
func (s *Service) SendWelcome(ctx context.Context, address string) error {
	if s.d.Settings.String(setting.SMTPHost) == "" {
		return model.Invalid("error-email-send-failed", "SMTP is not configured").InMethod()
	}
	address = strings.TrimSpace(address)
	u, err := s.d.Store.UserByEmail(ctx, address)
	if errors.Is(err, store.ErrNotFound) {
		return model.Invalid("error-invalid-user", "Invalid user").InMethod()
	}
	if err != nil {
		return err
	}
	m, err := s.d.Mailer.Account(email.UserAdded, email.Recipient{Name: u.Name, Address: address}, map[string]string{"name": u.Name})
	if err == nil {
		var mail Mail
		if mail, err = s.d.Mail(); err == nil {
			err = mail.Send(ctx, m)
		}
	}
	if err != nil {
		return model.Invalid("error-email-send-failed", "Error trying to send email: %v", err).InMethod()
	}
	return nil
}

// SendInvitations e-mails the invitation (Invitation_Email) to each valid
// address at once, as the method sendInvitationEmail, and returns the
// addresses it was sent to.
//
// Errors (marked InMethod): error-email-send-failed (no valid address, or
// the SMTP server refused or is unreachable).
func (s *Service) SendInvitations(ctx context.Context, addresses []string) ([]string, error) {
	var valid []string
	for _, a := range addresses {
		if addr, err := mail.ParseAddress(a); err == nil && addr.Address == strings.TrimSpace(a) {
			valid = append(valid, addr.Address)
		}
	}
	if len(valid) == 0 {
		return nil, model.Invalid("error-email-send-failed", "No valid email addresses").InMethod()
	}
	sender, err := s.d.Mail()
	if err != nil {
		return nil, model.Invalid("error-email-send-failed", "Error trying to send email: %v", err).InMethod()
	}
	sent := []string{}
	for _, to := range valid {
		m, err := s.d.Mailer.Account(email.Invitation, email.Recipient{Address: to}, nil)
		if err == nil {
			err = sender.Send(ctx, m)
		}
		if err != nil {
			return sent, model.Invalid("error-email-send-failed", "Error trying to send email: %v", err).InMethod()
		}
		sent = append(sent, to)
	}
	return sent, nil
}

// SendTwoFactorCode mails a two-factor e-mail code to each address at once
// (Rocket.Chat's EmailCheck.sendEmailCode sends it synchronously, so the
// client that asked knows whether it went). The code is shown as
// "123-456"; it is neither logged nor queued.
//
// Errors: error-email-send-failed (SMTP not configured, or the server
// refused).
func (s *Service) SendTwoFactorCode(ctx context.Context, to []string, name, code string) error {
	if len(to) == 0 {
		return model.Invalid("error-invalid-email", "Invalid email")
	}
	shown := code
	if len(code) == 6 {
		shown = code[:3] + "-" + code[3:]
	}
	mail, err := s.d.Mail()
	if err != nil {
		return model.Invalid("error-email-send-failed", "Error trying to send email: %v", err)
	}
	subject, htmlBody, text := s.d.Mailer.Render("[Site_Name] - Authentication code",
		"<h2>Here is your authentication code:</h2><p><strong>[code]</strong></p>"+
			"<p>Do not share this code with anyone.<br>If you did not try to sign in to [Site_Name], ignore this e-mail.</p>",
		map[string]string{"code": shown, "name": name})
	for _, addr := range to {
		m := email.Message{From: s.d.Settings.String(setting.FromEmail), To: addr, Subject: subject, HTML: htmlBody, Text: text}
		if err := mail.Send(ctx, m); err != nil {
			return model.Invalid("error-email-send-failed", "Error trying to send email: %v", err)
		}
	}
	return nil
}
