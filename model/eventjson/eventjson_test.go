package eventjson

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"liftoff/model"
)

// fill sets every exported field of v (recursively) to a non-zero value,
// except fields encoding/json leaves out (tagged "-"), which it reports.
func fill(v reflect.Value, path string, dropped *[]string, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), path, dropped, depth+1)
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(model.Time{}) {
			v.Set(reflect.ValueOf(model.TimeOf(time.UnixMilli(1_700_000_000_123).UTC())))
			return
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if strings.Split(f.Tag.Get("json"), ",")[0] == "-" {
				*dropped = append(*dropped, path+"."+f.Name)
				continue
			}
			fill(v.Field(i), path+"."+f.Name, dropped, depth+1)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), path+"[]", dropped, depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, path+"{key}", dropped, depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, path+"{}", dropped, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Interface:
		v.Set(reflect.ValueOf("any value"))
	case reflect.String:
		v.SetString("s-" + path)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5)
	}
}

// TestRoundTrip encodes and decodes one fully filled event of every kind:
// every field comes back, except the ones tagged "-" that the package
// documentation names.
func TestRoundTrip(t *testing.T) {
	for kind, typ := range kinds {
		v := reflect.New(typ).Elem()
		var dropped []string
		fill(v, typ.Name(), &dropped, 0)
		for _, d := range dropped {
			// The package documentation names the join code; any other
			// field tagged "-" must be added there (and here) knowingly.
			if !strings.HasSuffix(d, ".JoinCode") {
				t.Errorf("%s: field %s is tagged json:\"-\" and would be lost on the bus", kind, d)
			}
		}
		e := v.Interface().(model.Event)
		if e.EventKind() != kind {
			t.Fatalf("kind %s maps to %T, whose kind is %s", kind, e, e.EventKind())
		}
		b, err := Encode(e)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		got, err := Decode(kind, b)
		if err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		if !reflect.DeepEqual(got, e) {
			t.Errorf("%s: round trip changed the event:\n got %#v\nwant %#v", kind, got, e)
		}
		// A pointer encodes as its value and decodes as the value type.
		p := reflect.New(typ)
		p.Elem().Set(v)
		b2, err := Encode(p.Interface().(model.Event))
		if err != nil || string(b2) != string(b) {
			t.Errorf("%s: pointer encodes differently: %s (%v)", kind, b2, err)
		}
	}
}

func TestList(t *testing.T) {
	in := []model.Event{
		model.MessageSaved{Message: &model.Message{ID: "m1", RoomID: "r1", Msg: "hi"}, Created: true,
			Pos: model.Position{Stream: "r1", Seq: 3, Epoch: "e"}},
		&model.SettingChanged{Setting: &model.Setting{ID: "Site_Name", Value: "x"}},
		model.UserActivity{RoomID: "r1", Username: "bob", Activities: []string{"user-typing"}},
	}
	b, err := EncodeList(in)
	if err != nil {
		t.Fatal(err)
	}
	out, skipped, err := DecodeList(b)
	if err != nil || skipped != 0 || len(out) != 3 {
		t.Fatalf("DecodeList: %d events, %d skipped, %v", len(out), skipped, err)
	}
	if !reflect.DeepEqual(out[0], in[0]) || !reflect.DeepEqual(out[1], *in[1].(*model.SettingChanged)) || !reflect.DeepEqual(out[2], in[2]) {
		t.Fatalf("DecodeList = %#v", out)
	}

	// An unknown kind is skipped; the rest survives.
	mixed := `[{"kind":"from.the.future","event":{}},{"kind":"user.deleted","event":{"UserID":"u1"}}]`
	out, skipped, err = DecodeList([]byte(mixed))
	if err != nil || skipped != 1 || len(out) != 1 || out[0].(model.UserDeleted).UserID != "u1" {
		t.Fatalf("DecodeList(mixed) = %#v, %d, %v", out, skipped, err)
	}
	if _, err := Decode("from.the.future", []byte(`{}`)); !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("Decode unknown kind: %v", err)
	}
	for _, bad := range []string{`{`, `[{"kind":"user.deleted","event":[1]}]`, `{"kind":1}`} {
		if _, _, err := DecodeList([]byte(bad)); err == nil {
			t.Errorf("DecodeList(%s) succeeded", bad)
		}
	}
}

// TestEveryKindRegistered fails when model gains an event type this
// package cannot decode.
func TestEveryKindRegistered(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filepath.Join("..", "events.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, typ := range kinds {
		known[typ.Name()] = true
	}
	n := 0
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "EventKind" || fn.Recv == nil {
			continue
		}
		id, ok := fn.Recv.List[0].Type.(*ast.Ident)
		if !ok {
			continue
		}
		n++
		if !known[id.Name] {
			t.Errorf("event type model.%s is not in eventjson's kinds", id.Name)
		}
	}
	if n != len(kinds) {
		t.Errorf("model declares %d event types, eventjson knows %d", n, len(kinds))
	}
}
