package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// Settings is the part of the settings registry auth reads.
type Settings interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	Float(id setting.ID) float64
}

// Login failure errors. Both wrong user and wrong password give the same
// answer, so a caller cannot probe which usernames exist.
var (
	ErrLoginFailed      = &model.Error{Kind: model.KindUnauthenticated, Type: "403", Reason: "User not found"}
	ErrUserDeactivated  = &model.Error{Kind: model.KindUnauthenticated, Type: "error-user-is-not-activated", Reason: "User is not activated"}
	ErrBlockedForUser   = &model.Error{Kind: model.KindRateLimited, Type: "error-login-blocked-for-user", Reason: "This user is blocked due to too many failed login attempts"}
	ErrBlockedForIP     = &model.Error{Kind: model.KindRateLimited, Type: "error-login-blocked-for-ip", Reason: "This address is blocked due to too many failed login attempts"}
	ErrInvalidToken     = &model.Error{Kind: model.KindUnauthenticated, Type: "403", Reason: "You've been logged out by the server. Please log in again."}
	ErrPasswordNotSet   = &model.Error{Type: "error-password-not-set", Reason: "User has no password set"}
	ErrTokenNameMissing = &model.Error{Type: "error-token-name-required", Reason: "The token name is required"}
)

// SecondFactor checks the second factor a login needs once the first has
// passed (package secondfactor implements it): nil, or Rocket.Chat's
// totp-required / totp-invalid / totp-max-attempts error.
type SecondFactor interface {
	CheckLogin(ctx context.Context, u *model.User, code string) error
}

// Directory checks login names and passwords against an outside
// directory (LDAP; package external implements it) and returns the local
// account, created or linked as its settings say.
type Directory interface {
	// Enabled reports whether the directory is on (LDAP_Enable).
	Enabled() bool
	// LoginDirectory returns the account of the directory user, or
	// ErrTryLocalPassword when the login is to be checked against the local
	// password instead (the directory is off, or down or does not know the
	// user and LDAP_Login_Fallback is on).
	LoginDirectory(ctx context.Context, username, password string) (*model.User, error)
	// Linked reports whether the account is linked to a directory user
	// (such accounts log in through the directory only).
	Linked(ctx context.Context, userID string) (bool, error)
}

// Redirect logs in the users of a redirect sign-in (OAuth, SAML) from the
// credential its callback kept (package external implements it).
type Redirect interface {
	// LoginCredential returns the account of the finished sign-in, created
	// or linked as the provider's settings say, without consuming it.
	LoginCredential(ctx context.Context, token, secret string) (*model.User, error)
	// ConsumeCredential spends it; of two logins only one succeeds.
	ConsumeCredential(ctx context.Context, token, secret string) error
}

// AccessTokens logs in the users of a native sign-in: the identity the
// provider's API gives for its access token (package external's OAuth
// implements it besides Redirect).
type AccessTokens interface {
	LoginAccessToken(ctx context.Context, service, accessToken string) (*model.User, error)
}

// ErrTryLocalPassword is Directory.LoginDirectory's answer when the local
// password decides.
var ErrTryLocalPassword = errors.New("auth: check the local password")

// Service authenticates users.
type Service struct {
	store    store.Store
	settings Settings
	cost     int
	now      func() time.Time
	byUser   FailureCounter
	byIP     FailureCounter
	log      *slog.Logger
	second   SecondFactor
	dir      Directory
	oauth    Redirect
	saml     Redirect
	sessions *Sessions
}

// Options configure a Service.
type Options struct {
	// BcryptCost for new password hashes (DefaultBcryptCost when 0).
	BcryptCost int
	// Now replaces the clock (tests).
	Now func() time.Time
	// SecondFactor, when set, is asked after every login's first factor.
	SecondFactor SecondFactor
	// Directory, when set, serves LDAP logins.
	Directory Directory
	// OAuth and SAML, when set, serve the logins of those sign-ins.
	OAuth, SAML Redirect
	// UserFailures and IPFailures count failed logins by username and by
	// client address (in memory when nil; auth/loginlimit shares them
	// between instances).
	UserFailures, IPFailures FailureCounter
	// Logger receives the failures of the counters (discarded when nil).
	Logger *slog.Logger
	// Sessions caches tokens and their users (a private cache when nil;
	// the application shares one it keeps current with the store's
	// events, see Sessions).
	Sessions *Sessions
}

// NewService returns an authentication service over st.
func NewService(st store.Store, settings Settings, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = DefaultBcryptCost
	}
	if opts.UserFailures == nil {
		opts.UserFailures = newFailureLimiter()
	}
	if opts.IPFailures == nil {
		opts.IPFailures = newFailureLimiter()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Sessions == nil {
		opts.Sessions = NewSessions(0, 0)
	}
	return &Service{store: st, settings: settings, cost: opts.BcryptCost, now: opts.Now,
		byUser: opts.UserFailures, byIP: opts.IPFailures, log: opts.Logger, second: opts.SecondFactor, dir: opts.Directory,
		oauth: opts.OAuth, saml: opts.SAML, sessions: opts.Sessions}
}

// Sessions returns the service's cache of authenticated sessions.
func (s *Service) Sessions() *Sessions { return s.sessions }

// blocked asks a counter whether key is blocked. A counter that cannot
// answer (the shared one with NATS unreachable) lets the login proceed:
// logins stay possible, the failure is logged.
func (s *Service) blocked(ctx context.Context, c FailureCounter, key string, now time.Time) bool {
	b, err := c.Blocked(ctx, key, now)
	s.counted(err)
	return b
}

// counted logs a failure of a FailureCounter.
func (s *Service) counted(err error) {
	if err != nil {
		s.log.Warn("auth: failed-login counter", "err", err)
	}
}

// BcryptCost is the cost used for new hashes.
func (s *Service) BcryptCost() int { return s.cost }

// Login checks credentials and, on success, issues a new resume token
// (or, for a resume login, returns the same token).
func (s *Service) Login(ctx context.Context, cred Credentials, remoteAddr string) (*LoginResult, error) {
	if cred.Resume != "" {
		u, tok, err := s.resume(ctx, cred.Resume)
		if err != nil {
			return nil, err
		}
		return &LoginResult{User: u, Token: cred.Resume, Expires: tok.ExpiresAt, Method: "resume"}, nil
	}
	if cred.OAuth != nil {
		return s.redirectLogin(ctx, s.oauth, "oauth", cred.OAuth, cred.TOTP)
	}
	if cred.SAML != nil {
		return s.redirectLogin(ctx, s.saml, "saml", cred.SAML, cred.TOTP)
	}
	if cred.AccessToken != nil {
		return s.accessTokenLogin(ctx, cred.AccessToken, cred.TOTP)
	}
	ident := strings.TrimSpace(cred.User)
	digest := strings.ToLower(cred.Digest)
	if digest == "" && cred.Password != "" {
		digest = Digest(cred.Password)
	}
	if ident == "" || digest == "" {
		return nil, ErrLoginFailed
	}
	now := s.now()
	ip := remoteAddr
	userKey := strings.ToLower(ident)
	limit := s.settings.Bool(setting.BlockMultipleFailedLoginsEnabled)
	if limit {
		if s.settings.Bool(setting.BlockMultipleFailedLoginsByIP) && ip != "" && s.blocked(ctx, s.byIP, ip, now) {
			return nil, ErrBlockedForIP
		}
		if s.settings.Bool(setting.BlockMultipleFailedLoginsByUser) && s.blocked(ctx, s.byUser, userKey, now) {
			return nil, ErrBlockedForUser
		}
	}
	method := "password"
	var u *model.User
	var err error
	checked := false
	if cred.LDAP {
		if s.dir == nil {
			return nil, model.Invalid("error-invalid-params", "Unrecognized options for login request")
		}
		if cred.Password == "" {
			return nil, ErrLoginFailed
		}
		u, err = s.dir.LoginDirectory(ctx, ident, cred.Password)
		switch {
		case err == nil:
			checked, method = true, "ldap"
		case errors.Is(err, ErrTryLocalPassword):
			u, err = nil, nil
		default:
			if e, ok := model.AsError(err); ok && e != ErrLoginFailed && e.Type != "403" {
				return nil, err // a refusal with a reason (deactivated, registration closed ...)
			}
			err = store.ErrNotFound // a wrong name or password: counts as a failure
		}
	}
	var hash string
	if !checked && err == nil {
		u, err = s.findUser(ctx, ident)
		if err == nil {
			hash, err = s.store.PasswordHash(ctx, u.ID)
		}
		if err == nil && s.dir != nil && s.dir.Enabled() {
			// Rocket.Chat refuses password logins of directory users
			// while the directory is on.
			linked, lerr := s.dir.Linked(ctx, u.ID)
			if lerr != nil {
				return nil, fmt.Errorf("login: %w", lerr)
			}
			if linked {
				hash = ""
			}
		}
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("login: %w", err)
	}
	if u == nil || (!checked && !CheckDigest(hash, digest)) {
		if limit {
			s.counted(s.byUser.Fail(ctx, userKey, now, s.settings.Int(setting.BlockMultipleFailedLoginsAttemptsUntilBlockByUser),
				minutes(s.settings.Float(setting.BlockMultipleFailedLoginsTimeToUnblockByUserInMinutes))))
			if ip != "" {
				s.counted(s.byIP.Fail(ctx, ip, now, s.settings.Int(setting.BlockMultipleFailedLoginsAttemptsUntilBlockByIP),
					minutes(s.settings.Float(setting.BlockMultipleFailedLoginsTimeToUnblockByIPInMinutes))))
			}
		}
		return nil, ErrLoginFailed
	}
	if !u.Active {
		return nil, ErrUserDeactivated
	}
	s.counted(s.byUser.Reset(ctx, userKey))
	if ip != "" {
		s.counted(s.byIP.Reset(ctx, ip))
	}
	if err := s.CheckSecondFactor(ctx, u, cred.TOTP); err != nil {
		return nil, err
	}
	token, expires, err := s.IssueToken(ctx, u)
	if err != nil {
		return nil, err
	}
	return &LoginResult{User: u, Token: token, Expires: expires, Method: method}, nil
}

// redirectLogin logs in the user of a finished redirect sign-in: the
// account, the second factor, then the credential is spent and the
// session issued as for a password login.
func (s *Service) redirectLogin(ctx context.Context, r Redirect, method string, p *PendingLogin, code string) (*LoginResult, error) {
	if r == nil {
		return nil, model.Invalid("error-invalid-params", "Unrecognized options for login request")
	}
	u, err := r.LoginCredential(ctx, p.Token, p.Secret)
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, ErrUserDeactivated
	}
	if err := s.CheckSecondFactor(ctx, u, code); err != nil {
		return nil, err
	}
	if err := r.ConsumeCredential(ctx, p.Token, p.Secret); err != nil {
		return nil, err
	}
	token, expires, err := s.IssueToken(ctx, u)
	if err != nil {
		return nil, err
	}
	return &LoginResult{User: u, Token: token, Expires: expires, Method: method}, nil
}

// accessTokenLogin is the login of a native sign-in: the provider vouches
// for the access token (its identity endpoint answers), then the account
// is found, linked or created as for a redirect sign-in.
func (s *Service) accessTokenLogin(ctx context.Context, a *AccessTokenLogin, code string) (*LoginResult, error) {
	tokens, ok := s.oauth.(AccessTokens)
	if !ok || a.Service == "" || a.Token == "" {
		return nil, model.Invalid("error-invalid-params", "Unrecognized options for login request")
	}
	u, err := tokens.LoginAccessToken(ctx, a.Service, a.Token)
	if err != nil {
		return nil, err
	}
	if !u.Active {
		return nil, ErrUserDeactivated
	}
	if err := s.CheckSecondFactor(ctx, u, code); err != nil {
		return nil, err
	}
	token, expires, err := s.IssueToken(ctx, u)
	if err != nil {
		return nil, err
	}
	return &LoginResult{User: u, Token: token, Expires: expires, Method: "oauth"}, nil
}

// CheckSecondFactor runs the login's second-factor check for u, whose
// first factor has passed (a password, a directory or an identity
// provider): every kind of login goes through it before IssueToken.
func (s *Service) CheckSecondFactor(ctx context.Context, u *model.User, code string) error {
	if s.second == nil {
		return nil
	}
	return s.second.CheckLogin(ctx, u, code)
}

// minutes turns a number of minutes, possibly fractional, into a duration.
func minutes(m float64) time.Duration { return time.Duration(m * float64(time.Minute)) }

func (s *Service) findUser(ctx context.Context, ident string) (*model.User, error) {
	if strings.Contains(ident, "@") {
		if u, err := s.store.UserByEmail(ctx, ident); err == nil {
			return u, nil
		}
	}
	return s.store.UserByUsername(ctx, ident)
}

// IssueToken creates a new login token for u and records the login time.
func (s *Service) IssueToken(ctx context.Context, u *model.User) (string, model.Time, error) {
	token := NewToken()
	now := model.TimeOf(s.now())
	var expires model.Time
	if days := s.settings.Int(setting.AccountsLoginExpiration); days > 0 {
		expires = model.TimeOf(now.Add(time.Duration(days) * 24 * time.Hour))
	}
	err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertToken(ctx, &model.Token{Hash: HashToken(token), UserID: u.ID, Kind: model.TokenLogin,
			CreatedAt: now, ExpiresAt: expires}); err != nil {
			return err
		}
		cur, err := tx.UserByID(ctx, u.ID)
		if err != nil {
			return err
		}
		cur.LastLogin = now
		return tx.UpdateUser(ctx, cur)
	})
	if err != nil {
		return "", model.Time{}, fmt.Errorf("issue token: %w", err)
	}
	u.LastLogin = now
	return token, expires, nil
}

func (s *Service) resume(ctx context.Context, token string) (*model.User, *model.Token, error) {
	hash := HashToken(token)
	tok, u, gen := s.sessions.get(hash)
	if tok == nil {
		var err error
		tok, err = s.store.TokenByHash(ctx, hash)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, ErrInvalidToken
		}
		if err != nil {
			return nil, nil, fmt.Errorf("resume: %w", err)
		}
		u, err = s.store.UserByID(ctx, tok.UserID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil, ErrInvalidToken
		}
		if err != nil {
			return nil, nil, fmt.Errorf("resume: %w", err)
		}
		s.sessions.put(gen, tok, u)
	}
	if !tok.ExpiresAt.IsZero() && s.now().After(tok.ExpiresAt.Time) {
		return nil, nil, ErrInvalidToken
	}
	if !u.Active {
		return nil, nil, ErrUserDeactivated
	}
	return u, tok, nil
}

// Authenticate returns the user for a REST call's X-User-Id and
// X-Auth-Token headers; the token must belong to that user.
func (s *Service) Authenticate(ctx context.Context, userID, token string) (*model.User, error) {
	if userID == "" || token == "" {
		return nil, ErrInvalidToken
	}
	u, _, err := s.resume(ctx, token)
	if err != nil {
		return nil, err
	}
	if u.ID != userID {
		return nil, ErrInvalidToken
	}
	return u, nil
}

// Recheck is Authenticate reading the database, not the session cache,
// and refreshing the cache with what it read: the realtime server's
// periodic token sweep, which catches what no event reported (another
// process writing the database, such as "liftoff admin reset-password").
type Recheck struct{ S *Service }

// Authenticate implements realtime.TokenChecker.
func (r Recheck) Authenticate(ctx context.Context, userID, token string) (*model.User, error) {
	r.S.sessions.Invalidate("", HashToken(token))
	return r.S.Authenticate(ctx, userID, token)
}

// Logout revokes the given token of the user.
func (s *Service) Logout(ctx context.Context, userID, token string) error {
	defer s.sessions.Invalidate("", HashToken(token))
	return s.store.Update(ctx, func(tx store.Tx) error {
		tok, err := tx.TokenByHash(ctx, HashToken(token))
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if tok.UserID != userID {
			return nil
		}
		if err := tx.DeleteToken(ctx, tok.Hash); err != nil {
			return err
		}
		tx.Emit(model.LoginTokensRemoved{UserID: userID, Hashes: []string{tok.Hash}})
		return nil
	})
}

// LogoutOthers revokes every login token of the user but the given one
// (every one when keepToken is empty); the connections that logged in with
// a revoked token end.
func (s *Service) LogoutOthers(ctx context.Context, userID, keepToken string) error {
	keep := ""
	if keepToken != "" {
		keep = HashToken(keepToken)
	}
	defer s.sessions.Invalidate(userID)
	return s.store.Update(ctx, func(tx store.Tx) error {
		return RemoveTokens(ctx, tx, userID, model.TokenLogin, keep)
	})
}

// RemoveTokens deletes the user's tokens of kind ("" for every kind) but
// the one whose hash is keepHash (none when empty), in tx, and emits
// model.LoginTokensRemoved with their hashes, so that the connections that
// logged in with one of them end.
func RemoveTokens(ctx context.Context, tx store.Tx, userID, kind, keepHash string) error {
	toks, err := tx.TokensOfUser(ctx, userID, kind)
	if err != nil {
		return err
	}
	hashes := make([]string, 0, len(toks))
	for _, t := range toks {
		if t.Hash != keepHash {
			hashes = append(hashes, t.Hash)
		}
	}
	if err := tx.DeleteTokensOfUser(ctx, userID, kind, keepHash); err != nil {
		return err
	}
	if len(hashes) > 0 {
		tx.Emit(model.LoginTokensRemoved{UserID: userID, Hashes: hashes})
	}
	return nil
}

// SetPassword stores a new password for the user. It does not check
// permissions; callers do.
func (s *Service) SetPassword(ctx context.Context, userID, password string) error {
	hash, err := HashPassword(password, s.cost)
	if err != nil {
		return err
	}
	defer s.sessions.Invalidate(userID)
	return s.store.Update(ctx, func(tx store.Tx) error { return tx.SetPasswordHash(ctx, userID, hash) })
}

// CheckPassword reports whether password (plain or, if digest is true, a hex
// SHA-256 digest) is the user's current password.
func (s *Service) CheckPassword(ctx context.Context, userID, password string, digest bool) (bool, error) {
	hash, err := s.store.PasswordHash(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if !digest {
		password = Digest(password)
	}
	return CheckDigest(hash, password), nil
}

// PersonalToken is a personal access token as listed to its owner.
type PersonalToken struct {
	Name            string     `json:"name"`
	CreatedAt       model.Time `json:"createdAt"`
	LastTokenPart   string     `json:"lastTokenPart"`
	BypassTwoFactor bool       `json:"bypassTwoFactor"`
}

// GeneratePersonalToken creates a named personal access token, which never
// expires and authenticates like a login token. The name must be unique per user.
func (s *Service) GeneratePersonalToken(ctx context.Context, userID, name string, bypass2FA bool) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", ErrTokenNameMissing
	}
	token := NewToken()
	err := s.store.Update(ctx, func(tx store.Tx) error {
		existing, err := tx.TokensOfUser(ctx, userID, model.TokenPersonal)
		if err != nil {
			return err
		}
		for _, t := range existing {
			if t.Name == name {
				return model.Conflict("error-token-already-exists", "A token with this name already exists")
			}
		}
		return tx.InsertToken(ctx, &model.Token{Hash: HashToken(token), UserID: userID, Kind: model.TokenPersonal,
			Name: name, CreatedAt: model.TimeOf(s.now()), LastTokenPart: token[len(token)-6:], BypassTwoFactor: bypass2FA})
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// PersonalTokens lists a user's personal access tokens (without secrets).
func (s *Service) PersonalTokens(ctx context.Context, userID string) ([]PersonalToken, error) {
	toks, err := s.store.TokensOfUser(ctx, userID, model.TokenPersonal)
	if err != nil {
		return nil, err
	}
	out := make([]PersonalToken, 0, len(toks))
	for _, t := range toks {
		out = append(out, PersonalToken{Name: t.Name, CreatedAt: t.CreatedAt, LastTokenPart: t.LastTokenPart, BypassTwoFactor: t.BypassTwoFactor})
	}
	return out, nil
}

// RemovePersonalToken deletes a user's personal access token by name.
func (s *Service) RemovePersonalToken(ctx context.Context, userID, name string) error {
	defer s.sessions.Invalidate(userID)
	return s.store.Update(ctx, func(tx store.Tx) error {
		toks, err := tx.TokensOfUser(ctx, userID, model.TokenPersonal)
		if err != nil {
			return err
		}
		for _, t := range toks {
			if t.Name == name {
				if err := tx.DeleteToken(ctx, t.Hash); err != nil {
					return err
				}
				tx.Emit(model.LoginTokensRemoved{UserID: userID, Hashes: []string{t.Hash}})
				return nil
			}
		}
		return model.NotFound("error-token-does-not-exists", "Token does not exist")
	})
}

// TokenExpires returns when the user's login token expires (zero when the
// token is unknown, another user's, or never expires).
func (s *Service) TokenExpires(ctx context.Context, userID, token string) (model.Time, error) {
	tok, err := s.store.TokenByHash(ctx, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return model.Time{}, nil
	}
	if err != nil {
		return model.Time{}, err
	}
	if tok.UserID != userID {
		return model.Time{}, nil
	}
	return tok.ExpiresAt, nil
}
