// Package ignoreapi declares the endpoints of package ignore: REST
// chat.ignoreUser and the DDP method ignoreUser.
package ignoreapi

import (
	"context"
	"regexp"
	"strings"

	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/ignore"
	"liftoff/model"
	"liftoff/realtime"
)

// truthy is Rocket.Chat's reading of the ignore query parameter: a string
// containing "true" or "1" ignores, anything else stops ignoring.
var truthy = regexp.MustCompile(`true|1`)

// Routes declares GET chat.ignoreUser?rid=&userId=&ignore=true|false.
func Routes(rt *api.Router, svc *ignore.Service) {
	rt.Get("chat.ignoreUser", func(r *api.Request) (any, error) {
		// Rocket.Chat's query schema: all three required, strings.
		for _, name := range []string{"rid", "userId", "ignore"} {
			if !r.Has(name) {
				return nil, model.Invalid("invalid-params", "must have required property '%s'", name)
			}
		}
		rid, _ := r.String("rid")
		userID, _ := r.String("userId")
		flag, _ := r.String("ignore")
		if strings.TrimSpace(rid) == "" {
			return nil, model.Invalid("error-room-id-param-not-provided", `The required "rid" param is missing.`)
		}
		if strings.TrimSpace(userID) == "" {
			return nil, model.Invalid("error-user-id-param-not-provided", `The required "userId" param is missing.`)
		}
		if _, err := svc.Set(r.Context(), r.User, rid, userID, truthy.MatchString(flag)); err != nil {
			return nil, err
		}
		return nil, nil
	}, api.Method("ignoreUser"))
}

// Methods declares ignoreUser({rid, userId, ignore = true}), answering true.
func Methods(reg *ddpapi.Registrar, svc *ignore.Service) {
	reg.Method("ignoreUser", func(ctx context.Context, call *realtime.Call) (any, error) {
		in, ok, err := ddpapi.Param[struct {
			RoomID string  `json:"rid"`
			UserID *string `json:"userId"`
			Ignore *bool   `json:"ignore"`
		}](call, 0)
		if err != nil || !ok || in.UserID == nil {
			return nil, ddpapi.MatchFailed("ignoreUser")
		}
		on := true
		if in.Ignore != nil {
			on = *in.Ignore
		}
		if _, err := svc.Set(ctx, call.User(), in.RoomID, *in.UserID, on); err != nil {
			return nil, err
		}
		return true, nil
	})
}
