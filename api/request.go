package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"liftoff/model"
	"liftoff/settings/setting"
)

// M is a JSON object in a response; "success": true is added on output.
type M map[string]any

// Request is one API call as a handler sees it.
type Request struct {
	ctx   context.Context
	HTTP  *http.Request
	User  *model.User // nil for anonymous calls
	Token string      // the auth token of the call, if any
	query url.Values
	body  map[string]json.RawMessage
	raw   []byte
	srv   *Server
}

// Context is the call's context.
func (r *Request) Context() context.Context { return r.ctx }

// readBody reads and parses the JSON body (POST/PUT/DELETE) once.
func (r *Request) readBody(limit int64) error {
	if r.HTTP.Body == nil || r.HTTP.Method == http.MethodGet {
		return nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.HTTP.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errBodyTooLarge
		}
		return model.Invalid("error-invalid-body", "Could not read the request body")
	}
	r.raw = b
	if len(strings.TrimSpace(string(b))) == 0 {
		return nil
	}
	ct := r.HTTP.Header.Get("Content-Type")
	if strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		vals, err := url.ParseQuery(string(b))
		if err != nil {
			return model.Invalid("error-invalid-body", "Invalid form body")
		}
		r.body = make(map[string]json.RawMessage, len(vals))
		for k, v := range vals {
			enc, _ := json.Marshal(v[0])
			r.body[k] = enc
		}
		// Handlers that decode the whole body see the form as the JSON
		// object it stands for.
		r.raw, _ = json.Marshal(r.body)
		return nil
	}
	if err := json.Unmarshal(b, &r.body); err != nil {
		return model.Invalid("error-invalid-body", "Invalid JSON body: the body must be a JSON object")
	}
	return nil
}

var errBodyTooLarge = &model.Error{Kind: model.KindTooLarge, Type: "error-request-too-large", Reason: "The request body is too large"}

// Has reports whether the parameter is present (body or query).
func (r *Request) Has(name string) bool {
	if _, ok := r.body[name]; ok {
		return true
	}
	_, ok := r.query[name]
	return ok
}

// Names lists the parameters the call carries (body and query), for the
// endpoints whose Rocket.Chat schema refuses unknown properties.
func (r *Request) Names() []string {
	names := make([]string, 0, len(r.body)+len(r.query))
	for k := range r.body {
		names = append(names, k)
	}
	for k := range r.query {
		if _, dup := r.body[k]; !dup {
			names = append(names, k)
		}
	}
	return names
}

// Raw returns the raw JSON of a body parameter (nil when absent).
func (r *Request) Raw(name string) json.RawMessage { return r.body[name] }

// Decode decodes the whole JSON body into v.
func (r *Request) Decode(v any) error {
	if len(r.raw) == 0 {
		return model.Invalid("error-invalid-body", "A JSON body is required")
	}
	if err := json.Unmarshal(r.raw, v); err != nil {
		return model.Invalid("error-invalid-params", "Invalid body: %s", jsonErrText(err))
	}
	return nil
}

// Param decodes the named body parameter into v; ok is false when absent.
func (r *Request) Param(name string, v any) (bool, error) {
	raw, ok := r.body[name]
	if !ok || string(raw) == "null" {
		if q, ok := r.query[name]; ok && len(q) > 0 {
			// A query string value: decode as a JSON string, or as JSON.
			if err := json.Unmarshal([]byte(q[0]), v); err == nil {
				return true, nil
			}
			b, _ := json.Marshal(q[0])
			if err := json.Unmarshal(b, v); err != nil {
				return true, model.ErrBadParam(name, "of the right type")
			}
			return true, nil
		}
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, model.Invalid("error-invalid-params", "The '%s' param has the wrong type", name)
	}
	return true, nil
}

// String returns a string parameter ("" when absent); a non-string value is an error.
func (r *Request) String(name string) (string, error) {
	if raw, ok := r.body[name]; ok && string(raw) != "null" {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", model.Invalid("error-invalid-params", "The '%s' param must be a string", name)
		}
		return s, nil
	}
	return r.query.Get(name), nil
}

// RequireString returns a non-empty string parameter or an error naming it.
func (r *Request) RequireString(name string) (string, error) {
	s, err := r.String(name)
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(s) == "" {
		return "", failure("The '%s' param is required", name)
	}
	return s, nil
}

// Bool returns a boolean parameter (def when absent); "true"/"false"
// strings are accepted in query strings.
func (r *Request) Bool(name string, def bool) (bool, error) {
	if raw, ok := r.body[name]; ok && string(raw) != "null" {
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			var s string
			if json.Unmarshal(raw, &s) == nil && (s == "true" || s == "false") {
				return s == "true", nil
			}
			return def, model.Invalid("error-invalid-params", "The '%s' param must be a boolean", name)
		}
		return b, nil
	}
	if q := r.query.Get(name); q != "" {
		switch q {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
		return def, model.Invalid("error-invalid-params", "The '%s' param must be a boolean", name)
	}
	return def, nil
}

// Int returns an integer parameter (def when absent).
func (r *Request) Int(name string, def int) (int, error) {
	if raw, ok := r.body[name]; ok && string(raw) != "null" {
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			var s string
			if json.Unmarshal(raw, &s) == nil {
				if n, err := strconv.Atoi(s); err == nil {
					return n, nil
				}
			}
			return def, model.Invalid("error-invalid-params", "The '%s' param must be a number", name)
		}
		return int(f), nil
	}
	if q := r.query.Get(name); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			return def, model.Invalid("error-invalid-params", "The '%s' param must be a number", name)
		}
		return n, nil
	}
	return def, nil
}

// Strings returns a list parameter given as a JSON array, or as a
// comma-separated string (as some Rocket.Chat endpoints accept).
func (r *Request) Strings(name string) ([]string, error) {
	if raw, ok := r.body[name]; ok && string(raw) != "null" {
		var list []string
		if err := json.Unmarshal(raw, &list); err == nil {
			return list, nil
		}
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, model.Invalid("error-invalid-params", "The '%s' param must be an array of strings", name)
		}
		return splitList(s), nil
	}
	if q, ok := r.query[name]; ok {
		if len(q) == 1 {
			var list []string
			if strings.HasPrefix(q[0], "[") && json.Unmarshal([]byte(q[0]), &list) == nil {
				return list, nil
			}
			return splitList(q[0]), nil
		}
		return q, nil
	}
	return nil, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Page parses count, offset and sort. allowed lists the sort fields the
// endpoint supports; def is the sort when none is given.
func (r *Request) Page(def []model.SortKey, allowed ...string) (model.Page, error) {
	set := r.srv.settings
	maxCount := set.Int(setting.APIUpperCountLimit)
	if maxCount <= 0 {
		maxCount = 100
	}
	defCount := set.Int(setting.APIDefaultCount)
	if defCount <= 0 {
		defCount = 50
	}
	count, err := r.Int("count", defCount)
	if err != nil {
		return model.Page{}, err
	}
	offset, err := r.Int("offset", 0)
	if err != nil {
		return model.Page{}, err
	}
	if count < 0 || offset < 0 {
		return model.Page{}, model.Invalid("error-invalid-params", "count and offset must not be negative")
	}
	if count == 0 || count > maxCount {
		count = maxCount
	}
	p := model.Page{Offset: offset, Count: count, Sort: def}
	if sortRaw, _ := r.String("sort"); sortRaw != "" {
		keys, err := parseSort(sortRaw, allowed)
		if err != nil {
			return model.Page{}, err
		}
		p.Sort = keys
	}
	return p, nil
}

// parseSort reads Rocket.Chat's sort parameter, a JSON object such as
// {"ts":-1,"name":1}, keeping the key order.
func parseSort(s string, allowed []string) ([]model.SortKey, error) {
	dec := json.NewDecoder(strings.NewReader(s))
	bad := model.Invalid("error-invalid-sort", "Invalid sort parameter: %s", s)
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, bad
	}
	var keys []model.SortKey
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, bad
		}
		field, _ := t.(string)
		var dir float64
		if err := dec.Decode(&dir); err != nil || (dir != 1 && dir != -1) {
			return nil, bad
		}
		if !contains(allowed, field) {
			return nil, model.Invalid("error-invalid-sort", "Sorting by '%s' is not supported", field)
		}
		keys = append(keys, model.SortKey{Field: field, Desc: dir < 0})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, bad
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad
	}
	return keys, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func jsonErrText(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("field '%s' must be %s", te.Field, te.Type.String())
	}
	return "malformed JSON"
}

// paged renders a list page in Rocket.Chat's shape: the items under key,
// with count, offset and total.
func paged(key string, items any, n int, p model.Page, total int) M {
	return M{key: items, "count": n, "offset": p.Offset, "total": total}
}
