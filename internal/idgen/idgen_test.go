package idgen

import (
	"strings"
	"testing"
)

func TestGoName(t *testing.T) {
	for id, want := range map[string]string{
		"view-full-other-user-info":          "ViewFullOtherUserInfo",
		"api-bypass-rate-limit":              "APIBypassRateLimit",
		"API_Enable_Rate_Limiter":            "APIEnableRateLimiter",
		"Site_Url":                           "SiteURL",
		"uniqueID":                           "UniqueID",
		"Block_Multiple_Failed_Logins_By_Ip": "BlockMultipleFailedLoginsByIP",
		"Accounts_AllowUserProfileChange":    "AccountsAllowUserProfileChange",
		"API_Apply_permission_view-outside-room_on_users-list": "APIApplyPermissionViewOutsideRoomOnUsersList",
		"2fa-thing": "X2faThing",
	} {
		if got := GoName(id); got != want {
			t.Errorf("GoName(%q) = %s, want %s", id, got, want)
		}
	}
}

func TestSourceRefusesCollisions(t *testing.T) {
	if _, err := Source("p", "ID", "setting", "t", []Entry{{ID: "a_b"}, {ID: "a-b"}}); err == nil || !strings.Contains(err.Error(), "both make") {
		t.Fatalf("collision: %v", err)
	}
	if _, err := Source("p", "ID", "setting", "t", []Entry{{ID: "x"}, {ID: "x"}}); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("duplicate: %v", err)
	}
	src, err := Source("p", "ID", "setting", "t", []Entry{{ID: "a_b", Doc: "doc"}})
	if err != nil || !strings.Contains(string(src), "\tAB ID = \"a_b\"") {
		t.Fatalf("source: %v\n%s", err, src)
	}
}
