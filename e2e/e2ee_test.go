package e2e

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"liftoff/internal/testserver"
)

// e2eClient plays a Rocket.Chat client's side of end-to-end encryption
// with Go's crypto: an RSA-OAEP (SHA-256) key pair whose private half is
// stored encrypted, room keys wrapped with members' public keys, and
// messages in rc.v2.aes-sha2 (AES-GCM, the key id and IV beside the
// ciphertext).
type e2eClient struct {
	t    *testing.T
	rest *testserver.Client
	priv *rsa.PrivateKey
}

func newE2EClient(t *testing.T, rest *testserver.Client) *e2eClient {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return &e2eClient{t: t, rest: rest, priv: k}
}

// publicJWK is the public key as the clients store it: a JWK as JSON.
func (c *e2eClient) publicJWK() string {
	b, _ := json.Marshal(map[string]any{"kty": "RSA", "alg": "RSA-OAEP-256", "e": "AQAB", "ext": true,
		"key_ops": []string{"encrypt"}, "n": base64.RawURLEncoding.EncodeToString(c.priv.N.Bytes())})
	return string(b)
}

// encryptedPrivateKey is the private key as a client uploads it: sealed
// with a key only the user's passphrase gives (here a random one).
func (c *e2eClient) encryptedPrivateKey() string {
	master := make([]byte, 32)
	_, _ = rand.Read(master)
	d := base64.RawURLEncoding.EncodeToString(c.priv.D.Bytes())
	return base64.StdEncoding.EncodeToString(seal(c.t, master, []byte(`{"kty":"RSA","d":"`+d+`"}`)))
}

func seal(t *testing.T, key, plain []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, _ := cipher.NewGCM(block)
	iv := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(iv)
	return append(iv, gcm.Seal(nil, iv, plain, nil)...)
}

func parsePublicJWK(t *testing.T, s string) *rsa.PublicKey {
	var jwk struct{ N, E string }
	if err := json.Unmarshal([]byte(s), &jwk); err != nil {
		t.Fatalf("public key %q: %v", s, err)
	}
	n, err := base64.RawURLEncoding.DecodeString(jwk.N)
	if err != nil {
		t.Fatal(err)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: 65537}
}

// roomKey is a room's AES-256-GCM key with its 12-character id.
type roomKey struct {
	raw []byte
	id  string
}

func newRoomKey() roomKey {
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	sum := sha256.Sum256([]byte(roomKeyJWK(raw)))
	return roomKey{raw: raw, id: base64.StdEncoding.EncodeToString(sum[:])[:12]}
}

func roomKeyJWK(raw []byte) string {
	return `{"alg":"A256GCM","ext":true,"k":"` + base64.RawURLEncoding.EncodeToString(raw) + `","key_ops":["encrypt","decrypt"],"kty":"oct"}`
}

// wrap is the member's copy of the room key: its id, then the exported key
// encrypted with the member's public key.
func (k roomKey) wrap(t *testing.T, pub *rsa.PublicKey) string {
	ct, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, []byte(roomKeyJWK(k.raw)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return k.id + base64.StdEncoding.EncodeToString(ct)
}

// unwrap reads a copy of a room key with the client's private key.
func (c *e2eClient) unwrap(wrapped string) roomKey {
	c.t.Helper()
	if len(wrapped) < 13 {
		c.t.Fatalf("wrapped key %q too short", wrapped)
	}
	ct, err := base64.StdEncoding.DecodeString(wrapped[12:])
	if err != nil {
		c.t.Fatal(err)
	}
	plain, err := rsa.DecryptOAEP(sha256.New(), rand.Reader, c.priv, ct, nil)
	if err != nil {
		c.t.Fatalf("unwrap: %v", err)
	}
	var jwk struct{ K string }
	if err := json.Unmarshal(plain, &jwk); err != nil {
		c.t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(jwk.K)
	return roomKey{raw: raw, id: wrapped[:12]}
}

// encrypt is a message's content in rc.v2.aes-sha2.
func (k roomKey) encrypt(t *testing.T, text string) map[string]any {
	block, _ := aes.NewCipher(k.raw)
	gcm, _ := cipher.NewGCM(block)
	iv := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(iv)
	body, _ := json.Marshal(map[string]any{"msg": text})
	return map[string]any{"algorithm": "rc.v2.aes-sha2", "kid": k.id, "iv": base64.StdEncoding.EncodeToString(iv),
		"ciphertext": base64.StdEncoding.EncodeToString(gcm.Seal(nil, iv, body, nil))}
}

func (k roomKey) decrypt(t *testing.T, content any) string {
	t.Helper()
	c, _ := content.(map[string]any)
	if c == nil || c["algorithm"] != "rc.v2.aes-sha2" || c["kid"] != k.id {
		t.Fatalf("content %v is not rc.v2 under key %s", content, k.id)
	}
	iv, _ := base64.StdEncoding.DecodeString(c["iv"].(string))
	ct, _ := base64.StdEncoding.DecodeString(c["ciphertext"].(string))
	block, _ := aes.NewCipher(k.raw)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, iv, ct, nil)
	if err != nil {
		t.Fatalf("decrypt: %v", err)
	}
	var body struct{ Msg string }
	_ = json.Unmarshal(plain, &body)
	return body.Msg
}

func TestE2EEncryptedRoom(t *testing.T) {
	srv := testserver.StartBinary(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_E2E_Enable=true"}})
	alice, bob, eve := newE2EClient(t, srv.CreateUser(t, "alice")), newE2EClient(t, srv.CreateUser(t, "bob")), newE2EClient(t, srv.CreateUser(t, "eve"))
	dave := srv.CreateUser(t, "dave")

	// Key pairs: set once, again only with force; only the owner reads them back.
	privates := map[string]string{}
	for _, c := range []*e2eClient{alice, bob, eve} {
		priv := c.encryptedPrivateKey()
		privates[c.rest.Username] = priv
		c.rest.Post("/api/v1/e2e.setUserPublicAndPrivateKeys", map[string]any{"public_key": c.publicJWK(), "private_key": priv}).OK(t)
		c.rest.Post("/api/v1/e2e.setUserPublicAndPrivateKeys", map[string]any{"public_key": c.publicJWK(), "private_key": priv}).
			Fail(t, http.StatusBadRequest, "error-keys-already-set")
		r := c.rest.Get("/api/v1/e2e.fetchMyKeys").OK(t)
		if r.Str("public_key") != c.publicJWK() || r.Str("private_key") != priv {
			t.Fatalf("fetchMyKeys of %s: %s", c.rest.Username, r.Body)
		}
	}
	alice.rest.Post("/api/v1/e2e.setUserPublicAndPrivateKeys", map[string]any{"public_key": alice.publicJWK(), "private_key": privates["alice"], "force": true}).OK(t)
	if r := dave.Get("/api/v1/e2e.fetchMyKeys").OK(t); r.Get("public_key") != nil || r.Get("private_key") != nil {
		t.Fatalf("a user without keys: %s", r.Body)
	}
	dave.Post("/api/v1/e2e.setUserPublicAndPrivateKeys", map[string]any{"public_key": "", "private_key": "x"}).Fail(t, http.StatusBadRequest, "")

	// An encrypted group.
	r := alice.rest.Post("/api/v1/groups.create", map[string]any{"name": "secret", "members": []string{"bob", "dave"}, "extraData": map[string]any{"encrypted": true}}).OK(t)
	rid := r.Str("group._id")
	if r.Get("group.encrypted") != true {
		t.Fatalf("groups.create encrypted: %s", r.Body)
	}

	// Alice's client makes the room key and hands it out as the clients do.
	key := newRoomKey()
	alice.rest.Post("/api/v1/e2e.setRoomKeyID", map[string]any{"rid": rid, "keyID": key.id}).OK(t)
	alice.rest.Post("/api/v1/e2e.setRoomKeyID", map[string]any{"rid": rid, "keyID": "other"}).Fail(t, http.StatusBadRequest, "error-room-e2e-key-already-exists")
	if got := alice.rest.Get("/api/v1/rooms.info", "roomId", rid).OK(t).Str("room.e2eKeyId"); got != key.id {
		t.Fatalf("room e2eKeyId = %q", got)
	}
	r = alice.rest.Get("/api/v1/e2e.getUsersOfRoomWithoutKey", "rid", rid).OK(t)
	without := map[string]string{}
	for _, u := range r.List("users") {
		m := u.(map[string]any)
		without[m["_id"].(string)] = m["e2e"].(map[string]any)["public_key"].(string)
	}
	if len(without) != 2 || without[bob.rest.UserID] != bob.publicJWK() || without[alice.rest.UserID] != alice.publicJWK() {
		t.Fatalf("users without key (dave has no keys): %s", r.Body)
	}
	if bytes.Contains(r.Body, []byte(privates["bob"])) || bytes.Contains(r.Body, []byte("private_key")) {
		t.Fatalf("a private key left for another user: %s", r.Body)
	}
	alice.rest.Post("/api/v1/e2e.updateGroupKey", map[string]any{"rid": rid, "uid": alice.rest.UserID, "key": key.wrap(t, parsePublicJWK(t, without[alice.rest.UserID]))}).OK(t)
	alice.rest.Post("/api/v1/e2e.updateGroupKey", map[string]any{"rid": rid, "uid": bob.rest.UserID, "key": key.wrap(t, parsePublicJWK(t, without[bob.rest.UserID]))}).OK(t)

	// Bob accepts the suggested key.
	sub := bob.rest.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t)
	if sub.Str("subscription.E2ESuggestedKey") == "" || sub.Get("subscription.E2EKey") != nil {
		t.Fatalf("bob's subscription before accepting: %s", sub.Body)
	}
	bobKey := bob.unwrap(sub.Str("subscription.E2ESuggestedKey"))
	bob.rest.Post("/api/v1/e2e.acceptSuggestedGroupKey", map[string]any{"rid": rid}).OK(t)
	bob.rest.Post("/api/v1/e2e.acceptSuggestedGroupKey", map[string]any{"rid": rid}).Fail(t, http.StatusBadRequest, "error-no-suggested-key-available")
	sub = bob.rest.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t)
	if sub.Str("subscription.E2EKey") == "" || sub.Get("subscription.E2ESuggestedKey") != nil {
		t.Fatalf("bob's subscription after accepting: %s", sub.Body)
	}
	aliceKey := alice.unwrap(alice.rest.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Str("subscription.E2EKey"))

	// The outsider gets nothing and changes nothing.
	eve.rest.Get("/api/v1/e2e.getUsersOfRoomWithoutKey", "rid", rid).Fail(t, http.StatusBadRequest, "error-invalid-room")
	eve.rest.Post("/api/v1/e2e.setRoomKeyID", map[string]any{"rid": rid, "keyID": "x"}).Fail(t, http.StatusBadRequest, "error-invalid-room")
	eve.rest.Post("/api/v1/e2e.acceptSuggestedGroupKey", map[string]any{"rid": rid}).Fail(t, http.StatusBadRequest, "error-subscription-not-found")
	eve.rest.Post("/api/v1/e2e.updateGroupKey", map[string]any{"rid": rid, "uid": bob.rest.UserID, "key": "evil"}).OK(t)
	eve.rest.Post("/api/v1/e2e.provideUsersSuggestedGroupKeys", map[string]any{"usersSuggestedGroupKeys": map[string]any{rid: []any{map[string]any{"_id": bob.rest.UserID, "key": "evil"}}}}).OK(t)
	if w := eve.rest.Get("/api/v1/e2e.fetchUsersWaitingForGroupKey", "roomIds", rid).OK(t); len(w.Get("usersWaitingForE2EKeys").(map[string]any)) != 0 {
		t.Fatalf("waiting users for an outsider: %s", w.Body)
	}
	eve.rest.Post("/api/v1/e2e.resetRoomKey", map[string]any{"rid": rid, "e2eKey": "x", "e2eKeyId": "y"}).Fail(t, http.StatusForbidden, "")
	if s := bob.rest.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t); bytes.Contains(s.Body, []byte("evil")) {
		t.Fatalf("the outsider changed bob's keys: %s", s.Body)
	}

	// Encrypted messages, each read by the other.
	const fromAlice, fromBob = "the launch code is 7391-alpha", "bob's secret reply zebra-42"
	aliceMsgID := alice.rest.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "", "t": "e2e", "e2e": "pending", "content": aliceKey.encrypt(t, fromAlice)}}).OK(t).Str("message._id")
	bobDDP := ddpDial(t, srv)
	bobDDP.login("bob", "bob-pass")
	var sent map[string]any
	bobDDP.call(&sent, "sendMessage", map[string]any{"rid": rid, "msg": "", "t": "e2e", "e2e": "pending", "content": bobKey.encrypt(t, fromBob)})
	if sent["t"] != "e2e" || sent["e2e"] != "pending" || aliceKey.decrypt(t, sent["content"]) != fromBob {
		t.Fatalf("sendMessage over DDP answered %v", sent)
	}
	alice.rest.Post("/api/v1/chat.sendMessage", map[string]any{"message": map[string]any{"rid": rid, "msg": "plain text"}}).Fail(t, http.StatusBadRequest, "error-not-allowed")
	for _, reader := range []struct {
		c    *e2eClient
		key  roomKey
		want string
	}{{bob, bobKey, fromAlice}, {alice, aliceKey, fromBob}} {
		h := reader.c.rest.Get("/api/v1/groups.history", "roomId", rid).OK(t)
		found := false
		for _, m := range h.List("messages") {
			msg := m.(map[string]any)
			if msg["t"] != "e2e" {
				continue
			}
			if msg["msg"] != "" || msg["e2e"] != "pending" {
				t.Fatalf("stored encrypted message: %v", msg)
			}
			if reader.key.decrypt(t, msg["content"]) == reader.want {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s cannot read %q: %s", reader.c.rest.Username, reader.want, h.Body)
		}
	}

	// Encrypted edits replace the ciphertext: chat.update {content} and
	// updateMessage with content; the text stays empty.
	const editedByAlice, editedByBob = "the launch code is now 8802-bravo", "bob's edited reply yak-7"
	alice.rest.Post("/api/v1/chat.update", map[string]any{"roomId": rid, "msgId": aliceMsgID, "content": aliceKey.encrypt(t, editedByAlice)}).OK(t)
	if m := bob.rest.Get("/api/v1/chat.getMessage", "msgId", aliceMsgID).OK(t); bobKey.decrypt(t, m.Get("message.content")) != editedByAlice ||
		m.Str("message.msg") != "" || m.Str("message.editedAt") == "" {
		t.Fatalf("alice's encrypted edit: %s", m.Body)
	}
	bobDDP.call(nil, "updateMessage", map[string]any{"_id": sent["_id"], "rid": rid, "msg": "", "content": bobKey.encrypt(t, editedByBob)})
	if m := alice.rest.Get("/api/v1/chat.getMessage", "msgId", sent["_id"].(string)).OK(t); aliceKey.decrypt(t, m.Get("message.content")) != editedByBob {
		t.Fatalf("bob's encrypted edit over DDP: %s", m.Body)
	}
	clear := alice.rest.Post("/api/v1/chat.postMessage", map[string]any{"channel": "#general", "text": "in the clear"}).OK(t).Str("message._id")
	alice.rest.Post("/api/v1/chat.update", map[string]any{"roomId": alice.rest.Get("/api/v1/chat.getMessage", "msgId", clear).OK(t).Str("message.rid"),
		"msgId": clear, "content": aliceKey.encrypt(t, "x")}).Fail(t, http.StatusBadRequest, "")

	// The key request relay reaches members only.
	aliceDDP := ddpDial(t, srv)
	aliceDDP.login("alice", "alice-pass")
	aliceDDP.sub("stream-notify-user", alice.rest.UserID+"/e2ekeyRequest", false)
	aliceDDP.sub("stream-notify-room", rid+"/e2e.keyRequest", false)
	eveDDP := ddpDial(t, srv)
	eveDDP.login("eve", "eve-pass")
	eveDDP.sub("stream-notify-user", eve.rest.UserID+"/e2ekeyRequest", false)
	eveDDP.call(nil, "stream-notify-room-users", rid+"/e2ekeyRequest", rid, "from-eve")
	daveDDP := ddpDial(t, srv)
	daveDDP.login("dave", "dave-pass")
	daveDDP.call(nil, "stream-notify-room-users", rid+"/e2ekeyRequest", rid, "from-dave")
	args := aliceDDP.event("stream-notify-user", alice.rest.UserID+"/e2ekeyRequest", nil)
	if len(args) != 2 || args[0] != rid || args[1] != "from-dave" {
		t.Fatalf("relayed request: %v (the outsider's must not arrive)", args)
	}
	if f, ok := eveDDP.tryTake(300*time.Millisecond, func(f map[string]any) bool { return f["msg"] == "changed" }); ok {
		t.Fatalf("the outsider received %v", f)
	}
	var ok bool
	daveDDP.call(&ok, "e2e.requestSubscriptionKeys")
	if args := aliceDDP.event("stream-notify-room", rid+"/e2e.keyRequest", nil); len(args) != 1 || args[0] != key.id || !ok {
		t.Fatalf("requestSubscriptionKeys: %v %v", args, ok)
	}

	// The room key reset: owners only, old keys kept.
	bob.rest.Post("/api/v1/e2e.resetRoomKey", map[string]any{"rid": rid, "e2eKey": "x", "e2eKeyId": "y"}).Fail(t, http.StatusForbidden, "error-not-allowed")
	key2 := newRoomKey()
	alice.rest.Post("/api/v1/e2e.resetRoomKey", map[string]any{"rid": rid, "e2eKey": key2.wrap(t, &alice.priv.PublicKey), "e2eKeyId": key2.id}).OK(t)
	room := alice.rest.Get("/api/v1/rooms.info", "roomId", rid).OK(t)
	queue := room.List("room.usersWaitingForE2EKeys")
	if room.Str("room.e2eKeyId") != key2.id || len(queue) != 1 || queue[0].(map[string]any)["userId"] != bob.rest.UserID {
		t.Fatalf("room after reset (bob queued): %s", room.Body)
	}
	sub = bob.rest.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t)
	old := sub.List("subscription.oldRoomKeys")
	if sub.Get("subscription.E2EKey") != nil || len(old) != 1 || old[0].(map[string]any)["e2eKeyId"] != key.id {
		t.Fatalf("bob after reset: %s", sub.Body)
	}
	w := alice.rest.Get("/api/v1/e2e.fetchUsersWaitingForGroupKey", "roomIds", rid).OK(t)
	waiting, _ := w.Get("usersWaitingForE2EKeys." + rid).([]any)
	if len(waiting) != 1 || waiting[0].(map[string]any)["_id"] != bob.rest.UserID || waiting[0].(map[string]any)["public_key"] != bob.publicJWK() {
		t.Fatalf("waiting after reset: %s", w.Body)
	}
	alice.rest.Post("/api/v1/e2e.provideUsersSuggestedGroupKeys", map[string]any{"usersSuggestedGroupKeys": map[string]any{
		rid: []any{map[string]any{"_id": bob.rest.UserID, "key": key2.wrap(t, &bob.priv.PublicKey)}}}}).OK(t)
	if got := bob.unwrap(bob.rest.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t).Str("subscription.E2ESuggestedKey")); got.id != key2.id {
		t.Fatalf("bob's new key id %s", got.id)
	}

	// Resetting one's own key: keys and room keys gone, other sessions ended.
	var reset bool
	sum := sha256.Sum256([]byte("bob-pass"))
	bobDDP.call(&reset, "e2e.resetOwnE2EKey", map[string]any{"twoFactorCode": hexString(sum[:]), "twoFactorMethod": "password"})
	if !reset {
		t.Fatal("resetOwnE2EKey answered false")
	}
	bob.rest.Get("/api/v1/e2e.fetchMyKeys").Fail(t, http.StatusUnauthorized, "")
	bobAgain := srv.Login(t, "bob", "bob-pass")
	if r := bobAgain.Get("/api/v1/e2e.fetchMyKeys").OK(t); r.Get("public_key") != nil {
		t.Fatalf("keys after reset: %s", r.Body)
	}
	if s := bobAgain.Get("/api/v1/subscriptions.getOne", "roomId", rid).OK(t); s.Get("subscription.E2EKey") != nil || s.Get("subscription.E2ESuggestedKey") != nil {
		t.Fatalf("room keys after reset: %s", s.Body)
	}

	// The database holds no plaintext of the messages or the room key.
	files, _ := filepath.Glob(filepath.Join(srv.DataDir, "liftoff.db*"))
	if len(files) == 0 {
		t.Fatal("no database files")
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{fromAlice, fromBob, base64.RawURLEncoding.EncodeToString(key.raw)} {
			if bytes.Contains(b, []byte(secret)) {
				t.Fatalf("%s holds plaintext %q", f, secret)
			}
		}
	}
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestE2EToggleRules checks who may turn encryption on, where, and the
// defaults E2E_Enabled_Default_* give new rooms.
func TestE2EToggleRules(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Env: []string{"OVERWRITE_SETTING_E2E_Enable=true",
		"OVERWRITE_SETTING_E2E_Enabled_Default_PrivateRooms=true", "OVERWRITE_SETTING_E2E_Enabled_Default_DirectRooms=true"}})
	owner, member := srv.CreateUser(t, "owner"), srv.CreateUser(t, "member")
	ownerDDP := ddpDial(t, srv)
	ownerDDP.login("owner", "owner-pass")
	memberDDP := ddpDial(t, srv)
	memberDDP.login("member", "member-pass")

	g := owner.Post("/api/v1/groups.create", map[string]any{"name": "by-default", "members": []string{"member"}}).OK(t)
	if g.Get("group.encrypted") != true {
		t.Fatalf("a new group with E2E_Enabled_Default_PrivateRooms: %s", g.Body)
	}
	plain := owner.Post("/api/v1/groups.create", map[string]any{"name": "asked-plain", "extraData": map[string]any{"encrypted": false}}).OK(t)
	if plain.Get("group.encrypted") == true {
		t.Fatalf("extraData.encrypted false: %s", plain.Body)
	}
	dm := owner.Post("/api/v1/im.create", map[string]any{"username": "member"}).OK(t)
	if dm.Get("room.encrypted") != true {
		t.Fatalf("a new direct conversation with E2E_Enabled_Default_DirectRooms: %s", dm.Body)
	}
	ch := owner.Post("/api/v1/channels.create", map[string]any{"name": "open"}).OK(t)

	gid, did, cid := g.Str("group._id"), dm.Str("room._id"), ch.Str("channel._id")
	e := ownerDDP.callFail("error-action-not-allowed", "saveRoomSettings", cid, "encrypted", true)
	if e["reason"] != "Only groups or direct channels can enable encryption" {
		t.Fatalf("channel: %v", e)
	}
	memberDDP.callFail("error-action-not-allowed", "saveRoomSettings", gid, "encrypted", false)
	ownerDDP.call(nil, "saveRoomSettings", gid, "encrypted", false)
	if owner.Get("/api/v1/groups.info", "roomId", gid).OK(t).Get("group.encrypted") == true {
		t.Fatal("the owner could not turn encryption off")
	}
	h := owner.Get("/api/v1/groups.history", "roomId", gid).OK(t)
	if !strings.Contains(string(h.Body), `"t":"room_e2e_disabled"`) {
		t.Fatalf("no room_e2e_disabled system message: %s", h.Body)
	}
	r := owner.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"rid": gid, "encrypted": true}).OK(t)
	if r.Str("rid") != gid || owner.Get("/api/v1/groups.info", "roomId", gid).OK(t).Get("group.encrypted") != true {
		t.Fatalf("rooms.saveRoomSettings encrypted: %s", r.Body)
	}
	member.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"rid": gid, "encrypted": false}).Fail(t, http.StatusForbidden, "error-action-not-allowed")
	owner.Post("/api/v1/rooms.saveRoomSettings", map[string]any{"rid": gid, "featured": true}).Fail(t, http.StatusBadRequest, "error-invalid-settings")
	memberDDP.call(nil, "saveRoomSettings", did, "encrypted", false)
	if member.Get("/api/v1/rooms.info", "roomId", did).OK(t).Get("room.encrypted") == true {
		t.Fatal("a direct conversation's member could not turn encryption off")
	}
	outsider := ddpDial(t, srv)
	srv.CreateUser(t, "outsider")
	outsider.login("outsider", "outsider-pass")
	outsider.callFail("error-action-not-allowed", "saveRoomSettings", did, "encrypted", true)
}
