package app

import (
	"context"
	"encoding/json"

	"liftoff/auth/external"
	"liftoff/ddpapi"
	"liftoff/directory/directoryapi"
	"liftoff/e2ee/e2eeapi"
	"liftoff/files/filesapi"
	"liftoff/ignore/ignoreapi"
	"liftoff/integrations/routes"
	"liftoff/invites/invitesapi"
	"liftoff/model"
	"liftoff/presence"
	"liftoff/realtime"
	"liftoff/receipts/receiptsapi"
	"liftoff/userstatus/statusapi"
)

// registerMethods registers the DDP methods (sendMessage, loadHistory,
// rooms/get, the presence methods, ...) on the realtime server; see
// package ddpapi.
func registerMethods(rt *realtime.Server, a *App, tracker *presence.Tracker) {
	c := a.chat
	var emoji ddpapi.Emoji
	if a.emoji != nil {
		emoji = a.emoji
	}
	var roomAvatars ddpapi.RoomAvatars
	if a.avatarFiles != nil {
		roomAvatars = a.avatarFiles
	}
	ddpapi.Register(rt, ddpapi.Deps{
		Accounts: c.Accounts, Rooms: c.Rooms, Members: c.Members, Messages: c.Messages, Teams: c.Teams, Admin: c.Admin,
		Presence: tracker, Emoji: emoji, RoomAvatars: roomAvatars,
	})
	reg := ddpapi.NewRegistrar(rt, c.Admin)
	directoryapi.Methods(reg, a.directory)
	statusapi.Methods(reg, a.userStatus)
	e2eeapi.Methods(reg, a.e2ee, a.second)
	invitesapi.Methods(reg, a.invites)
	receiptsapi.Methods(reg, a.receipts)
	ignoreapi.Methods(reg, a.ignores)
	if a.integrations != nil {
		routes.Methods(ddpapi.NewRegistrar(rt, c.Admin), a.integrations)
		routes.CommandsMethods(ddpapi.NewRegistrar(rt, c.Admin), a.commands)
	}
	if a.uploads != nil {
		filesapi.Methods(ddpapi.NewRegistrar(rt, c.Admin), a.uploads)
	}
	ddpapi.TwoFactorMethods(ddpapi.NewRegistrar(rt, c.Admin), a.second)
	// Meteor's accounts clients read the sign-in services from this
	// publication (never the secrets).
	services := external.LoginServices{OAuth: a.oauth, SAML: a.saml}
	rt.HandlePublication("meteor.loginServiceConfiguration", func(context.Context, *model.User) ([]realtime.Document, error) {
		var docs []realtime.Document
		for _, cfg := range services.LoginServiceConfigurations() {
			id, _ := cfg["_id"].(string)
			delete(cfg, "_id")
			docs = append(docs, realtime.Document{Collection: "meteor_accounts_loginServiceConfiguration", ID: id, Fields: cfg})
		}
		return docs, nil
	})
	// samlLogout answers the IdP URL that ends the caller's SAML session.
	ddpapi.NewRegistrar(rt, c.Admin).Method("samlLogout", func(ctx context.Context, call *realtime.Call) (any, error) {
		provider, err := ddpapi.RequireString(call, 0, "provider")
		if err != nil {
			return nil, err
		}
		return a.saml.LogoutURL(ctx, call.User(), provider)
	})
}

// methodBridge lets the REST API's method.call and method.callAnon run the
// realtime server's methods. The REST API is built before the realtime
// server, so the bridge finds the server when a call comes in.
type methodBridge struct{ a *App }

// InvokeFrame implements api.MethodInvoker.
func (b methodBridge) InvokeFrame(ctx context.Context, user *model.User, token, remoteAddr, id, name string, params []json.RawMessage) []byte {
	rt := b.a.realtime
	if rt == nil {
		// Not reachable while serving: mountRealtime runs before the
		// listener opens. Answer as for a method nobody registered.
		frame, _ := json.Marshal(map[string]any{"msg": "result", "id": id, "error": map[string]any{
			"isClientSafe": true, "error": 404, "reason": "Method '" + name + "' not found",
			"message": "Method '" + name + "' not found [404]", "errorType": "Meteor.Error"}})
		return frame
	}
	return rt.InvokeFrame(ctx, user, token, remoteAddr, id, name, params)
}
