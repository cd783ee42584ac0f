package routes

import (
	"context"

	"liftoff/ddpapi"
	"liftoff/integrations"
	"liftoff/model"
	"liftoff/realtime"
)

// Methods declares the DDP methods the web client's integration pages
// call.
func Methods(reg *ddpapi.Registrar, svc Service) {
	add := func(typ string) realtime.MethodFunc {
		return func(ctx context.Context, call *realtime.Call) (any, error) {
			in, ok, err := ddpapi.Param[integrations.Input](call, 0)
			if err != nil || !ok {
				return nil, ddpapi.MatchFailed("integration")
			}
			in.Type = typ
			return svc.Create(ctx, call.User(), in)
		}
	}
	update := func(typ string) realtime.MethodFunc {
		return func(ctx context.Context, call *realtime.Call) (any, error) {
			id, err := ddpapi.RequireString(call, 0, "integrationId")
			if err != nil {
				return nil, err
			}
			in, ok, err := ddpapi.Param[integrations.Input](call, 1)
			if err != nil || !ok {
				return nil, ddpapi.MatchFailed("integration")
			}
			in.Type = typ
			return svc.UpdateByID(ctx, call.User(), id, in)
		}
	}
	del := func(typ string) realtime.MethodFunc {
		return func(ctx context.Context, call *realtime.Call) (any, error) {
			id, err := ddpapi.RequireString(call, 0, "integrationId")
			if err != nil {
				return nil, err
			}
			return true, svc.Delete(ctx, call.User(), typ, id)
		}
	}
	reg.Method("addIncomingIntegration", add(model.IntegrationIncoming))
	reg.Method("updateIncomingIntegration", update(model.IntegrationIncoming))
	reg.Method("deleteIncomingIntegration", del(model.IntegrationIncoming))
	reg.Method("addOutgoingIntegration", add(model.IntegrationOutgoing))
	reg.Method("updateOutgoingIntegration", update(model.IntegrationOutgoing))
	reg.Method("deleteOutgoingIntegration", del(model.IntegrationOutgoing))
	reg.Method("replayOutgoingIntegration", func(ctx context.Context, call *realtime.Call) (any, error) {
		in, ok, err := ddpapi.Param[struct {
			IntegrationID string `json:"integrationId"`
			HistoryID     string `json:"historyId"`
		}](call, 0)
		if err != nil || !ok {
			return nil, ddpapi.MatchFailed("params")
		}
		return true, svc.Replay(ctx, call.User(), in.IntegrationID, in.HistoryID)
	})
	reg.Method("clearIntegrationHistory", func(ctx context.Context, call *realtime.Call) (any, error) {
		id, err := ddpapi.RequireString(call, 0, "integrationId")
		if err != nil {
			return nil, err
		}
		return true, svc.ClearHistory(ctx, call.User(), id)
	})
}
