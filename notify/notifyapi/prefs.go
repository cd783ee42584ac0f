// Package notifyapi declares the REST endpoints of notifications on the
// API's router: users' and rooms' notification preferences
// (users.getPreferences, users.setPreferences, rooms.saveNotification).
package notifyapi

import (
	"context"
	"encoding/json"
	"slices"

	"liftoff/api"
	"liftoff/model"
)

// Preferences is what the endpoints ask of the preferences service
// (prefs.Service, where each method's errors are documented).
type Preferences interface {
	Preferences(ctx context.Context, user *model.User) (map[string]any, bool, error)
	SetPreferences(ctx context.Context, actor *model.User, userID string, data map[string]any) (*model.User, error)
	SaveNotification(ctx context.Context, user *model.User, roomID string, fields map[string]string) error
}

// PreferenceRoutes declares users.getPreferences, users.setPreferences and
// rooms.saveNotification.
func PreferenceRoutes(rt *api.Router, svc Preferences) {
	rt.Get("users.getPreferences", getPreferences(svc))
	rt.Post("users.setPreferences", setPreferences(svc), api.Method("saveUserPreferences"))
	rt.Post("rooms.saveNotification", saveNotification(svc), api.Method("saveNotificationSettings"))
}

// notAvailable is Rocket.Chat's failure for a user without preferences:
// its English text of Accounts_Default_User_Preferences_not_available,
// upper-cased.
const notAvailable = "FAILED TO RETRIEVE USER PREFERENCES BECAUSE THEY HAVEN'T BEEN SET UP BY THE USER YET"

func getPreferences(svc Preferences) api.Handler {
	return func(r *api.Request) (any, error) {
		prefs, ok, err := svc.Preferences(r.Context(), r.User)
		if err != nil {
			return nil, err
		}
		if !ok {
			// API.v1.failure(text): no errorType of its own.
			return nil, model.Invalid("error-invalid-params", notAvailable)
		}
		return api.M{"preferences": prefs}, nil
	}
}

// object decodes the body as a JSON object and refuses members other than
// allowed, as Rocket.Chat's schemas (additionalProperties: false) do.
func object(r *api.Request, allowed ...string) (map[string]json.RawMessage, error) {
	var body map[string]json.RawMessage
	if err := r.Decode(&body); err != nil {
		return nil, err
	}
	for k := range body {
		if !slices.Contains(allowed, k) {
			return nil, invalidParams("must NOT have additional properties")
		}
	}
	return body, nil
}

func invalidParams(msg string) error { return model.Invalid("invalid-params", "%s", msg) }

func setPreferences(svc Preferences) api.Handler {
	return func(r *api.Request) (any, error) {
		body, err := object(r, "userId", "data")
		if err != nil {
			return nil, err
		}
		var userID string
		if raw, ok := body["userId"]; ok && string(raw) != "null" {
			if json.Unmarshal(raw, &userID) != nil {
				return nil, invalidParams("must be string")
			}
		}
		raw, ok := body["data"]
		if !ok {
			return nil, invalidParams("must have required property 'data'")
		}
		var data map[string]any
		if json.Unmarshal(raw, &data) != nil || data == nil {
			return nil, invalidParams("must be object")
		}
		u, err := svc.SetPreferences(r.Context(), r.User, userID, data)
		if err != nil {
			return nil, err
		}
		prefs := map[string]any{}
		if u.Settings != nil {
			for k, v := range u.Settings.Preferences {
				prefs[k] = v
			}
		}
		delete(prefs, "language")
		if u.Language != "" {
			prefs["language"] = u.Language
		}
		return api.M{"user": api.M{"_id": u.ID, "settings": api.M{"preferences": prefs}}}, nil
	}
}

func saveNotification(svc Preferences) api.Handler {
	return func(r *api.Request) (any, error) {
		body, err := object(r, "roomId", "notifications")
		if err != nil {
			return nil, err
		}
		rawRoom, ok := body["roomId"]
		if !ok {
			return nil, invalidParams("must have required property 'roomId'")
		}
		rawFields, ok := body["notifications"]
		if !ok {
			return nil, invalidParams("must have required property 'notifications'")
		}
		var roomID string
		if json.Unmarshal(rawRoom, &roomID) != nil {
			return nil, invalidParams("must be string")
		}
		if roomID == "" {
			return nil, invalidParams("must NOT have fewer than 1 characters")
		}
		var generic map[string]json.RawMessage
		if json.Unmarshal(rawFields, &generic) != nil || generic == nil {
			return nil, invalidParams("must be object")
		}
		if len(generic) == 0 {
			return nil, invalidParams("must NOT have fewer than 1 properties")
		}
		fields := make(map[string]string, len(generic))
		for k, v := range generic {
			var s string
			if json.Unmarshal(v, &s) != nil || string(v) == "null" {
				return nil, invalidParams("must be string")
			}
			fields[k] = s
		}
		if err := svc.SaveNotification(r.Context(), r.User, roomID, fields); err != nil {
			return nil, err
		}
		return api.M{}, nil
	}
}
