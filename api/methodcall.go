package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	"liftoff/model"
)

// MethodInvoker runs realtime (DDP) methods for the REST bridges
// method.call and method.callAnon. The realtime server implements it.
type MethodInvoker interface {
	// InvokeFrame runs method name with params as user (nil: anonymous)
	// and returns the DDP "result" frame for call id, as EJSON text:
	// {"msg":"result","id":...,"result":...} or with "error" instead.
	InvokeFrame(ctx context.Context, user *model.User, token, remoteAddr, id, name string, params []json.RawMessage) []byte
}

// methodCallRoutes registers Rocket.Chat's bridges from REST to the
// realtime methods. The body is {"message": "<EJSON method message>"}; the
// answer is {"message": "<EJSON result message>", "success": true}, also
// when the method itself failed (the error is inside the result message).
func (s *Server) methodCallRoutes(rt *Router) {
	if s.methods == nil {
		return
	}
	// The {method} segment is informative; the message names the method.
	// Rocket.Chat turns the rate limiter off for both (rateLimiterOptions: false).
	rt.Post("method.call/{method}", func(r *Request) (any, error) { return s.methodCall(r, r.User, r.Token) }, NoRateLimit())
	rt.Post("method.callAnon/{method}", func(r *Request) (any, error) { return s.methodCall(r, nil, "") }, Public(), NoRateLimit())
}

// ddpMethodMessage is the method message of a bridge call.
type ddpMethodMessage struct {
	Msg    string            `json:"msg"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
	ID     string            `json:"id"`
}

func (s *Server) methodCall(r *Request, user *model.User, token string) (any, error) {
	var body struct {
		Message *string `json:"message"`
	}
	if len(r.body) != 1 || r.Raw("message") == nil || json.Unmarshal(r.Raw("message"), &body.Message) != nil || body.Message == nil {
		return rawResponse{http.StatusBadRequest, M{"success": false, "error": "must have required property 'message' of type string and no other property", "errorType": "invalid-params"}}, nil
	}
	call, ok := parseMethodMessage([]byte(*body.Message))
	if !ok {
		return rawResponse{http.StatusBadRequest, M{"success": false, "error": "Invalid method call"}}, nil
	}
	frame := s.methods.InvokeFrame(r.Context(), user, token, s.clientIP(r.HTTP), call.ID, call.Method, call.Params)
	return M{"message": string(frame)}, nil
}

// parseMethodMessage checks a bridge message as Rocket.Chat's schema does:
// exactly the members msg ("method"), method, params (an array) and id.
func parseMethodMessage(b []byte) (*ddpMethodMessage, bool) {
	var members map[string]json.RawMessage
	if err := json.Unmarshal(b, &members); err != nil || len(members) != 4 {
		return nil, false
	}
	for _, k := range []string{"msg", "method", "params", "id"} {
		if _, ok := members[k]; !ok {
			return nil, false
		}
	}
	var m ddpMethodMessage
	if json.Unmarshal(members["msg"], &m.Msg) != nil || m.Msg != "method" ||
		json.Unmarshal(members["method"], &m.Method) != nil ||
		json.Unmarshal(members["id"], &m.ID) != nil {
		return nil, false
	}
	params := bytes.TrimSpace(members["params"])
	if len(params) == 0 || params[0] != '[' || json.Unmarshal(params, &m.Params) != nil {
		return nil, false
	}
	if m.Params == nil {
		m.Params = []json.RawMessage{}
	}
	return &m, true
}
