package ddp

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"liftoff/model"
)

func TestParam(t *testing.T) {
	m, err := DecodeClient([]byte(`{"msg":"method","id":"1","method":"sendMessage","params":[` +
		`{"_id":"m1","rid":"GENERAL","msg":"hi","ts":{"$date":1764014500123}},` +
		`"GENERAL",false,null,{"$date":1764014500123},{"a":{"$date":5},"b":[{"$date":6},{"$date":"x"}],"c":{"$date":7,"d":1}},7]}`))
	if err != nil {
		t.Fatal(err)
	}
	p := m.Params

	msg, ok, err := Param[model.Message](p, 0)
	if err != nil || !ok {
		t.Fatalf("Param message: %v %v", ok, err)
	}
	if msg.ID != "m1" || msg.RoomID != "GENERAL" || msg.SentAt.Millis() != 1764014500123 {
		t.Errorf("message decoded as %+v", msg)
	}

	if rid, ok, err := Param[string](p, 1); rid != "GENERAL" || !ok || err != nil {
		t.Errorf("Param string = %q %v %v", rid, ok, err)
	}
	if b, ok, err := Param[bool](p, 2); b || !ok || err != nil {
		t.Errorf("Param bool = %v %v %v", b, ok, err)
	}
	// The second stream sub param is either false or an options object.
	if opts, ok, err := Param[any](p, 2); opts != false || !ok || err != nil {
		t.Errorf("Param any(false) = %v %v %v", opts, ok, err)
	}
	if s, ok, err := Param[string](p, 3); s != "" || ok || err != nil {
		t.Errorf("null param = %q %v %v", s, ok, err)
	}
	if s, ok, err := Param[string](p, 99); s != "" || ok || err != nil {
		t.Errorf("missing param = %q %v %v", s, ok, err)
	}
	if s, ok, err := Param[string](p, -1); s != "" || ok || err != nil {
		t.Errorf("negative index = %q %v %v", s, ok, err)
	}
	if ts, ok, err := Param[model.Time](p, 4); ts.Millis() != 1764014500123 || !ok || err != nil {
		t.Errorf("Param model.Time = %v %v %v", ts, ok, err)
	}
	if ts, ok, err := Param[time.Time](p, 4); ts.UnixMilli() != 1764014500123 || !ok || err != nil {
		t.Errorf("Param time.Time = %v %v %v", ts, ok, err)
	}
	if _, _, err := Param[time.Time](p, 1); err == nil {
		t.Error("Param time.Time accepted a room id")
	}

	doc, ok, err := Param[map[string]any](p, 5)
	if err != nil || !ok {
		t.Fatal(err)
	}
	want := map[string]any{
		"a": model.TimeFromMillis(5),
		"b": []any{model.TimeFromMillis(6), map[string]any{"$date": "x"}},
		"c": map[string]any{"$date": 7.0, "d": 1.0},
	}
	if !reflect.DeepEqual(doc, want) {
		t.Errorf("untyped dates:\n got  %#v\n want %#v", doc, want)
	}
	if v, _, _ := Param[any](p, 4); v != model.TimeFromMillis(1764014500123) {
		t.Errorf("Param any date = %#v", v)
	}
	if v, _, _ := Param[[]any](p, 5); v != nil {
		t.Errorf("object decoded as []any: %#v", v)
	}

	// Wrong shapes report which parameter and field, as a client-safe error.
	_, _, err = Param[model.Message](p, 1)
	assertParamError(t, err, "parameter 1", "expected object, got string")
	_, _, err = Param[struct {
		Msg int `json:"msg"`
	}](p, 0)
	assertParamError(t, err, `parameter 0 (field "msg")`, "expected number, got string")
	_, _, err = Param[int](p, 6)
	if err != nil {
		t.Errorf("int param: %v", err)
	}
	_, _, err = Param[model.Time](p, 1)
	assertParamError(t, err, "Invalid parameter 1", "")
}

func assertParamError(t *testing.T, err error, where, what string) {
	t.Helper()
	var e *model.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *model.Error", err, err)
	}
	if e.Type != "error-invalid-params" || !strings.Contains(e.Reason, where) || !strings.Contains(e.Reason, what) {
		t.Errorf("error %+v; want %q and %q in the reason", e, where, what)
	}
}
