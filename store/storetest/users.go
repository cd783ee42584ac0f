package storetest

import (
	"errors"

	"liftoff/model"
	"liftoff/store"
)

func testUsers(h *harness) {
	alice, bob := newUser("Alice"), newUser("bob")
	alice.CustomFields = map[string]any{"team": "blue"}
	alice.LastLogin = at(5)
	h.insertUsers(alice, bob)

	got, err := h.s.UserByID(h.ctx, alice.ID)
	h.noErr(err, "UserByID")
	h.sameJSON(got, alice, "UserByID")
	for _, name := range []string{"Alice", "alice", "ALICE"} {
		got, err = h.s.UserByUsername(h.ctx, name)
		h.noErr(err, "UserByUsername "+name)
		h.sameJSON(got, alice, "UserByUsername "+name)
	}
	got, err = h.s.UserByEmail(h.ctx, "ALICE@Example.com")
	h.noErr(err, "UserByEmail")
	h.sameJSON(got, alice, "UserByEmail")

	_, err = h.s.UserByID(h.ctx, "nobody")
	h.mustErr(err, store.ErrNotFound, "UserByID missing")
	_, err = h.s.UserByUsername(h.ctx, "nobody")
	h.mustErr(err, store.ErrNotFound, "UserByUsername missing")
	_, err = h.s.UserByEmail(h.ctx, "nobody@example.com")
	h.mustErr(err, store.ErrNotFound, "UserByEmail missing")

	us, err := h.s.UsersByIDs(h.ctx, []string{bob.ID, "nobody", alice.ID})
	h.noErr(err, "UsersByIDs")
	h.sameSet(userIDs(us), []string{alice.ID, bob.ID}, "UsersByIDs")
	us, err = h.s.UsersByUsernames(h.ctx, []string{"BOB", "alice", "nobody"})
	h.noErr(err, "UsersByUsernames")
	h.sameSet(userIDs(us), []string{alice.ID, bob.ID}, "UsersByUsernames")
	us, err = h.s.UsersByIDs(h.ctx, nil)
	h.noErr(err, "UsersByIDs empty")
	if len(us) != 0 {
		h.Fatalf("UsersByIDs(nil) = %d users", len(us))
	}

	// Conflicts: id, username in another case, e-mail in another case.
	dupID := newUser("carol")
	dupID.ID = alice.ID
	dupName := newUser("ALICE")
	dupName.ID = "u-other"
	dupMail := newUser("dave")
	dupMail.Emails = []model.Email{{Address: "BOB@example.COM"}}
	for what, u := range map[string]*model.User{"id": dupID, "username": dupName, "e-mail": dupMail} {
		err := h.s.Update(h.ctx, func(tx store.Tx) error { return tx.InsertUser(h.ctx, u) })
		h.mustErr(err, store.ErrConflict, "InsertUser duplicate "+what)
	}
	// Users without a username do not conflict with each other.
	h.insertUsers(&model.User{ID: "u-anon1", Type: model.UserTypeUser}, &model.User{ID: "u-anon2", Type: model.UserTypeUser})
	_, err = h.s.UserByUsername(h.ctx, "")
	h.mustErr(err, store.ErrNotFound, "UserByUsername empty")
}

func testUserUpdateDelete(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	h.insertUsers(alice, bob)
	room := newRoom("r1", model.RoomChannel, "general")
	h.insertRooms(room)
	sa, sb := newSub(room, alice), newSub(room, bob)
	h.insertSubs(sa, sb)

	// Rename and change e-mail: the old ones are free again.
	alice2 := *alice
	alice2.Username = "alicia"
	alice2.Emails = []model.Email{{Address: "alicia@example.com"}}
	alice2.UpdatedAt = at(10)
	h.update(func(tx store.Tx) error { return tx.UpdateUser(h.ctx, &alice2) })
	got, err := h.s.UserByUsername(h.ctx, "ALICIA")
	h.noErr(err, "UserByUsername after rename")
	h.sameJSON(got, &alice2, "renamed user")
	_, err = h.s.UserByUsername(h.ctx, "alice")
	h.mustErr(err, store.ErrNotFound, "old username")
	_, err = h.s.UserByEmail(h.ctx, "alice@example.com")
	h.mustErr(err, store.ErrNotFound, "old e-mail")
	_, err = h.s.UserByEmail(h.ctx, "alicia@example.com")
	h.noErr(err, "new e-mail")

	// Renaming onto another's username or e-mail conflicts.
	clash := alice2
	clash.Username = "Bob"
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateUser(h.ctx, &clash) })
	h.mustErr(err, store.ErrConflict, "UpdateUser onto taken username")
	clash = alice2
	clash.Emails = []model.Email{{Address: "bob@EXAMPLE.com"}}
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateUser(h.ctx, &clash) })
	h.mustErr(err, store.ErrConflict, "UpdateUser onto taken e-mail")

	ghost := newUser("ghost")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateUser(h.ctx, ghost) })
	h.mustErr(err, store.ErrNotFound, "UpdateUser missing")

	// Delete bob: his secrets and subscription go, tombstoned; messages stay.
	m := newMessage("m1", room.ID, bob, 1, "hi")
	h.insertMessages(m)
	h.update(func(tx store.Tx) error {
		if err := tx.SetPasswordHash(h.ctx, bob.ID, "hash"); err != nil {
			return err
		}
		return tx.InsertToken(h.ctx, &model.Token{Hash: "tok-bob", UserID: bob.ID, Kind: model.TokenLogin, CreatedAt: at(1)})
	})
	h.update(func(tx store.Tx) error { return tx.DeleteUser(h.ctx, bob.ID) })
	_, err = h.s.UserByID(h.ctx, bob.ID)
	h.mustErr(err, store.ErrNotFound, "deleted user")
	_, err = h.s.UserByEmail(h.ctx, "bob@example.com")
	h.mustErr(err, store.ErrNotFound, "deleted user's e-mail")
	_, err = h.s.TokenByHash(h.ctx, "tok-bob")
	h.mustErr(err, store.ErrNotFound, "deleted user's token")
	hash, err := h.s.PasswordHash(h.ctx, bob.ID)
	h.noErr(err, "PasswordHash")
	if hash != "" {
		h.Fatalf("deleted user's password hash = %q", hash)
	}
	_, err = h.s.SubscriptionByID(h.ctx, sb.ID)
	h.mustErr(err, store.ErrNotFound, "deleted user's subscription")
	_, err = h.s.SubscriptionByID(h.ctx, sa.ID)
	h.noErr(err, "other subscription")
	ts, _, err := h.s.Deleted(h.ctx, store.DeletedQuery{Kind: store.KindSubscription, UserID: bob.ID}, store.Page{})
	h.noErr(err, "Deleted")
	if len(ts) != 1 || ts[0].ID != sb.ID || ts[0].RoomID != room.ID || ts[0].UserID != bob.ID || ts[0].DeletedAt.IsZero() {
		h.Fatalf("tombstones after DeleteUser = %+v", ts)
	}
	_, err = h.s.MessageByID(h.ctx, m.ID)
	h.noErr(err, "deleted user's message stays")
	// The username is free again.
	h.insertUsers(newUser("BOB"))

	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteUser(h.ctx, "nobody") })
	h.mustErr(err, store.ErrNotFound, "DeleteUser missing")
}

func testListUsers(h *harness) {
	names := []string{"dora", "alice", "carl", "bob", "erin"}
	var all []*model.User
	for i, n := range names {
		u := newUser(n)
		u.CreatedAt = at(i)
		u.UpdatedAt = at(10 - i)
		switch n {
		case "bob":
			u.Type = model.UserTypeBot
			u.Roles = []string{"bot"}
		case "erin":
			u.Active = false
			u.Roles = []string{"user", "admin"}
			u.Name = "Erin Ëlmer"
		}
		all = append(all, u)
	}
	h.insertUsers(all...)

	list := func(q store.UserQuery, p store.Page) ([]string, int) {
		h.Helper()
		us, total, err := h.s.ListUsers(h.ctx, q, p)
		h.noErr(err, "ListUsers")
		return userIDs(us), total
	}
	got, total := list(store.UserQuery{}, store.Page{})
	h.sameIDs(got, []string{"u-alice", "u-bob", "u-carl", "u-dora", "u-erin"}, "default sort (username asc)")
	if total != 5 {
		h.Fatalf("total = %d", total)
	}
	got, total = list(store.UserQuery{}, store.Page{Offset: 1, Count: 2, Sort: []store.SortKey{{Field: "createdAt", Desc: true}}})
	h.sameIDs(got, []string{"u-bob", "u-carl"}, "createdAt desc page")
	if total != 5 {
		h.Fatalf("paged total = %d, want 5", total)
	}
	got, total = list(store.UserQuery{}, store.Page{Offset: 10, Count: 2})
	if len(got) != 0 || total != 5 {
		h.Fatalf("past the end: %v, total %d", got, total)
	}
	got, _ = list(store.UserQuery{}, store.Page{Sort: []store.SortKey{{Field: "_updatedAt"}}})
	h.sameIDs(got, []string{"u-erin", "u-bob", "u-carl", "u-alice", "u-dora"}, "_updatedAt asc")
	got, _ = list(store.UserQuery{}, store.Page{Sort: []store.SortKey{{Field: "name", Desc: true}}, Count: 1})
	h.sameIDs(got, []string{"u-dora"}, "name desc")
	got, _ = list(store.UserQuery{}, store.Page{Sort: []store.SortKey{{Field: "status"}, {Field: "username", Desc: true}}})
	h.sameIDs(got, []string{"u-erin", "u-dora", "u-carl", "u-bob", "u-alice"}, "status, username desc")

	got, _ = list(store.UserQuery{Text: "CAR"}, store.Page{})
	h.sameIDs(got, []string{"u-carl"}, "text in username")
	got, _ = list(store.UserQuery{Text: "of dor"}, store.Page{})
	h.sameIDs(got, []string{"u-dora"}, "text in name")
	got, _ = list(store.UserQuery{Text: "ALICE@EXAMPLE"}, store.Page{})
	h.sameIDs(got, []string{"u-alice"}, "text in e-mail")
	got, _ = list(store.UserQuery{Text: "ëlmer"}, store.Page{})
	h.sameIDs(got, []string{"u-erin"}, "text folds non-ASCII letters")
	got, _ = list(store.UserQuery{Text: "%"}, store.Page{})
	h.sameIDs(got, nil, "text wildcard is literal")
	got, _ = list(store.UserQuery{IDs: []string{"u-bob", "u-dora", "u-x"}}, store.Page{})
	h.sameIDs(got, []string{"u-bob", "u-dora"}, "ids")
	got, total = list(store.UserQuery{Exclude: []string{"carl", "dora"}}, store.Page{})
	h.sameIDs(got, []string{"u-alice", "u-bob", "u-erin"}, "exclude usernames")
	if total != 3 {
		h.Fatalf("exclude total = %d", total)
	}
	got, _ = list(store.UserQuery{Active: ptr(false)}, store.Page{})
	h.sameIDs(got, []string{"u-erin"}, "inactive")
	got, _ = list(store.UserQuery{Active: ptr(true), Types: []string{model.UserTypeUser}}, store.Page{})
	h.sameIDs(got, []string{"u-alice", "u-carl", "u-dora"}, "active humans")
	got, _ = list(store.UserQuery{Roles: []string{"admin", "bot"}}, store.Page{})
	h.sameIDs(got, []string{"u-bob", "u-erin"}, "roles")

	_, _, err := h.s.ListUsers(h.ctx, store.UserQuery{}, store.Page{Sort: []store.SortKey{{Field: "password"}}})
	if err == nil {
		h.Fatal("ListUsers accepted an unsupported sort field")
	}
}

func testPasswords(h *harness) {
	alice := newUser("alice")
	h.insertUsers(alice)
	hash, err := h.s.PasswordHash(h.ctx, alice.ID)
	h.noErr(err, "PasswordHash")
	if hash != "" {
		h.Fatalf("hash before set = %q", hash)
	}
	h.update(func(tx store.Tx) error { return tx.SetPasswordHash(h.ctx, alice.ID, "h1") })
	h.update(func(tx store.Tx) error { return tx.SetPasswordHash(h.ctx, alice.ID, "h2") })
	hash, err = h.s.PasswordHash(h.ctx, alice.ID)
	h.noErr(err, "PasswordHash")
	if hash != "h2" {
		h.Fatalf("hash = %q, want h2", hash)
	}
	got, err := h.s.UserByID(h.ctx, alice.ID)
	h.noErr(err, "UserByID")
	h.sameJSON(got, alice, "user unchanged by password")
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.SetPasswordHash(h.ctx, "nobody", "h") })
	h.mustErr(err, store.ErrNotFound, "SetPasswordHash of missing user")
}

func testTokens(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	h.insertUsers(alice, bob)
	toks := []*model.Token{
		{Hash: "a1", UserID: alice.ID, Kind: model.TokenLogin, CreatedAt: at(1), ExpiresAt: at(100)},
		{Hash: "a2", UserID: alice.ID, Kind: model.TokenLogin, CreatedAt: at(2)},
		{Hash: "a3", UserID: alice.ID, Kind: model.TokenPersonal, Name: "ci", CreatedAt: at(3), LastTokenPart: "xyz", BypassTwoFactor: true},
		{Hash: "b1", UserID: bob.ID, Kind: model.TokenLogin, CreatedAt: at(4)},
	}
	h.update(func(tx store.Tx) error {
		for _, tok := range toks {
			if err := tx.InsertToken(h.ctx, tok); err != nil {
				return err
			}
		}
		return nil
	})
	got, err := h.s.TokenByHash(h.ctx, "a3")
	h.noErr(err, "TokenByHash")
	if got.UserID != alice.ID {
		h.Fatalf("token user = %q", got.UserID)
	}
	h.sameJSON(got, toks[2], "TokenByHash")
	_, err = h.s.TokenByHash(h.ctx, "zz")
	h.mustErr(err, store.ErrNotFound, "TokenByHash missing")
	err = h.s.Update(h.ctx, func(tx store.Tx) error {
		return tx.InsertToken(h.ctx, &model.Token{Hash: "a1", UserID: bob.ID, CreatedAt: at(9)})
	})
	h.mustErr(err, store.ErrConflict, "InsertToken duplicate")

	hashes := func(userID, kind string) []string {
		h.Helper()
		ts, err := h.s.TokensOfUser(h.ctx, userID, kind)
		h.noErr(err, "TokensOfUser")
		return ids(ts, func(t *model.Token) string { return t.Hash })
	}
	h.sameSet(hashes(alice.ID, ""), []string{"a1", "a2", "a3"}, "all tokens")
	h.sameSet(hashes(alice.ID, model.TokenLogin), []string{"a1", "a2"}, "login tokens")

	upd := *toks[1]
	upd.ExpiresAt = at(50)
	h.update(func(tx store.Tx) error { return tx.UpdateToken(h.ctx, &upd) })
	got, err = h.s.TokenByHash(h.ctx, "a2")
	h.noErr(err, "TokenByHash")
	if !got.ExpiresAt.Equal(at(50).Time) {
		h.Fatalf("updated token expires %v", got.ExpiresAt)
	}
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.UpdateToken(h.ctx, &model.Token{Hash: "zz", UserID: bob.ID}) })
	h.mustErr(err, store.ErrNotFound, "UpdateToken missing")

	h.update(func(tx store.Tx) error { return tx.DeleteTokensOfUser(h.ctx, alice.ID, model.TokenLogin, "a2") })
	h.sameSet(hashes(alice.ID, ""), []string{"a2", "a3"}, "after DeleteTokensOfUser keep")
	h.update(func(tx store.Tx) error { return tx.DeleteTokensOfUser(h.ctx, alice.ID, "", "") })
	h.sameSet(hashes(alice.ID, ""), nil, "after DeleteTokensOfUser all")
	h.sameSet(hashes(bob.ID, ""), []string{"b1"}, "other user's tokens")
	h.update(func(tx store.Tx) error { return tx.DeleteToken(h.ctx, "b1") })
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteToken(h.ctx, "b1") })
	h.mustErr(err, store.ErrNotFound, "DeleteToken missing")
	if errors.Is(err, store.ErrConflict) {
		h.Fatal("not-found error also matches ErrConflict")
	}
}

func testUserServices(h *harness) {
	alice, bob := newUser("alice"), newUser("bob")
	h.insertUsers(alice, bob)
	put := func(us *model.UserService) error {
		return h.s.Update(h.ctx, func(tx store.Tx) error { return tx.PutUserService(h.ctx, us) })
	}
	h.noErr(put(&model.UserService{UserID: alice.ID, Service: "ldap", ExternalID: "e1", Data: []byte(`{"dn":"uid=alice"}`), UpdatedAt: at(1)}), "put ldap")
	h.noErr(put(&model.UserService{UserID: alice.ID, Service: "twofactor", Data: []byte(`{"totp":{}}`), UpdatedAt: at(2)}), "put twofactor")
	h.noErr(put(&model.UserService{UserID: bob.ID, Service: "twofactor", Data: []byte(`{}`), UpdatedAt: at(2)}), "put bob twofactor")
	h.mustErr(put(&model.UserService{UserID: bob.ID, Service: "ldap", ExternalID: "e1", Data: []byte(`{}`)}), store.ErrConflict, "same external id for another user")
	h.mustErr(put(&model.UserService{UserID: "nobody", Service: "ldap", ExternalID: "e9", Data: []byte(`{}`)}), store.ErrNotFound, "missing user")

	got, err := h.s.UserService(h.ctx, alice.ID, "ldap")
	h.noErr(err, "UserService")
	if got.ExternalID != "e1" || string(got.Data) != `{"dn":"uid=alice"}` || !got.UpdatedAt.Equal(at(1).Time) || got.UserID != alice.ID {
		h.Fatalf("UserService = %+v", got)
	}
	got, err = h.s.UserServiceByExternalID(h.ctx, "ldap", "e1")
	h.noErr(err, "UserServiceByExternalID")
	if got.UserID != alice.ID {
		h.Fatalf("by external id: user %q", got.UserID)
	}
	_, err = h.s.UserServiceByExternalID(h.ctx, "saml", "e1")
	h.mustErr(err, store.ErrNotFound, "other service's external id")
	_, err = h.s.UserServiceByExternalID(h.ctx, "twofactor", "")
	h.mustErr(err, store.ErrNotFound, "empty external id")
	_, err = h.s.UserService(h.ctx, bob.ID, "ldap")
	h.mustErr(err, store.ErrNotFound, "absent service")

	// Replacing keeps one record and frees the old external id.
	h.noErr(put(&model.UserService{UserID: alice.ID, Service: "ldap", ExternalID: "e2", Data: []byte(`{}`), UpdatedAt: at(3)}), "replace")
	h.noErr(put(&model.UserService{UserID: bob.ID, Service: "ldap", ExternalID: "e1", Data: []byte(`{}`)}), "old id free")
	all, err := h.s.UserServices(h.ctx, "ldap")
	h.noErr(err, "UserServices")
	h.sameSet(ids(all, func(us *model.UserService) string { return us.UserID + "=" + us.ExternalID }),
		[]string{alice.ID + "=e2", bob.ID + "=e1"}, "ldap links")

	h.update(func(tx store.Tx) error { return tx.DeleteUserService(h.ctx, bob.ID, "ldap") })
	err = h.s.Update(h.ctx, func(tx store.Tx) error { return tx.DeleteUserService(h.ctx, bob.ID, "ldap") })
	h.mustErr(err, store.ErrNotFound, "delete missing")
	h.update(func(tx store.Tx) error { return tx.DeleteUser(h.ctx, alice.ID) })
	all, err = h.s.UserServices(h.ctx, "twofactor")
	h.noErr(err, "UserServices")
	h.sameSet(ids(all, func(us *model.UserService) string { return us.UserID }), []string{bob.ID}, "services of a deleted user go")
}

func testPending(h *harness) {
	put := func(key, value string, expires, now int) error {
		return h.s.Update(h.ctx, func(tx store.Tx) error {
			return tx.PutPending(h.ctx, key, []byte(value), at(expires), at(now))
		})
	}
	take := func(key string, now int) ([]byte, error) {
		var v []byte
		err := h.s.Update(h.ctx, func(tx store.Tx) error {
			var err error
			v, err = tx.TakePending(h.ctx, key, at(now))
			return err
		})
		return v, err
	}
	h.noErr(put("a", "va", 10, 1), "put a")
	h.mustErr(put("a", "other", 20, 5), store.ErrConflict, "put over a live value")
	v, err := h.s.Pending(h.ctx, "a", at(5))
	h.noErr(err, "Pending")
	if string(v) != "va" {
		h.Fatalf("Pending = %q", v)
	}
	_, err = h.s.Pending(h.ctx, "a", at(10))
	h.mustErr(err, store.ErrNotFound, "Pending expired")
	h.noErr(put("a", "new", 30, 10), "put over an expired value")
	v, err = take("a", 11)
	h.noErr(err, "TakePending")
	if string(v) != "new" {
		h.Fatalf("TakePending = %q", v)
	}
	_, err = take("a", 11)
	h.mustErr(err, store.ErrNotFound, "take twice")
	h.noErr(put("b", "vb", 30, 11), "put b")
	_, err = take("b", 31)
	h.mustErr(err, store.ErrNotFound, "take expired")
	h.noErr(put("c", "vc", 50, 31), "put c")
	h.update(func(tx store.Tx) error { return tx.DeletePending(h.ctx, "c") })
	h.update(func(tx store.Tx) error { return tx.DeletePending(h.ctx, "never") })
	_, err = h.s.Pending(h.ctx, "c", at(32))
	h.mustErr(err, store.ErrNotFound, "deleted")
}
