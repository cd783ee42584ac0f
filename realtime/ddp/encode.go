package ddp

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"liftoff/internal/jsonenc"
	"liftoff/model"
)

// maxDepth bounds how deeply values may nest (through pointers, maps,
// slices and interfaces) before encoding gives up. It turns a reference
// cycle into an error instead of an endless recursion.
const maxDepth = 1000

// ErrTooDeep is returned when a value nests more deeply than the encoder
// allows, which in practice means the value contains a reference cycle.
var ErrTooDeep = errors.New("ddp: value nested too deeply (reference cycle?)")

// UnsupportedTypeError reports a value of a type JSON cannot represent
// (channels, functions, complex numbers, maps with unsupported keys).
type UnsupportedTypeError struct{ Type reflect.Type }

// Error describes the unsupported type.
func (e *UnsupportedTypeError) Error() string { return "ddp: unsupported type " + e.Type.String() }

// UnsupportedValueError reports a value JSON cannot represent, such as NaN.
type UnsupportedValueError struct{ Value string }

// Error describes the unsupported value.
func (e *UnsupportedValueError) Error() string { return "ddp: unsupported value " + e.Value }

// Marshal returns the EJSON encoding of v. It follows encoding/json's rules
// (struct tags, embedded structs, sorted map keys, json.Marshaler and
// encoding.TextMarshaler), except that model.Time and time.Time values are
// written as {"$date":<milliseconds since the Unix epoch>}, as Meteor's DDP
// carries dates, and zero times are written as null (or left out when the
// field is tagged omitempty or omitzero). Strings are not HTML-escaped.
func Marshal(v any) ([]byte, error) {
	return AppendMarshal(make([]byte, 0, 128), v)
}

// AppendMarshal appends the EJSON encoding of v (see Marshal) to dst and
// returns the extended slice. On error it returns dst unchanged in length.
func AppendMarshal(dst []byte, v any) ([]byte, error) {
	b, err := appendAny(dst, v, 0)
	if err != nil {
		return dst, err
	}
	return b, nil
}

// encoderFunc appends the encoding of v to b. depth counts the composite
// values entered so far.
type encoderFunc func(b []byte, v reflect.Value, depth int) ([]byte, error)

// encoders caches one encoderFunc per reflect.Type. Types are immutable, so
// entries never change once stored; the cache only grows to the set of types
// the program encodes.
var encoders sync.Map // map[reflect.Type]encoderFunc

var (
	modelTimeType     = reflect.TypeFor[model.Time]()
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	marshalerType     = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
	isZeroerType      = reflect.TypeFor[interface{ IsZero() bool }]()
	anyMapType        = reflect.TypeFor[map[string]any]()
	anySliceType      = reflect.TypeFor[[]any]()
)

// appendAny encodes a value held in an interface. The common dynamic types
// of decoded or hand-built documents are handled without reflection.
func appendAny(b []byte, v any, depth int) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return jsonenc.AppendString(b, x), nil
	case bool:
		return strconv.AppendBool(b, x), nil
	case int:
		return strconv.AppendInt(b, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(b, x, 10), nil
	case float64:
		return appendFloat(b, x, 64)
	case model.Time:
		return appendModelTime(b, x), nil
	case *model.Time:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendModelTime(b, *x), nil
	case time.Time:
		return appendTime(b, x), nil
	case json.RawMessage:
		return appendRaw(b, x), nil
	case map[string]any:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendStringMap(b, x, depth)
	case []any:
		if x == nil {
			return append(b, "null"...), nil
		}
		return appendAnySlice(b, x, depth)
	}
	rv := reflect.ValueOf(v)
	return encoderFor(rv.Type())(b, rv, depth)
}

func appendStringMap(b []byte, m map[string]any, depth int) ([]byte, error) {
	if depth++; depth > maxDepth {
		return b, ErrTooDeep
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.AppendString(b, k)
		b = append(b, ':')
		if b, err = appendAny(b, m[k], depth); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

func appendAnySlice(b []byte, s []any, depth int) ([]byte, error) {
	if depth++; depth > maxDepth {
		return b, ErrTooDeep
	}
	b = append(b, '[')
	var err error
	for i, e := range s {
		if i > 0 {
			b = append(b, ',')
		}
		if b, err = appendAny(b, e, depth); err != nil {
			return b, err
		}
	}
	return append(b, ']'), nil
}

// encodeAnyMap and encodeAnySlice route the untyped containers common in
// documents (custom fields, attachments) to the reflection-free path.
func encodeAnyMap(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	if !v.CanInterface() {
		return b, &UnsupportedTypeError{Type: v.Type()}
	}
	return appendStringMap(b, v.Interface().(map[string]any), depth)
}

func encodeAnySlice(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	if !v.CanInterface() {
		return b, &UnsupportedTypeError{Type: v.Type()}
	}
	return appendAnySlice(b, v.Interface().([]any), depth)
}

// encoderFor returns the cached encoder of t, building it on first use.
func encoderFor(t reflect.Type) encoderFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encoderFunc)
	}
	// A recursive type reaches itself while its encoder is being built.
	// Publish a forwarding encoder first that waits for the real one, so
	// the recursion finds an entry instead of building forever.
	var (
		wg   sync.WaitGroup
		real encoderFunc
	)
	wg.Add(1)
	fi, loaded := encoders.LoadOrStore(t, encoderFunc(func(b []byte, v reflect.Value, depth int) ([]byte, error) {
		wg.Wait()
		return real(b, v, depth)
	}))
	if loaded {
		return fi.(encoderFunc)
	}
	real = newEncoder(t, true)
	wg.Done()
	encoders.Store(t, real)
	return real
}

// newEncoder builds the encoder of t. allowAddr permits the use of
// pointer-receiver marshal methods when the value is addressable.
func newEncoder(t reflect.Type, allowAddr bool) encoderFunc {
	switch t {
	case modelTimeType:
		return encodeModelTime
	case timeType:
		return encodeTime
	case rawMessageType:
		return encodeRaw
	case anyMapType:
		return encodeAnyMap
	case anySliceType:
		return encodeAnySlice
	}
	if t.Kind() == reflect.Interface {
		// Dispatch on the dynamic type, so that a time held in an interface
		// is still written as a date.
		return encodeInterface
	}
	if t.Kind() == reflect.Pointer {
		// A pointer's method set includes its element's value methods;
		// dereferencing first lets the element's encoder decide (dates!).
		if e := t.Elem(); e == modelTimeType || e == timeType || e == rawMessageType ||
			e.Implements(marshalerType) || e.Implements(textMarshalerType) {
			return newPointerEncoder(t)
		}
	}
	if t.Kind() != reflect.Pointer && allowAddr {
		pt := reflect.PointerTo(t)
		if !t.Implements(marshalerType) && pt.Implements(marshalerType) {
			return addrEncoder(encodeMarshaler, newEncoder(t, false))
		}
		if !t.Implements(marshalerType) && !t.Implements(textMarshalerType) && pt.Implements(textMarshalerType) {
			return addrEncoder(encodeTextMarshaler, newEncoder(t, false))
		}
	}
	if t.Implements(marshalerType) {
		return encodeMarshaler
	}
	if t.Implements(textMarshalerType) {
		return encodeTextMarshaler
	}
	switch t.Kind() {
	case reflect.Bool:
		return encodeBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return encodeInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return encodeUint
	case reflect.Float32:
		return encodeFloat32
	case reflect.Float64:
		return encodeFloat64
	case reflect.String:
		return encodeString
	case reflect.Pointer:
		return newPointerEncoder(t)
	case reflect.Struct:
		return newStructEncoder(t)
	case reflect.Map:
		return newMapEncoder(t)
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !reflect.PointerTo(t.Elem()).Implements(marshalerType) &&
			!reflect.PointerTo(t.Elem()).Implements(textMarshalerType) {
			return encodeBytes
		}
		return newSliceEncoder(t)
	case reflect.Array:
		return newArrayEncoder(t)
	default:
		return func(b []byte, _ reflect.Value, _ int) ([]byte, error) {
			return b, &UnsupportedTypeError{Type: t}
		}
	}
}

// addrEncoder uses byAddr (a pointer-receiver marshal method) when v is
// addressable, as encoding/json does, and plain otherwise.
func addrEncoder(byAddr, plain encoderFunc) encoderFunc {
	return func(b []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.CanAddr() {
			return byAddr(b, v.Addr(), depth)
		}
		return plain(b, v, depth)
	}
}

func appendModelTime(b []byte, t model.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, `{"$date":`...)
	b = strconv.AppendInt(b, t.UnixMilli(), 10)
	return append(b, '}')
}

func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, "null"...)
	}
	b = append(b, `{"$date":`...)
	b = strconv.AppendInt(b, t.UnixMilli(), 10)
	return append(b, '}')
}

func encodeModelTime(b []byte, v reflect.Value, _ int) ([]byte, error) {
	if v.CanAddr() {
		// Taking the address avoids copying the struct into an interface.
		return appendModelTime(b, *v.Addr().Interface().(*model.Time)), nil
	}
	return appendModelTime(b, v.Interface().(model.Time)), nil
}

func encodeTime(b []byte, v reflect.Value, _ int) ([]byte, error) {
	if v.CanAddr() {
		return appendTime(b, *v.Addr().Interface().(*time.Time)), nil
	}
	return appendTime(b, v.Interface().(time.Time)), nil
}

// appendRaw copies an already encoded JSON value; an empty one is null.
func appendRaw(b []byte, raw json.RawMessage) []byte {
	if len(raw) == 0 {
		return append(b, "null"...)
	}
	return append(b, raw...)
}

func encodeRaw(b []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendRaw(b, v.Bytes()), nil
}

func encodeMarshaler(b []byte, v reflect.Value, _ int) ([]byte, error) {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return append(b, "null"...), nil
	}
	m, ok := v.Interface().(json.Marshaler)
	if !ok {
		return append(b, "null"...), nil
	}
	out, err := m.MarshalJSON()
	if err != nil {
		return b, fmt.Errorf("ddp: calling MarshalJSON of %s: %w", v.Type(), err)
	}
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, out); err != nil {
		return b, fmt.Errorf("ddp: MarshalJSON of %s returned invalid JSON: %w", v.Type(), err)
	}
	return buf.Bytes(), nil
}

func encodeTextMarshaler(b []byte, v reflect.Value, _ int) ([]byte, error) {
	if (v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface) && v.IsNil() {
		return append(b, "null"...), nil
	}
	m, ok := v.Interface().(encoding.TextMarshaler)
	if !ok {
		return append(b, "null"...), nil
	}
	out, err := m.MarshalText()
	if err != nil {
		return b, fmt.Errorf("ddp: calling MarshalText of %s: %w", v.Type(), err)
	}
	return jsonenc.AppendString(b, string(out)), nil
}

func encodeBool(b []byte, v reflect.Value, _ int) ([]byte, error) {
	return strconv.AppendBool(b, v.Bool()), nil
}

func encodeInt(b []byte, v reflect.Value, _ int) ([]byte, error) {
	return strconv.AppendInt(b, v.Int(), 10), nil
}

func encodeUint(b []byte, v reflect.Value, _ int) ([]byte, error) {
	return strconv.AppendUint(b, v.Uint(), 10), nil
}

func encodeFloat32(b []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendFloat(b, v.Float(), 32)
}

func encodeFloat64(b []byte, v reflect.Value, _ int) ([]byte, error) {
	return appendFloat(b, v.Float(), 64)
}

// appendFloat formats f the way encoding/json (and JavaScript) does:
// plain decimal notation, switching to an exponent for very large or very
// small magnitudes.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return b, &UnsupportedValueError{Value: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) ||
			bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// Shorten a two-digit negative exponent: 1e-07 becomes 1e-7.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

func encodeString(b []byte, v reflect.Value, _ int) ([]byte, error) {
	return jsonenc.AppendString(b, v.String()), nil
}

func encodeBytes(b []byte, v reflect.Value, _ int) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	src := v.Bytes()
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, src)
	return append(b, '"'), nil
}

func encodeInterface(b []byte, v reflect.Value, depth int) ([]byte, error) {
	if v.IsNil() {
		return append(b, "null"...), nil
	}
	if depth++; depth > maxDepth {
		return b, ErrTooDeep
	}
	if v.CanInterface() {
		return appendAny(b, v.Interface(), depth)
	}
	e := v.Elem()
	return encoderFor(e.Type())(b, e, depth)
}

func newPointerEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(b []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if depth++; depth > maxDepth {
			return b, ErrTooDeep
		}
		return elem(b, v.Elem(), depth)
	}
}

func newSliceEncoder(t reflect.Type) encoderFunc {
	arr := newArrayEncoder(t)
	return func(b []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return arr(b, v, depth)
	}
}

func newArrayEncoder(t reflect.Type) encoderFunc {
	elem := encoderFor(t.Elem())
	return func(b []byte, v reflect.Value, depth int) ([]byte, error) {
		if depth++; depth > maxDepth {
			return b, ErrTooDeep
		}
		b = append(b, '[')
		n := v.Len()
		var err error
		for i := 0; i < n; i++ {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = elem(b, v.Index(i), depth); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	}
}

// mapEntry is one map entry with its key already rendered as a string.
type mapEntry struct {
	key string
	val reflect.Value
}

func newMapEncoder(t reflect.Type) encoderFunc {
	kt := t.Key()
	var keyString func(k reflect.Value) (string, error)
	switch {
	case kt.Kind() == reflect.String:
		keyString = func(k reflect.Value) (string, error) { return k.String(), nil }
	case kt.Implements(textMarshalerType):
		keyString = func(k reflect.Value) (string, error) {
			if k.Kind() == reflect.Pointer && k.IsNil() {
				return "", nil
			}
			out, err := k.Interface().(encoding.TextMarshaler).MarshalText()
			if err != nil {
				return "", fmt.Errorf("ddp: calling MarshalText of map key %s: %w", kt, err)
			}
			return string(out), nil
		}
	default:
		switch kt.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			keyString = func(k reflect.Value) (string, error) { return strconv.FormatInt(k.Int(), 10), nil }
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			keyString = func(k reflect.Value) (string, error) { return strconv.FormatUint(k.Uint(), 10), nil }
		default:
			return func(b []byte, _ reflect.Value, _ int) ([]byte, error) {
				return b, &UnsupportedTypeError{Type: t}
			}
		}
	}
	elem := encoderFor(t.Elem())
	return func(b []byte, v reflect.Value, depth int) ([]byte, error) {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		if depth++; depth > maxDepth {
			return b, ErrTooDeep
		}
		entries := make([]mapEntry, 0, v.Len())
		// Copying each key into one reusable Value avoids an allocation
		// per key; a string key's bytes are shared, not copied.
		key := reflect.New(kt).Elem()
		it := v.MapRange()
		for it.Next() {
			key.SetIterKey(it)
			k, err := keyString(key)
			if err != nil {
				return b, err
			}
			entries = append(entries, mapEntry{key: k, val: it.Value()})
		}
		slices.SortFunc(entries, func(x, y mapEntry) int { return strings.Compare(x.key, y.key) })
		b = append(b, '{')
		var err error
		for i := range entries {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsonenc.AppendString(b, entries[i].key)
			b = append(b, ':')
			if b, err = elem(b, entries[i].val, depth); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}
