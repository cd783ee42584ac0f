package api

import (
	"reflect"
	"testing"
)

func TestUserQueryParam(t *testing.T) {
	for _, c := range []struct {
		raw     string
		text    string
		roles   []string
		active  *bool
		byEmail bool
		wantErr bool
	}{
		{raw: ``},
		{raw: `{"username":{"$regex":"bo\\.b","$options":"i"}}`, text: "bo.b"},
		{raw: `{"$or":[{"username":{"$regex":"x"}},{"name":{"$regex":"x"}}]}`, text: "x"},
		{raw: `{"roles":{"$in":["admin","bot"]},"active":true}`, roles: []string{"admin", "bot"}, active: new(bool)},
		// Whether the caller may search by e-mail is the service's rule
		// (chat.Accounts.ListUsers); the transport reports the condition.
		{raw: `{"emails.address":{"$regex":"a@b"}}`, text: "a@b", byEmail: true},
		{raw: `{"services":1}`, wantErr: true},
		{raw: `{"active":"yes"}`, wantErr: true},
		{raw: `[1]`, wantErr: true},
	} {
		q, err := userQueryParam(c.raw)
		if (err != nil) != c.wantErr {
			t.Errorf("%s: err %v", c.raw, err)
			continue
		}
		if c.wantErr {
			continue
		}
		if q.Text != c.text || !reflect.DeepEqual(q.Roles, c.roles) || (c.active == nil) != (q.Active == nil) || q.ByEmail != c.byEmail {
			t.Errorf("%s: got %+v", c.raw, q)
		}
	}
}

func TestProjectAndETag(t *testing.T) {
	m := M{"_id": "1", "name": "n", "emails": []string{"e"}}
	if got := project(M{"_id": "1", "name": "n", "emails": 1}, map[string]int{"name": 1}); len(got) != 2 || got["name"] != "n" {
		t.Errorf("inclusive: %v", got)
	}
	if got := project(m, map[string]int{"emails": 0}); len(got) != 2 || got["emails"] != nil {
		t.Errorf("exclusive: %v", got)
	}
	if !etagMatches(`"a", W/"b"`, `"b"`) || etagMatches(`"a"`, `"b"`) || !etagMatches("*", `"x"`) {
		t.Error("etagMatches")
	}
}
