package api

import (
	"context"
	"strings"

	"liftoff/auth/secondfactor"
	"liftoff/auth/twofactor"
	"liftoff/model"
)

// TwoFactor is what the REST API asks of the two-factor service
// (secondfactor.Service): the check of the calls Rocket.Chat declares
// twoFactorRequired, and the user's factors for their profile.
type TwoFactor interface {
	CheckCall(ctx context.Context, u *model.User, c secondfactor.Call, opts twofactor.Options) error
	StatusOf(ctx context.Context, userID string) (secondfactor.Status, error)
	EnableEmail(ctx context.Context, u *model.User) error
	DisableEmail(ctx context.Context, u *model.User) error
	SendEmailCode(ctx context.Context, u *model.User) error
	SendEmailCodeTo(ctx context.Context, emailOrUsername string) error
}

// twoFactorRoutes are Rocket.Chat's users.2fa.* endpoints of e-mail codes:
// enableEmail, disableEmail (itself confirmed by a second factor, never
// a remembered one) and sendEmailCode (a new code for the caller, or for
// the account named by emailOrUsername when not logged in: what a client
// asks before repeating a login refused with totp-required and method
// email; it answers success whoever is named).
func (s *Server) twoFactorRoutes(rt *Router) {
	if s.twoFactor == nil {
		return
	}
	rt.Post("users.2fa.enableEmail", func(r *Request) (any, error) {
		return nil, s.twoFactor.EnableEmail(r.Context(), r.User)
	})
	rt.Post("users.2fa.disableEmail", func(r *Request) (any, error) {
		return nil, s.twoFactor.DisableEmail(r.Context(), r.User)
	}, TwoFactorRequired(twofactor.Options{DisableRememberMe: true}))
	rt.Post("users.2fa.sendEmailCode", func(r *Request) (any, error) {
		name, err := r.String("emailOrUsername")
		if err != nil {
			return nil, err
		}
		if strings.TrimSpace(name) == "" {
			return nil, model.Invalid("error-parameter-required", "emailOrUsername is required")
		}
		if r.User != nil {
			return nil, s.twoFactor.SendEmailCode(r.Context(), r.User)
		}
		return nil, s.twoFactor.SendEmailCodeTo(r.Context(), strings.TrimSpace(name))
	}, Public())
}

// TwoFactorRequired is Rocket.Chat's twoFactorRequired route option: the
// caller confirms the call with a second factor in the x-2fa-code and
// x-2fa-method headers, unless their token is exempt (a personal access
// token made to bypass it, or a factor checked recently from the same
// client). Without one: 400 totp-required, whose details name the method
// to ask for; a wrong one: totp-invalid.
func TwoFactorRequired(opts twofactor.Options) Option {
	return func(rt *route) { rt.guards = append(rt.guards, twoFactorGuard{opts}) }
}

type twoFactorGuard struct{ opts twofactor.Options }

func (g twoFactorGuard) check(s *Server, r *Request) error {
	return s.checkTwoFactor(r, secondfactor.Call{}, g.opts)
}

// checkTwoFactor runs the second-factor check of the call, with the code
// the call carries in c (if any) and the x-2fa-* headers.
func (s *Server) checkTwoFactor(r *Request, c secondfactor.Call, opts twofactor.Options) error {
	if s.twoFactor == nil || r.User == nil {
		return nil
	}
	c.HeaderCode = r.HTTP.Header.Get(twofactor.HeaderCode)
	c.HeaderMethod = r.HTTP.Header.Get(twofactor.HeaderMethod)
	c.Token = r.Token
	c.UserAgent = r.HTTP.UserAgent()
	c.RemoteAddr = s.clientIP(r.HTTP)
	return s.twoFactor.CheckCall(r.Context(), r.User, c, opts)
}

// hasTwoFactorHeaders reports whether the call carries x-2fa-code and x-2fa-method.
func hasTwoFactorHeaders(r *Request) bool {
	return r.HTTP.Header.Get(twofactor.HeaderCode) != "" && r.HTTP.Header.Get(twofactor.HeaderMethod) != ""
}
