package integrations

import (
	"context"
	"crypto/subtle"
	"errors"
	"strings"

	"liftoff/model"
	"liftoff/store"
)

// HookAdd is the body of POST /hooks/add/:integrationId/:token, Rocket.Chat's
// REST hooks by which a service holding an incoming webhook's URL (Zapier
// and the like) subscribes to messages: it creates an outgoing webhook.
type HookAdd struct {
	Event     string `json:"event"` // newMessageOnChannel or newMessageToUser
	Name      string `json:"name"`
	TargetURL string `json:"target_url"`
	Data      *struct {
		ChannelName  string `json:"channel_name"`
		TriggerWords any    `json:"trigger_words"` // a string (Rocket.Chat's schema) or a list
		Username     string `json:"username"`
	} `json:"data"`
}

var errHookParams = func(reason string) error { return model.Invalid("invalid-params", "%s", reason) }

// HookUser returns the user of incoming integration id when token is its
// token, or nil: the caller of the /hooks routes.
func (s *Service) HookUser(ctx context.Context, id, token string) *model.User {
	it, err := s.d.Store.IntegrationByID(ctx, id)
	if err != nil || it.Type != model.IntegrationIncoming || subtle.ConstantTimeCompare([]byte(it.Token), []byte(token)) != 1 {
		return nil
	}
	u, err := s.d.Data.UserByID(ctx, it.UserID)
	if err != nil {
		return nil
	}
	return u
}

// AddHook creates the outgoing webhook a REST hook subscription asks for,
// as the incoming integration's user (who needs the outgoing integration
// permissions): newMessageOnChannel watches data.channel_name (all public
// channels without one) and newMessageToUser the direct messages of
// data.username, a disabled integration as Rocket.Chat makes it.
func (s *Service) AddHook(ctx context.Context, actor *model.User, in HookAdd) (*model.Integration, error) {
	switch {
	case in.Event == "":
		return nil, errHookParams("must have required property 'event'")
	case in.Name == "":
		return nil, errHookParams("must have required property 'name'")
	case in.TargetURL == "":
		return nil, errHookParams("must have required property 'target_url'")
	}
	var channel, username string
	var words []string
	if in.Data != nil {
		channel, username = in.Data.ChannelName, in.Data.Username
		switch w := in.Data.TriggerWords.(type) {
		case string:
			if w != "" {
				words = []string{w}
			}
		case []any:
			for _, x := range w {
				str, ok := x.(string)
				if !ok {
					return nil, errHookParams("must be string")
				}
				words = append(words, str)
			}
		case nil:
		default:
			return nil, errHookParams("must be string")
		}
	}
	out := Input{Type: model.IntegrationOutgoing, Username: "rocket.cat", URLs: []string{in.TargetURL}, Name: in.Name,
		TriggerWords: words, Event: "sendMessage"}
	switch in.Event {
	case "newMessageOnChannel":
		if channel != "" && !strings.Contains(channel, "#") {
			channel = "#" + channel
		}
		out.Channel, out.Enabled, out.Token = channel, true, model.RandomString(24)
	case "newMessageToUser":
		if username == "" {
			return nil, model.Bare(model.KindInvalid, "username-required")
		}
		if !strings.Contains(username, "@") {
			username = "@" + username
		}
		out.Channel = username
	default:
		return nil, errHookParams("must be equal to one of the allowed values")
	}
	return s.Create(ctx, actor, out)
}

// RemoveHook removes the outgoing webhook calling targetURL, as the
// incoming integration's user.
func (s *Service) RemoveHook(ctx context.Context, actor *model.User, targetURL string) error {
	if targetURL == "" {
		return errHookParams("must have required property 'target_url'")
	}
	it, err := s.find(ctx, model.IntegrationOutgoing, "", targetURL)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, ErrNoIntegration) {
			return model.Bare(model.KindInvalid, "integration-not-found")
		}
		return err
	}
	return s.Delete(ctx, actor, model.IntegrationOutgoing, it.ID)
}
