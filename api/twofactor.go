package api

import (
	"context"

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
