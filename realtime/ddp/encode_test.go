package ddp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"liftoff/model"
)

// stdJSON encodes v with encoding/json, without HTML escaping, as the
// reference our encoder must match for values that hold no dates.
func stdJSON(t *testing.T, v any) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatalf("encoding/json: %v", err)
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

type valueMarshaler struct{ N int }

func (m valueMarshaler) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{ "n" : %d }`, m.N), nil
}

type ptrMarshaler struct{ N int }

func (m *ptrMarshaler) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `"p%d"`, m.N), nil
}

type textKey struct{ A, B string }

func (k textKey) MarshalText() ([]byte, error) { return []byte(k.A + "-" + k.B), nil }

type zeroer struct{ N int }

// IsZero treats negative numbers as unset, so omitzero differs from a plain
// zero-value comparison.
func (z zeroer) IsZero() bool { return z.N < 0 }

type ptrZeroer struct{ N int }

func (z *ptrZeroer) IsZero() bool { return z.N == 7 }

type Inner struct {
	A string `json:"a"`
	B int
	C string
}

type Other struct {
	C string
	D string `json:"d"`
}

type withEmbedded struct {
	Inner
	*Other
	B     string // shallower: hides Inner.B
	Named Inner  `json:"named"`
}

type deepTag struct {
	X  int `json:"x"`
	Y  int
	ID int `json:"id,string"`
}

type conflicting struct {
	deepA
	deepB
}

type deepA struct{ Dup, OnlyA int }
type deepB struct{ Dup, OnlyB int }

type tagged struct {
	Name string `json:"name"`
	Skip string `json:"-"`
	//lint:ignore SA5008 the "-," name is an encoding/json edge case under test
	Dash      string          `json:"-,"`
	Empty     string          `json:",omitempty"`
	EmptyMap  map[string]int  `json:"emptyMap,omitempty"`
	EmptyPtr  *int            `json:"emptyPtr,omitempty"`
	NilSlice  []int           `json:"nilSlice"`
	ZeroSlice []int           `json:"zeroSlice,omitzero"`
	Zeroer    zeroer          `json:"zeroer,omitzero"`
	PtrZero   ptrZeroer       `json:"ptrZero,omitzero"`
	Struct    struct{ X int } `json:"struct,omitzero"`
	Quoted    int64           `json:"quoted,string"`
	QuotedS   string          `json:"quotedS,string"`
	QuotedB   bool            `json:"quotedB,string"`
	//lint:ignore SA5008 an invalid tag name is an edge case under test
	BadTag    int               `json:"bad\"tag"`
	unexposed int               // must never be encoded
	Iface     any               `json:"iface"`
	Raw       json.RawMessage   `json:"raw"`
	RawNil    json.RawMessage   `json:"rawNil"`
	Bytes     []byte            `json:"bytes"`
	Arr       [3]uint8          `json:"arr"`
	IntKeys   map[int]string    `json:"intKeys"`
	TextKeys  map[textKey]int   `json:"textKeys"`
	Addr      netip.Addr        `json:"addr"`
	VM        valueMarshaler    `json:"vm"`
	PM        ptrMarshaler      `json:"pm"`
	PMPtr     *ptrMarshaler     `json:"pmPtr"`
	Nested    map[string][]any  `json:"nested"`
	F32       float32           `json:"f32"`
	Floats    []float64         `json:"floats"`
	U         uint64            `json:"u"`
	Unicode   map[string]string `json:"unicode"`
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	seven := 7
	full := tagged{
		Name: "n", Skip: "s", Dash: "d", Empty: "e", EmptyMap: map[string]int{"a": 1}, EmptyPtr: &seven,
		ZeroSlice: []int{}, Zeroer: zeroer{N: 0}, PtrZero: ptrZeroer{N: 1}, Struct: struct{ X int }{1},
		Quoted: -42, QuotedS: `he said "hi"`, QuotedB: true, BadTag: 3, unexposed: 9,
		Iface: map[string]any{"z": 1.5, "a": []any{nil, true, "x"}}, Raw: json.RawMessage(`{"a":[1,2]}`),
		Bytes: []byte("hello\x00world"), Arr: [3]uint8{1, 2, 3},
		IntKeys:  map[int]string{10: "ten", -2: "minus two", 3: "three"},
		TextKeys: map[textKey]int{{"b", "1"}: 1, {"a", "2"}: 2},
		Addr:     netip.MustParseAddr("192.0.2.1"), VM: valueMarshaler{5}, PM: ptrMarshaler{6}, PMPtr: &ptrMarshaler{8},
		Nested: map[string][]any{"k": {1, "two", map[string]any{}}},
		F32:    3.14159, Floats: []float64{0, -0.5, 1e20, 1e21, 1e-6, 1e-7, 123456789.125, -1.5e-300, math.MaxFloat64},
		U:       math.MaxUint64,
		Unicode: map[string]string{"ctl": "a\x01b\x1fc\td\ne\rf\bg\fh", "quote": `"\`, "html": "<a href='x'>&</a>", "bad": "x\xffy\xc3", "ls": "a\u2028b\u2029c", "emoji": "héllo 🚀"},
	}
	neg := tagged{Zeroer: zeroer{N: -1}, PtrZero: ptrZeroer{N: 7}}
	cases := map[string]any{
		"nil":          nil,
		"true":         true,
		"int":          -12,
		"int8":         int8(-8),
		"uint16":       uint16(65535),
		"float":        2.5,
		"float32":      float32(0.1),
		"string":       "plain",
		"slice":        []string{"a", "b"},
		"emptySlice":   []string{},
		"nilSlice":     []string(nil),
		"nilMap":       map[string]int(nil),
		"nilPtr":       (*int)(nil),
		"ptrPtr":       func() **int { p := &seven; return &p }(),
		"full":         full,
		"fullPtr":      &full,
		"neg":          &neg,
		"embedded":     withEmbedded{Inner: Inner{A: "a", B: 1, C: "ic"}, Other: &Other{C: "oc", D: "d"}, B: "outer"},
		"embeddedNil":  withEmbedded{Inner: Inner{A: "a"}},
		"conflicting":  conflicting{deepA{1, 2}, deepB{3, 4}},
		"hiddenPtr":    struct{ *deepA }{&deepA{5, 6}},
		"hiddenNilPtr": struct{ *deepA }{},
		"tagDepth":     struct{ deepTag }{deepTag{1, 2, 3}},
		"anySlice":     []any{1, "x", nil, []int{1}, map[string]bool{"b": true}},
		"mapOfPtrs":    map[string]*Inner{"x": {A: "a"}, "nil": nil},
		"interfaceMap": map[string]any{"vm": valueMarshaler{1}, "pm": &ptrMarshaler{2}},
		"rawTop":       json.RawMessage(`[1,2]`),
		"byteArray":    [2]byte{1, 2},
		"error-like":   struct{ Err error }{},
		"model.Error":  model.Error{Type: "t", Reason: "r", Details: map[string]any{"a": 1}},
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := Marshal(v)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if want := stdJSON(t, v); string(got) != want {
				t.Errorf("Marshal mismatch\n got: %s\nwant: %s", got, want)
			}
			if !json.Valid(got) {
				t.Errorf("output is not valid JSON: %s", got)
			}
		})
	}
}

type times struct {
	MT      model.Time  `json:"mt"`
	MTZero  model.Time  `json:"mtZero"`
	MTOmitZ model.Time  `json:"mtOmitZ,omitzero"`
	MTOmitE model.Time  `json:"mtOmitE,omitempty"`
	MTPtr   *model.Time `json:"mtPtr"`
	MTNil   *model.Time `json:"mtNil,omitempty"`
	T       time.Time   `json:"t"`
	TZero   time.Time   `json:"tZero"`
	TOmit   time.Time   `json:"tOmit,omitempty"`
	Any     any         `json:"any"`
	Map     map[string]any
}

func TestMarshalDates(t *testing.T) {
	mt := model.TimeFromMillis(1764014500123)
	tt := time.Date(2025, 11, 24, 20, 1, 40, 123_999_999, time.FixedZone("x", 3600))
	v := times{MT: mt, MTPtr: &mt, T: tt, Any: mt, Map: map[string]any{"ts": tt, "p": &mt}}
	want := `{"mt":{"$date":1764014500123},"mtZero":null,"mtPtr":{"$date":1764014500123},` +
		`"t":{"$date":1764010900123},"tZero":null,"any":{"$date":1764014500123},` +
		`"Map":{"p":{"$date":1764014500123},"ts":{"$date":1764010900123}}}`
	for _, in := range []any{v, &v} {
		got, err := Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	}
	// Top-level and interface-held times, by value and by pointer.
	for in, want := range map[any]string{
		mt:                 `{"$date":1764014500123}`,
		&mt:                `{"$date":1764014500123}`,
		model.Time{}:       `null`,
		tt:                 `{"$date":1764010900123}`,
		(*model.Time)(nil): `null`,
	} {
		got, err := Marshal(in)
		if err != nil || string(got) != want {
			t.Errorf("Marshal(%#v) = %s, %v; want %s", in, got, err, want)
		}
	}
	// Times in slices and maps of concrete type.
	got, err := Marshal(map[string][]model.Time{"a": {mt, {}}})
	if err != nil || string(got) != `{"a":[{"$date":1764014500123},null]}` {
		t.Errorf("got %s, %v", got, err)
	}
}

func TestMarshalErrors(t *testing.T) {
	type cyclic struct {
		Next *cyclic `json:"next"`
	}
	loop := &cyclic{}
	loop.Next = loop
	loopMap := map[string]any{}
	loopMap["self"] = loopMap
	cases := map[string]struct {
		v    any
		want error
	}{
		"NaN":         {math.NaN(), &UnsupportedValueError{}},
		"Inf":         {[]float64{math.Inf(1)}, &UnsupportedValueError{}},
		"chan":        {map[string]any{"c": make(chan int)}, &UnsupportedTypeError{}},
		"func":        {struct{ F func() }{func() {}}, &UnsupportedTypeError{}},
		"complex":     {complex(1, 2), &UnsupportedTypeError{}},
		"badKey":      {map[[2]int]int{{1, 2}: 3}, &UnsupportedTypeError{}},
		"cycle":       {loop, ErrTooDeep},
		"mapCycle":    {loopMap, ErrTooDeep},
		"marshalFail": {failing{}, errFailing},
		"invalidOut":  {badJSON{}, nil},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dst := []byte("prefix")
			got, err := AppendMarshal(dst, c.v)
			if err == nil {
				t.Fatalf("no error; output %s", got)
			}
			if string(got) != "prefix" {
				t.Errorf("dst changed on error: %q", got)
			}
			switch want := c.want.(type) {
			case *UnsupportedValueError:
				var e *UnsupportedValueError
				if !errors.As(err, &e) {
					t.Errorf("error %v is not an UnsupportedValueError", err)
				}
			case *UnsupportedTypeError:
				var e *UnsupportedTypeError
				if !errors.As(err, &e) {
					t.Errorf("error %v is not an UnsupportedTypeError", err)
				}
			case nil:
			default:
				if !errors.Is(err, want) {
					t.Errorf("error %v is not %v", err, want)
				}
			}
		})
	}
}

var errFailing = errors.New("boom")

type failing struct{}

func (failing) MarshalJSON() ([]byte, error) { return nil, errFailing }

type badJSON struct{}

func (badJSON) MarshalJSON() ([]byte, error) { return []byte(`{"a":`), nil }

func TestMarshalRawMessageVerbatim(t *testing.T) {
	got, err := Marshal(map[string]any{"raw": json.RawMessage(`{ "a" : [1, 2] }`), "empty": json.RawMessage(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"empty":null,"raw":{ "a" : [1, 2] }}`; string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
}

// recursive types must not deadlock or recurse while their encoder is built.
type tree struct {
	Name     string  `json:"name"`
	Children []*tree `json:"children,omitempty"`
	Parent   *tree   `json:"-"`
}

func TestMarshalRecursiveType(t *testing.T) {
	root := &tree{Name: "root", Children: []*tree{{Name: "a"}, {Name: "b", Children: []*tree{{Name: "c"}}}}}
	got, err := Marshal(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := stdJSON(t, root); string(got) != want {
		t.Errorf("got %s want %s", got, want)
	}
}

// modelValues returns one value of every type in package model, with every
// encoded field set, so that the round trip below covers them all.
func modelValues() []any {
	return []any{
		&model.UserRef{}, &model.Email{}, &model.User{}, &model.UserSettings{}, &model.Room{},
		&model.Subscription{}, &model.Mention{}, &model.ChannelRef{}, &model.Reaction{},
		&model.Starrer{}, &model.Message{}, &model.Role{}, &model.Permission{}, &model.Setting{},
		&model.SettingValue{}, &model.Token{}, &model.Error{},
	}
}

// fill sets every exported, encoded field of v to a distinct non-zero value
// that survives a JSON round trip.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d \"q\" <&> \u2028 é\n", *n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(int64(*n))
	case reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), n)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		fill(s.Index(0), n)
		fill(s.Index(1), n)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for i := 0; i < 2; i++ {
			k := reflect.New(v.Type().Key()).Elem()
			fill(k, n)
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, n)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf(map[string]any{
			"str": fmt.Sprint("v", *n), "num": float64(*n), "bool": true, "null": nil,
			"list": []any{"a", 1.5, map[string]any{"deep": "x"}},
		}))
	case reflect.Struct:
		if v.Type() == modelTimeType {
			v.Set(reflect.ValueOf(model.TimeFromMillis(1764014500000 + int64(*n))))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || f.Tag.Get("json") == "-" {
				continue
			}
			fill(v.Field(i), n)
		}
	default:
		panic("fill: unhandled kind " + v.Kind().String())
	}
}

func TestModelRoundTrip(t *testing.T) {
	for _, v := range modelValues() {
		typ := reflect.TypeOf(v).Elem()
		t.Run(typ.Name(), func(t *testing.T) {
			n := 0
			full := reflect.New(typ)
			fill(full.Elem(), &n)
			for name, in := range map[string]reflect.Value{"full": full, "zero": reflect.New(typ)} {
				b, err := Marshal(in.Interface())
				if err != nil {
					t.Fatalf("%s: Marshal: %v", name, err)
				}
				if !json.Valid(b) {
					t.Fatalf("%s: invalid JSON %s", name, b)
				}
				out := reflect.New(typ)
				if err := json.Unmarshal(b, out.Interface()); err != nil {
					t.Fatalf("%s: json.Unmarshal(%s): %v", name, b, err)
				}
				if !reflect.DeepEqual(in.Interface(), out.Interface()) {
					t.Errorf("%s: round trip differs\n  in: %+v\n out: %+v\nwire: %s", name, in.Elem(), out.Elem(), b)
				}
				if name == "full" && typ.NumField() > 0 {
					// Dates travel as EJSON, never as ISO strings.
					if bytes.Contains(b, []byte(`"2025-`)) {
						t.Errorf("ISO date in EJSON output: %s", b)
					}
				}
			}
		})
	}
}

func TestMarshalMessageDates(t *testing.T) {
	m := benchMessage()
	b, err := Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"ts":{"$date":1764014500123}`, `"_updatedAt":{"$date":1764014500456}`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("missing %s in %s", want, b)
		}
	}
	for _, absent := range []string{"pinnedAt", "editedAt", "tlm"} {
		if bytes.Contains(b, []byte(absent)) {
			t.Errorf("zero omitzero date %s present in %s", absent, b)
		}
	}
}

func benchMessage() *model.Message {
	return &model.Message{
		ID: "Xk3JmW8bYq2Zp9TcA", RoomID: "GENERAL", Msg: "Hello @alice and @bob, see #random :tada: \"quoted\" ünïcode",
		SentAt: model.TimeFromMillis(1764014500123), UpdatedAt: model.TimeFromMillis(1764014500456),
		Author: model.UserRef{ID: "u1d2e3f4g5h6j7k8m", Username: "carol", Name: "Carol C."},
		Mentions: []model.Mention{
			{ID: "a1b2c3d4e5f6g7h8j", Username: "alice", Name: "Alice", Type: "user"},
			{ID: "b1b2c3d4e5f6g7h8j", Username: "bob", Name: "Bob", Type: "user"},
		},
		Channels: []model.ChannelRef{{ID: "c1b2c3d4e5f6g7h8j", Name: "random"}},
		Reactions: map[string]*model.Reaction{
			":tada:":     {Usernames: []string{"alice", "bob"}, Names: []string{"Alice", "Bob"}},
			":thumbsup:": {Usernames: []string{"dave"}},
		},
		Attachments: []map[string]any{{"title": "spec.pdf", "title_link": "/file-upload/x/spec.pdf", "type": "file"}},
		ThreadCount: 3, Replies: []string{"alice", "bob"},
	}
}

func BenchmarkMarshalMessage(b *testing.B) {
	m := benchMessage()
	b.Run("ddp", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = AppendMarshal(buf[:0], m); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("ddp-fresh", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkStreamEvent(b *testing.B) {
	m := benchMessage()
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		var err error
		if buf, err = AppendStreamEvent(buf[:0], "stream-room-messages", m.RoomID, m); err != nil {
			b.Fatal(err)
		}
	}
}
