package settings

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"liftoff/model"
	"liftoff/settings/setting"
)

// Registry caches the current settings in memory for cheap reads on hot
// paths (message size limits, edit windows, rate limits...). It is safe for
// concurrent use: reads are one atomic load and a map look-up; writes copy
// the map, which suits settings that change rarely.
//
// The Registry keeps its own copies of the settings it is given. Values are
// treated as immutable: callers must not modify the slices or maps inside a
// Value they got from the Registry.
type Registry struct {
	mu  sync.Mutex // serialises writers
	cur atomic.Pointer[map[string]*model.Setting]
}

// NewRegistry returns a Registry holding copies of settings. Nil entries are
// skipped; a repeated id keeps the last one.
func NewRegistry(settings []*model.Setting) *Registry {
	m := make(map[string]*model.Setting, len(settings))
	for _, s := range settings {
		if s != nil && s.ID != "" {
			c := *s
			m[s.ID] = &c
		}
	}
	r := &Registry{}
	r.cur.Store(&m)
	return r
}

// Set adds s or replaces the setting with its id. A nil s or one without an
// id is ignored.
func (r *Registry) Set(s *model.Setting) {
	if s == nil || s.ID == "" {
		return
	}
	c := *s
	r.mu.Lock()
	defer r.mu.Unlock()
	var next map[string]*model.Setting
	if old := r.cur.Load(); old != nil {
		next = make(map[string]*model.Setting, len(*old)+1)
		for k, v := range *old {
			next[k] = v
		}
	} else {
		next = make(map[string]*model.Setting, 1)
	}
	next[s.ID] = &c
	r.cur.Store(&next)
}

// lookup returns the stored setting, which must not be modified.
func (r *Registry) lookup(id string) (*model.Setting, bool) {
	m := r.cur.Load()
	if m == nil {
		return nil, false
	}
	s, ok := (*m)[id]
	return s, ok
}

// Get returns a copy of the setting with the given id.
func (r *Registry) Get(id setting.ID) (*model.Setting, bool) {
	s, ok := r.lookup(string(id))
	if !ok {
		return nil, false
	}
	c := *s
	return &c, true
}

// Value returns the setting's current value, or nil when it is unknown.
func (r *Registry) Value(id setting.ID) any {
	if s, ok := r.lookup(string(id)); ok {
		return s.Value
	}
	return nil
}

// Bool returns the setting's value as a boolean: false when the setting is
// unknown or its value is neither a boolean nor the text "true".
func (r *Registry) Bool(id setting.ID) bool {
	switch v := r.Value(id).(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// Int returns the setting's value as an int, accepting the forms values take
// in memory, in JSON (float64) and in text. It returns 0 when the setting is
// unknown or not a number (a fraction counts as its whole part).
func (r *Registry) Int(id setting.ID) int {
	v := r.Value(id)
	if f, ok := v.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) <= maxSafeInt {
		return int(math.Trunc(f)) // a fractional value counts as its whole part
	}
	n, _ := toInt(v)
	return n
}

// Float returns the setting's value as a float64 (int settings may hold a
// fraction, as Rocket.Chat's JavaScript numbers do); 0 when unknown or not
// a number.
func (r *Registry) Float(id setting.ID) float64 {
	switch n := r.Value(id).(type) {
	case float64:
		return n
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case int32:
		return float64(n)
	}
	return 0
}

// String returns the setting's value as text: strings as they are, numbers
// and booleans formatted, anything else (and unknown settings) as "".
func (r *Registry) String(id setting.ID) string {
	switch v := r.Value(id).(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int, int64, int32:
		return fmt.Sprint(v)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return ""
}

// All returns copies of every setting, sorted by id.
func (r *Registry) All() []*model.Setting {
	m := r.cur.Load()
	if m == nil {
		return []*model.Setting{}
	}
	out := make([]*model.Setting, 0, len(*m))
	for _, s := range *m {
		c := *s
		out = append(out, &c)
	}
	slices.SortFunc(out, func(a, b *model.Setting) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// toInt converts the numeric forms a setting value may take to an int.
func toInt(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		if n < math.MinInt || n > math.MaxInt {
			return 0, false
		}
		return int(n), true
	case int32:
		return int(n), true
	case float64:
		if n != math.Trunc(n) || math.IsInf(n, 0) || n < math.MinInt64 || n >= math.MaxInt64 {
			return 0, false
		}
		return int(n), true
	case float32:
		return toInt(float64(n))
	case json.Number:
		return toInt(string(n))
	case string:
		i, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil {
			return 0, false
		}
		return i, true
	}
	return 0, false
}
