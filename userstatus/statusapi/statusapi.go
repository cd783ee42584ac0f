// Package statusapi declares the endpoints of package userstatus: REST
// custom-user-status.list/.create/.update/.delete and the DDP methods
// listCustomUserStatus, insertOrUpdateUserStatus and deleteCustomUserStatus.
package statusapi

import (
	"context"
	"encoding/json"
	"fmt"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/model"
	"liftoff/realtime"
	"liftoff/userstatus"
)

// Routes declares the REST endpoints. Rocket.Chat refuses a caller without
// manage-user-status with a 400 not_authorized.
func Routes(rt *api.Router, svc *userstatus.Service) {
	rt.Get("custom-user-status.list", list(svc))
	manage := api.PermissionOr(perm.ManageUserStatus, userstatus.ErrNotAuthorized)
	rt.Post("custom-user-status.create", create(svc), manage, api.Method("insertOrUpdateUserStatus"), api.Status(model.KindForbidden, 400))
	rt.Post("custom-user-status.update", update(svc), manage, api.Method("insertOrUpdateUserStatus"), api.Status(model.KindForbidden, 400))
	rt.Post("custom-user-status.delete", remove(svc), manage, api.Method("deleteCustomUserStatus"), api.Status(model.KindForbidden, 400))
}

// Methods declares the DDP methods.
func Methods(reg *ddpapi.Registrar, svc *userstatus.Service) {
	reg.Method("listCustomUserStatus", func(ctx context.Context, _ *realtime.Call) (any, error) { return svc.All(ctx) })
	reg.Method("insertOrUpdateUserStatus", func(ctx context.Context, call *realtime.Call) (any, error) {
		in, ok, err := ddpapi.Param[struct {
			ID         string `json:"_id"`
			Name       string `json:"name"`
			StatusType string `json:"statusType"`
		}](call, 0)
		if err != nil || !ok {
			return nil, ddpapi.MatchFailed("userStatusData")
		}
		st, err := svc.Save(ctx, call.User(), userstatus.Input{ID: in.ID, Name: in.Name, StatusType: in.StatusType})
		if err != nil {
			return nil, err
		}
		if in.ID == "" {
			return st.ID, nil
		}
		return true, nil
	})
	reg.Method("deleteCustomUserStatus", func(ctx context.Context, call *realtime.Call) (any, error) {
		id, err := ddpapi.RequireString(call, 0, "userStatusID")
		if err != nil {
			return nil, err
		}
		if err := svc.Delete(ctx, call.User(), id); err != nil {
			return nil, err
		}
		return true, nil
	})
}

func list(svc *userstatus.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		f := userstatus.Filter{Name: p.String("name"), ID: p.String("_id")}
		page := p.Page(nil, "name")
		if err := p.Err(); err != nil {
			return nil, err
		}
		statuses, total, err := svc.List(r.Context(), f, page)
		if err != nil {
			return nil, err
		}
		return api.M{"statuses": statuses, "count": len(statuses), "offset": page.Offset, "total": total}, nil
	}
}

// body reads a body whose keys must be among allowed, as Meteor's check of
// an object pattern (an unknown key or a value that is not a string is a
// Match error).
func body(r *api.Request, required []string, optional ...string) (map[string]string, error) {
	var raw map[string]json.RawMessage
	if err := r.Decode(&raw); err != nil {
		return nil, err
	}
	out := map[string]string{}
	known := map[string]bool{}
	for _, k := range append(append([]string{}, required...), optional...) {
		known[k] = true
	}
	for k, v := range raw {
		if !known[k] {
			return nil, model.Invalid("error-invalid-params", "Match error: Unknown key in field %s", k)
		}
		if string(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, model.Invalid("error-invalid-params", "Match error: Expected string, got %s in field %s", kindOf(v), k)
		}
		out[k] = s
	}
	for _, k := range required {
		if _, ok := out[k]; !ok {
			return nil, model.Invalid("error-invalid-params", "Match error: Missing key '%s'", k)
		}
	}
	return out, nil
}

func kindOf(v json.RawMessage) string {
	var x any
	_ = json.Unmarshal(v, &x)
	switch x.(type) {
	case float64:
		return "number"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

func create(svc *userstatus.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		in, err := body(r, []string{"name"}, "statusType")
		if err != nil {
			return nil, err
		}
		st, err := svc.Save(r.Context(), r.User, userstatus.Input{Name: in["name"], StatusType: in["statusType"]})
		if err != nil {
			return nil, err
		}
		return api.M{"customUserStatus": st}, nil
	}
}

func update(svc *userstatus.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		in, err := body(r, []string{"_id", "name"}, "statusType")
		if err != nil {
			return nil, err
		}
		ok, err := svc.Exists(r.Context(), in["_id"])
		if err != nil {
			return nil, err
		}
		if !ok {
			return api.Respond(400, api.M{"success": false, "error": fmt.Sprintf("No custom user status found with the id of %q.", in["_id"])}), nil
		}
		st, err := svc.Save(r.Context(), r.User, userstatus.Input{ID: in["_id"], Name: in["name"], StatusType: in["statusType"]})
		if err != nil {
			return nil, err
		}
		return api.M{"customUserStatus": st}, nil
	}
}

func remove(svc *userstatus.Service) api.Handler {
	return func(r *api.Request) (any, error) {
		id, err := r.String("customUserStatusId")
		if err != nil {
			return nil, err
		}
		if id == "" {
			return api.Respond(400, api.M{"success": false, "error": `The "customUserStatusId" params is required!`}), nil
		}
		if err := svc.Delete(r.Context(), r.User, id); err != nil {
			return nil, err
		}
		return api.M{}, nil
	}
}
