package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"liftoff/model"
)

// invalid returns the domain error for a value that does not fit setting id.
func invalid(id, format string, args ...any) error {
	return model.Invalid(model.ErrInvalidSetting.Type, "Invalid value for setting %s: %s", id, fmt.Sprintf(format, args...))
}

// Coerce validates value, as decoded from a JSON request body, as a new value
// for s and returns it in its canonical Go form: bool for boolean settings,
// int for int and timespan settings, string for text-like settings and
// selects, []string for multiSelect. A value of the wrong type, a select
// choice s does not offer, or a setting that holds no value (action, asset)
// is an error of type error-invalid-setting (errors.Is ErrInvalidSetting).
// Types this package does not know are passed through unchanged.
func Coerce(s *model.Setting, value any) (any, error) {
	if s == nil {
		return nil, model.ErrInvalidSetting
	}
	switch s.Type {
	case TypeBoolean:
		b, ok := value.(bool)
		if !ok {
			return nil, invalid(s.ID, "want a boolean, got %s", kind(value))
		}
		return b, nil
	case TypeInt, TypeTimespan:
		if n, ok := jsonInt(value); ok {
			return n, nil
		}
		// Rocket.Chat's int settings are JavaScript numbers: a fraction
		// (0.05 minutes) is a valid value.
		if f, ok := value.(float64); ok && !math.IsNaN(f) && !math.IsInf(f, 0) && math.Abs(f) <= maxSafeInt {
			return f, nil
		}
		return nil, invalid(s.ID, "want a number, got %s", kind(value))
	case TypeSelect:
		str, ok := value.(string)
		if !ok {
			return nil, invalid(s.ID, "want a string, got %s", kind(value))
		}
		if !offers(s, str) {
			return nil, invalid(s.ID, "%q is not one of %s", str, choices(s))
		}
		return str, nil
	case TypeMultiSelect:
		list, ok := stringList(value)
		if !ok {
			return nil, invalid(s.ID, "want a list of strings, got %s", kind(value))
		}
		for _, v := range list {
			if !offers(s, v) {
				return nil, invalid(s.ID, "%q is not one of %s", v, choices(s))
			}
		}
		return list, nil
	case TypeString, TypeCode, TypePassword, TypeLanguage, TypeTimezone,
		TypeRelativeURL, TypeEmail, TypeColor, TypeFont:
		str, ok := value.(string)
		if !ok {
			return nil, invalid(s.ID, "want a string, got %s", kind(value))
		}
		return str, nil
	case TypeAction, TypeAsset:
		return nil, invalid(s.ID, "a setting of type %s holds no value", s.Type)
	}
	return value, nil
}

// ParseValue converts str, a value given as text (an environment variable,
// a configuration file), to a value for s and validates it with Coerce.
// Booleans are "true" or "false" in any case; integers are whole decimal
// numbers; multiSelect values are JSON arrays of strings; every other type
// takes the text as it is.
//
// Rocket.Chat turns the text "true" or "false" into a boolean whatever the
// setting's type; Liftoff keeps it as text for text settings, so a string
// setting never ends up holding a boolean.
func ParseValue(s *model.Setting, str string) (any, error) {
	if s == nil {
		return nil, model.ErrInvalidSetting
	}
	var v any = str
	switch s.Type {
	case TypeBoolean:
		switch strings.ToLower(strings.TrimSpace(str)) {
		case "true":
			v = true
		case "false":
			v = false
		default:
			return nil, invalid(s.ID, "want true or false, got %q", str)
		}
	case TypeInt, TypeTimespan:
		t := strings.TrimSpace(str)
		if !integerText.MatchString(t) {
			f, err := strconv.ParseFloat(t, 64)
			if err != nil || !decimalText.MatchString(t) {
				return nil, invalid(s.ID, "want a number, got %q", str)
			}
			v = f
			break
		}
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil || n > maxSafeInt || n < -maxSafeInt {
			return nil, invalid(s.ID, "integer %q out of range", str)
		}
		v = int(n)
	case TypeMultiSelect:
		var list []string
		if err := json.Unmarshal([]byte(str), &list); err != nil {
			return nil, invalid(s.ID, "want a JSON array of strings: %v", err)
		}
		if list == nil {
			list = []string{}
		}
		v = list
	}
	return Coerce(s, v)
}

// integerText is the integer syntax Rocket.Chat accepts for int settings
// given as text.
var integerText = regexp.MustCompile(`^[+-]?[0-9]+$`)

// decimalText is a number with a fraction ("0.05", ".5").
var decimalText = regexp.MustCompile(`^[+-]?[0-9]*\.[0-9]+$`)

// maxSafeInt is JavaScript's Number.MAX_SAFE_INTEGER: larger integers do not
// survive a trip through a JavaScript client.
const maxSafeInt = 1<<53 - 1

// OverridePrefix starts the name of an environment variable that forces a
// setting's value at every start, as in Rocket.Chat.
const OverridePrefix = "OVERWRITE_SETTING_"

// Overrides returns the setting values forced by environ (in os.Environ's
// "KEY=value" form): OVERWRITE_SETTING_<id>=<value> maps id to value. Entries
// with an empty id are ignored; a later entry for the same id wins.
func Overrides(environ []string) map[string]string {
	out := map[string]string{}
	for _, kv := range environ {
		key, value, ok := strings.Cut(kv, "=")
		if !ok {
			continue
		}
		id, ok := strings.CutPrefix(key, OverridePrefix)
		if !ok || id == "" {
			continue
		}
		out[id] = value
	}
	return out
}

// ApplyOverrides parses each override with ParseValue and stores the result
// as the Value of the matching setting in list. Overrides for ids not in list
// are ignored. Values that do not parse leave their setting unchanged and are
// reported together in the returned error; the others are still applied.
func ApplyOverrides(list []*model.Setting, overrides map[string]string) error {
	var errs []error
	for _, s := range list {
		if s == nil {
			continue
		}
		str, ok := overrides[s.ID]
		if !ok {
			continue
		}
		v, err := ParseValue(s, str)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s%s: %w", OverridePrefix, s.ID, err))
			continue
		}
		s.Value = v
	}
	return errors.Join(errs...)
}

// jsonInt accepts the integer forms a decoded JSON number may take.
func jsonInt(v any) (int, bool) {
	switch n := v.(type) {
	case int, int64, int32, json.Number:
		return toInt(n)
	case float64:
		if math.Abs(n) > maxSafeInt {
			return 0, false
		}
		return toInt(n)
	}
	return 0, false
}

// stringList accepts []string or a decoded JSON array of strings.
func stringList(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return append([]string{}, l...), true
	case []any:
		out := make([]string, 0, len(l))
		for _, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// offers reports whether a select setting offers key; a setting without
// listed choices accepts any key.
func offers(s *model.Setting, key string) bool {
	if len(s.Values) == 0 {
		return true
	}
	for _, v := range s.Values {
		if v.Key == key {
			return true
		}
	}
	return false
}

func choices(s *model.Setting) string {
	keys := make([]string, 0, len(s.Values))
	for _, v := range s.Values {
		keys = append(keys, strconv.Quote(v.Key))
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// kind names v's JSON type for error messages.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case float64, float32, int, int64, int32, json.Number:
		return "a number"
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}
