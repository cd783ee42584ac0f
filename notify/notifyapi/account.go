package notifyapi

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"time"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/model"
	"liftoff/notify/account"
	"liftoff/notify/email"
	"liftoff/notify/notifier"
	"liftoff/realtime"
)

// Accounts is what the account e-mail endpoints ask of the account service
// (account.Service, where each method's errors are documented).
type Accounts interface {
	ForgotPassword(ctx context.Context, address string) error
	ResetPassword(ctx context.Context, token, password string) (*account.Login, error)
	SendConfirmation(ctx context.Context, address string) (bool, error)
	VerifyEmail(ctx context.Context, token string) (*account.Login, error)
	SendTestEmail(ctx context.Context, user *model.User) (string, error)
	SendWelcome(ctx context.Context, address string) error
	SendInvitations(ctx context.Context, addresses []string) ([]string, error)
}

// AccountRoutes declares users.forgotPassword and
// users.sendConfirmationEmail.
func AccountRoutes(rt *api.Router, svc Accounts) {
	rt.Post("users.forgotPassword", forgotPassword(svc), api.Public(), api.Method("sendForgotPasswordEmail"))
	rt.Post("users.sendConfirmationEmail", sendConfirmation(svc), api.Method("sendConfirmationEmail"))
	rt.Post("users.sendWelcomeEmail", func(r *api.Request) (any, error) {
		var address string
		if json.Unmarshal(r.Raw("email"), &address) != nil || address == "" {
			return nil, model.Invalid("invalid-params", "must have required property 'email'")
		}
		if err := svc.SendWelcome(r.Context(), address); err != nil {
			return nil, err
		}
		return api.M{}, nil
	}, api.Permission(perm.SendMail), api.Method("sendWelcomeEmail"))
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
// resetPassword, sendConfirmationEmail (logged-in callers only),
// verifyEmail and sendSMTPTestEmail; resetPassword and verifyEmail log the
// session in.
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
	})
	reg.Method("sendSMTPTestEmail", func(ctx context.Context, call *realtime.Call) (any, error) {
		to, err := svc.SendTestEmail(ctx, call.User())
		if err != nil {
			return nil, err
		}
		return map[string]any{"message": "Your_mail_was_sent_to_s", "params": []string{to}}, nil
	})
	reg.Method("sendInvitationEmail", func(ctx context.Context, call *realtime.Call) (any, error) {
		emails, ok, err := ddpapi.Param[[]string](call, 0)
		if err != nil || !ok {
			return nil, ddpapi.MatchFailed("emails")
		}
		return svc.SendInvitations(ctx, emails)
	}, ddpapi.Need(perm.BulkRegisterUser))
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

// EmailPreferences is what the one-click link asks of the preferences
// service (prefs.Service).
type EmailPreferences interface {
	StopEmails(ctx context.Context, userID, roomID string) error
}

// EmailPreferenceRoutes serves the one-click link of notification e-mails
// (notifier.EmailPreferencePath), outside the API's envelopes: GET shows a
// page with a button (link scanners must not change anything), POST (the
// button, or a mail client's RFC 8058 one-click request) stops the
// e-mails. key checks the link's token (email.PreferenceToken).
func EmailPreferenceRoutes(rt *api.Router, svc EmailPreferences, key []byte, now func() time.Time) {
	page := func(w http.ResponseWriter, status int, body string) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, `<!DOCTYPE html><html><head><meta charset="utf-8"><title>E-mail notifications</title></head><body>`+body+`</body></html>`)
	}
	rt.HandleHTTP("GET "+notifier.EmailPreferencePath, func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		if _, _, err := email.ParsePreferenceToken(key, token, now()); err != nil {
			page(w, http.StatusBadRequest, `<p>This link is invalid or has expired.</p>`)
			return
		}
		page(w, http.StatusOK, `<form method="post"><input type="hidden" name="token" value="`+html.EscapeString(token)+
			`"><p>Stop these notification e-mails?</p><button type="submit">Stop e-mails</button></form>`)
	})
	rt.HandleHTTP("POST "+notifier.EmailPreferencePath, func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
		token := r.URL.Query().Get("token")
		if token == "" {
			token = r.PostFormValue("token")
		}
		userID, roomID, err := email.ParsePreferenceToken(key, token, now())
		if err != nil {
			page(w, http.StatusBadRequest, `<p>This link is invalid or has expired.</p>`)
			return
		}
		if err := svc.StopEmails(r.Context(), userID, roomID); err != nil {
			page(w, http.StatusInternalServerError, `<p>Something went wrong; please try again.</p>`)
			return
		}
		page(w, http.StatusOK, `<p>You will not get these notification e-mails any more.</p>`)
	})
}
