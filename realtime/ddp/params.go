package ddp

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"liftoff/model"
)

// Param decodes the i-th parameter of a method call or subscription into a
// T. ok is false when the parameter is missing or null (T's zero value is
// returned). A parameter of the wrong shape yields an "error-invalid-params"
// *model.Error naming the parameter, ready to send back with ResultError.
//
// Dates may arrive as EJSON {"$date": ms}: model.Time fields decode them
// directly, a T of time.Time is accepted too, and inside untyped values
// (any, map[string]any, []any) a {"$date": ms} object becomes a model.Time.
func Param[T any](params []json.RawMessage, i int) (v T, ok bool, err error) {
	if i < 0 || i >= len(params) || absent(params[i]) {
		return v, false, nil
	}
	raw := params[i]
	switch p := any(&v).(type) {
	case *time.Time:
		var t model.Time
		if err := json.Unmarshal(raw, &t); err != nil {
			return v, false, paramError(i, err)
		}
		*p = t.Time
		return v, true, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, paramError(i, err)
	}
	switch p := any(&v).(type) {
	case *any:
		*p = ejsonDates(*p)
	case *map[string]any:
		for k, e := range *p {
			(*p)[k] = ejsonDates(e)
		}
	case *[]any:
		for k, e := range *p {
			(*p)[k] = ejsonDates(e)
		}
	}
	return v, true, nil
}

// ejsonDates replaces EJSON date objects in a decoded untyped value with
// model.Time values, recursively.
func ejsonDates(v any) any {
	switch x := v.(type) {
	case map[string]any:
		if len(x) == 1 {
			if ms, ok := x["$date"].(float64); ok {
				return model.TimeFromMillis(int64(ms))
			}
		}
		for k, e := range x {
			x[k] = ejsonDates(e)
		}
	case []any:
		for k, e := range x {
			x[k] = ejsonDates(e)
		}
	}
	return v
}

// paramError turns a decoding failure into a client-safe domain error
// that says which parameter (and field) was wrong without exposing Go
// type names.
func paramError(i int, err error) *model.Error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		where := fmt.Sprintf("parameter %d", i)
		if te.Field != "" {
			where += fmt.Sprintf(" (field %q)", te.Field)
		}
		return model.Invalid("error-invalid-params", "Invalid %s: expected %s, got %s", where, jsonKind(te), te.Value)
	}
	return model.Invalid("error-invalid-params", "Invalid parameter %d", i)
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(te *json.UnmarshalTypeError) string {
	if te.Type == nil {
		return "another type"
	}
	switch te.Type.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct, reflect.Map:
		return "object"
	}
	return "another type"
}
