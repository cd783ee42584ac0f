// Package dumptest writes realistic mongodumps of a Rocket.Chat database for
// tests: documents shaped as Rocket.Chat 8 stores them (its
// @rocket.chat/core-typings IUser, IRoom, ISubscription, IMessage, ITeam,
// ITeamMember, IRole, IPermission, ISetting), encoded with the bson package
// the way mongodump writes them: one length-prefixed document after the
// other in <collection>.bson (or .bson.gz), beside <collection>.metadata.json.
package dumptest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Options shape the dump.
type Options struct {
	Gzip bool // write <collection>.bson.gz, as mongodump --gzip
	// CorruptMessage inserts, in the middle of rocketchat_message, a
	// document whose length is right but whose content is not BSON (its
	// _id is CorruptID).
	CorruptMessage bool
	// Messages adds this many generated messages to #dev (after the
	// hand-written ones), for volume.
	Messages int
	// BadEmoji adds two custom emoji that cannot be imported: one without
	// a name, one whose picture is nowhere.
	BadEmoji bool
	// Now is the dump's present (default: the current time). Login tokens
	// are a day old.
	Now time.Time
}

// The workspace's facts, for the tests to check.
const (
	DB = "rocketchat"

	AlicePassword = "alice-old-pass" // bcrypt
	BobPassword   = "bob-old-pass"   // argon2id
	AliceToken    = "alice-mobile-resume-token-kept-after-the-move"
	AliceOldToken = "alice-token-from-last-year" // older than Accounts_LoginExpiration: not imported
	AlicePAT      = "alice-personal-access-token-for-ci"
	CarolPassword = "carol-pass"       // bcrypt, with TOTP on
	CarolTOTP     = "JBSWY3DPEHPK3PXP" // carol's TOTP secret (services.totp.secret)
	CarolBackup   = "a1b2c3d4"         // one of carol's unused backup codes
	CorruptID     = "CorruptMessage001"

	AliceID = "aliceUserId00001"
	BobID   = "bobUserId0000001"
	CarolID = "carolUserId00001"
	AdminID = "rcAdminUserId001"

	DevID    = "devRoomId0000001"
	SecretID = "secretRoomId0001"
	TeamRoom = "teamRoomId000001"
	TeamID   = "teamId0000000001"
	DirectID = AliceID + BobID // Rocket.Chat's id of a DM: the two user ids, sorted, joined

	Hello      = "helloMessage0001" // alice: "hello @bob", a 👍 from bob and carol, starred by alice
	ThreadRoot = "threadRoot000001" // bob asks; alice and carol reply (2 replies)
	Reply1     = "threadReply00001"
	Reply2     = "threadReply00002"
	Pinned     = "pinnedMessage001"
	Edited     = "editedMessage001" // edited by alice: "fixed text" (previous version kept hidden)
	EditedOld  = "editedOldVersion"
	Deleted    = "deletedMessage01" // t "rm": deleted with Message_ShowDeletedStatus
	DirectMsg  = "directMessage001"
	SecretMsg  = "secretMessage001"
	CryptID    = "cryptRoomId00001" // an end-to-end encrypted group
	// DiscussionID is a discussion of #secret started by DiscussionStart,
	// whose dcount the dump has stale (the import recounts: 1).
	DiscussionID = "discussionRoom01"
	// GridFSUpload is a picture bob sent to #secret, stored in GridFS (its
	// bytes in the dump); FSUpload a document stored by FileSystem
	// storage (its bytes in <dir>/uploads/<id>, for --files).
	GridFSUpload = "gridFSUpload0001"
	FSUpload     = "fsUpload00000001"
	FileMsg      = "fileMessage00001"
	// AliceAvatarETag is alice's uploaded avatar (GridFS, AvatarPNG).
	AliceAvatarETag = "aliceAvatarEtag1"
	DiscussionStart = "discussionStart1"
	// PartyEmoji is a custom emoji stored in GridFS (custom_emoji bucket,
	// EmojiPNG); ShipitEmoji one stored by FileSystem storage (its bytes
	// in <dir>/uploads/shipit.gif, for --files).
	PartyEmoji  = "partyEmojiId0001"
	ShipitEmoji = "shipitEmojiId001"
	CryptMsg    = "cryptMessage0001"
)

// Write writes the dump into dir/rocketchat and returns dir.
func Write(dir string, o Options) (string, error) {
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	now := o.Now.UTC().Truncate(time.Millisecond)
	ago := func(d time.Duration) time.Time { return now.Add(-d) }
	db := filepath.Join(dir, DB)
	if err := os.MkdirAll(db, 0o755); err != nil {
		return "", err
	}
	w := &writer{dir: db, gzip: o.Gzip}

	aliceHash, err := bcrypt.GenerateFromPassword([]byte(digest(AlicePassword)), 4)
	if err != nil {
		return "", err
	}
	salt := []byte("0123456789abcdef")
	bobHash := fmt.Sprintf("$argon2id$v=19$m=19456,t=2,p=1$%s$%s", base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte(digest(BobPassword)), salt, 2, 19456, 1, 32)))
	carolHash, err := bcrypt.GenerateFromPassword([]byte(digest(CarolPassword)), 4)
	if err != nil {
		return "", err
	}
	created := ago(400 * 24 * time.Hour)
	user := func(id, username, name, email string, roles []string, services bson.D, extra ...bson.E) bson.D {
		d := bson.D{{Key: "_id", Value: id}, {Key: "createdAt", Value: created}, {Key: "services", Value: services},
			{Key: "emails", Value: bson.A{bson.D{{Key: "address", Value: email}, {Key: "verified", Value: true}}}},
			{Key: "type", Value: "user"}, {Key: "status", Value: "online"}, {Key: "active", Value: true},
			{Key: "_updatedAt", Value: ago(time.Hour)}, {Key: "roles", Value: roles}, {Key: "name", Value: name},
			{Key: "lastLogin", Value: ago(2 * time.Hour)}, {Key: "statusConnection", Value: "online"},
			{Key: "utcOffset", Value: int32(2)}, {Key: "username", Value: username},
			{Key: "__rooms", Value: bson.A{"GENERAL", DevID}},
			{Key: "settings", Value: bson.D{{Key: "preferences", Value: bson.D{{Key: "language", Value: "en"}}}}}}
		return append(d, extra...)
	}
	users := []bson.D{
		{{Key: "_id", Value: "rocket.cat"}, {Key: "createdAt", Value: created}, {Key: "avatarOrigin", Value: "local"},
			{Key: "name", Value: "Rocket.Cat"}, {Key: "username", Value: "rocket.cat"}, {Key: "status", Value: "online"},
			{Key: "statusDefault", Value: "online"}, {Key: "utcOffset", Value: int32(0)}, {Key: "active", Value: true},
			{Key: "type", Value: "bot"}, {Key: "_updatedAt", Value: created}, {Key: "roles", Value: bson.A{"bot"}}},
		user(AdminID, "rcadmin", "The Admin", "admin@acme.example", []string{"admin", "user"}, bson.D{
			{Key: "password", Value: bson.D{{Key: "bcrypt", Value: string(aliceHash)}}}}),
		user(AliceID, "alice", "Alice Liddell", "alice@acme.example", []string{"user", "moderator-plus"}, bson.D{
			{Key: "password", Value: bson.D{{Key: "bcrypt", Value: string(aliceHash)}}},
			{Key: "email2fa", Value: bson.D{{Key: "enabled", Value: false}, {Key: "changedAt", Value: created}}},
			{Key: "resume", Value: bson.D{{Key: "loginTokens", Value: bson.A{
				bson.D{{Key: "when", Value: ago(24 * time.Hour)}, {Key: "hashedToken", Value: hashToken(AliceToken)}},
				bson.D{{Key: "when", Value: ago(365 * 24 * time.Hour)}, {Key: "hashedToken", Value: hashToken(AliceOldToken)}},
				bson.D{{Key: "type", Value: "personalAccessToken"}, {Key: "createdAt", Value: ago(30 * 24 * time.Hour)},
					{Key: "lastTokenPart", Value: AlicePAT[len(AlicePAT)-6:]}, {Key: "name", Value: "ci"},
					{Key: "hashedToken", Value: hashToken(AlicePAT)}, {Key: "bypassTwoFactor", Value: true}},
			}}}}}, bson.E{Key: "bio", Value: "Down the rabbit hole"},
			bson.E{Key: "avatarOrigin", Value: "upload"}, bson.E{Key: "avatarETag", Value: AliceAvatarETag}),
		user(BobID, "bob", "Bob Builder", "bob@acme.example", []string{"user"}, bson.D{
			{Key: "password", Value: bson.D{{Key: "argon2", Value: bobHash}}}}),
		user(CarolID, "carol", "Carol Danvers", "carol@acme.example", []string{"user"}, bson.D{
			{Key: "password", Value: bson.D{{Key: "bcrypt", Value: string(carolHash)}}},
			{Key: "totp", Value: bson.D{{Key: "enabled", Value: true}, {Key: "secret", Value: CarolTOTP},
				{Key: "hashedBackup", Value: bson.A{digest(CarolBackup), digest("e5f6a7b8")}}}}}),
	}
	if err := w.write("users", users); err != nil {
		return "", err
	}

	ref := func(id, username string) bson.D {
		return bson.D{{Key: "_id", Value: id}, {Key: "username", Value: username}}
	}
	nameRef := func(id, username, name string) bson.D {
		return append(ref(id, username), bson.E{Key: "name", Value: name})
	}
	alice, bob, carol := nameRef(AliceID, "alice", "Alice Liddell"), nameRef(BobID, "bob", "Bob Builder"), nameRef(CarolID, "carol", "Carol Danvers")
	roomsCreated := ago(300 * 24 * time.Hour)
	room := func(id, t, name string, extra ...bson.E) bson.D {
		d := bson.D{{Key: "_id", Value: id}, {Key: "t", Value: t}, {Key: "ts", Value: roomsCreated}}
		if name != "" {
			d = append(d, bson.E{Key: "name", Value: name}, bson.E{Key: "fname", Value: name})
		}
		d = append(d, bson.E{Key: "u", Value: ref(AdminID, "rcadmin")}, bson.E{Key: "_updatedAt", Value: ago(time.Hour)},
			// Counters as a live server left them: wrong on purpose, the
			// import recounts.
			bson.E{Key: "msgs", Value: int32(999)}, bson.E{Key: "usersCount", Value: int32(42)},
			bson.E{Key: "default", Value: false}, bson.E{Key: "sysMes", Value: true}, bson.E{Key: "ro", Value: false})
		return with(d, extra...)
	}
	rooms := []bson.D{
		room("GENERAL", "c", "general", bson.E{Key: "default", Value: true}, bson.E{Key: "topic", Value: "Company-wide"}),
		room(DevID, "c", "dev", bson.E{Key: "description", Value: "Engineering talk"}),
		room(SecretID, "p", "secret"),
		room(DirectID, "d", "", bson.E{Key: "uids", Value: bson.A{AliceID, BobID}}, bson.E{Key: "usernames", Value: bson.A{"alice", "bob"}}),
		room(TeamRoom, "c", "eng", bson.E{Key: "teamMain", Value: true}, bson.E{Key: "teamId", Value: TeamID}),
		room(DiscussionID, "p", "discussionRoom01", bson.E{Key: "fname", Value: "release plan"}, bson.E{Key: "prid", Value: SecretID}),
		room(CryptID, "p", "crypt", bson.E{Key: "encrypted", Value: true}, bson.E{Key: "e2eKeyId", Value: "a1b2c3d4e5f6"}),
		room("livechatRoom0001", "l", "", bson.E{Key: "v", Value: bson.D{{Key: "_id", Value: "visitor1"}, {Key: "token", Value: "x"}}}),
	}
	if err := w.write("rocketchat_room", rooms); err != nil {
		return "", err
	}

	subCreated := ago(200 * 24 * time.Hour)
	seen := ago(48 * time.Hour) // before every hand-written message
	sub := func(rid, t, name string, u bson.D, extra ...bson.E) bson.D {
		uid := u[0].Value.(string)
		d := bson.D{{Key: "_id", Value: "sub-" + rid + "-" + uid}, {Key: "open", Value: true}, {Key: "alert", Value: false},
			{Key: "unread", Value: int32(0)}, {Key: "userMentions", Value: int32(0)}, {Key: "groupMentions", Value: int32(0)},
			{Key: "ts", Value: subCreated}, {Key: "rid", Value: rid}, {Key: "name", Value: name}, {Key: "fname", Value: name},
			{Key: "t", Value: t}, {Key: "u", Value: u}, {Key: "_updatedAt", Value: ago(time.Hour)}, {Key: "ls", Value: seen},
			{Key: "lr", Value: seen}}
		return append(d, extra...)
	}
	subs := []bson.D{
		sub("GENERAL", "c", "general", alice), sub("GENERAL", "c", "general", bob), sub("GENERAL", "c", "general", carol),
		sub(DevID, "c", "dev", alice, bson.E{Key: "f", Value: true}), sub(DevID, "c", "dev", bob), sub(DevID, "c", "dev", carol),
		sub(SecretID, "p", "secret", alice, bson.E{Key: "roles", Value: bson.A{"owner"}}), sub(SecretID, "p", "secret", bob),
		sub(DirectID, "d", "bob", alice), sub(DirectID, "d", "alice", bob),
		sub(DiscussionID, "p", "release plan", alice, bson.E{Key: "prid", Value: SecretID}),
		sub(TeamRoom, "c", "eng", alice, bson.E{Key: "roles", Value: bson.A{"owner"}}), sub(TeamRoom, "c", "eng", carol),
		sub("livechatRoom0001", "l", "visitor", bob),
	}
	if err := w.write("rocketchat_subscription", subs); err != nil {
		return "", err
	}

	msg := func(id, rid, text string, u bson.D, ts time.Time, extra ...bson.E) bson.D {
		d := bson.D{{Key: "_id", Value: id}, {Key: "rid", Value: rid}, {Key: "msg", Value: text}, {Key: "ts", Value: ts},
			{Key: "u", Value: u}, {Key: "_updatedAt", Value: ts}, {Key: "mentions", Value: bson.A{}}, {Key: "channels", Value: bson.A{}},
			{Key: "md", Value: bson.A{bson.D{{Key: "type", Value: "PARAGRAPH"}, {Key: "value", Value: bson.A{
				bson.D{{Key: "type", Value: "PLAIN_TEXT"}, {Key: "value", Value: text}}}}}}}}
		return with(d, extra...)
	}
	t0 := ago(24 * time.Hour)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	msgs := []bson.D{
		msg("sysJoin000000001", DevID, "alice", ref(AliceID, "alice"), at(0), bson.E{Key: "t", Value: "uj"}),
		msg(Hello, DevID, "hello @bob", alice, at(1),
			bson.E{Key: "mentions", Value: bson.A{nameRef(BobID, "bob", "Bob Builder")}},
			bson.E{Key: "reactions", Value: bson.D{{Key: ":+1:", Value: bson.D{{Key: "usernames", Value: bson.A{"bob", "carol"}}}}}},
			bson.E{Key: "starred", Value: bson.A{bson.D{{Key: "_id", Value: AliceID}}}}),
		msg(ThreadRoot, DevID, "who reviews the release?", bob, at(2),
			// Stale thread counters: the import recounts.
			bson.E{Key: "tcount", Value: int32(7)}, bson.E{Key: "tlm", Value: at(2)}, bson.E{Key: "replies", Value: bson.A{BobID}}),
		msg(Reply1, DevID, "I do", alice, at(3), bson.E{Key: "tmid", Value: ThreadRoot}),
	}
	if o.CorruptMessage {
		msgs = append(msgs, nil) // a placeholder, written corrupt
	}
	msgs = append(msgs,
		msg(Reply2, DevID, "me too @all", carol, at(4), bson.E{Key: "tmid", Value: ThreadRoot},
			bson.E{Key: "mentions", Value: bson.A{bson.D{{Key: "_id", Value: "all"}, {Key: "username", Value: "all"}}}}),
		msg(Pinned, DevID, "release notes are in the wiki", bob, at(5), bson.E{Key: "pinned", Value: true},
			bson.E{Key: "pinnedAt", Value: at(6)}, bson.E{Key: "pinnedBy", Value: ref(AdminID, "rcadmin")}),
		msg("pinNotice0000001", DevID, "", ref(AdminID, "rcadmin"), at(6), bson.E{Key: "t", Value: "message_pinned"},
			bson.E{Key: "attachments", Value: bson.A{bson.D{{Key: "text", Value: "release notes are in the wiki"},
				{Key: "author_name", Value: "bob"}, {Key: "ts", Value: at(5)}}}}),
		msg(EditedOld, DevID, "fixd txt", alice, at(7), bson.E{Key: "_hidden", Value: true}, bson.E{Key: "parent", Value: Edited},
			bson.E{Key: "_updatedAt", Value: at(8)}),
		msg(Edited, DevID, "fixed text", alice, at(7), bson.E{Key: "editedAt", Value: at(8)},
			bson.E{Key: "editedBy", Value: ref(AliceID, "alice")}, bson.E{Key: "_updatedAt", Value: at(8)}),
		msg(Deleted, DevID, "", carol, at(9), bson.E{Key: "t", Value: "rm"}),
		msg(SecretMsg, SecretID, "the secret plan", alice, at(10)),
		msg(DirectMsg, DirectID, "hi bob, a word in private", alice, at(11)),
		msg(DiscussionStart, SecretID, "release plan", alice, at(10).Add(time.Second), bson.E{Key: "t", Value: "discussion-created"},
			bson.E{Key: "drid", Value: DiscussionID}, bson.E{Key: "dcount", Value: int32(5)}, bson.E{Key: "dlm", Value: at(2)}),
		msg("discussionMsg001", DiscussionID, "first step: freeze", alice, at(13)),
		msg(FileMsg, SecretID, "", bob, at(10).Add(2*time.Second),
			bson.E{Key: "file", Value: bson.D{{Key: "_id", Value: GridFSUpload}, {Key: "name", Value: "plan.bin"}, {Key: "type", Value: "application/octet-stream"},
				{Key: "size", Value: int64(len(GridFSBytes()))}, {Key: "format", Value: ""}}},
			bson.E{Key: "files", Value: bson.A{bson.D{{Key: "_id", Value: GridFSUpload}, {Key: "name", Value: "plan.bin"},
				{Key: "type", Value: "application/octet-stream"}, {Key: "size", Value: int64(len(GridFSBytes()))}, {Key: "format", Value: ""}}}},
			bson.E{Key: "attachments", Value: bson.A{bson.D{{Key: "title", Value: "plan.bin"}, {Key: "type", Value: "file"},
				{Key: "title_link", Value: "/file-upload/" + GridFSUpload + "/plan.bin"}, {Key: "title_link_download", Value: true}}}}),
		msg(CryptMsg, CryptID, "a1b2c3d4e5f6U2FsdGVkX1+ciphertext", alice, at(11), bson.E{Key: "t", Value: "e2e"},
			bson.E{Key: "e2e", Value: "pending"}),
		msg("livechatMsg00001", "livechatRoom0001", "hello, I need help", ref("visitor1", "guest-1"), at(12)),
	)
	// Generated messages are made as they are written, never all in
	// memory: a few in twenty are thread replies, some carry a reaction.
	authors := []bson.D{alice, bob, carol}
	genBase := ago(300 * 24 * time.Hour)
	genTS := func(i int) time.Time { return genBase.Add(time.Duration(i) * 10 * time.Millisecond) }
	generated := func(i int) bson.D {
		var extra []bson.E
		if i%20 == 7 && i > 20 {
			extra = append(extra, bson.E{Key: "tmid", Value: fmt.Sprintf("gen%013d", i-i%20)})
		}
		if i%20 == 0 && i >= 20 && i+7 < o.Messages {
			// A thread's first message carries its counters, right, as
			// Rocket.Chat keeps them.
			extra = append(extra, bson.E{Key: "tcount", Value: int32(1)}, bson.E{Key: "tlm", Value: genTS(i + 7)},
				bson.E{Key: "replies", Value: bson.A{authors[i%3][0].Value, authors[(i+7)%3][0].Value}})
		}
		if i%11 == 0 {
			extra = append(extra, bson.E{Key: "reactions", Value: bson.D{{Key: ":tada:", Value: bson.D{{Key: "usernames", Value: bson.A{"bob"}}}}}})
		}
		return msg(fmt.Sprintf("gen%013d", i), DevID, fmt.Sprintf("generated message %d about the release and the %d tests", i, i%97),
			authors[i%3], genTS(i), extra...)
	}
	if err := w.writeWith("rocketchat_message", len(msgs)+o.Messages, func(i int) ([]byte, error) {
		if i >= len(msgs) {
			return bson.Marshal(generated(i - len(msgs)))
		}
		if msgs[i] == nil {
			return corrupt()
		}
		return bson.Marshal(msgs[i])
	}); err != nil {
		return "", err
	}

	upload := func(id, name, typ, storeName string, size int) bson.D {
		return bson.D{{Key: "_id", Value: id}, {Key: "name", Value: name}, {Key: "size", Value: int64(size)}, {Key: "type", Value: typ},
			{Key: "rid", Value: SecretID}, {Key: "userId", Value: BobID}, {Key: "store", Value: storeName},
			{Key: "complete", Value: true}, {Key: "uploading", Value: false}, {Key: "extension", Value: "bin"},
			{Key: "progress", Value: int32(1)}, {Key: "user", Value: ref(BobID, "bob")},
			{Key: "_updatedAt", Value: at(10)}, {Key: "instanceId", Value: "rc-instance-1"},
			{Key: "etag", Value: "abc123"}, {Key: "path", Value: "/ufs/" + storeName + "/" + id + "/" + name},
			{Key: "url", Value: "https://chat.acme.example/ufs/" + storeName + "/" + id + "/" + name},
			{Key: "uploadedAt", Value: at(10)}, {Key: "typeGroup", Value: "application"}}
	}
	if err := w.write("rocketchat_uploads", []bson.D{
		upload(GridFSUpload, "plan.bin", "application/octet-stream", "GridFS:Uploads", len(GridFSBytes())),
		upload(FSUpload, "notes.txt", "text/plain", "FileSystem:Uploads", len(FSBytes)),
		with(upload("unfinished000001", "half.bin", "application/octet-stream", "GridFS:Uploads", 10),
			bson.E{Key: "complete", Value: false}, bson.E{Key: "uploading", Value: true}),
	}); err != nil {
		return "", err
	}
	// GridFS keeps a file in chunks of chunkSize bytes (255 KiB by default).
	const chunkSize = 255 * 1024
	data := GridFSBytes()
	var chunks []bson.D
	for n := 0; n*chunkSize < len(data); n++ {
		part := data[n*chunkSize : min(len(data), (n+1)*chunkSize)]
		chunks = append(chunks, bson.D{{Key: "_id", Value: bson.NewObjectID()}, {Key: "files_id", Value: GridFSUpload},
			{Key: "n", Value: int32(n)}, {Key: "data", Value: bson.Binary{Data: part}}})
	}
	if err := w.write("rocketchat_uploads.chunks", chunks); err != nil {
		return "", err
	}
	if err := w.write("rocketchat_uploads.files", []bson.D{{{Key: "_id", Value: GridFSUpload}, {Key: "length", Value: int64(len(data))},
		{Key: "chunkSize", Value: int32(chunkSize)}, {Key: "uploadDate", Value: at(10)}, {Key: "filename", Value: GridFSUpload}}}); err != nil {
		return "", err
	}
	png := AvatarPNG()
	if err := w.write("rocketchat_avatars", []bson.D{{{Key: "_id", Value: "aliceAvatarFile1"}, {Key: "name", Value: "alice"},
		{Key: "userId", Value: AliceID}, {Key: "store", Value: "GridFS:Avatars"}, {Key: "type", Value: "image/png"},
		{Key: "size", Value: int64(len(png))}, {Key: "etag", Value: AliceAvatarETag}, {Key: "complete", Value: true},
		{Key: "uploading", Value: false}, {Key: "progress", Value: int32(1)}, {Key: "uploadedAt", Value: at(0)},
		{Key: "_updatedAt", Value: at(0)}}}); err != nil {
		return "", err
	}
	if err := w.write("rocketchat_avatars.chunks", []bson.D{{{Key: "_id", Value: bson.NewObjectID()},
		{Key: "files_id", Value: "aliceAvatarFile1"}, {Key: "n", Value: int32(0)}, {Key: "data", Value: bson.Binary{Data: png}}}}); err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Join(dir, "uploads"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "uploads", FSUpload), FSBytes, 0o644); err != nil {
		return "", err
	}
	if err := writeEmoji(w, dir, at(0), o.BadEmoji); err != nil {
		return "", err
	}

	if err := w.write("rocketchat_team", []bson.D{{{Key: "_id", Value: TeamID}, {Key: "name", Value: "eng"}, {Key: "type", Value: int32(0)},
		{Key: "roomId", Value: TeamRoom}, {Key: "createdBy", Value: ref(AliceID, "alice")}, {Key: "createdAt", Value: roomsCreated},
		{Key: "_updatedAt", Value: roomsCreated}}}); err != nil {
		return "", err
	}
	member := func(uid string, roles ...string) bson.D {
		return bson.D{{Key: "_id", Value: "tm-" + uid}, {Key: "teamId", Value: TeamID}, {Key: "userId", Value: uid},
			{Key: "roles", Value: roles}, {Key: "createdAt", Value: roomsCreated}, {Key: "createdBy", Value: ref(AliceID, "alice")},
			{Key: "_updatedAt", Value: roomsCreated}}
	}
	if err := w.write("rocketchat_team_member", []bson.D{member(AliceID, "owner"), member(CarolID)}); err != nil {
		return "", err
	}
	if err := w.write("rocketchat_roles", []bson.D{
		{{Key: "_id", Value: "admin"}, {Key: "name", Value: "admin"}, {Key: "scope", Value: "Users"}, {Key: "protected", Value: true}},
		{{Key: "_id", Value: "moderator-plus"}, {Key: "name", Value: "moderator-plus"}, {Key: "scope", Value: "Users"},
			{Key: "description", Value: "Trusted moderators"}, {Key: "protected", Value: false}, {Key: "mandatory2fa", Value: false}},
	}); err != nil {
		return "", err
	}
	if err := w.write("rocketchat_permissions", []bson.D{
		{{Key: "_id", Value: "create-c"}, {Key: "roles", Value: bson.A{"admin", "moderator-plus"}}, {Key: "_updatedAt", Value: created}},
		{{Key: "_id", Value: "some-app-permission"}, {Key: "roles", Value: bson.A{"admin"}}, {Key: "_updatedAt", Value: created}},
	}); err != nil {
		return "", err
	}
	setting := func(id string, typ string, v any) bson.D {
		return bson.D{{Key: "_id", Value: id}, {Key: "type", Value: typ}, {Key: "value", Value: v}, {Key: "packageValue", Value: v},
			{Key: "public", Value: true}, {Key: "_updatedAt", Value: created}, {Key: "ts", Value: created}}
	}
	if err := w.write("rocketchat_settings", []bson.D{
		setting("Site_Name", "string", "Acme Chat"),
		setting("Accounts_LoginExpiration", "int", int32(90)),
		setting("Unread_Count", "select", "all_messages"),
		setting("Some_Enterprise_Setting", "boolean", true),
	}); err != nil {
		return "", err
	}
	if err := w.write("rocketchat_livechat_visitor", []bson.D{{{Key: "_id", Value: "visitor1"}, {Key: "token", Value: "x"}}}); err != nil {
		return "", err
	}
	return dir, nil
}

// writeEmoji writes rocketchat_custom_emoji (ICustomEmojiDescriptor), the
// GridFS bucket custom_emoji (a file has an ObjectId _id and the filename
// "<name>.<extension>", as Rocket.Chat's RocketChatFile.GridFS writes them
// with openUploadStream) and the FileSystem-stored picture.
func writeEmoji(w *writer, dir string, at time.Time, bad bool) error {
	emoji := func(id, name, ext string, aliases ...string) bson.D {
		return bson.D{{Key: "_id", Value: id}, {Key: "name", Value: name}, {Key: "aliases", Value: aliases},
			{Key: "extension", Value: ext}, {Key: "etag", Value: id + "etag"}, {Key: "_updatedAt", Value: at}}
	}
	docs := []bson.D{emoji(PartyEmoji, "party_parrot", "png", "parrot", "party"), emoji(ShipitEmoji, "shipit", "gif")}
	if bad {
		docs = append(docs, emoji("namelessEmoji001", "", "png"), emoji("lostEmoji0000001", "lost", "png"))
	}
	if err := w.write("rocketchat_custom_emoji", docs); err != nil {
		return err
	}
	png, fileID := EmojiPNG(), bson.NewObjectID()
	if err := w.write("custom_emoji.files", []bson.D{{{Key: "_id", Value: fileID}, {Key: "length", Value: int64(len(png))},
		{Key: "chunkSize", Value: int32(255 * 1024)}, {Key: "uploadDate", Value: at}, {Key: "filename", Value: "party_parrot.png"},
		{Key: "contentType", Value: "image/png"}}}); err != nil {
		return err
	}
	if err := w.write("custom_emoji.chunks", []bson.D{{{Key: "_id", Value: bson.NewObjectID()},
		{Key: "files_id", Value: fileID}, {Key: "n", Value: int32(0)}, {Key: "data", Value: bson.Binary{Data: png}}}}); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "uploads", "shipit.gif"), ShipitGIF, 0o644)
}

// EmojiPNG is the picture of PartyEmoji: an 8×8 PNG.
func EmojiPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 29)
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// ShipitGIF is the picture of ShipitEmoji: a 1×1 GIF.
var ShipitGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// with sets fields of d: replaced where present, appended otherwise.
func with(d bson.D, fields ...bson.E) bson.D {
	for _, e := range fields {
		replaced := false
		for i := range d {
			if d[i].Key == e.Key {
				d[i], replaced = e, true
			}
		}
		if !replaced {
			d = append(d, e)
		}
	}
	return d
}

// AvatarPNG is alice's avatar: a 4×4 PNG.
func AvatarPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 13)
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// FSBytes are the bytes of FSUpload.
var FSBytes = []byte("meeting notes: ship on friday\n")

// GridFSBytes are the bytes of GridFSUpload: 600,000 bytes, three GridFS
// chunks.
func GridFSBytes() []byte {
	b := make([]byte, 600000)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

func digest(pw string) string {
	s := sha256.Sum256([]byte(pw))
	return hex.EncodeToString(s[:])
}

func hashToken(t string) string {
	s := sha256.Sum256([]byte(t))
	return base64.StdEncoding.EncodeToString(s[:])
}

// corrupt returns a document with a sound length and an _id, whose second
// element has a type byte BSON does not have.
func corrupt() ([]byte, error) {
	b, err := bson.Marshal(bson.D{{Key: "_id", Value: CorruptID}, {Key: "rid", Value: DevID}, {Key: "msg", Value: "garbled"}})
	if err != nil {
		return nil, err
	}
	second := 4 + 1 + 4 + 4 + len(CorruptID) + 1
	b[second] = 0x42
	return b, nil
}

type writer struct {
	dir  string
	gzip bool
}

func (w *writer) write(collection string, docs []bson.D) error {
	return w.writeWith(collection, len(docs), func(i int) ([]byte, error) { return bson.Marshal(docs[i]) })
}

func (w *writer) writeWith(collection string, n int, doc func(i int) ([]byte, error)) error {
	name := filepath.Join(w.dir, collection+".bson")
	if w.gzip {
		name += ".gz"
	}
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	var out io.Writer = bw
	var zw *gzip.Writer
	if w.gzip {
		zw = gzip.NewWriter(bw)
		out = zw
	}
	for i := 0; i < n; i++ {
		b, err := doc(i)
		if err != nil {
			return fmt.Errorf("%s: %w", collection, err)
		}
		if binary.LittleEndian.Uint32(b) != uint32(len(b)) {
			return fmt.Errorf("%s: bad length", collection)
		}
		if _, err := out.Write(b); err != nil {
			return err
		}
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	meta := fmt.Sprintf(`{"indexes":[{"v":2,"key":{"_id":1},"name":"_id_"}],"uuid":"","collectionName":%q,"type":"collection"}`, collection)
	metaName := filepath.Join(w.dir, collection+".metadata.json")
	if w.gzip {
		metaName += ".gz"
		mf, err := os.Create(metaName)
		if err != nil {
			return err
		}
		defer mf.Close()
		zw := gzip.NewWriter(mf)
		if _, err := io.WriteString(zw, meta); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		return f.Close()
	}
	if err := os.WriteFile(metaName, []byte(meta), 0o644); err != nil {
		return err
	}
	return f.Close()
}

// WriteArchive writes a file that starts as mongodump --archive files do.
func WriteArchive(path string) error {
	var b [8]byte
	binary.LittleEndian.PutUint32(b[:], 0x8199e26d)
	return os.WriteFile(path, b[:], 0o644)
}
