package routes

import (
	"context"
	"encoding/json"

	"liftoff/api"
	"liftoff/ddpapi"
	"liftoff/integrations/commands"
	"liftoff/model"
	"liftoff/realtime"
)

// Commands is what the slash-command endpoints ask of the commands
// service (*slash.Service).
type Commands interface {
	Run(ctx context.Context, user *model.User, inv commands.Invocation) (any, error)
	Preview(ctx context.Context, user *model.User, inv commands.Invocation) (*commands.Previews, error)
	ExecutePreview(ctx context.Context, user *model.User, inv commands.Invocation, item commands.PreviewItem) error
	List(q commands.ListQuery) ([]commands.Item, int)
	Get(name string) (commands.GetItem, bool)
}

// CommandsREST declares commands.list, commands.get, commands.run and
// commands.preview.
func CommandsREST(rt *api.Router, svc Commands) {
	rt.Get("commands.list", func(r *api.Request) (any, error) {
		p := r.Params()
		page := p.Page(nil, "command", "description", "params", "appId", "clientOnly", "providesPreview")
		query := p.String("query")
		if err := p.Err(); err != nil {
			return nil, err
		}
		q := commands.ListQuery{Offset: page.Offset, Count: page.Count}
		if len(page.Sort) > 0 {
			q.Sort = map[string]int{}
			for _, k := range page.Sort {
				q.Sort[k.Field] = 1
				if k.Desc {
					q.Sort[k.Field] = -1
				}
			}
		}
		if query != "" {
			var f struct {
				Command string `json:"command"`
			}
			if json.Unmarshal([]byte(query), &f) != nil {
				return nil, model.Invalid("error-invalid-query", "Invalid query parameter provided")
			}
			q.Command = f.Command
		}
		items, total := svc.List(q)
		return api.M{"commands": items, "offset": page.Offset, "count": len(items), "total": total}, nil
	})
	rt.Get("commands.get", func(r *api.Request) (any, error) {
		name, err := r.String("command")
		if err != nil {
			return nil, err
		}
		if name == "" {
			return failure(`The query param "command" must be provided.`), nil
		}
		it, ok := svc.Get(name)
		if !ok {
			return failure("There is no command in the system by the name of: " + name), nil
		}
		return api.M{"command": it}, nil
	})
	rt.Post("commands.run", func(r *api.Request) (any, error) {
		inv, resp := invocation(r)
		if resp != nil {
			return resp, nil
		}
		result, err := svc.Run(r.Context(), r.User, inv)
		if err != nil {
			return commandFailure(err)
		}
		return api.M{"result": result}, nil
	})
	rt.Get("commands.preview", func(r *api.Request) (any, error) {
		p := r.Params()
		name, params, roomID := p.String("command"), p.String("params"), p.String("roomId")
		if err := p.Err(); err != nil {
			return nil, err
		}
		if name == "" {
			return failure("You must provide a command to get the previews from."), nil
		}
		if roomID == "" {
			return failure("The room's id where the previews are being displayed must be provided and be a string."), nil
		}
		pv, err := svc.Preview(r.Context(), r.User, commands.Invocation{Command: name, Params: params, RoomID: roomID})
		if err != nil {
			return commandFailure(err)
		}
		if pv == nil {
			return nil, nil // a command without previews: success alone, as Rocket.Chat's undefined
		}
		return api.M{"preview": pv}, nil
	})
	rt.Post("commands.preview", func(r *api.Request) (any, error) {
		inv, resp := invocation(r)
		if resp != nil {
			return resp, nil
		}
		var item commands.PreviewItem
		if ok, err := r.Param("previewItem", &item); err != nil || !ok {
			return failure("The preview item being executed must be provided."), nil
		}
		if err := svc.ExecutePreview(r.Context(), r.User, inv, item); err != nil {
			return commandFailure(err)
		}
		return nil, nil
	})
}

// invocation reads commands.run's body with Rocket.Chat's failures.
func invocation(r *api.Request) (commands.Invocation, any) {
	var body struct {
		Command   any    `json:"command"`
		Params    any    `json:"params"`
		RoomID    any    `json:"roomId"`
		Tmid      string `json:"tmid"`
		TriggerID string `json:"triggerId"`
	}
	_ = r.Decode(&body)
	name, ok := body.Command.(string)
	if !ok || name == "" {
		return commands.Invocation{}, failure("You must provide a command to run.")
	}
	params, ok := body.Params.(string)
	if body.Params != nil && !ok {
		return commands.Invocation{}, failure("The parameters for the command must be a single string.")
	}
	roomID, ok := body.RoomID.(string)
	if !ok || roomID == "" {
		return commands.Invocation{}, failure("The room's id where to execute this command must be provided and be a string.")
	}
	return commands.Invocation{Command: name, Params: params, RoomID: roomID, Tmid: body.Tmid, TriggerID: body.TriggerID}, nil
}

// commandFailure renders bare failures without errorType; other errors
// go through the usual mapping.
func commandFailure(err error) (any, error) {
	if e, ok := model.AsError(err); ok && e.Bare {
		return failure(e.Type), nil
	}
	return nil, err
}

// CommandsMethods declares the slashCommand DDP method.
func CommandsMethods(reg *ddpapi.Registrar, svc Commands) {
	reg.Method("slashCommand", func(ctx context.Context, call *realtime.Call) (any, error) {
		type msg struct {
			RoomID string `json:"rid"`
			Tmid   string `json:"tmid"`
			ID     string `json:"_id"`
		}
		in, ok, err := ddpapi.Param[struct {
			Cmd       string `json:"cmd"`
			Params    string `json:"params"`
			Msg       msg    `json:"msg"`
			TriggerID string `json:"triggerId"`
		}](call, 0)
		if err != nil || !ok || in.Cmd == "" {
			return nil, model.Invalid("error-invalid-command", "Invalid Command Provided").InMethod()
		}
		if _, known := svc.Get(in.Cmd); !known {
			return nil, model.Invalid("error-invalid-command", "Invalid Command Provided").InMethod()
		}
		return svc.Run(ctx, call.User(), commands.Invocation{Command: in.Cmd, Params: in.Params, RoomID: in.Msg.RoomID,
			Tmid: in.Msg.Tmid, MessageID: in.Msg.ID, TriggerID: in.TriggerID})
	})
}
