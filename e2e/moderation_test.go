package e2e

import (
	"testing"

	"liftoff/internal/testserver"
)

// End-to-end tests of moderation (package moderation): reporting messages
// and users, the moderation console's lists, dismissing reports and
// deleting reported messages, with their permissions and bad input.

func TestModeration(t *testing.T) {
	srv := testserver.Start(t)
	admin := srv.Admin(t)
	alice := srv.CreateUser(t, "alice")
	bob := srv.CreateUser(t, "bob")
	carol := srv.CreateUser(t, "carol")
	pub := chatRoom(t, alice, "channels", "town", "bob")
	priv := chatRoom(t, alice, "groups", "den", "bob")
	post := func(c *testserver.Client, rid, text string) string {
		t.Helper()
		return c.Post("/api/v1/chat.postMessage", map[string]any{"roomId": rid, "text": text}).OK(t).Str("message._id")
	}
	spam1 := post(bob, pub, "buy cheap pills")
	spam2 := post(bob, priv, "more pills")
	fine := post(alice, pub, "hello all")

	t.Run("report a message", func(t *testing.T) {
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam1, "description": "spam"}).OK(t)
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam2, "description": "spam too"}).OK(t)
		carol.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam1, "description": "ugh"}).OK(t) // public channel: readable
		bob.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": fine, "description": "boring"}).OK(t)
		// Bad input.
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam1}).Fail(t, 400, "invalid-params")
		r := alice.Post("/api/v1/chat.reportMessage", map[string]any{"description": "x"}).Fail(t, 400, "invalid-params")
		if r.Str("error") != "must have required property 'messageId' [invalid-params]" {
			t.Fatalf("%s", r.Body)
		}
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam1, "description": "x", "extra": 1}).Fail(t, 400, "invalid-params")
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": "", "description": "x"}).Fail(t, 400, `The required "messageId" param is missing.`)
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam1, "description": ""}).Fail(t, 400, `The required "description" param is missing.`)
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam1, "description": "   "}).Fail(t, 400, "error-invalid-description")
		alice.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": "nope", "description": "x"}).Fail(t, 400, "error-invalid-message_id")
		// A message in a room the caller cannot read looks missing.
		carol.Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam2, "description": "x"}).Fail(t, 400, "error-invalid-message_id")
		srv.Anon(t).Post("/api/v1/chat.reportMessage", map[string]any{"messageId": spam1, "description": "x"}).Fail(t, 401, "")
	})

	t.Run("report a user", func(t *testing.T) {
		alice.Post("/api/v1/moderation.reportUser", map[string]any{"userId": bob.UserID, "description": "spammer"}).OK(t)
		carol.Post("/api/v1/moderation.reportUser", map[string]any{"userId": bob.UserID, "description": "rude"}).OK(t)
		alice.Post("/api/v1/moderation.reportUser", map[string]any{"userId": "nope", "description": "x"}).Fail(t, 400, "Invalid user id provided.")
		alice.Post("/api/v1/moderation.reportUser", map[string]any{"userId": bob.UserID}).Fail(t, 400, "invalid-params")
	})

	t.Run("permissions", func(t *testing.T) {
		for _, path := range []string{"moderation.reportsByUsers", "moderation.userReports", "moderation.reports?msgId=" + spam1,
			"moderation.reportInfo?reportId=x", "moderation.user.reportedMessages?userId=" + bob.UserID,
			"moderation.user.reportsByUserId?userId=" + bob.UserID} {
			alice.Get("/api/v1/"+path).Fail(t, 403, "unauthorized")
		}
		for _, path := range []string{"moderation.dismissReports", "moderation.dismissUserReports", "moderation.user.deleteReportedMessages"} {
			alice.Post("/api/v1/"+path, map[string]any{"userId": bob.UserID}).Fail(t, 403, "unauthorized")
		}
		srv.Anon(t).Get("/api/v1/moderation.reportsByUsers").Fail(t, 401, "")
	})

	t.Run("console lists", func(t *testing.T) {
		r := admin.Get("/api/v1/moderation.reportsByUsers").OK(t)
		reports := r.List("reports")
		if r.Num("total") != 2 || r.Num("count") != 2 || r.Num("offset") != 0 || len(reports) != 2 {
			t.Fatalf("reportsByUsers: %s", r.Body)
		}
		// Newest report first: bob's reporting of alice's message came last.
		first, _ := reports[1].(map[string]any)
		if reports[0].(map[string]any)["userId"] != alice.UserID {
			t.Fatalf("order: %s", r.Body)
		}
		if first["userId"] != bob.UserID || first["username"] != "bob" || first["count"] != float64(3) || first["isUserDeleted"] != false ||
			first["msgId"] == nil || len(first["rooms"].([]any)) != 2 || len(first["roomIds"].([]any)) != 2 {
			t.Fatalf("bob's line: %v", first)
		}
		// Paging and the selector.
		if r := admin.Get("/api/v1/moderation.reportsByUsers", "count", "1", "offset", "1").OK(t); r.Num("total") != 2 || len(r.List("reports")) != 1 {
			t.Fatalf("page: %s", r.Body)
		}
		if r := admin.Get("/api/v1/moderation.reportsByUsers", "selector", "BORING").OK(t); r.Num("total") != 1 || r.Str("reports.0.userId") != alice.UserID {
			t.Fatalf("selector: %s", r.Body)
		}
		if r := admin.Get("/api/v1/moderation.reportsByUsers", "latest", "2001-01-01").OK(t); r.Num("total") != 0 || len(r.List("reports")) != 0 {
			t.Fatalf("latest: %s", r.Body)
		}
		admin.Get("/api/v1/moderation.reportsByUsers", "latest", "yesterday").Fail(t, 400, "invalid-params")
		admin.Get("/api/v1/moderation.reportsByUsers", "bogus", "1").Fail(t, 400, "invalid-params")

		r = admin.Get("/api/v1/moderation.userReports").OK(t)
		if r.Num("total") != 1 || r.Str("reports.0.reportedUser._id") != bob.UserID || r.Num("reports.0.count") != 2 || r.Str("reports.0.ts") == "" {
			t.Fatalf("userReports: %s", r.Body)
		}

		r = admin.Get("/api/v1/moderation.user.reportedMessages", "userId", bob.UserID).OK(t)
		if r.Str("user._id") != bob.UserID || r.Str("user.username") != "bob" || r.Num("total") != 3 || r.Num("count") != 3 || len(r.List("messages")) != 2 ||
			r.Str("messages.0.message._id") == "" || r.Str("messages.0.room._id") == "" {
			t.Fatalf("reportedMessages: %s", r.Body)
		}
		if r := admin.Get("/api/v1/moderation.user.reportedMessages", "userId", "ghost").OK(t); r.Get("user") != nil || len(r.List("messages")) != 0 {
			t.Fatalf("reportedMessages of nobody: %s", r.Body)
		}
		admin.Get("/api/v1/moderation.user.reportedMessages").Fail(t, 400, "invalid-params")

		r = admin.Get("/api/v1/moderation.user.reportsByUserId", "userId", bob.UserID).OK(t)
		if r.Str("user._id") != bob.UserID || r.Num("total") != 2 || len(r.List("reports")) != 2 ||
			r.Str("reports.0.reportedBy._id") != carol.UserID || r.Str("reports.0.description") != "rude" {
			t.Fatalf("reportsByUserId: %s", r.Body)
		}

		r = admin.Get("/api/v1/moderation.reports", "msgId", spam1).OK(t)
		if r.Num("total") != 2 || r.Str("reports.0.description") != "ugh" || r.Str("reports.1.reportedBy.username") != "alice" || r.Str("reports.0.room._id") != pub {
			t.Fatalf("reports: %s", r.Body)
		}
		admin.Get("/api/v1/moderation.reports").Fail(t, 400, "invalid-params")

		id := r.Str("reports.0._id")
		info := admin.Get("/api/v1/moderation.reportInfo", "reportId", id).OK(t)
		if info.Str("report._id") != id || info.Str("report.message._id") != spam1 || info.Str("report.message.msg") != "buy cheap pills" ||
			info.Str("report.reportedBy._id") != carol.UserID || info.Str("report.room.name") != "town" {
			t.Fatalf("reportInfo: %s", info.Body)
		}
		admin.Get("/api/v1/moderation.reportInfo", "reportId", "nope").Fail(t, 400, "error-report-not-found")
		admin.Get("/api/v1/moderation.reportInfo").Fail(t, 400, "invalid-params")
	})

	t.Run("dismiss", func(t *testing.T) {
		admin.Post("/api/v1/moderation.dismissReports", map[string]any{}).Fail(t, 400, "invalid-params")
		admin.Post("/api/v1/moderation.dismissReports", map[string]any{"userId": bob.UserID, "msgId": spam1}).Fail(t, 400, "invalid-params")
		admin.Post("/api/v1/moderation.dismissReports", map[string]any{"msgId": "nope"}).Fail(t, 400, "no-reports-found")
		admin.Post("/api/v1/moderation.dismissReports", map[string]any{"userId": carol.UserID}).Fail(t, 400, "no-reports-found")
		// Alice's message is fine: its report goes.
		admin.Post("/api/v1/moderation.dismissReports", map[string]any{"msgId": fine, "reason": "harmless"}).OK(t)
		if r := admin.Get("/api/v1/moderation.reportsByUsers").OK(t); r.Num("total") != 1 {
			t.Fatalf("after dismissing: %s", r.Body)
		}
		admin.Post("/api/v1/moderation.dismissReports", map[string]any{"msgId": fine}).Fail(t, 400, "no-reports-found")

		admin.Post("/api/v1/moderation.dismissUserReports", map[string]any{"msgId": spam1}).Fail(t, 400, "error-user-id-param-not-provided")
		r := admin.Get("/api/v1/moderation.user.reportsByUserId", "userId", bob.UserID).OK(t)
		id := r.Str("reports.0._id")
		admin.Post("/api/v1/moderation.dismissUserReports", map[string]any{"userId": bob.UserID, "action": "Warned"}).OK(t)
		if r := admin.Get("/api/v1/moderation.userReports").OK(t); r.Num("total") != 0 || len(r.List("reports")) != 0 {
			t.Fatalf("after dismissing user reports: %s", r.Body)
		}
		// A dismissed report keeps its moderation record.
		info := admin.Get("/api/v1/moderation.reportInfo", "reportId", id).OK(t)
		if info.Get("report._hidden") != true || info.Str("report.moderationInfo.moderatedBy") != admin.UserID ||
			info.Str("report.moderationInfo.action") != "Warned" || info.Str("report.moderationInfo.reason") != "No reason provided" {
			t.Fatalf("dismissed report: %s", info.Body)
		}
	})

	t.Run("delete reported messages", func(t *testing.T) {
		admin.Post("/api/v1/moderation.user.deleteReportedMessages", map[string]any{}).Fail(t, 400, "invalid-params")
		admin.Post("/api/v1/moderation.user.deleteReportedMessages", map[string]any{"userId": carol.UserID}).Fail(t, 400, "No reported messages found for this user.")
		admin.Post("/api/v1/moderation.user.deleteReportedMessages", map[string]any{"userId": bob.UserID, "reason": "spam"}).OK(t)
		for _, rid := range []string{pub, priv} {
			kind := map[string]string{pub: "channels", priv: "groups"}[rid]
			for _, m := range alice.Get("/api/v1/"+kind+".messages", "roomId", rid).OK(t).List("messages") {
				if mm, _ := m.(map[string]any); mm["_id"] == spam1 || mm["_id"] == spam2 {
					t.Fatalf("reported message still there: %v", mm)
				}
			}
		}
		if r := admin.Get("/api/v1/moderation.reportsByUsers").OK(t); r.Num("total") != 0 {
			t.Fatalf("reports left after deleting: %s", r.Body)
		}
		r := admin.Get("/api/v1/moderation.reports", "msgId", spam1).OK(t)
		if r.Num("total") != 0 {
			t.Fatalf("%s", r.Body)
		}
	})
}
