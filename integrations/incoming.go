package integrations

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"strings"

	"liftoff/chat"
	"liftoff/integrations/script"
	"liftoff/integrations/webhook"
	"liftoff/model"
	"liftoff/store"
)

// HookRequest is a call of an incoming webhook (POST or GET
// /hooks/:integrationId/:token).
type HookRequest struct {
	IntegrationID string
	Token         string // URL-decoded
	ContentType   string
	Body          []byte
	// For scripts: the request as Rocket.Chat's script API shows it.
	Path      string            // the request URI as received (path and query)
	Pathname  string            // the path
	Search    string            // "?..." or ""
	Query     map[string]any    // query parameters
	URLParams map[string]string // integrationId, token (and userId)
	Headers   map[string]string // lower-case names
}

// HookResponse is the answer to a webhook call: a status and a JSON body.
type HookResponse struct {
	Status int
	Body   any
}

func hookOK(extra map[string]any) HookResponse {
	body := map[string]any{"success": true}
	for k, v := range extra {
		body[k] = v
	}
	return HookResponse{200, body}
}

func hookFail(err any) HookResponse {
	return HookResponse{400, map[string]any{"success": false, "error": err}}
}

// Incoming runs an incoming webhook call as Rocket.Chat's /hooks routes
// do: the integration by id and token, its script, then the message.
type Incoming interface {
	Incoming(ctx context.Context, req HookRequest) HookResponse
	// Authenticate tells whether id and token name an incoming
	// integration (the /hooks/info and /hooks/sample routes).
	Authenticate(ctx context.Context, id, token string) bool
	// HookUser is the user of incoming integration id with token, or nil.
	HookUser(ctx context.Context, id, token string) *model.User
	// AddHook and RemoveHook serve /hooks/add and /hooks/remove.
	AddHook(ctx context.Context, actor *model.User, in HookAdd) (*model.Integration, error)
	RemoveHook(ctx context.Context, actor *model.User, targetURL string) error
}

// Authenticate implements Incoming.
func (s *Service) Authenticate(ctx context.Context, id, token string) bool {
	it, err := s.d.Store.IntegrationByID(ctx, id)
	return err == nil && it.Type == model.IntegrationIncoming && subtle.ConstantTimeCompare([]byte(it.Token), []byte(token)) == 1
}

var _ Incoming = (*Service)(nil)

// Incoming implements the interface of the same name.
func (s *Service) Incoming(ctx context.Context, req HookRequest) HookResponse {
	it, err := s.d.Store.IntegrationByID(ctx, req.IntegrationID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.d.Logger.ErrorContext(ctx, "incoming webhook: read integration", "err", err)
		return HookResponse{500, map[string]any{"success": false, "error": "Internal server error"}}
	}
	if err != nil || it.Type != model.IntegrationIncoming || subtle.ConstantTimeCompare([]byte(it.Token), []byte(req.Token)) != 1 {
		s.d.Logger.InfoContext(ctx, "incoming webhook: invalid integration id or token", "integration", req.IntegrationID)
		return HookResponse{401, map[string]any{"status": "error", "message": "You must be logged in to do this."}}
	}
	user, err := s.d.Data.UserByID(ctx, it.UserID)
	if err != nil {
		return HookResponse{401, map[string]any{"status": "error", "message": "You must be logged in to do this."}}
	}
	if !it.Enabled {
		return HookResponse{503, map[string]any{"success": false, "error": "Service Unavailable"}}
	}
	payload, err := webhook.ParseBody(req.ContentType, req.Body)
	if err != nil {
		return hookFail(err.Error())
	}
	separate := payload["separateResponse"] == true
	var scriptResponse json.RawMessage
	if it.ScriptEnabled && it.ScriptError == nil && strings.TrimSpace(it.Script) != "" && s.d.Scripts != nil {
		out, err := s.d.Scripts.ProcessIncomingRequest(ctx, script.Script{IntegrationID: it.ID, Name: it.Name, Source: it.Script},
			script.IncomingRequest{
				URL:    script.IncomingURL{Search: req.Search, Query: req.Query, Pathname: req.Pathname, Path: req.Path},
				URLRaw: req.Path, URLParams: req.URLParams, Content: payload, ContentRaw: string(req.Body),
				Headers: req.Headers, Body: payload,
				User: script.ScriptUser{ID: user.ID, Name: user.Name, Username: user.Username},
			})
		if err != nil {
			s.scriptFailed(ctx, it, err)
			return hookFail("error-running-script")
		}
		switch {
		case out.Empty:
			return hookOK(nil)
		case len(out.Error) > 0:
			var e any
			_ = json.Unmarshal(out.Error, &e)
			return hookFail(e)
		}
		var content map[string]any
		dec := json.NewDecoder(bytes.NewReader(out.Content))
		dec.UseNumber()
		if err := dec.Decode(&content); err != nil || content == nil {
			return hookFail("error-running-script")
		}
		if _, ok := content["separateResponse"]; !ok {
			content["separateResponse"] = separate
		}
		payload = content
		scriptResponse = out.Response
		if len(out.User) > 0 {
			var u struct {
				ID string `json:"_id"`
			}
			if json.Unmarshal(out.User, &u) == nil && u.ID != "" {
				if other, err := s.d.Data.UserByID(ctx, u.ID); err == nil {
					user = other
				}
			}
		}
	} else if len(payload) == 0 {
		return hookOK(nil)
	}
	if err := webhook.CheckChannelOverride(payload, it.OverrideDestinationChannelEnabled); err != nil {
		return hookFail(err.Error())
	}
	draft, err := webhook.BuildDraft(payload, webhook.Defaults{Channels: it.Channel, Alias: it.Alias, Avatar: it.Avatar, Emoji: it.Emoji}, it.ID)
	if err != nil {
		return hookFail(err.Error())
	}
	responses, err := s.postDraft(ctx, user, draft)
	if err != nil {
		return hookFail(errorText(err))
	}
	if len(scriptResponse) > 0 {
		var extra map[string]any
		if json.Unmarshal(scriptResponse, &extra) == nil {
			return hookOK(extra)
		}
	}
	if draft.SeparateResponse {
		for _, r := range responses {
			if _, failed := r["error"]; !failed {
				return hookOK(map[string]any{"responses": responses})
			}
		}
		return hookFail(map[string]any{"responses": responses})
	}
	return hookOK(nil)
}

// errorText is how Rocket.Chat's failure shows a thrown Meteor error: its
// error type.
func errorText(err error) string {
	if e, ok := model.AsError(err); ok {
		return e.Type
	}
	return err.Error()
}

// scriptFailed logs a failed script call and records it in the
// integration's history.
func (s *Service) scriptFailed(ctx context.Context, it *model.Integration, err error) {
	s.d.Logger.WarnContext(ctx, "integration script failed", "integration", it.ID, "name", it.Name, "err", err)
	now := s.now()
	h := &model.IntegrationHistory{
		ID: model.NewID(), Type: it.Type, Step: "execute-script-error", Event: "incoming",
		Integration: model.IntegrationSummary{ID: it.ID, Type: it.Type, Name: it.Name, CreatedBy: it.CreatedBy},
		CreatedAt:   now, UpdatedAt: now, Finished: true, Error: true, ErrorStack: scriptErrorInfo(err),
	}
	if err := s.d.Store.SaveIntegrationHistory(ctx, h); err != nil {
		s.d.Logger.ErrorContext(ctx, "save integration history", "err", err)
	}
}

func scriptErrorInfo(err error) any {
	var se *script.Error
	if errors.As(err, &se) {
		return map[string]any{"name": se.Name, "message": se.Message, "stack": se.Stack, "kind": string(se.Kind)}
	}
	return err.Error()
}

// postDraft posts the draft to each of its channels. Without
// SeparateResponse the first failure ends the call; with it, each
// channel's outcome is reported.
func (s *Service) postDraft(ctx context.Context, user *model.User, d *webhook.Draft) ([]map[string]any, error) {
	var out []map[string]any
	for _, channel := range d.Channels {
		msg, err := s.postTo(ctx, user, channel, d)
		if err != nil {
			if !d.SeparateResponse {
				return nil, err
			}
			out = append(out, map[string]any{"channel": channel, "error": errorText(err)})
			continue
		}
		out = append(out, map[string]any{"channel": channel, "message": msg})
	}
	return out, nil
}

func (s *Service) postTo(ctx context.Context, user *model.User, channel string, d *webhook.Draft) (*model.Message, error) {
	room, err := s.resolveRoom(ctx, user, channel)
	if err != nil {
		return nil, err
	}
	groupable := d.Groupable
	in := chat.SendInput{
		RoomID: room.ID, Msg: d.Msg, ThreadID: d.Tmid, Alias: d.Alias, Emoji: d.Emoji, Avatar: d.Avatar,
		Attachments: d.Attachments, CustomFields: d.CustomFields, Bot: d.Bot, Groupable: &groupable,
	}
	return s.d.Chat.SendMessage(ctx, user, in)
}

var errInvalidChannel = model.Invalid("invalid-channel", "Invalid channel")

// resolveRoom finds the room a webhook's channel names, as Rocket.Chat's
// processWebhookMessage does: "#name-or-id" a room, joined when public;
// "@username" a direct message (created when needed); a bare value a room
// by id or name, then a direct message with that user id.
func (s *Service) resolveRoom(ctx context.Context, user *model.User, channel string) (*model.Room, error) {
	channel = strings.TrimSpace(channel)
	switch {
	case strings.HasPrefix(channel, "@"):
		return s.direct(ctx, user, channel[1:])
	case strings.HasPrefix(channel, "#"):
		return s.roomToPost(ctx, user, channel[1:])
	default:
		if r, err := s.roomToPost(ctx, user, channel); err == nil {
			return r, nil
		}
		return s.direct(ctx, user, channel)
	}
}

func (s *Service) direct(ctx context.Context, user *model.User, nameOrID string) (*model.Room, error) {
	other, err := s.d.Data.UserByUsername(ctx, nameOrID)
	if errors.Is(err, store.ErrNotFound) {
		other, err = s.d.Data.UserByID(ctx, nameOrID)
	}
	if err != nil {
		return nil, errInvalidChannel
	}
	return s.d.Chat.CreateDirect(ctx, user, []string{other.Username}, false)
}

func (s *Service) roomToPost(ctx context.Context, user *model.User, nameOrID string) (*model.Room, error) {
	room, err := s.d.Data.RoomByID(ctx, nameOrID)
	if errors.Is(err, store.ErrNotFound) {
		room, err = s.d.Data.RoomByName(ctx, nameOrID)
	}
	if err != nil {
		return nil, errInvalidChannel
	}
	if room.Type == model.RoomChannel {
		if _, err := s.d.Data.Subscription(ctx, room.ID, user.ID); errors.Is(err, store.ErrNotFound) {
			if _, err := s.d.Chat.Join(ctx, user, chat.RoomRef{ID: room.ID}, ""); err != nil {
				return nil, err
			}
		}
	}
	return room, nil
}
