package storetest

import (
	"errors"
	"testing"
	"time"

	"liftoff/model"
	"liftoff/store"
)

// IntegrationsOpener opens a fresh, empty integration store for one test,
// closed by t.Cleanup.
type IntegrationsOpener func(t *testing.T) store.Integrations

// RunIntegrations is the contract suite of store.Integrations: every
// backend runs it against a fresh database and must pass it. It checks
// insert, read, replace and delete (with the history), the list filters
// (types, enabled, name, scopes) and order, and the history's upsert,
// order and clearing.
func RunIntegrations(t *testing.T, open IntegrationsOpener) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Integrations)
	}{
		{"CRUD", testIntegrationsCRUD},
		{"List", testIntegrationsList},
		{"History", testIntegrationsHistory},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var integrationsBase = time.UnixMilli(1_800_000_000_000)

func newIntegration(id, typ, name, creator string, enabled bool, at int) *model.Integration {
	ts := model.TimeOf(integrationsBase.Add(time.Duration(at) * time.Second))
	return &model.Integration{
		ID: id, Type: typ, Name: name, Enabled: enabled, Channel: []string{"#general"},
		Username: "bot", UserID: "botid", Token: "tok-" + id, CreatedAt: ts, UpdatedAt: ts,
		CreatedBy: model.UserRef{ID: creator, Username: creator},
	}
}

func integrationIDs(list []*model.Integration) []string {
	out := []string{}
	for _, it := range list {
		out = append(out, it.ID)
	}
	return out
}

func testIntegrationsCRUD(t *testing.T, s store.Integrations) {
	ctx := t.Context()
	it := newIntegration("int1", model.IntegrationIncoming, "Build results", "u1", true, 0)
	it.Alias, it.Emoji, it.Script, it.ScriptEnabled = "CI", ":robot:", "class Script {}", true
	if err := s.InsertIntegration(ctx, it); err != nil {
		t.Fatal(err)
	}
	if err := s.InsertIntegration(ctx, it); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("duplicate insert: %v, want ErrConflict", err)
	}
	got, err := s.IntegrationByID(ctx, "int1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Build results" || got.Alias != "CI" || got.Script != "class Script {}" || !got.ScriptEnabled ||
		got.CreatedBy.ID != "u1" || !got.CreatedAt.Equal(it.CreatedAt.Time) || len(got.Channel) != 1 {
		t.Fatalf("read back %+v", got)
	}
	if _, err := s.IntegrationByID(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("missing: %v, want ErrNotFound", err)
	}
	got.Name, got.Enabled = "Renamed", false
	if err := s.UpdateIntegration(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, err := s.IntegrationByID(ctx, "int1")
	if err != nil || again.Name != "Renamed" || again.Enabled {
		t.Fatalf("after update: %+v, %v", again, err)
	}
	if err := s.UpdateIntegration(ctx, newIntegration("nope", model.IntegrationIncoming, "x", "u1", true, 0)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("update missing: %v, want ErrNotFound", err)
	}
	h := &model.IntegrationHistory{ID: "h1", Type: model.IntegrationIncoming, Step: "x", Integration: model.IntegrationSummary{ID: "int1"}}
	if err := s.SaveIntegrationHistory(ctx, h); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteIntegration(ctx, "int1"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.IntegrationByID(ctx, "int1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after delete: %v, want ErrNotFound", err)
	}
	if err := s.DeleteIntegration(ctx, "int1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete twice: %v, want ErrNotFound", err)
	}
	if list, total, err := s.IntegrationHistory(ctx, "int1", store.Page{}); err != nil || total != 0 || len(list) != 0 {
		t.Fatalf("history after delete: %d entries, total %d, %v", len(list), total, err)
	}
}

func testIntegrationsList(t *testing.T, s store.Integrations) {
	ctx := t.Context()
	for _, it := range []*model.Integration{
		newIntegration("a", model.IntegrationIncoming, "Alpha", "u1", true, 1),
		newIntegration("b", model.IntegrationOutgoing, "Beta", "u1", false, 2),
		newIntegration("c", model.IntegrationIncoming, "Gamma alpha", "u2", true, 3),
		newIntegration("d", model.IntegrationOutgoing, "Delta", "u2", true, 3), // same time as c
	} {
		if err := s.InsertIntegration(ctx, it); err != nil {
			t.Fatal(err)
		}
	}
	yes := true
	cases := []struct {
		name string
		q    store.IntegrationQuery
		p    store.Page
		want []string
	}{
		{"all, newest first", store.IntegrationQuery{}, store.Page{}, []string{"d", "c", "b", "a"}},
		{"oldest first", store.IntegrationQuery{}, store.Page{Sort: []store.SortKey{{Field: "_createdAt"}}}, []string{"a", "b", "c", "d"}},
		{"by name", store.IntegrationQuery{}, store.Page{Sort: []store.SortKey{{Field: "name"}}}, []string{"a", "b", "d", "c"}},
		{"type", store.IntegrationQuery{Types: []string{model.IntegrationOutgoing}}, store.Page{}, []string{"d", "b"}},
		{"enabled", store.IntegrationQuery{Enabled: &yes}, store.Page{}, []string{"d", "c", "a"}},
		{"name", store.IntegrationQuery{Name: "ALPHA"}, store.Page{}, []string{"c", "a"}},
		{"no scopes", store.IntegrationQuery{Scopes: []store.IntegrationScope{}}, store.Page{}, []string{}},
		{"scopes", store.IntegrationQuery{Scopes: []store.IntegrationScope{
			{Type: model.IntegrationIncoming}, {Type: model.IntegrationOutgoing, CreatedBy: "u1"}}}, store.Page{}, []string{"c", "b", "a"}},
		{"page", store.IntegrationQuery{}, store.Page{Offset: 1, Count: 2}, []string{"c", "b"}},
	}
	for _, tc := range cases {
		list, total, err := s.ListIntegrations(ctx, tc.q, tc.p)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := integrationIDs(list); !equalStrings(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		wantTotal := len(tc.want)
		if tc.name == "page" {
			wantTotal = 4
		}
		if total != wantTotal {
			t.Errorf("%s: total %d, want %d", tc.name, total, wantTotal)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func testIntegrationsHistory(t *testing.T, s store.Integrations) {
	ctx := t.Context()
	for _, id := range []string{"i1", "i2"} {
		if err := s.InsertIntegration(ctx, newIntegration(id, model.IntegrationOutgoing, id, "u1", true, 0)); err != nil {
			t.Fatal(err)
		}
	}
	at := func(sec int) model.Time { return model.TimeOf(integrationsBase.Add(time.Duration(sec) * time.Second)) }
	save := func(id, integ string, created, updated int, step string) {
		t.Helper()
		h := &model.IntegrationHistory{ID: id, Type: model.IntegrationOutgoing, Step: step, Event: "sendMessage",
			Integration: model.IntegrationSummary{ID: integ}, CreatedAt: at(created), UpdatedAt: at(updated),
			Data: map[string]any{"text": "hi"}}
		if err := s.SaveIntegrationHistory(ctx, h); err != nil {
			t.Fatal(err)
		}
	}
	save("h1", "i1", 1, 1, "start")
	save("h2", "i1", 2, 2, "start")
	save("h3", "i2", 3, 3, "start")
	save("h1", "i1", 1, 5, "finished") // h1 progresses: replaced, now the most recently updated
	list, total, err := s.IntegrationHistory(ctx, "i1", store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if total != 2 || len(list) != 2 || list[0].ID != "h1" || list[0].Step != "finished" || list[1].ID != "h2" {
		t.Fatalf("history of i1: total %d, %+v", total, list)
	}
	if list[0].Data["text"] != "hi" || !list[0].CreatedAt.Equal(at(1).Time) {
		t.Fatalf("history entry read back as %+v", list[0])
	}
	list, _, err = s.IntegrationHistory(ctx, "i1", store.Page{Sort: []store.SortKey{{Field: "_createdAt"}}, Count: 1})
	if err != nil || len(list) != 1 || list[0].ID != "h1" {
		t.Fatalf("oldest first, one: %+v, %v", list, err)
	}
	if e, err := s.IntegrationHistoryEntry(ctx, "i1", "h2"); err != nil || e.ID != "h2" || e.Step != "start" {
		t.Fatalf("entry h2: %+v, %v", e, err)
	}
	if _, err := s.IntegrationHistoryEntry(ctx, "i2", "h2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("entry of another integration: %v, want ErrNotFound", err)
	}
	n, err := s.ClearIntegrationHistory(ctx, "i1")
	if err != nil || n != 2 {
		t.Fatalf("clear: %d, %v; want 2", n, err)
	}
	if _, total, _ := s.IntegrationHistory(ctx, "i1", store.Page{}); total != 0 {
		t.Fatalf("after clear: total %d", total)
	}
	if _, total, _ := s.IntegrationHistory(ctx, "i2", store.Page{}); total != 1 {
		t.Fatalf("other integration's history: total %d, want 1", total)
	}
}
