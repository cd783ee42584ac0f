package notifyapi

import (
	"context"
	"encoding/json"

	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/model"
	"liftoff/notify/account"
	"liftoff/realtime"
)

// Accounts is what the account e-mail endpoints ask of the account service
// (account.Service, where each method's errors are documented).
type Accounts interface {
	ForgotPassword(ctx context.Context, address string) error
	ResetPassword(ctx context.Context, token, password string) (*account.Login, error)
	SendConfirmation(ctx context.Context, address string) (bool, error)
	VerifyEmail(ctx context.Context, token string) (*account.Login, error)
}

// AccountRoutes declares users.forgotPassword and
// users.sendConfirmationEmail.
func AccountRoutes(rt *api.Router, svc Accounts) {
	rt.Post("users.forgotPassword", forgotPassword(svc), api.Public(), api.Method("sendForgotPasswordEmail"))
	rt.Post("users.sendConfirmationEmail", sendConfirmation(svc), api.Method("sendConfirmationEmail"))
}

func forgotPassword(svc Accounts) api.Handler {
	return func(r *api.Request) (any, error) {
		var address string
		if raw := r.Raw("email"); raw != nil {
			_ = json.Unmarshal(raw, &address)
		}
		if address == "" {
			// Rocket.Chat checks the setting first; the service does.
			if err := svc.ForgotPassword(r.Context(), ""); err != nil {
				return nil, err
			}
			return nil, model.Invalid("error-invalid-params", "The 'email' param is required")
		}
		if err := svc.ForgotPassword(r.Context(), address); err != nil {
			return nil, err
		}
		return api.M{}, nil
	}
}

func sendConfirmation(svc Accounts) api.Handler {
	return func(r *api.Request) (any, error) {
		var address string
		if json.Unmarshal(r.Raw("email"), &address) != nil || address == "" {
			return nil, model.Invalid("invalid-params", "must have required property 'email'")
		}
		sent, err := svc.SendConfirmation(r.Context(), address)
		if err != nil {
			return nil, err
		}
		if !sent {
			return nil, model.Invalid("error-invalid-params", "Failed to send the confirmation e-mail")
		}
		return api.M{}, nil
	}
}

// loginResult is Meteor's login answer.
func loginResult(l *account.Login) map[string]any {
	return map[string]any{"id": l.User.ID, "token": l.Token, "tokenExpires": l.Expires, "type": "password"}
}

// AccountMethods declares the DDP methods sendForgotPasswordEmail,
// resetPassword, sendConfirmationEmail and verifyEmail; the last two
// redeeming ones log the session in.
func AccountMethods(reg *ddpapi.Registrar, svc Accounts) {
	reg.Method("sendForgotPasswordEmail", func(ctx context.Context, call *realtime.Call) (any, error) {
		address, err := ddpapi.RequireString(call, 0, "email")
		if err != nil {
			return nil, err
		}
		if err := svc.ForgotPassword(ctx, address); err != nil {
			return nil, err
		}
		return true, nil
	}, ddpapi.Public())
	reg.Method("resetPassword", func(ctx context.Context, call *realtime.Call) (any, error) {
		token, err := ddpapi.RequireString(call, 0, "token")
		if err != nil {
			return nil, err
		}
		password, err := ddpapi.RequireString(call, 1, "newPassword")
		if err != nil {
			return nil, err
		}
		l, err := svc.ResetPassword(ctx, token, password)
		if err != nil {
			return nil, err
		}
		if err := call.SetUser(ctx, l.User, l.Token); err != nil {
			return nil, err
		}
		return loginResult(l), nil
	}, ddpapi.Public())
	reg.Method("sendConfirmationEmail", func(ctx context.Context, call *realtime.Call) (any, error) {
		address, err := ddpapi.RequireString(call, 0, "email")
		if err != nil {
			return nil, err
		}
		return svc.SendConfirmation(ctx, address)
	}, ddpapi.Public())
	reg.Method("verifyEmail", func(ctx context.Context, call *realtime.Call) (any, error) {
		token, err := ddpapi.RequireString(call, 0, "token")
		if err != nil {
			return nil, err
		}
		l, err := svc.VerifyEmail(ctx, token)
		if err != nil {
			return nil, err
		}
		if err := call.SetUser(ctx, l.User, l.Token); err != nil {
			return nil, err
		}
		return loginResult(l), nil
	}, ddpapi.Public())
}
