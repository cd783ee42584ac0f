package integrations

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"liftoff/access/perm"
	"liftoff/chat"
	"liftoff/integrations/script"
	"liftoff/integrations/webhook"
	"liftoff/jobs"
	"liftoff/model"
	"liftoff/store"
)

// JobKind is the job kind of one outgoing webhook call.
const JobKind = "integrations.outgoing"

// OutgoingScripts runs outgoing integrations' scripts (*script.Engine).
type OutgoingScripts interface {
	PrepareOutgoingRequest(ctx context.Context, s script.Script, req script.OutgoingRequest) (*script.PreparedRequest, error)
	ProcessOutgoingResponse(ctx context.Context, s script.Script, request json.RawMessage, resp script.OutgoingResponse) (*script.ResponseOutcome, error)
}

// HTTPDoer sends outgoing calls (*safehttp.Client: never a plain client,
// the URLs are users').
type HTTPDoer interface {
	Do(req *http.Request) (*http.Response, error)
}

// Queue is the durable job queue the calls go through (*jobs.Queue).
type Queue interface {
	Enqueue(ctx context.Context, jobs ...jobs.NewJob) (int, error)
	Handle(kind string, h jobs.Handler, opts jobs.KindOptions)
}

// OutgoingDeps are what outgoing delivery uses.
type OutgoingDeps struct {
	Queue   Queue
	HTTP    HTTPDoer
	Scripts OutgoingScripts
	// SiteURL is the server's Site_Url, for the request body.
	SiteURL func() string
	// Enabled is Integrations_Outgoing_Enabled.
	Enabled func() bool
}

// outgoing delivers outgoing webhooks.
type outgoing struct {
	d        OutgoingDeps
	triggers atomic.Pointer[webhook.Triggers]
	// active counts the enabled outgoing integrations: with none, events
	// cost nothing.
	active atomic.Int32
}

// StartOutgoing makes the service deliver outgoing webhooks: it registers
// the job handler and loads the triggers. Feed it committed events with
// HandleEvent.
func (s *Service) StartOutgoing(ctx context.Context, d OutgoingDeps) error {
	s.out = &outgoing{d: d}
	d.Queue.Handle(JobKind, s.deliver, jobs.KindOptions{MaxAttempts: 100})
	return s.loadTriggers(ctx)
}

func (s *Service) loadTriggers(ctx context.Context) error {
	yes := true
	list, _, err := s.d.Store.ListIntegrations(ctx, store.IntegrationQuery{Types: []string{model.IntegrationOutgoing}, Enabled: &yes}, store.Page{})
	if err != nil {
		return fmt.Errorf("load outgoing integrations: %w", err)
	}
	var outs []*webhook.Outgoing
	for _, it := range list {
		outs = append(outs, toOutgoing(it))
	}
	s.out.triggers.Store(webhook.NewTriggers(outs))
	s.out.active.Store(int32(len(outs)))
	return nil
}

// reloadTriggers rebuilds the outgoing triggers after a change.
func (s *Service) reloadTriggers(ctx context.Context) {
	if s.out == nil {
		return
	}
	if err := s.loadTriggers(context.WithoutCancel(ctx)); err != nil {
		s.d.Logger.ErrorContext(ctx, "reload outgoing integrations", "err", err)
	}
}

func toOutgoing(it *model.Integration) *webhook.Outgoing {
	return &webhook.Outgoing{
		ID: it.ID, Name: it.Name, Enabled: it.Enabled, Event: webhook.Event(it.Event), Channels: it.Channel,
		TriggerWords: it.TriggerWords, TriggerWordAnywhere: it.TriggerWordAnywhere, RunOnEdits: it.RunOnEdits,
		URLs: it.URLs, Token: it.Token, Username: it.Username, ImpersonateUser: it.ImpersonateUser,
		TargetRoom: it.TargetRoom, Alias: it.Alias, Avatar: it.Avatar, Emoji: it.Emoji,
		RetryFailedCalls: it.RetryFailedCalls, RetryCount: it.RetryCount, RetryDelay: it.RetryDelay,
	}
}

// outgoingJob is a job's payload: one call of one integration to one URL.
type outgoingJob struct {
	IntegrationID string          `json:"integrationId"`
	URL           string          `json:"url"`
	TriggerWord   string          `json:"triggerWord,omitempty"`
	Event         string          `json:"event"`
	RoomID        string          `json:"roomId,omitempty"`
	Body          json.RawMessage `json:"body"`
	HistoryID     string          `json:"historyId"`
	Data          map[string]any  `json:"data"`
}

// HandleEvent enqueues the outgoing calls a committed event fires (a bus
// consumer: never on the request path): sendMessage for new messages (and
// edits), roomArchived, roomJoined and roomLeft from their system messages,
// roomCreated for new channels and groups, userCreated for new accounts.
func (s *Service) HandleEvent(e model.Event) {
	if s.out == nil || s.out.active.Load() == 0 {
		return
	}
	if s.out.d.Enabled != nil && !s.out.d.Enabled() {
		return
	}
	ctx := context.Background()
	switch ev := e.(type) {
	case model.MessageSaved:
		if ev.Message == nil || ev.Message.Hidden {
			return
		}
		if ev.Message.Type == "" {
			s.onMessage(ctx, ev)
			return
		}
		if ev.Created {
			s.onSystemMessage(ctx, ev.Message)
		}
	case model.UserCreated:
		if ev.User != nil {
			s.onUserCreated(ctx, ev.User)
		}
	case model.RoomChanged:
		if ev.Action == model.ActionInserted && ev.Room != nil && (ev.Room.Type == model.RoomChannel || ev.Room.Type == model.RoomPrivate) {
			s.onRoomCreated(ctx, ev.Room)
		}
	}
}

func webhookRoom(room *model.Room) *webhook.Room {
	return &webhook.Room{ID: room.ID, Name: room.Name, Type: room.Type, UserIDs: room.UserIDs, Usernames: room.Usernames}
}

func (s *Service) siteURL() string {
	if s.out.d.SiteURL != nil {
		return s.out.d.SiteURL()
	}
	return ""
}

func (s *Service) onMessage(ctx context.Context, ev model.MessageSaved) {
	m := ev.Message
	edited := !ev.Created
	if edited && (m.EditedAt.IsZero() || !m.EditedAt.Equal(m.UpdatedAt.Time)) {
		return // a reaction, a pin, a thread counter: not a new text
	}
	room, err := s.d.Data.RoomByID(ctx, m.RoomID)
	if err != nil {
		return
	}
	wr := webhookRoom(room)
	wm := &webhook.Message{ID: m.ID, Text: m.Msg, Alias: m.Alias, Tmid: m.ThreadID, TS: m.SentAt.Time,
		UserID: m.Author.ID, Username: m.Author.Username, Bot: len(m.Bot) > 0, Edited: edited}
	wm.PostedBy, _ = m.Bot["i"].(string)
	s.fire(ctx, webhook.EventData{Event: webhook.EventSendMessage, Room: wr, Message: wm, SiteURL: s.siteURL()},
		room.ID, m.ID+":"+fmt.Sprint(m.UpdatedAt.UnixMilli()))
	if ev.Created && m.File != nil {
		s.onFileUploaded(ctx, room, m, wm)
	}
}

// onFileUploaded fires fileUploaded for a new message that carries an
// upload, as Rocket.Chat's afterFileUpload does (the message also fires
// sendMessage): the body has the uploader, the room and the message.
func (s *Service) onFileUploaded(ctx context.Context, room *model.Room, m *model.Message, wm *webhook.Message) {
	user, err := s.d.Data.UserByID(ctx, m.Author.ID)
	if err != nil {
		return
	}
	userDoc, _ := json.Marshal(user)
	roomDoc, _ := json.Marshal(room)
	msgDoc, _ := json.Marshal(m)
	s.fire(ctx, webhook.EventData{Event: webhook.EventFileUploaded, Room: webhookRoom(room), Message: wm, SiteURL: s.siteURL(),
		UserDoc: userDoc, RoomDoc: roomDoc, MessageDoc: msgDoc}, room.ID, m.ID)
}

// onSystemMessage maps the system messages of archiving, joining and
// leaving to their events; the affected user is the author ("uj", "ul",
// "room-archived") or the user the message names ("au", "ru").
func (s *Service) onSystemMessage(ctx context.Context, m *model.Message) {
	var event webhook.Event
	username := m.Author.Username
	switch m.Type {
	case "room-archived":
		event = webhook.EventRoomArchived
	case "uj":
		event = webhook.EventRoomJoined
	case "au":
		event, username = webhook.EventRoomJoined, m.Msg
	case "ul":
		event = webhook.EventRoomLeft
	case "ru":
		event, username = webhook.EventRoomLeft, m.Msg
	default:
		return
	}
	room, err := s.d.Data.RoomByID(ctx, m.RoomID)
	if err != nil {
		return
	}
	user, err := s.d.Data.UserByUsername(ctx, username)
	if err != nil {
		return
	}
	roomDoc, _ := json.Marshal(room)
	userDoc, _ := json.Marshal(user)
	s.fire(ctx, webhook.EventData{Event: event, Room: webhookRoom(room), SiteURL: s.siteURL(), UserID: user.ID,
		Username: user.Username, UserIsBot: user.Type == "bot", UserDoc: userDoc, RoomDoc: roomDoc, Now: m.SentAt.Time},
		room.ID, m.ID)
}

func (s *Service) onRoomCreated(ctx context.Context, room *model.Room) {
	if room.Creator == nil {
		return
	}
	owner, err := s.d.Data.UserByID(ctx, room.Creator.ID)
	if err != nil {
		return
	}
	roomDoc, _ := json.Marshal(room)
	ownerDoc, _ := json.Marshal(owner)
	s.fire(ctx, webhook.EventData{Event: webhook.EventRoomCreated, Room: webhookRoom(room), SiteURL: s.siteURL(),
		OwnerID: owner.ID, Owner: owner.Username, OwnerDoc: ownerDoc, RoomDoc: roomDoc, RoomTS: room.CreatedAt.Time},
		room.ID, "created")
}

func (s *Service) onUserCreated(ctx context.Context, u *model.User) {
	doc, _ := json.Marshal(u)
	s.fire(ctx, webhook.EventData{Event: webhook.EventUserCreated, SiteURL: s.siteURL(), UserID: u.ID, Username: u.Username,
		UserIsBot: u.Type == "bot", UserDoc: doc, UserTS: u.CreatedAt.Time}, "", u.ID)
}

// fire enqueues one job per matching integration and URL; key makes the
// jobs of one occurrence of the event idempotent.
func (s *Service) fire(ctx context.Context, d webhook.EventData, roomID, key string) {
	matches := s.out.triggers.Load().Match(d.Event, d.Room, d.Message)
	var js []jobs.NewJob
	for _, match := range matches {
		body, err := webhook.NewRequestBody(match.Integration, match.TriggerWord, d)
		if err != nil {
			s.d.Logger.Error("outgoing webhook body", "integration", match.Integration.ID, "err", err)
			continue
		}
		raw, _ := json.Marshal(body)
		var data map[string]any
		_ = json.Unmarshal(raw, &data)
		for _, u := range match.Integration.URLs {
			payload, _ := json.Marshal(outgoingJob{IntegrationID: match.Integration.ID, URL: u, TriggerWord: match.TriggerWord,
				Event: string(d.Event), RoomID: roomID, Body: raw, HistoryID: model.NewID(), Data: data})
			js = append(js, jobs.NewJob{Kind: JobKind, Payload: payload,
				Key: "outgoing:" + match.Integration.ID + ":" + string(d.Event) + ":" + roomID + ":" + key + ":" + u})
		}
	}
	if len(js) == 0 {
		return
	}
	if _, err := s.out.d.Queue.Enqueue(ctx, js...); err != nil {
		s.d.Logger.Error("enqueue outgoing webhooks", "err", err)
	}
}

// history is one call's history entry, saved as the call progresses.
type history struct {
	s *Service
	h *model.IntegrationHistory
}

func (h *history) step(ctx context.Context, step string, change func(e *model.IntegrationHistory)) {
	h.h.Step = step
	h.h.UpdatedAt = h.s.now()
	if change != nil {
		change(h.h)
	}
	if err := h.s.d.Store.SaveIntegrationHistory(ctx, h.h); err != nil {
		h.s.d.Logger.ErrorContext(ctx, "save integration history", "err", err)
	}
	if h.h.Finished {
		h.s.d.Logger.InfoContext(ctx, "outgoing webhook call finished", "integration", h.h.Integration.ID, "step", step, "history", h.h.ID)
	}
}

func (h *history) fail(ctx context.Context, step string, err any) {
	h.step(ctx, step, func(e *model.IntegrationHistory) { e.Error, e.Finished, e.ErrorStack = true, true, err })
}

// deliver is the job handler: one call, with Rocket.Chat's handling of
// the answer; retries go back to the queue with the integration's delay.
func (s *Service) deliver(ctx context.Context, job jobs.Job) error {
	var j outgoingJob
	if err := json.Unmarshal(job.Payload, &j); err != nil {
		return jobs.Permanent(fmt.Errorf("outgoing webhook job: %w", err))
	}
	it, err := s.d.Store.IntegrationByID(ctx, j.IntegrationID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !it.Enabled) {
		return nil // removed or disabled since
	}
	if err != nil {
		return err
	}
	o := toOutgoing(it)
	tries := job.Attempts - 1
	now := s.now()
	h := &history{s: s, h: &model.IntegrationHistory{
		ID: j.HistoryID, Type: it.Type, Event: j.Event, TriggerWord: j.TriggerWord, Data: j.Data, URL: j.URL,
		Integration: model.IntegrationSummary{ID: it.ID, Type: it.Type, Name: it.Name, CreatedBy: it.CreatedBy},
		CreatedAt:   now,
	}}
	if tries > 0 {
		h.h.ID = fmt.Sprintf("%s-%d", j.HistoryID, tries)
	}
	h.step(ctx, "start-execute-trigger-url", nil)

	room, _ := s.d.Data.RoomByID(ctx, j.RoomID)
	var body struct {
		UserName string `json:"user_name"`
	}
	_ = json.Unmarshal(j.Body, &body)
	sc := script.Script{IntegrationID: it.ID, Name: it.Name, Source: it.Script}
	scripted := it.ScriptEnabled && it.ScriptError == nil && strings.TrimSpace(it.Script) != "" && s.out.d.Scripts != nil
	method, target, data, headers, auth := "POST", j.URL, []byte(j.Body), map[string]string{"User-Agent": script.DefaultUserAgent}, ""
	var prepared *script.PreparedRequest
	if scripted {
		var bodyData any
		_ = json.Unmarshal(j.Body, &bodyData)
		prepared, err = s.out.d.Scripts.PrepareOutgoingRequest(ctx, sc, script.NewOutgoingRequest(j.URL, bodyData))
		h.h.RanPrepareScript = true
		if err != nil {
			h.fail(ctx, "execute-script-error", scriptErrorInfo(err))
			return nil
		}
		if prepared == nil {
			h.step(ctx, "after-prepare-no-request", func(e *model.IntegrationHistory) { e.Finished = true })
			return nil
		}
		if len(prepared.Message) > 0 {
			var msg map[string]any
			if json.Unmarshal(prepared.Message, &msg) == nil {
				if m := s.postReply(ctx, o, room, msg, body.UserName); m != nil {
					h.h.PrepareSentMessage = []any{m}
				}
			}
		}
		if prepared.URL == "" || prepared.Method == "" {
			h.step(ctx, "after-prepare-no-url_or_method", func(e *model.IntegrationHistory) { e.Finished = true })
			return nil
		}
		method, target, data, headers, auth = prepared.Method, prepared.URL, prepared.Data, prepared.Headers, prepared.Auth
	}
	h.step(ctx, "pre-http-call", func(e *model.IntegrationHistory) {
		e.HTTPCallData = map[string]any{"url": target, "method": method, "data": json.RawMessage(nonEmptyJSON(data))}
	})

	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(data))
	if err != nil {
		h.fail(ctx, "after-http-call", err.Error())
		return nil
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if auth != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(auth)))
	}
	resp, err := s.out.d.HTTP.Do(req)
	if err != nil {
		// As in Rocket.Chat, a call that got no answer is recorded, not retried.
		s.d.Logger.WarnContext(ctx, "outgoing webhook call failed", "integration", it.ID, "url", target, "err", err)
		h.step(ctx, "after-http-call", func(e *model.IntegrationHistory) {
			e.HTTPError, e.Error, e.Finished = map[string]any{"message": err.Error()}, true, true
		})
		return nil
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		h.step(ctx, "after-http-call", func(e *model.IntegrationHistory) {
			e.HTTPError, e.Error, e.Finished = map[string]any{"message": err.Error()}, true, true
		})
		return nil
	}
	h.step(ctx, "after-http-call", func(e *model.IntegrationHistory) {
		e.HTTPResult = fmt.Sprintf(`{"statusCode":%d,"content":%q}`, resp.StatusCode, truncate(string(respBody), 4096))
	})

	if scripted && prepared != nil {
		respHeaders := map[string]string{}
		for k, v := range resp.Header {
			respHeaders[strings.ToLower(k)] = strings.Join(v, ", ")
		}
		out, err := s.out.d.Scripts.ProcessOutgoingResponse(ctx, sc, prepared.Raw, script.OutgoingResponse{
			StatusCode: resp.StatusCode, Content: string(respBody), ContentRaw: string(respBody), Headers: respHeaders})
		if err != nil {
			h.fail(ctx, "execute-script-error", scriptErrorInfo(err))
			return nil
		}
		if out.Handled {
			if out.Stop {
				h.step(ctx, "after-process-false-result", func(e *model.IntegrationHistory) { e.Finished = true })
				return nil
			}
			var msg map[string]any
			if json.Unmarshal(out.Content, &msg) == nil {
				if m := s.postReply(ctx, o, room, msg, body.UserName); m != nil {
					h.h.ProcessSentMessage = []any{m}
				}
			}
			h.step(ctx, "after-process-send-message", func(e *model.IntegrationHistory) { e.Finished = true })
			return nil
		}
	}

	dec := webhook.HandleResponse(o, tries, resp.StatusCode, resp.Header.Get("Content-Type"), respBody)
	switch dec.Action {
	case webhook.Post:
		m := s.postReply(ctx, o, room, dec.Reply, body.UserName)
		h.step(ctx, "url-response-sent-message", func(e *model.IntegrationHistory) {
			e.Finished = true
			if m != nil {
				e.ProcessSentMessage = []any{m}
			}
		})
	case webhook.Retry:
		h.fail(ctx, dec.Step, fmt.Sprintf("status %d", resp.StatusCode))
		return jobs.RetryAfter(fmt.Errorf("outgoing webhook answered %d", resp.StatusCode), dec.Delay)
	case webhook.Disable:
		h.fail(ctx, dec.Step, fmt.Sprintf("status %d", resp.StatusCode))
		it.Enabled = false
		it.UpdatedAt = s.now()
		if err := s.d.Store.UpdateIntegration(ctx, it); err != nil {
			return err
		}
		s.reloadTriggers(ctx)
	case webhook.GiveUp:
		h.fail(ctx, dec.Step, fmt.Sprintf("status %d", resp.StatusCode))
	default:
		h.step(ctx, "finished", func(e *model.IntegrationHistory) { e.Finished = true })
	}
	return nil
}

func nonEmptyJSON(b []byte) []byte {
	if len(bytes.TrimSpace(b)) == 0 || !json.Valid(b) {
		return []byte("null")
	}
	return b
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// postReply posts an outgoing integration's reply (a receiver's answer or
// a script's message) as Rocket.Chat does: to the reply's channel or the
// integration's target room, else the event's room; as the triggering
// user when the integration impersonates, else its user. It returns the
// posted message, nil when nothing could be posted (logged).
func (s *Service) postReply(ctx context.Context, o *webhook.Outgoing, eventRoom *model.Room, reply map[string]any, triggerUser string) *model.Message {
	room := eventRoom
	if name := webhook.ReplyRoom(o, reply); name != "" {
		name = strings.TrimPrefix(strings.TrimPrefix(name, "#"), "@")
		if r, err := s.d.Data.RoomByID(ctx, name); err == nil {
			room = r
		} else if r, err := s.d.Data.RoomByName(ctx, name); err == nil {
			room = r
		}
	}
	if room == nil {
		s.d.Logger.WarnContext(ctx, "outgoing webhook reply: no room", "integration", o.ID)
		return nil
	}
	var user *model.User
	for _, name := range webhook.ReplyPosters(o, &webhook.RequestBody{UserName: triggerUser}) {
		if u, err := s.d.Data.UserByUsername(ctx, name); err == nil {
			user = u
			break
		}
	}
	if user == nil {
		s.d.Logger.WarnContext(ctx, "outgoing webhook reply: no user", "integration", o.ID)
		return nil
	}
	payload := map[string]any{}
	for k, v := range reply {
		if k != "channel" && k != "roomId" {
			payload[k] = v
		}
	}
	draft, err := webhook.BuildDraft(payload, webhook.Defaults{Channels: []string{room.ID}, Alias: o.Alias, Avatar: o.Avatar, Emoji: o.Emoji}, o.ID)
	if err != nil {
		s.d.Logger.WarnContext(ctx, "outgoing webhook reply refused", "integration", o.ID, "err", err)
		return nil
	}
	groupable := draft.Groupable
	m, err := s.d.Chat.SendMessage(ctx, user, chat.SendInput{
		RoomID: room.ID, Msg: draft.Msg, ThreadID: draft.Tmid, Alias: draft.Alias, Emoji: draft.Emoji, Avatar: draft.Avatar,
		Attachments: draft.Attachments, CustomFields: draft.CustomFields, Bot: draft.Bot, Groupable: &groupable,
	})
	if err != nil {
		s.d.Logger.WarnContext(ctx, "outgoing webhook reply not posted", "integration", o.ID, "err", err)
		return nil
	}
	return m
}

// Replay sends a recorded call again (replayOutgoingIntegration): the
// entry's body to its URL, as a new job with its own history.
func (s *Service) Replay(ctx context.Context, actor *model.User, integrationID, historyID string) error {
	it, err := s.d.Store.IntegrationByID(ctx, integrationID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil || it.Type != model.IntegrationOutgoing ||
		!(s.can(actor, perm.ManageOutgoingIntegrations) || (it.CreatedBy.ID == actor.ID && s.can(actor, perm.ManageOwnOutgoingIntegrations))) {
		return errInvalidIntegration.InMethod()
	}
	h, err := s.d.Store.IntegrationHistoryEntry(ctx, integrationID, historyID)
	if errors.Is(err, store.ErrNotFound) {
		return model.Invalid("error-invalid-integration-history", "Invalid Integration History").InMethod()
	}
	if err != nil {
		return err
	}
	if s.out == nil {
		return errors.New("outgoing webhooks are not running")
	}
	url := h.URL
	if url == "" && len(it.URLs) > 0 {
		url = it.URLs[0]
	}
	body, err := json.Marshal(h.Data)
	if err != nil {
		return err
	}
	roomID, _ := h.Data["channel_id"].(string)
	replayID := model.NewID()
	payload, _ := json.Marshal(outgoingJob{IntegrationID: it.ID, URL: url, TriggerWord: h.TriggerWord, Event: h.Event,
		RoomID: roomID, Body: body, HistoryID: replayID, Data: h.Data})
	_, err = s.out.d.Queue.Enqueue(ctx, jobs.NewJob{Kind: JobKind, Payload: payload, Key: "outgoing-replay:" + replayID})
	return err
}
