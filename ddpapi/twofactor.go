package ddpapi

import (
	"context"

	"liftoff/auth/twofactor"
	"liftoff/model"
	"liftoff/realtime"
)

// TwoFactor is what the 2fa:* methods ask of the two-factor service
// (secondfactor.Service).
type TwoFactor interface {
	Enable(ctx context.Context, u *model.User) (twofactor.Setup, error)
	ValidateTempToken(ctx context.Context, u *model.User, keepToken, code string) ([]string, error)
	Disable(ctx context.Context, u *model.User, code string) (bool, error)
	RegenerateCodes(ctx context.Context, u *model.User, code string) ([]string, error)
	CodesRemaining(ctx context.Context, u *model.User) (int, error)
}

// TwoFactorMethods declares Rocket.Chat's TOTP methods: 2fa:enable (the
// secret and its otpauth URL), 2fa:validateTempToken (the first code turns
// TOTP on; the backup codes, or nothing for a wrong code), 2fa:disable
// (true or false), 2fa:regenerateCodes ({codes}, or nothing for a wrong
// code) and 2fa:checkCodesRemaining ({remaining}).
func TwoFactorMethods(reg *Registrar, svc TwoFactor) {
	reg.Method("2fa:enable", func(ctx context.Context, call *realtime.Call) (any, error) {
		return svc.Enable(ctx, call.User())
	})
	reg.Method("2fa:validateTempToken", func(ctx context.Context, call *realtime.Call) (any, error) {
		code, err := RequireString(call, 0, "userToken")
		if err != nil {
			return nil, err
		}
		codes, err := svc.ValidateTempToken(ctx, call.User(), call.Token(), code)
		if err != nil || codes == nil {
			return nil, err
		}
		return map[string]any{"codes": codes}, nil
	})
	reg.Method("2fa:disable", func(ctx context.Context, call *realtime.Call) (any, error) {
		code, err := RequireString(call, 0, "code")
		if err != nil {
			return nil, err
		}
		return svc.Disable(ctx, call.User(), code)
	})
	reg.Method("2fa:regenerateCodes", func(ctx context.Context, call *realtime.Call) (any, error) {
		code, err := RequireString(call, 0, "userToken")
		if err != nil {
			return nil, err
		}
		codes, err := svc.RegenerateCodes(ctx, call.User(), code)
		if err != nil || codes == nil {
			return nil, err
		}
		return map[string]any{"codes": codes}, nil
	})
	reg.Method("2fa:checkCodesRemaining", func(ctx context.Context, call *realtime.Call) (any, error) {
		n, err := svc.CodesRemaining(ctx, call.User())
		if err != nil {
			return nil, err
		}
		return map[string]any{"remaining": n}, nil
	})
}
