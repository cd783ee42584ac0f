package secondfactor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"liftoff/auth"
	"liftoff/auth/twofactor"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// ServiceName is the store.UserService record holding the two-factor state.
const ServiceName = "twofactor"

// Settings is the part of the settings registry the service reads.
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	String(id setting.ID) string
}

// Service keeps and checks users' second factors.
type Service struct {
	store    store.Store
	settings Settings
	limiter  *twofactor.Limiter
	now      func() time.Time
	sender   twofactor.Sender
}

// SetSender gives the service the mail sender of e-mail codes (the
// notifications' account mailer). Without one, e-mail codes cannot be
// sent: the e-mail factor is then not offered (users.2fa.enableEmail and
// users.2fa.sendEmailCode fail with error-email-send-failed).
func (s *Service) SetSender(sender twofactor.Sender) { s.sender = sender }

// errNoSender refuses e-mail codes when no mail sender is wired.
var errNoSender = model.Invalid("error-email-send-failed", "E-mail is not configured on this server")

// New returns the service over st. now replaces the clock (nil: time.Now).
func New(st store.Store, settings Settings, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: st, settings: settings, now: now,
		limiter: twofactor.NewLimiter(
			settings.Int(setting.BlockMultipleFailedLoginsAttemptsUntilBlockByUser),
			time.Duration(settings.Int(setting.BlockMultipleFailedLoginsTimeToUnblockByUserInMinutes))*time.Minute)}
}

// Enabled reports whether two-factor authentication is on for the server.
func (s *Service) Enabled() bool {
	return s.settings.Bool(setting.AccountsTwoFactorAuthenticationEnabled)
}

// Status is what a user's profile shows of their factors (Rocket.Chat's
// services.totp.enabled and services.email2fa.enabled).
type Status struct {
	TOTP  bool
	Email bool
}

// StatusOf returns the user's factors.
func (s *Service) StatusOf(ctx context.Context, userID string) (Status, error) {
	st, err := readState(ctx, s.store, userID)
	if err != nil {
		return Status{}, err
	}
	return Status{TOTP: st.TOTP.Enabled, Email: st.Email.Enabled}, nil
}

func readState(ctx context.Context, r store.Reader, userID string) (twofactor.State, error) {
	var st twofactor.State
	rec, err := r.UserService(ctx, userID, ServiceName)
	if errors.Is(err, store.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("two-factor state: %w", err)
	}
	if err := json.Unmarshal(rec.Data, &st); err != nil {
		return st, fmt.Errorf("two-factor state of %s: %w", userID, err)
	}
	return st, nil
}

func (s *Service) writeState(ctx context.Context, tx store.Tx, userID string, st twofactor.State) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return tx.PutUserService(ctx, &model.UserService{UserID: userID, Service: ServiceName, Data: b, UpdatedAt: model.TimeOf(s.now())})
}

// checkUser is what twofactor needs to know of u.
func checkUser(ctx context.Context, r store.Reader, u *model.User) (twofactor.User, error) {
	hash, err := r.PasswordHash(ctx, u.ID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return twofactor.User{}, err
	}
	tu := twofactor.User{ID: u.ID, Username: u.Username, HasPassword: hash != "", CreatedAt: u.CreatedAt.Time}
	for _, e := range u.Emails {
		if e.Verified {
			tu.VerifiedEmails = append(tu.VerifiedEmails, e.Address)
		}
	}
	return tu, nil
}

// Call is what a protected call presents besides its user.
type Call struct {
	// Code and Method: the code the call carries itself (the login's code,
	// a method's twoFactorCode/twoFactorMethod argument).
	Code, Method string
	// HeaderCode and HeaderMethod: the x-2fa-code and x-2fa-method headers.
	HeaderCode, HeaderMethod string
	// Token is the caller's login token ("" for the login itself).
	Token string
	// UserAgent and RemoteAddr identify the client for the remember-me period.
	UserAgent, RemoteAddr string
}

// CheckLogin implements auth.SecondFactor: the second factor a login needs
// (twofactor.LoginOptions: no password fallback), with the code the login
// carries (REST code, DDP totp.code).
func (s *Service) CheckLogin(ctx context.Context, u *model.User, code string) error {
	return s.CheckCall(ctx, u, Call{Code: code}, twofactor.LoginOptions)
}

// CheckCall is Rocket.Chat's checkCodeForUser for the call: nil when no
// second factor is needed or the one presented is right, else the
// totp-required, totp-invalid or totp-max-attempts error (a *model.Error
// with details for the client). A passing check on a login token is
// remembered on it for Accounts_TwoFactorAuthentication_RememberFor.
func (s *Service) CheckCall(ctx context.Context, u *model.User, c Call, opts twofactor.Options) error {
	cfg := twofactor.SettingsFrom(s.settings)
	if !cfg.Enabled {
		return nil
	}
	var checkErr error
	var send twofactor.Result
	var sendTo twofactor.User
	err := s.store.Update(ctx, func(tx store.Tx) error {
		checkErr, send = nil, twofactor.Result{}
		st, err := readState(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		tu, err := checkUser(ctx, tx, u)
		if err != nil {
			return err
		}
		req := twofactor.Request{User: tu, State: st, Code: c.Code, Method: c.Method,
			HeaderCode: c.HeaderCode, HeaderMethod: c.HeaderMethod, Options: opts, Now: s.now(),
			Fingerprint: twofactor.Fingerprint(c.UserAgent, c.RemoteAddr)}
		var tok *model.Token
		if c.Token != "" {
			tok, err = tx.TokenByHash(ctx, auth.HashToken(c.Token))
			if err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if tok != nil {
				req.Token = &twofactor.Token{BypassTwoFactor: tok.BypassTwoFactor,
					AuthorizedUntil: tok.TwoFactorAuthorizedUntil.Time, AuthorizedHash: tok.TwoFactorAuthorizedHash}
			}
		}
		hash, err := tx.PasswordHash(ctx, u.ID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		req.CheckPasswordDigest = func(digest string) bool { return hash != "" && auth.CheckDigest(hash, digest) }
		res, cerr := twofactor.Check(req, cfg, s.limiter)
		checkErr = cerr
		send, sendTo = res, tu
		if res.StateChanged {
			if err := s.writeState(ctx, tx, u.ID, res.State); err != nil {
				return err
			}
		}
		if cerr == nil && tok != nil && !res.RememberUntil.IsZero() {
			tok.TwoFactorAuthorizedUntil = model.TimeOf(res.RememberUntil)
			tok.TwoFactorAuthorizedHash = res.RememberHash
			if err := tx.UpdateToken(ctx, tok); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("two-factor check: %w", err)
	}
	if send.SendCode != "" {
		// The code is stored (hashed) first, then mailed, as Rocket.Chat.
		if err := s.sendCode(ctx, send.SendTo, send.SendCode, sendTo); err != nil {
			return err
		}
	}
	return checkErr
}

func (s *Service) sendCode(ctx context.Context, to []string, code string, u twofactor.User) error {
	if s.sender == nil {
		return errNoSender
	}
	return s.sender.SendCode(ctx, to, code, u)
}

// EnableEmail is users.2fa.enableEmail: e-mail codes on for the user.
func (s *Service) EnableEmail(ctx context.Context, u *model.User) error {
	if s.sender == nil {
		return errNoSender
	}
	return s.update(ctx, u, func(_ store.Tx, st twofactor.State, _ twofactor.Settings) (twofactor.State, bool, error) {
		return twofactor.EnableEmail(st, s.now()), true, nil
	})
}

// DisableEmail is users.2fa.disableEmail: e-mail codes off for the user
// (the route itself is protected by a second factor).
func (s *Service) DisableEmail(ctx context.Context, u *model.User) error {
	return s.update(ctx, u, func(_ store.Tx, st twofactor.State, _ twofactor.Settings) (twofactor.State, bool, error) {
		return twofactor.DisableEmail(st, s.now()), true, nil
	})
}

// SendEmailCode is users.2fa.sendEmailCode: a new e-mail code for the
// user, mailed to their verified addresses. It does nothing (and says
// nothing) when the user cannot receive codes, as Rocket.Chat answers
// success for unknown users too.
func (s *Service) SendEmailCode(ctx context.Context, u *model.User) error {
	cfg := twofactor.SettingsFrom(s.settings)
	if !cfg.Enabled || !cfg.Email {
		return nil
	}
	var code string
	var tu twofactor.User
	err := s.update(ctx, u, func(tx store.Tx, st twofactor.State, cfg twofactor.Settings) (twofactor.State, bool, error) {
		var err error
		if tu, err = checkUser(ctx, tx, u); err != nil {
			return st, false, err
		}
		if len(tu.VerifiedEmails) == 0 {
			return st, false, nil
		}
		next, c, err := twofactor.IssueEmailCode(st, s.now(), cfg)
		if err != nil {
			return st, false, err
		}
		code = c
		return next, true, nil
	})
	if err != nil || code == "" {
		return err
	}
	return s.sendCode(ctx, tu.VerifiedEmails, code, tu)
}

// update runs fn on the user's state in one transaction and writes the
// state fn returns when it says so.
func (s *Service) update(ctx context.Context, u *model.User, fn func(tx store.Tx, st twofactor.State, cfg twofactor.Settings) (twofactor.State, bool, error)) error {
	cfg := twofactor.SettingsFrom(s.settings)
	var fnErr error
	err := s.store.Update(ctx, func(tx store.Tx) error {
		fnErr = nil
		st, err := readState(ctx, tx, u.ID)
		if err != nil {
			return err
		}
		next, write, err := fn(tx, st, cfg)
		if err != nil {
			if _, ok := model.AsError(err); ok {
				fnErr = err // a refusal: keep what fn asked to write
			} else {
				return err
			}
		}
		if write {
			return s.writeState(ctx, tx, u.ID, next)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return fnErr
}

// errNotEnabled refuses the TOTP methods when the server has TOTP off.
var errNotEnabled = model.Invalid("error-2fa-not-enabled", "Two-factor authentication is not enabled")

func (s *Service) totpOn() error {
	if !s.settings.Bool(setting.AccountsTwoFactorAuthenticationEnabled) || !s.settings.Bool(setting.AccountsTwoFactorAuthenticationByTOTPEnabled) {
		return errNotEnabled
	}
	return nil
}

// Enable is 2fa:enable: a new secret, proposed until ValidateTempToken.
func (s *Service) Enable(ctx context.Context, u *model.User) (twofactor.Setup, error) {
	if err := s.totpOn(); err != nil {
		return twofactor.Setup{}, err
	}
	var setup twofactor.Setup
	err := s.update(ctx, u, func(_ store.Tx, st twofactor.State, cfg twofactor.Settings) (twofactor.State, bool, error) {
		res, err := twofactor.Enable(st, twofactor.User{ID: u.ID, Username: u.Username}, cfg)
		if err != nil {
			return st, false, err
		}
		setup = res.Setup
		return res.State, true, nil
	})
	return setup, err
}

// ValidateTempToken is 2fa:validateTempToken: the first code turns TOTP on
// and answers the backup codes (nil codes when the code is wrong, as
// Rocket.Chat answers nothing); every other login token of the user but
// keepToken is revoked.
func (s *Service) ValidateTempToken(ctx context.Context, u *model.User, keepToken, code string) ([]string, error) {
	if err := s.totpOn(); err != nil {
		return nil, err
	}
	var codes []string
	err := s.update(ctx, u, func(tx store.Tx, st twofactor.State, cfg twofactor.Settings) (twofactor.State, bool, error) {
		if st.TOTP.TempSecret == "" {
			return st, false, twofactor.ErrInvalidTOTP
		}
		res, err := twofactor.ValidateTempToken(st, code, s.now(), cfg)
		if err != nil {
			return st, false, nil // a wrong code: nothing happens
		}
		codes = res.Codes
		if res.LogoutOtherSessions {
			keep := ""
			if keepToken != "" {
				keep = auth.HashToken(keepToken)
			}
			if err := auth.RemoveTokens(ctx, tx, u.ID, model.TokenLogin, keep); err != nil {
				return st, false, err
			}
		}
		return res.State, true, nil
	})
	return codes, err
}

// Disable is 2fa:disable: true when the code was right and TOTP is off now.
func (s *Service) Disable(ctx context.Context, u *model.User, code string) (bool, error) {
	if err := s.totpOn(); err != nil {
		return false, err
	}
	ok := false
	err := s.update(ctx, u, func(_ store.Tx, st twofactor.State, cfg twofactor.Settings) (twofactor.State, bool, error) {
		next, done := twofactor.Disable(st, code, s.now(), cfg)
		ok = done
		return next, true, nil
	})
	return ok, err
}

// RegenerateCodes is 2fa:regenerateCodes: new backup codes for a right
// code (nil for a wrong one).
func (s *Service) RegenerateCodes(ctx context.Context, u *model.User, code string) ([]string, error) {
	if err := s.totpOn(); err != nil {
		return nil, err
	}
	var codes []string
	err := s.update(ctx, u, func(_ store.Tx, st twofactor.State, cfg twofactor.Settings) (twofactor.State, bool, error) {
		next, c, err := twofactor.RegenerateCodes(st, code, s.now(), cfg)
		if err != nil {
			return st, false, err
		}
		codes = c
		return next, true, nil
	})
	return codes, err
}

// CodesRemaining is 2fa:checkCodesRemaining.
func (s *Service) CodesRemaining(ctx context.Context, u *model.User) (int, error) {
	if err := s.totpOn(); err != nil {
		return 0, err
	}
	st, err := readState(ctx, s.store, u.ID)
	if err != nil {
		return 0, err
	}
	return twofactor.CodesRemaining(st)
}

// SendEmailCodeTo is users.2fa.sendEmailCode for a caller who is not
// logged in: the user named by e-mail address (when it holds an "@") or
// username gets a new code. Nobody by that name is no error, so that the
// call tells nobody which accounts exist.
func (s *Service) SendEmailCodeTo(ctx context.Context, emailOrUsername string) error {
	var u *model.User
	var err error
	if strings.Contains(emailOrUsername, "@") {
		u, err = s.store.UserByEmail(ctx, emailOrUsername)
	} else {
		u, err = s.store.UserByUsername(ctx, emailOrUsername)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return s.SendEmailCode(ctx, u)
}
