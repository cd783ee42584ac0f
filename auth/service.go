package auth

import (
	"context"
	"errors"
	"fmt"
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

// Service authenticates users.
type Service struct {
	store    store.Store
	settings Settings
	cost     int
	now      func() time.Time
	byUser   *failureLimiter
	byIP     *failureLimiter
}

// Options configure a Service.
type Options struct {
	// BcryptCost for new password hashes (DefaultBcryptCost when 0).
	BcryptCost int
	// Now replaces the clock (tests).
	Now func() time.Time
}

// NewService returns an authentication service over st.
func NewService(st store.Store, settings Settings, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = DefaultBcryptCost
	}
	return &Service{store: st, settings: settings, cost: opts.BcryptCost, now: opts.Now,
		byUser: newFailureLimiter(), byIP: newFailureLimiter()}
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
		if s.settings.Bool(setting.BlockMultipleFailedLoginsByIP) && ip != "" && s.byIP.blocked(ip, now) {
			return nil, ErrBlockedForIP
		}
		if s.settings.Bool(setting.BlockMultipleFailedLoginsByUser) && s.byUser.blocked(userKey, now) {
			return nil, ErrBlockedForUser
		}
	}
	u, err := s.findUser(ctx, ident)
	var hash string
	if err == nil {
		hash, err = s.store.PasswordHash(ctx, u.ID)
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("login: %w", err)
	}
	if u == nil || !CheckDigest(hash, digest) {
		if limit {
			s.byUser.fail(userKey, now, s.settings.Int(setting.BlockMultipleFailedLoginsAttemptsUntilBlockByUser),
				minutes(s.settings.Float(setting.BlockMultipleFailedLoginsTimeToUnblockByUserInMinutes)))
			if ip != "" {
				s.byIP.fail(ip, now, s.settings.Int(setting.BlockMultipleFailedLoginsAttemptsUntilBlockByIP),
					minutes(s.settings.Float(setting.BlockMultipleFailedLoginsTimeToUnblockByIPInMinutes)))
			}
		}
		return nil, ErrLoginFailed
	}
	if !u.Active {
		return nil, ErrUserDeactivated
	}
	s.byUser.reset(userKey)
	if ip != "" {
		s.byIP.reset(ip)
	}
	token, expires, err := s.IssueToken(ctx, u)
	if err != nil {
		return nil, err
	}
	return &LoginResult{User: u, Token: token, Expires: expires, Method: "password"}, nil
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
	tok, err := s.store.TokenByHash(ctx, HashToken(token))
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resume: %w", err)
	}
	if !tok.ExpiresAt.IsZero() && s.now().After(tok.ExpiresAt.Time) {
		return nil, nil, ErrInvalidToken
	}
	u, err := s.store.UserByID(ctx, tok.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, ErrInvalidToken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("resume: %w", err)
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

// Logout revokes the given token of the user.
func (s *Service) Logout(ctx context.Context, userID, token string) error {
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
