package ddp

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func raws(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

func TestDecodeClientValid(t *testing.T) {
	cases := []struct {
		name, in string
		want     ClientMessage
	}{
		{"connect", `{"msg":"connect","version":"1","support":["1","pre2","pre1"]}`,
			ClientMessage{Msg: "connect", Version: "1", Support: []string{"1", "pre2", "pre1"}}},
		{"connect resume", `{"msg":"connect","session":"abc","version":"1","support":["1"]}`,
			ClientMessage{Msg: "connect", Session: "abc", Version: "1", Support: []string{"1"}}},
		{"connect no support", `{"msg":"connect","version":"1"}`,
			ClientMessage{Msg: "connect", Version: "1"}},
		{"connect null session", `{"msg":"connect","version":"1","session":null,"support":null}`,
			ClientMessage{Msg: "connect", Version: "1"}},
		{"ping", `{"msg":"ping"}`, ClientMessage{Msg: "ping"}},
		{"ping id", `{"msg":"ping","id":"7"}`, ClientMessage{Msg: "ping", ID: "7"}},
		{"ping null id", `{"msg":"ping","id":null}`, ClientMessage{Msg: "ping"}},
		{"pong id", ` {"id":"x","msg":"pong"} `, ClientMessage{Msg: "pong", ID: "x"}},
		{"method", `{"msg":"method","method":"sendMessage","params":[{"_id":"m1","rid":"GENERAL","msg":"hi","ts":{"$date":1764014500123}}],"id":"1"}`,
			ClientMessage{Msg: "method", ID: "1", Method: "sendMessage",
				Params: raws(`{"_id":"m1","rid":"GENERAL","msg":"hi","ts":{"$date":1764014500123}}`)}},
		{"method no params", `{"msg":"method","method":"logout","id":"2"}`,
			ClientMessage{Msg: "method", ID: "2", Method: "logout"}},
		{"method empty params", `{"msg":"method","method":"logout","params":[ ],"id":"2"}`,
			ClientMessage{Msg: "method", ID: "2", Method: "logout", Params: []json.RawMessage{}}},
		{"method spaced params", "{ \"msg\" : \"method\" , \"id\" : \"3\" , \"method\" : \"m\" , \"params\" : [ 1 , \"a,b]\" , [2, {\"x\":\"}\"}] , null , true ]\n}",
			ClientMessage{Msg: "method", ID: "3", Method: "m", Params: raws(`1`, `"a,b]"`, `[2, {"x":"}"}]`, `null`, `true`)}},
		{"method seed", `{"msg":"method","method":"m","id":"4","randomSeed":"seed"}`,
			ClientMessage{Msg: "method", ID: "4", Method: "m", RandomSeed: "seed"}},
		{"sub new form", `{"msg":"sub","id":"s1","name":"stream-room-messages","params":["GENERAL",{"useCollection":false,"args":[]}]}`,
			ClientMessage{Msg: "sub", ID: "s1", Name: "stream-room-messages", Params: raws(`"GENERAL"`, `{"useCollection":false,"args":[]}`)}},
		{"sub old form", `{"msg":"sub","id":"s2","name":"stream-room-messages","params":["GENERAL",false]}`,
			ClientMessage{Msg: "sub", ID: "s2", Name: "stream-room-messages", Params: raws(`"GENERAL"`, `false`)}},
		{"sub no params", `{"msg":"sub","id":"s3","name":"meteor.loginServiceConfiguration"}`,
			ClientMessage{Msg: "sub", ID: "s3", Name: "meteor.loginServiceConfiguration"}},
		{"unsub", `{"msg":"unsub","id":"s1"}`, ClientMessage{Msg: "unsub", ID: "s1"}},
		{"escaped strings", `{"msg":"method","id":"\u0031","method":"a\"b\\c\u00e9","params":[]}`,
			ClientMessage{Msg: "method", ID: "1", Method: "a\"b\\cé", Params: []json.RawMessage{}}},
		{"escaped key", `{"m\u0073g":"ping"}`, ClientMessage{Msg: "ping"}},
		{"duplicate key last wins", `{"msg":"pong","msg":"ping"}`, ClientMessage{Msg: "ping"}},
		{"unknown members ignored", `{"msg":"unsub","id":"s1","extra":{"a":[1,2,{"b":"}"}]}}`, ClientMessage{Msg: "unsub", ID: "s1"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := DecodeClient([]byte(c.in))
			if err != nil {
				t.Fatalf("DecodeClient: %v", err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("got  %#v\nwant %#v", *got, c.want)
			}
		})
	}
}

func TestDecodeClientMalformed(t *testing.T) {
	cases := []struct{ name, in, reason string }{
		{"empty", ``, "Parse error"},
		{"garbage", `hello`, "Parse error"},
		{"truncated", `{"msg":"ping"`, "Parse error"},
		{"trailing", `{"msg":"ping"} x`, "Parse error"},
		{"array", `["msg","ping"]`, "Bad request: frame must be a JSON object"},
		{"string", `"ping"`, "Bad request: frame must be a JSON object"},
		{"null", `null`, "Bad request: frame must be a JSON object"},
		{"no msg", `{"id":"1"}`, "Bad request: msg must be a string"},
		{"numeric msg", `{"msg":1}`, "Bad request: msg must be a string"},
		{"case differs", `{"MSG":"ping"}`, "Bad request: msg must be a string"},
		{"unknown msg", `{"msg":"hello"}`, `Bad request: unknown msg "hello"`},
		{"server msg", `{"msg":"result","id":"1"}`, `Bad request: unknown msg "result"`},
		{"connect no version", `{"msg":"connect","support":["1"]}`, "Malformed connect: version must be a string"},
		{"connect numeric version", `{"msg":"connect","version":1}`, "Malformed connect: version must be a string"},
		{"connect bad support", `{"msg":"connect","version":"1","support":"1"}`, "Malformed connect: support must be an array"},
		{"connect support numbers", `{"msg":"connect","version":"1","support":[1]}`, "Malformed connect: support must be an array of strings"},
		{"connect bad session", `{"msg":"connect","version":"1","session":5}`, "Malformed connect: session must be a string"},
		{"ping numeric id", `{"msg":"ping","id":5}`, "Bad request: ping id must be a string"},
		{"pong object id", `{"msg":"pong","id":{}}`, "Bad request: pong id must be a string"},
		{"method no id", `{"msg":"method","method":"m","params":[]}`, "Malformed method invocation: id must be a string"},
		{"method numeric id", `{"msg":"method","id":1,"method":"m","params":[]}`, "Malformed method invocation: id must be a string"},
		{"method null id", `{"msg":"method","id":null,"method":"m"}`, "Malformed method invocation: id must be a string"},
		{"method no method", `{"msg":"method","id":"1","params":[]}`, "Malformed method invocation: method must be a non-empty string"},
		{"method empty method", `{"msg":"method","id":"1","method":""}`, "Malformed method invocation: method must be a non-empty string"},
		{"method object params", `{"msg":"method","id":"1","method":"m","params":{"a":1}}`, "Malformed method invocation: params must be an array"},
		{"method null params", `{"msg":"method","id":"1","method":"m","params":null}`, "Malformed method invocation: params must be an array"},
		{"method bad seed", `{"msg":"method","id":"1","method":"m","randomSeed":{}}`, "Malformed method invocation: randomSeed must be a string"},
		{"sub no id", `{"msg":"sub","name":"n"}`, "Malformed subscription: id must be a string"},
		{"sub numeric id", `{"msg":"sub","id":2,"name":"n"}`, "Malformed subscription: id must be a string"},
		{"sub no name", `{"msg":"sub","id":"s"}`, "Malformed subscription: name must be a non-empty string"},
		{"sub string params", `{"msg":"sub","id":"s","name":"n","params":"GENERAL"}`, "Malformed subscription: params must be an array"},
		{"unsub no id", `{"msg":"unsub"}`, "Malformed unsubscription: id must be a string"},
		{"unsub array id", `{"msg":"unsub","id":["s"]}`, "Malformed unsubscription: id must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, err := DecodeClient([]byte(c.in))
			if err == nil {
				t.Fatalf("accepted: %#v", m)
			}
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %T is not a *DecodeError", err)
			}
			if !strings.HasPrefix(de.Reason, c.reason) {
				t.Errorf("reason %q, want prefix %q", de.Reason, c.reason)
			}
		})
	}
}

func TestClientMessageRoundTrip(t *testing.T) {
	msgs := []ClientMessage{
		{Msg: "connect", Version: "1", Support: []string{"1", "pre2"}},
		{Msg: "connect", Session: "s", Version: "pre1", Support: []string{}},
		{Msg: "ping"}, {Msg: "ping", ID: "1"}, {Msg: "pong", ID: "é\"\n"},
		{Msg: "method", ID: "1", Method: "sendMessage", Params: raws(`{"msg":"x"}`, `[1,2]`), RandomSeed: "r"},
		{Msg: "method", ID: "2", Method: "logout", Params: []json.RawMessage{}},
		{Msg: "sub", ID: "s", Name: "stream-room-messages", Params: raws(`"GENERAL"`, `false`)},
		{Msg: "unsub", ID: "s"},
	}
	for _, m := range msgs {
		b, err := m.MarshalJSON()
		if err != nil {
			t.Fatalf("MarshalJSON(%#v): %v", m, err)
		}
		got, err := DecodeClient(b)
		if err != nil {
			t.Fatalf("DecodeClient(%s): %v", b, err)
		}
		if !reflect.DeepEqual(*got, m) {
			t.Errorf("round trip of %s\n got  %#v\n want %#v", b, *got, m)
		}
	}
	if _, err := (&ClientMessage{Msg: "bogus"}).MarshalJSON(); err == nil {
		t.Error("encoding an unknown msg succeeded")
	}
	b, _ := (&ClientMessage{Msg: "method", ID: "1", Method: "m"}).MarshalJSON()
	if want := `{"msg":"method","id":"1","method":"m","params":[]}`; string(b) != want {
		t.Errorf("got %s want %s", b, want)
	}
}

func TestNegotiateVersion(t *testing.T) {
	cases := []struct {
		version string
		support []string
		want    string
		ok      bool
	}{
		{"1", []string{"1", "pre2", "pre1"}, "1", true},
		{"pre1", []string{"pre1"}, "pre1", true},
		{"1", nil, "1", true},
		{"2", []string{"2", "1"}, "1", false},
		{"1", []string{"pre2"}, "pre2", false}, // proposal not in its own list
		{"9", []string{"9"}, PreferredVersion, false},
	}
	for _, c := range cases {
		m := &ClientMessage{Msg: "connect", Version: c.version, Support: c.support}
		if got, ok := m.NegotiateVersion(); got != c.want || ok != c.ok {
			t.Errorf("NegotiateVersion(%q, %q) = %q, %v; want %q, %v", c.version, c.support, got, ok, c.want, c.ok)
		}
	}
}
