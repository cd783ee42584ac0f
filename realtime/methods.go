package realtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"liftoff/realtime/ddplimit"
	"math"
	"runtime/debug"
	"strings"
	"time"

	"liftoff/auth"
	"liftoff/model"
	"liftoff/realtime/ddp"
)

// MethodFunc implements a DDP method. The returned value is encoded as
// EJSON into the "result" frame (nil leaves the result out); an error
// becomes a Meteor.Error (domain errors keep their type and reason, other
// errors are reported as an internal error and logged).
type MethodFunc func(ctx context.Context, call *Call) (any, error)

type methodEntry struct {
	fn     MethodFunc
	public bool // callable without logging in
}

// Call is one method invocation on a session.
type Call struct {
	// Method is the method's name.
	Method string
	// Params are the raw EJSON parameters.
	Params []json.RawMessage
	sess   *session
	// detached calls come from Invoke (the REST bridge), not from a
	// connection: their session is a stand-in that the hub never sees.
	detached bool
}

// User returns the session's logged-in user, or nil when anonymous.
func (c *Call) User() *model.User { return c.sess.user() }

// Token returns the resume token the session logged in with ("" when anonymous).
func (c *Call) Token() string {
	if w := c.sess.who.Load(); w != nil {
		return w.token
	}
	return ""
}

// SessionID returns the DDP session id of the connection.
func (c *Call) SessionID() string { return c.sess.id }

// RemoteAddr returns the client's address (host only).
func (c *Call) RemoteAddr() string { return c.sess.remote }

// Param decodes parameter i into v. A missing parameter is reported as
// error-invalid-params; dates may be EJSON ({"$date": ms}).
func (c *Call) Param(i int, v any) error {
	if i >= len(c.Params) {
		return model.Invalid("error-invalid-params", "Missing parameter %d of %s", i+1, c.Method)
	}
	if err := json.Unmarshal(c.Params[i], v); err != nil {
		return model.Invalid("error-invalid-params", "Invalid parameter %d of %s", i+1, c.Method)
	}
	return nil
}

// SetUser logs the session in as user with the resume token: the session
// starts receiving the user's streams and the user counts as connected.
// It replaces any previous login of the session.
func (c *Call) SetUser(ctx context.Context, user *model.User, token string) error {
	if user == nil {
		return errors.New("realtime: SetUser with nil user")
	}
	if c.detached {
		c.sess.who.Store(newIdentity(user, token))
		return nil
	}
	return c.sess.srv.login(ctx, c.sess, user, token)
}

// ClearUser logs the session out: its subscriptions that need a user
// end (each with a nosub), and the user counts as disconnected.
func (c *Call) ClearUser() {
	if c.detached {
		c.sess.who.Store(nil)
		return
	}
	c.sess.srv.logout(c.sess)
}

// Handle registers a method callable by logged-in sessions; anonymous
// callers get error-invalid-user. A later registration replaces an earlier one.
func (s *Server) Handle(name string, fn MethodFunc) {
	s.methods.Store(name, &methodEntry{fn: fn})
}

// HandlePublic registers a method callable without logging in (for
// example public-settings/get).
func (s *Server) HandlePublic(name string, fn MethodFunc) {
	s.methods.Store(name, &methodEntry{fn: fn, public: true})
}

// callMethod runs a "method" message and answers with result and updated.
func (s *Server) callMethod(sess *session, m *ddp.ClientMessage) {
	defer sess.send(ddp.Updated(m.ID))
	ok, wait := sess.allowMethod(s.cfg.Now())
	if ok {
		ok, wait = s.allowCall(sess, false, m.Method)
	}
	if !ok {
		s.metrics.rateLimited.Add(1)
		sess.send(resultErrorFrame(m.ID, tooManyRequests(wait)))
		return
	}
	v, ok := s.methods.Load(m.Method)
	if !ok {
		sess.send(numericErrorFrame(m.ID, 404, "Method '"+m.Method+"' not found"))
		return
	}
	entry := v.(*methodEntry)
	if !entry.public && sess.user() == nil {
		sess.send(resultErrorFrame(m.ID, errNotLoggedIn(m.Method)))
		return
	}
	call := &Call{Method: m.Method, Params: m.Params, sess: sess}
	result, err := s.invoke(sess.ctx, entry.fn, call)
	if err != nil {
		if _, domain := model.AsError(err); !domain {
			s.cfg.Logger.Error("realtime: method failed", "method", m.Method, "user", sess.userID(), "err", err)
		}
		sess.send(resultErrorFrame(m.ID, err))
		return
	}
	frame, err := ddp.Result(m.ID, result)
	if err != nil {
		s.cfg.Logger.Error("realtime: encoding method result", "method", m.Method, "err", err)
		frame = resultErrorFrame(m.ID, err)
	}
	sess.send(frame)
}

// invoke calls fn, turning a panic into an internal error so one bad
// method cannot take the server down.
func (s *Server) invoke(ctx context.Context, fn MethodFunc, call *Call) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("method %s panicked: %v\n%s", call.Method, r, debug.Stack())
		}
	}()
	result, err = fn(ctx, call)
	return result, namedInMethod(err, call.Method)
}

// namedInMethod gives a domain error that names the method raising it
// (model.Error.NamesMethod) the name of the method that ran, in its
// details, as Rocket.Chat's Meteor.Errors carry it.
func namedInMethod(err error, method string) error {
	e, ok := model.AsError(err)
	if !ok || !e.NamesMethod {
		return err
	}
	c := *e
	c.Details = e.MethodDetails(method)
	c.NamesMethod = false
	return &c
}

func resultErrorFrame(id string, err error) []byte {
	f, encErr := ddp.ResultError(id, err)
	if encErr != nil {
		return numericErrorFrame(id, 500, "Internal server error")
	}
	return f
}

// numericErrorFrame is a result frame with a Meteor error whose "error"
// is a number (404 for unknown methods, 500 for internal errors).
func numericErrorFrame(id string, code int, reason string) []byte {
	e := ddp.MeteorError{
		IsClientSafe: true,
		Error:        code,
		Reason:       reason,
		Message:      fmt.Sprintf("%s [%d]", reason, code),
		ErrorType:    "Meteor.Error",
	}
	b := []byte(`{"msg":"result","id":`)
	b, _ = ddp.AppendMarshal(b, id)
	b = append(b, `,"error":`...)
	b, _ = ddp.AppendMarshal(b, e)
	return append(b, '}')
}

// login attaches user to the session (see Call.SetUser).
func (s *Server) login(ctx context.Context, sess *session, user *model.User, token string) error {
	prev := sess.who.Load()
	if prev != nil && prev.user != nil && prev.user.ID == user.ID {
		sess.who.Store(newIdentity(user, token))
		return nil
	}
	if prev != nil && prev.user != nil {
		s.logout(sess)
	}
	sess.who.Store(newIdentity(user, token))
	if s.hub.userLoggedIn(sess, user.ID) {
		rids, err := s.cfg.Rooms.RoomIDsOfUser(ctx, user.ID)
		s.hub.roomsLoaded(user.ID, rids, err == nil)
		if err != nil {
			sess.who.Store(nil)
			s.hub.userLoggedOut(sess, user.ID)
			return fmt.Errorf("realtime: loading rooms of %s: %w", user.ID, err)
		}
	}
	if s.cfg.Presence != nil {
		s.cfg.Presence.UserConnected(ctx, sess.id, user)
	}
	return nil
}

// logout detaches the session's user and ends the subscriptions that
// needed it.
func (s *Server) logout(sess *session) {
	prev := sess.who.Swap(nil)
	if prev == nil || prev.user == nil {
		return
	}
	subs, watched := sess.takeAllSubs(true)
	for _, sub := range subs {
		s.hub.unindex(sess, sub)
	}
	s.hub.watchPresence(sess, watched, false)
	s.hub.userLoggedOut(sess, prev.user.ID)
	for _, sub := range subs {
		s.sendNoSub(sess, sub.id, nil)
	}
	s.userLeft(sess, prev.user.ID)
}

func (s *Server) registerBuiltins() {
	s.HandlePublic("login", s.methodLogin)
	s.HandlePublic("logout", s.methodLogout)
	s.Handle(streamNotifyRoom, s.methodNotifyRoom)
}

// loginResult is the value of a successful login, as Meteor's accounts
// package returns it.
type loginResult struct {
	ID           string     `json:"id"`
	Token        string     `json:"token"`
	TokenExpires model.Time `json:"tokenExpires"`
	Type         string     `json:"type"`
}

// parseLoginParams reads the login request forms Rocket.Chat's clients send:
//
//	{"resume": token}
//	{"user": {"username"|"email": ...} | "name", "password": {"digest", "algorithm"} | "plain"}
//	{"totp": {"login": <one of the above>, "code": "123456"}}
func parseLoginParams(raw json.RawMessage) (auth.Credentials, error) {
	var cred auth.Credentials
	bad := model.Invalid("error-invalid-params", "Unrecognized options for login request")
	var req struct {
		OAuth *struct {
			CredentialToken  string `json:"credentialToken"`
			CredentialSecret string `json:"credentialSecret"`
		} `json:"oauth"`
		SAML            bool            `json:"saml"`
		CredentialToken string          `json:"credentialToken"`
		ServiceName     string          `json:"serviceName"`
		AccessToken     string          `json:"accessToken"`
		LDAP            bool            `json:"ldap"`
		Username        string          `json:"username"`
		LDAPPass        string          `json:"ldapPass"`
		Resume          *string         `json:"resume"`
		User            json.RawMessage `json:"user"`
		Password        json.RawMessage `json:"password"`
		TOTP            *struct {
			Login json.RawMessage `json:"login"`
			Code  string          `json:"code"`
		} `json:"totp"`
	}
	if err := json.Unmarshal(raw, &req); err != nil {
		return cred, bad
	}
	if req.TOTP != nil {
		inner, err := parseLoginParams(req.TOTP.Login)
		if err != nil {
			return cred, err
		}
		inner.TOTP = req.TOTP.Code
		return inner, nil
	}
	if req.OAuth != nil {
		// {oauth: {credentialToken, credentialSecret}} after an OAuth sign-in.
		if req.OAuth.CredentialToken == "" {
			return cred, bad
		}
		cred.OAuth = &auth.PendingLogin{Token: req.OAuth.CredentialToken, Secret: req.OAuth.CredentialSecret}
		return cred, nil
	}
	if req.SAML {
		// {saml: true, credentialToken} after a SAML sign-in.
		if req.CredentialToken == "" {
			return cred, bad
		}
		cred.SAML = &auth.PendingLogin{Token: req.CredentialToken}
		return cred, nil
	}
	if req.ServiceName != "" {
		// {serviceName, accessToken, expiresIn}: a mobile app's native sign-in.
		if req.AccessToken == "" {
			return cred, bad
		}
		cred.AccessToken = &auth.AccessTokenLogin{Service: req.ServiceName, Token: req.AccessToken}
		return cred, nil
	}
	if req.LDAP {
		// {ldap: true, username, ldapPass, ldapOptions} (Meteor.loginWithLDAP).
		if req.Username == "" || req.LDAPPass == "" {
			return cred, bad
		}
		cred.LDAP, cred.User, cred.Password = true, req.Username, req.LDAPPass
		return cred, nil
	}
	if req.Resume != nil {
		if *req.Resume == "" {
			return cred, bad
		}
		cred.Resume = *req.Resume
		return cred, nil
	}
	user := bytes.TrimSpace(req.User)
	switch {
	case len(user) == 0:
		return cred, bad
	case user[0] == '"':
		_ = json.Unmarshal(user, &cred.User)
	case user[0] == '{':
		var u struct {
			Username string `json:"username"`
			Email    string `json:"email"`
		}
		if err := json.Unmarshal(user, &u); err != nil {
			return cred, bad
		}
		cred.User = u.Username
		if cred.User == "" {
			cred.User = u.Email
		}
	}
	if cred.User == "" {
		return cred, bad
	}
	pw := bytes.TrimSpace(req.Password)
	switch {
	case len(pw) == 0:
		return cred, bad
	case pw[0] == '"':
		if err := json.Unmarshal(pw, &cred.Password); err != nil || cred.Password == "" {
			return cred, bad
		}
	case pw[0] == '{':
		var d struct {
			Digest    string `json:"digest"`
			Algorithm string `json:"algorithm"`
		}
		if err := json.Unmarshal(pw, &d); err != nil || d.Digest == "" {
			return cred, bad
		}
		if d.Algorithm != "sha-256" {
			return cred, model.Invalid("error-invalid-params", "Unsupported password algorithm %q", d.Algorithm)
		}
		cred.Digest = strings.ToLower(d.Digest)
	default:
		return cred, bad
	}
	return cred, nil
}

func (s *Server) methodLogin(ctx context.Context, call *Call) (any, error) {
	if len(call.Params) == 0 {
		return nil, model.Invalid("error-invalid-params", "Unrecognized options for login request")
	}
	cred, err := parseLoginParams(call.Params[0])
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.LoginTimeout)
	defer cancel()
	res, err := s.cfg.Auth.Login(ctx, cred, call.RemoteAddr())
	if err != nil {
		return nil, err
	}
	if res == nil || res.User == nil {
		return nil, errors.New("realtime: authenticator returned no user")
	}
	if err := call.SetUser(ctx, res.User, res.Token); err != nil {
		return nil, err
	}
	typ := res.Method
	if typ == "" {
		typ = "password"
		if cred.Resume != "" {
			typ = "resume"
		}
	}
	return loginResult{ID: res.User.ID, Token: res.Token, TokenExpires: res.Expires, Type: typ}, nil
}

func (s *Server) methodLogout(ctx context.Context, call *Call) (any, error) {
	user := call.User()
	if user == nil {
		return nil, nil
	}
	// Log the connection out before the token goes: removing it closes
	// the connections still logged in with it, and this one stays open,
	// logged out, as in Meteor.
	token := call.Token()
	call.ClearUser()
	if err := s.cfg.Auth.Logout(ctx, user.ID, token); err != nil {
		return nil, err
	}
	return nil, nil
}

// methodNotifyRoom is how Rocket.Chat's clients emit on stream-notify-room:
// params ["<rid>/user-activity", username, activities, extras] or the
// older ["<rid>/typing", username, isTyping]. Like Rocket.Chat, a refused
// emit is ignored silently.
func (s *Server) methodNotifyRoom(ctx context.Context, call *Call) (any, error) {
	var eventName, username string
	if call.Param(0, &eventName) != nil || call.Param(1, &username) != nil {
		return nil, nil
	}
	rid, event, _ := strings.Cut(eventName, "/")
	if rid == "" || (event != "user-activity" && event != "typing") {
		return nil, nil
	}
	user := call.User()
	if user == nil || (username != user.Username && (user.Name == "" || username != user.Name)) {
		return nil, nil
	}
	act := model.UserActivity{RoomID: rid, Username: username}
	switch event {
	case "typing":
		var typing bool
		_ = call.Param(2, &typing)
		if typing {
			act.Activities = []string{"user-typing"}
		} else {
			act.Activities = []string{}
		}
	default:
		if call.Param(2, &act.Activities) != nil {
			return nil, nil
		}
		if act.Activities == nil {
			act.Activities = []string{}
		}
		if len(call.Params) > 3 {
			_ = call.Param(3, &act.Extras)
		}
	}
	if s.cfg.Events == nil {
		return nil, nil
	}
	if err := s.cfg.Rooms.CanReadRoom(ctx, user, rid); err != nil {
		return nil, nil
	}
	if err := s.cfg.Events.Publish(ctx, act); err != nil {
		return nil, fmt.Errorf("publishing user activity: %w", err)
	}
	return nil, nil
}

// allowCall asks the configured call limiter (Rocket.Chat's DDP rate
// limiter) about a method call or subscription of the session.
func (s *Server) allowCall(sess *session, sub bool, name string) (bool, time.Duration) {
	if s.cfg.CallLimit == nil {
		return true, 0
	}
	return s.cfg.CallLimit.Check(ddplimit.Input{Subscription: sub, Name: name, UserID: sess.userID(),
		ConnectionID: sess.limitID, ClientAddress: sess.remote})
}

// tooManyRequests is Meteor's rate-limit error.
func tooManyRequests(wait time.Duration) error {
	secs := int(math.Ceil(wait.Seconds()))
	return &model.Error{
		Kind:    model.KindRateLimited,
		Type:    "too-many-requests",
		Reason:  fmt.Sprintf("Error, too many requests. Please slow down. You must wait %d seconds before trying again.", secs),
		Details: map[string]any{"timeToReset": wait.Milliseconds()},
	}
}
