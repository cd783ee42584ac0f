package e2e

import (
	"net/http"
	"testing"

	"liftoff/internal/testserver"
)

func TestCustomUserStatus(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")

	r := alice.Get("/api/v1/custom-user-status.list").OK(t)
	if r.List("statuses") == nil || len(r.List("statuses")) != 0 || r.Num("total") != 0 || r.Num("count") != 0 {
		t.Fatalf("empty list: %s", r.Body)
	}

	r = admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "In a meeting", "statusType": "busy"}).OK(t)
	meeting := r.Str("customUserStatus._id")
	if meeting == "" || r.Str("customUserStatus.name") != "In a meeting" || r.Str("customUserStatus.statusType") != "busy" ||
		r.Str("customUserStatus._updatedAt") == "" {
		t.Fatalf("create: %s", r.Body)
	}
	admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "Lunch", "statusType": "away"}).OK(t)

	t.Run("list", func(t *testing.T) {
		r := alice.Get("/api/v1/custom-user-status.list").OK(t)
		if got := names(r.List("statuses"), "name"); len(got) != 2 || got[0] != "In a meeting" || got[1] != "Lunch" || r.Num("total") != 2 {
			t.Fatalf("list: %s", r.Body)
		}
		r = alice.Get("/api/v1/custom-user-status.list", "name", "LUN").OK(t)
		if got := names(r.List("statuses"), "name"); len(got) != 1 || got[0] != "Lunch" {
			t.Fatalf("by name: %s", r.Body)
		}
		r = alice.Get("/api/v1/custom-user-status.list", "count", "1", "offset", "1").OK(t)
		if got := names(r.List("statuses"), "name"); len(got) != 1 || got[0] != "Lunch" || r.Num("total") != 2 || r.Num("offset") != 1 {
			t.Fatalf("page: %s", r.Body)
		}
		r = alice.Get("/api/v1/custom-user-status.list", "_id", meeting).OK(t)
		if r.Num("total") != 1 {
			t.Fatalf("by id: %s", r.Body)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		alice.Post("/api/v1/custom-user-status.create", map[string]any{"name": "Mine"}).Fail(t, http.StatusBadRequest, "not_authorized")
		alice.Post("/api/v1/custom-user-status.delete", map[string]any{"customUserStatusId": meeting}).Fail(t, http.StatusBadRequest, "not_authorized")
		alice.Post("/api/v1/custom-user-status.update", map[string]any{"_id": meeting, "name": "x"}).Fail(t, http.StatusBadRequest, "not_authorized")
		r := admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "Lunch"}).
			Fail(t, http.StatusBadRequest, "Custom_User_Status_Error_Name_Already_In_Use")
		if r.Str("error") != "The custom user status name is already in use [Custom_User_Status_Error_Name_Already_In_Use]" ||
			r.Str("details.method") != "insertOrUpdateUserStatus" {
			t.Fatalf("duplicate: %s", r.Body)
		}
		admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "  "}).Fail(t, http.StatusBadRequest, "error-the-field-is-required")
		r = admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "<b>"}).Fail(t, http.StatusBadRequest, "error-input-is-not-a-valid-field")
		if r.Str("error") != "<b> is not a valid name [error-input-is-not-a-valid-field]" {
			t.Fatalf("%s", r.Body)
		}
		admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "Gone", "statusType": "invisible"}).
			Fail(t, http.StatusBadRequest, "error-input-is-not-a-valid-field")
		admin.Post("/api/v1/custom-user-status.create", map[string]any{"statusType": "busy"}).Fail(t, http.StatusBadRequest, "error-invalid-params")
		admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "X", "extra": "y"}).Fail(t, http.StatusBadRequest, "error-invalid-params")
		r = admin.Post("/api/v1/custom-user-status.update", map[string]any{"_id": "nope", "name": "x"})
		if r.Status != http.StatusBadRequest || r.Str("error") != `No custom user status found with the id of "nope".` {
			t.Fatalf("update of a missing status: %d %s", r.Status, r.Body)
		}
		r = admin.Post("/api/v1/custom-user-status.delete", map[string]any{})
		if r.Status != http.StatusBadRequest || r.Str("error") != `The "customUserStatusId" params is required!` {
			t.Fatalf("delete without id: %d %s", r.Status, r.Body)
		}
		admin.Post("/api/v1/custom-user-status.delete", map[string]any{"customUserStatusId": "nope"}).
			Fail(t, http.StatusBadRequest, "Custom_User_Status_Error_Invalid_User_Status")
		if n := alice.Get("/api/v1/custom-user-status.list").OK(t).Num("total"); n != 2 {
			t.Fatalf("refusals changed the list: %v", n)
		}
	})
	t.Run("update and delete", func(t *testing.T) {
		r := admin.Post("/api/v1/custom-user-status.update", map[string]any{"_id": meeting, "name": "On a call", "statusType": "busy"}).OK(t)
		if r.Str("customUserStatus.name") != "On a call" || r.Str("customUserStatus._id") != meeting {
			t.Fatalf("update: %s", r.Body)
		}
		admin.Post("/api/v1/custom-user-status.update", map[string]any{"_id": meeting, "name": "Lunch"}).
			Fail(t, http.StatusBadRequest, "Custom_User_Status_Error_Name_Already_In_Use")
		admin.Post("/api/v1/custom-user-status.delete", map[string]any{"customUserStatusId": meeting}).OK(t)
		if got := names(alice.Get("/api/v1/custom-user-status.list").OK(t).List("statuses"), "name"); len(got) != 1 || got[0] != "Lunch" {
			t.Fatalf("after delete: %v", got)
		}
	})
	t.Run("DDP", func(t *testing.T) {
		c := ddpDial(t, srv)
		c.login(testserver.AdminUser, testserver.AdminPass)
		var id string
		c.call(&id, "insertOrUpdateUserStatus", map[string]any{"name": "Focus", "statusType": "busy"})
		var ok bool
		c.call(&ok, "insertOrUpdateUserStatus", map[string]any{"_id": id, "name": "Deep focus", "statusType": "busy"})
		var all []map[string]any
		c.call(&all, "listCustomUserStatus")
		if len(all) != 2 || all[0]["name"] != "Deep focus" || all[0]["_id"] != id || !ok {
			t.Fatalf("list: %v", all)
		}
		c.call(&ok, "deleteCustomUserStatus", id)
		c.callFail("Custom_User_Status_Error_Invalid_User_Status", "deleteCustomUserStatus", id)
		u := ddpDial(t, srv)
		u.login("alice", "alice-pass")
		u.callFail("not_authorized", "insertOrUpdateUserStatus", map[string]any{"name": "Mine"})
		u.call(&all, "listCustomUserStatus")
		if len(all) != 1 {
			t.Fatalf("alice's list: %v", all)
		}
	})
}

// TestCustomUserStatusEvents: logged-in clients see statuses created,
// changed and removed on stream-notify-logged, as Rocket.Chat sends them.
func TestCustomUserStatusEvents(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	_, rt := rtUser(t, srv, "alice")
	rt.sub("stream-notify-logged", "updateCustomUserStatus", false)
	rt.sub("stream-notify-logged", "deleteCustomUserStatus", false)

	id := admin.Post("/api/v1/custom-user-status.create", map[string]any{"name": "Lunch", "statusType": "away"}).OK(t).Str("customUserStatus._id")
	rt.event("stream-notify-logged", "updateCustomUserStatus", func(args []any) bool {
		d, _ := args[0].(map[string]any)["userStatusData"].(map[string]any)
		return d["_id"] == id && d["name"] == "Lunch" && d["statusType"] == "away" && d["previousName"] == nil
	})
	admin.Post("/api/v1/custom-user-status.update", map[string]any{"_id": id, "name": "Dinner", "statusType": "busy"}).OK(t)
	rt.event("stream-notify-logged", "updateCustomUserStatus", func(args []any) bool {
		d, _ := args[0].(map[string]any)["userStatusData"].(map[string]any)
		return d["_id"] == id && d["name"] == "Dinner" && d["statusType"] == "busy" &&
			d["previousName"] == "Lunch" && d["previousStatusType"] == "away"
	})
	admin.Post("/api/v1/custom-user-status.delete", map[string]any{"customUserStatusId": id}).OK(t)
	rt.event("stream-notify-logged", "deleteCustomUserStatus", func(args []any) bool {
		d, _ := args[0].(map[string]any)["userStatusData"].(map[string]any)
		return d["_id"] == id && d["name"] == "Dinner"
	})
}
