package storetest

import (
	"liftoff/model"
	"liftoff/store"
)

func testRolesPermissionsSettings(h *harness) {
	admin := &model.Role{ID: "admin", Name: "admin", Scope: model.ScopeUsers, Protected: true, UpdatedAt: at(1)}
	custom := &model.Role{ID: "R7xq", Name: "Support", Scope: model.ScopeSubscriptions, Description: "helps", UpdatedAt: at(2)}
	perm := &model.Permission{ID: "view-room", Roles: []string{"admin", "user"}, UpdatedAt: at(1)}
	setting := &model.Setting{ID: "Site_Name", Value: "Liftoff", PackageValue: "Rocket.Chat", Type: "string", Public: true, Group: "General", UpdatedAt: at(1)}
	sel := &model.Setting{ID: "Language", Value: "en", Type: "select", Values: []model.SettingValue{{Key: "en", Label: "English"}}, UpdatedAt: at(1)}
	h.update(func(tx store.Tx) error {
		for _, r := range []*model.Role{admin, custom} {
			if err := tx.UpsertRole(h.ctx, r); err != nil {
				return err
			}
		}
		if err := tx.UpsertPermission(h.ctx, perm); err != nil {
			return err
		}
		for _, s := range []*model.Setting{setting, sel} {
			if err := tx.UpsertSetting(h.ctx, s); err != nil {
				return err
			}
		}
		return nil
	})

	roles, err := h.s.Roles(h.ctx)
	h.noErr(err, "Roles")
	h.sameSet(ids(roles, func(r *model.Role) string { return r.ID }), []string{"admin", "R7xq"}, "Roles")
	got, err := h.s.RoleByID(h.ctx, "R7xq")
	h.noErr(err, "RoleByID")
	h.sameJSON(got, custom, "RoleByID")
	got, err = h.s.RoleByID(h.ctx, "Support")
	h.noErr(err, "RoleByID by name")
	h.sameJSON(got, custom, "RoleByID by name")
	_, err = h.s.RoleByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "RoleByID missing")

	custom2 := *custom
	custom2.Description, custom2.UpdatedAt = "helps more", at(3)
	h.update(func(tx store.Tx) error { return tx.UpsertRole(h.ctx, &custom2) })
	got, err = h.s.RoleByID(h.ctx, "R7xq")
	h.noErr(err, "RoleByID")
	h.sameJSON(got, &custom2, "upserted role")
	err = h.s.Update(h.ctx, func(tx store.Tx) error {
		return tx.UpsertRole(h.ctx, &model.Role{ID: "other", Name: "Support", Scope: model.ScopeUsers})
	})
	h.mustErr(err, store.ErrConflict, "UpsertRole with a taken name")
	h.update(func(tx store.Tx) error { return tx.DeleteRole(h.ctx, "R7xq") })
	_, err = h.s.RoleByID(h.ctx, "R7xq")
	h.mustErr(err, store.ErrNotFound, "deleted role")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteRole(h.ctx, "R7xq") })
	h.mustErr(err, store.ErrNotFound, "DeleteRole missing")

	p, err := h.s.PermissionByID(h.ctx, "view-room")
	h.noErr(err, "PermissionByID")
	h.sameJSON(p, perm, "PermissionByID")
	perm2 := *perm
	perm2.Roles = []string{"admin"}
	h.update(func(tx store.Tx) error { return tx.UpsertPermission(h.ctx, &perm2) })
	ps, err := h.s.Permissions(h.ctx)
	h.noErr(err, "Permissions")
	if len(ps) != 1 {
		h.Fatalf("%d permissions", len(ps))
	}
	h.sameJSON(ps[0], &perm2, "upserted permission")
	_, err = h.s.PermissionByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "PermissionByID missing")

	s, err := h.s.SettingByID(h.ctx, "Site_Name")
	h.noErr(err, "SettingByID")
	h.sameJSON(s, setting, "SettingByID")
	setting2 := *setting
	setting2.Value = "Home"
	h.update(func(tx store.Tx) error { return tx.UpsertSetting(h.ctx, &setting2) })
	ss, err := h.s.Settings(h.ctx)
	h.noErr(err, "Settings")
	h.sameSet(ids(ss, func(s *model.Setting) string { return s.ID }), []string{"Language", "Site_Name"}, "Settings")
	s, err = h.s.SettingByID(h.ctx, "Site_Name")
	h.noErr(err, "SettingByID")
	h.sameJSON(s, &setting2, "upserted setting")
	s, err = h.s.SettingByID(h.ctx, "Language")
	h.noErr(err, "SettingByID")
	h.sameJSON(s, sel, "select setting")
	_, err = h.s.SettingByID(h.ctx, "nope")
	h.mustErr(err, store.ErrNotFound, "SettingByID missing")
}

func testUsersInRole(h *harness) {
	alice, bob, carl, dora := newUser("alice"), newUser("bob"), newUser("carl"), newUser("dora")
	alice.Roles = []string{"user", "admin"}
	carl.Roles = []string{"admin"}
	h.insertUsers(dora, carl, bob, alice)
	room := newRoom("r1", "c", "one")
	h.insertRooms(room)
	sa, sb, sd := newSub(room, alice), newSub(room, bob), newSub(room, dora)
	sb.Roles = []string{"owner", "moderator"}
	sd.Roles = []string{"moderator"}
	other := newSub(newRoom("r2", "c", "two"), alice)
	other.Roles = []string{"moderator"}
	h.insertSubs(sa, sb, sd, other)

	in := func(role, rid string, p store.Page) ([]string, int) {
		h.Helper()
		us, total, err := h.s.UsersInRole(h.ctx, role, rid, p)
		h.noErr(err, "UsersInRole")
		return userIDs(us), total
	}
	got, total := in("admin", "", store.Page{})
	h.sameIDs(got, []string{alice.ID, carl.ID}, "global admins by username")
	if total != 2 {
		h.Fatalf("total = %d", total)
	}
	got, total = in("admin", "", store.Page{Count: 1, Offset: 1})
	h.sameIDs(got, []string{carl.ID}, "second page")
	if total != 2 {
		h.Fatalf("page total = %d", total)
	}
	got, _ = in("moderator", "r1", store.Page{})
	h.sameIDs(got, []string{bob.ID, dora.ID}, "room moderators")
	got, _ = in("owner", "r1", store.Page{})
	h.sameIDs(got, []string{bob.ID}, "room owners")
	got, _ = in("moderator", "", store.Page{})
	h.sameIDs(got, nil, "room role is not global")
	got, _ = in("admin", "r1", store.Page{})
	h.sameIDs(got, nil, "global role is not a room role")
}

func testCounts(h *harness) {
	c, err := h.s.Counts(h.ctx)
	h.noErr(err, "Counts of an empty store")
	if c != (store.Counts{}) {
		h.Fatalf("empty store counts = %+v", c)
	}
	alice, bob, carl, dora := newUser("alice"), newUser("bob"), newUser("carl"), newUser("dora")
	alice.Status, bob.Status, carl.Status = model.StatusOnline, model.StatusAway, model.StatusBusy
	dora.Active = false
	h.insertUsers(alice, bob, carl, dora)
	h.insertRooms(newRoom("c1", "c", "c1"), newRoom("c2", "c", "c2"), newRoom("p1", "p", "p1"), newRoom("d1", "d", ""))
	h.insertMessages(
		newMessage("m1", "c1", alice, 1, "x"), newMessage("m2", "c2", alice, 2, "x"), newMessage("m3", "c2", alice, 3, "x"),
		newMessage("m4", "p1", alice, 4, "x"), newMessage("m5", "d1", alice, 5, "x"), newMessage("m6", "d1", alice, 6, "x"),
	)
	c, err = h.s.Counts(h.ctx)
	h.noErr(err, "Counts")
	want := store.Counts{
		TotalUsers: 4, ActiveUsers: 3, OnlineUsers: 1, AwayUsers: 1, BusyUsers: 1, OfflineUsers: 1,
		TotalRooms: 4, TotalChannels: 2, TotalPrivateGroups: 1, TotalDirect: 1,
		TotalMessages: 6, TotalChannelMessages: 3, TotalPrivateGroupMessages: 1, TotalDirectMessages: 2,
	}
	if c != want {
		h.Fatalf("counts = %+v\nwant %+v", c, want)
	}
}
