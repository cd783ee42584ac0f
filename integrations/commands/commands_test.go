package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"liftoff/model"
)

// env is what these tests' commands run with: a record of what they did
// and the permissions the user holds.
type env struct {
	did   []string
	perms map[string]bool
}

func registry(t *testing.T) *Registry[*env] {
	t.Helper()
	r := NewRegistry(func(_ context.Context, e *env, _ Invocation, perms []string) (bool, error) {
		for _, p := range perms {
			if e.perms[p] {
				return true, nil
			}
		}
		return false, nil
	})
	must := func(c Command[*env]) {
		if err := r.Add(c); err != nil {
			t.Fatal(err)
		}
	}
	must(Command[*env]{Name: "topic", Params: "Topic_params", Description: "Slash_Topic_Description", Permission: []string{"edit-room"},
		Run: func(_ context.Context, e *env, inv Invocation) (any, error) {
			e.did = append(e.did, fmt.Sprintf("topic %q in %s by %s", strings.TrimSpace(inv.Params), inv.RoomID, inv.UserID))
			return nil, nil
		}})
	must(Command[*env]{Name: "create", Params: "#channel", Description: "Create_A_New_Channel", Permission: []string{"create-c", "create-p"},
		Run: func(_ context.Context, e *env, inv Invocation) (any, error) { return "created", nil }})
	must(Command[*env]{Name: "gimme", Params: "your_message_optional", Description: "Slash_Gimme_Description",
		Run: func(_ context.Context, e *env, inv Invocation) (any, error) { return nil, nil }})
	must(Command[*env]{Name: "giphy", Description: "Slash_Giphy", AppID: "app-1",
		Run: func(_ context.Context, e *env, inv Invocation) (any, error) { return nil, nil },
		Preview: func(_ context.Context, e *env, inv Invocation) (*Previews, error) {
			p := &Previews{I18nTitle: "Results"}
			for i := range 12 {
				p.Items = append(p.Items, PreviewItem{ID: fmt.Sprint(i), Type: "image", Value: fmt.Sprintf("https://img.example/%d.gif", i)})
			}
			return p, nil
		},
		ExecutePreview: func(_ context.Context, e *env, inv Invocation, item PreviewItem) error {
			e.did = append(e.did, "posted "+item.Value)
			return nil
		}})
	must(Command[*env]{Name: "clear", Description: "Clear_the_screen", ClientOnly: true})
	return r
}

func TestAddRefusesBadCommands(t *testing.T) {
	r := registry(t)
	for _, c := range []Command[*env]{
		{Name: "topic", Run: func(context.Context, *env, Invocation) (any, error) { return nil, nil }},
		{Name: "Topic2", Run: func(context.Context, *env, Invocation) (any, error) { return nil, nil }},
		{Name: "two words", Run: func(context.Context, *env, Invocation) (any, error) { return nil, nil }},
		{Name: "", Run: func(context.Context, *env, Invocation) (any, error) { return nil, nil }},
		{Name: "nothing"},
	} {
		if err := r.Add(c); err == nil {
			t.Errorf("Add(%q) accepted", c.Name)
		}
	}
	if !r.Remove("gimme") || r.Remove("gimme") {
		t.Fatal("Remove")
	}
	if _, ok := r.Get("gimme"); ok {
		t.Fatal("removed command still there")
	}
}

func TestRunAndPermissions(t *testing.T) {
	r := registry(t)
	e := &env{perms: map[string]bool{"edit-room": true}}
	ctx := context.Background()
	if _, err := r.Run(ctx, e, Invocation{Command: "TOPIC", Params: " release day ", RoomID: "R1", UserID: "U1"}); err != nil {
		t.Fatal(err)
	}
	if len(e.did) != 1 || e.did[0] != `topic "release day" in R1 by U1` {
		t.Fatalf("did %v", e.did)
	}
	_, err := r.Run(ctx, e, Invocation{Command: "create", Params: " #new", RoomID: "R1"})
	if me, ok := model.AsError(err); !ok || me.Type != "error-not-allowed" {
		t.Fatalf("without create-c/create-p: %v", err)
	}
	e.perms["create-p"] = true // one of the list is enough
	if res, err := r.Run(ctx, e, Invocation{Command: "create", RoomID: "R1"}); err != nil || res != "created" {
		t.Fatalf("with create-p: %v %v", res, err)
	}
	if _, err := r.Run(ctx, e, Invocation{Command: "nope", RoomID: "R1"}); !errors.Is(err, ErrUnknown) || err.Error() != "The command provided does not exist (or is disabled)." {
		t.Fatalf("unknown: %v", err)
	}
	if _, err := r.Run(ctx, e, Invocation{Command: "gimme"}); err == nil || !strings.Contains(err.Error(), "invalid-command-usage") {
		t.Fatalf("no room: %v", err)
	}
	if res, err := r.Run(ctx, e, Invocation{Command: "clear", RoomID: "R1"}); res != nil || err != nil {
		t.Fatalf("client-only: %v %v", res, err)
	}
}

func TestPreviews(t *testing.T) {
	r := registry(t)
	e := &env{}
	ctx := context.Background()
	p, err := r.Preview(ctx, e, Invocation{Command: "giphy", Params: "cats", RoomID: "R1"})
	if err != nil || len(p.Items) != 10 || p.I18nTitle != "Results" {
		t.Fatalf("preview: %+v %v", p, err)
	}
	if p, err := r.Preview(ctx, e, Invocation{Command: "gimme", RoomID: "R1"}); p != nil || err != nil {
		t.Fatalf("no previewer: %v %v", p, err)
	}
	if err := r.ExecutePreview(ctx, e, Invocation{Command: "giphy", RoomID: "R1"}, PreviewItem{ID: "1", Type: "image"}); err == nil || !strings.Contains(err.Error(), "error-invalid-preview") {
		t.Fatalf("incomplete item: %v", err)
	}
	if err := r.ExecutePreview(ctx, e, Invocation{Command: "giphy", RoomID: "R1"}, p.Items[3]); err != nil || e.did[0] != "posted https://img.example/3.gif" {
		t.Fatalf("execute: %v %v", err, e.did)
	}
}

func TestParseAndRoute(t *testing.T) {
	tests := []struct {
		text         string
		name, params string
		ok           bool
	}{
		{"/topic new topic", "topic", " new topic", true},
		{"/me waves\nsecond line", "me", " waves", true},
		{"/shrug", "shrug", "", true},
		{"/gimme\u00a0now", "gimme", "\u00a0now", true},
		{"/ topic", "", "", false},
		{"/", "", "", false},
		{"hello /topic", "", "", false},
		{" /topic x", "", "", false},
		{"//comment", "/comment", "", true},
	}
	for _, tt := range tests {
		name, params, ok := Parse(tt.text)
		if name != tt.name || params != tt.params || ok != tt.ok {
			t.Errorf("Parse(%q) = %q, %q, %v", tt.text, name, params, ok)
		}
	}
	r := registry(t)
	routes := []struct {
		text  string
		allow bool
		want  Route
	}{
		{"/topic x", false, Route{Kind: RunCommand, Command: "topic", Params: " x"}},
		{"/Topic x", false, Route{Kind: Unknown, Command: "Topic", Params: " x"}}, // names are matched as typed
		{"/unknown x", false, Route{Kind: Unknown, Command: "unknown", Params: " x"}},
		{"/unknown x", true, Route{Kind: NotCommand}},
		{"just text", false, Route{Kind: NotCommand}},
	}
	for _, tt := range routes {
		if got := r.Route(tt.text, tt.allow); got != tt.want {
			t.Errorf("Route(%q, %v) = %+v, want %+v", tt.text, tt.allow, got, tt.want)
		}
	}
}

func TestListAndGetShapes(t *testing.T) {
	r := registry(t)
	items, total := r.List(ListQuery{})
	b, _ := json.Marshal(items)
	want := `[{"command":"topic","params":"Topic_params","description":"Slash_Topic_Description","permission":"edit-room","clientOnly":false,"providesPreview":false},` +
		`{"command":"create","params":"#channel","description":"Create_A_New_Channel","permission":["create-c","create-p"],"clientOnly":false,"providesPreview":false},` +
		`{"command":"gimme","params":"your_message_optional","description":"Slash_Gimme_Description","clientOnly":false,"providesPreview":false},` +
		`{"command":"giphy","description":"Slash_Giphy","clientOnly":false,"providesPreview":true,"appId":"app-1"},` +
		`{"command":"clear","description":"Clear_the_screen","clientOnly":true,"providesPreview":false}]`
	if string(b) != want || total != 5 {
		t.Fatalf("list (%d)\n got %s\nwant %s", total, b, want)
	}
	items, total = r.List(ListQuery{Sort: map[string]int{"command": -1}, Offset: 1, Count: 2})
	if total != 5 || len(items) != 2 || items[0].Command != "giphy" || items[1].Command != "gimme" {
		t.Fatalf("sorted page %v %d", items, total)
	}
	items, total = r.List(ListQuery{Command: "create"})
	if total != 1 || items[0].Command != "create" {
		t.Fatalf("query %v", items)
	}
	if items, _ := r.List(ListQuery{Offset: 9}); items == nil || len(items) != 0 {
		t.Fatalf("past the end: %#v", items)
	}
	g, ok := r.GetItem("GIPHY")
	b, _ = json.Marshal(g)
	if !ok || string(b) != `{"command":"giphy","description":"Slash_Giphy","clientOnly":false,"providesPreview":true}` {
		t.Fatalf("get %s", b)
	}
	if _, ok := r.GetItem("none"); ok {
		t.Fatal("unknown get")
	}
}
