package routes

import (
	"context"

	"liftoff/api"
	"liftoff/integrations"
	"liftoff/model"
)

// Service is what the routes ask of the integrations service
// (*integrations.Service).
type Service interface {
	Create(ctx context.Context, actor *model.User, in integrations.Input) (*model.Integration, error)
	Update(ctx context.Context, actor *model.User, in integrations.Input) (*model.Integration, error)
	UpdateByID(ctx context.Context, actor *model.User, id string, in integrations.Input) (*model.Integration, error)
	Remove(ctx context.Context, actor *model.User, typ, id, url string) (*model.Integration, error)
	Delete(ctx context.Context, actor *model.User, typ, id string) error
	Get(ctx context.Context, actor *model.User, id, createdBy string) (*model.Integration, error)
	List(ctx context.Context, actor *model.User, in integrations.ListInput, p model.Page) ([]*model.Integration, int, error)
	History(ctx context.Context, actor *model.User, id string, p model.Page) ([]*model.IntegrationHistory, int, error)
	ClearHistory(ctx context.Context, actor *model.User, id string) error
	Replay(ctx context.Context, actor *model.User, integrationID, historyID string) error
	CanList(actor *model.User) bool
	CanSeeHistory(actor *model.User) bool
	integrations.Incoming
}

// failure is Rocket.Chat's API.v1.failure(text): 400 without errorType.
func failure(text string) any {
	return api.Respond(400, api.M{"success": false, "error": text})
}

// REST declares the integrations.* endpoints.
func REST(rt *api.Router, svc Service) {
	rt.Post("integrations.create", api.Bind(func(r *api.Request, in *integrations.Input) (any, error) {
		it, err := svc.Create(r.Context(), r.User, *in)
		if err != nil {
			return bare(err)
		}
		return api.M{"integration": it}, nil
	}))
	rt.Handle("PUT", "integrations.update", api.Bind(func(r *api.Request, in *integrations.Input) (any, error) {
		it, err := svc.Update(r.Context(), r.User, *in)
		if err != nil {
			return bare(err)
		}
		return api.M{"integration": it}, nil
	}))
	rt.Get("integrations.get", func(r *api.Request) (any, error) {
		p := r.Params()
		id, createdBy := p.String("integrationId"), p.String("createdBy")
		if err := p.Err(); err != nil {
			return nil, err
		}
		if id == "" {
			return failure(`The query parameter "integrationId" is required.`), nil
		}
		it, err := svc.Get(r.Context(), r.User, id, createdBy)
		if err != nil {
			return bare(err)
		}
		return api.M{"integration": it}, nil
	})
	rt.Get("integrations.list", func(r *api.Request) (any, error) {
		if !svc.CanList(r.User) {
			return nil, model.ErrUnauthorized
		}
		p := r.Params()
		name, typ := p.String("name"), p.String("type")
		page := p.Page(nil, "_createdAt", "_updatedAt", "name", "ts")
		if err := p.Err(); err != nil {
			return nil, err
		}
		in := integrations.ListInput{Name: name}
		if typ != "" {
			in.Types = []string{typ}
		}
		list, total, err := svc.List(r.Context(), r.User, in, page)
		if err != nil {
			return nil, err
		}
		return api.M{"integrations": list, "offset": page.Offset, "items": len(list), "count": len(list), "total": total}, nil
	})
	rt.Post("integrations.remove", func(r *api.Request) (any, error) {
		if !svc.CanList(r.User) {
			return nil, model.ErrUnauthorized
		}
		p := r.Params()
		typ, id, url := p.String("type"), p.String("integrationId"), p.String("target_url")
		if err := p.Err(); err != nil {
			return nil, err
		}
		if typ == model.IntegrationIncoming && id == "" {
			return nil, model.Invalid("error-invalid-params", "Match error: Missing key 'integrationId'")
		}
		it, err := svc.Remove(r.Context(), r.User, typ, id, url)
		if err != nil {
			return bare(err)
		}
		return api.M{"integration": it}, nil
	})
	rt.Get("integrations.history", func(r *api.Request) (any, error) {
		if !svc.CanSeeHistory(r.User) {
			return nil, model.ErrUnauthorized
		}
		p := r.Params()
		id := p.String("id")
		page := p.Page([]model.SortKey{{Field: "_updatedAt", Desc: true}}, "_updatedAt", "_createdAt")
		if err := p.Err(); err != nil {
			return nil, err
		}
		if id == "" {
			return failure("Invalid integration id."), nil
		}
		list, total, err := svc.History(r.Context(), r.User, id, page)
		if err != nil {
			return nil, err
		}
		return api.M{"history": list, "offset": page.Offset, "items": len(list), "count": len(list), "total": total}, nil
	})
}

// bare answers the service's bare failures ("No integration found.") as
// Rocket.Chat's API.v1.failure does, without errorType.
func bare(err error) (any, error) {
	if e, ok := model.AsError(err); ok && e.Bare {
		if e.Kind == model.KindForbidden {
			// A refusal for want of a permission: 403, as everywhere in
			// Liftoff (Rocket.Chat answers 400 here).
			return api.Respond(403, api.M{"success": false, "error": e.Type}), nil
		}
		return failure(e.Type), nil
	}
	return nil, err
}
