// Package slack converts Slack's standard workspace export (the zip an
// owner downloads: users.json, channels.json, groups.json, dms.json,
// mpims.json, and a folder of daily message files per conversation) into a
// Rocket.Chat database dump, which importer/rocketchat then imports: one
// import pipeline (idempotent writes, counters rebuilt, the consistency
// check) for every source, as Rocket.Chat's own importers share one.
//
// Slack's ids are not Meteor ids, so each record gets a Meteor id derived
// from its Slack id (the same on every run, which keeps the import
// idempotent). Users get no password (Slack exports none): they set one
// through "Forgot password", or an administrator sets it. Files are
// downloaded by their URL when Options.FilesDir is set (the import command
// does it) and become uploads; a file that cannot be fetched stays an
// attachment linking to Slack.
package slack

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"liftoff/importer"
	"liftoff/importer/mongodump"
)

// Report says what the conversion did, beside what the import counts.
type Report struct {
	Users, Channels, Messages int
	Notes                     []string
}

type user struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Deleted  bool   `json:"deleted"`
	IsBot    bool   `json:"is_bot"`
	IsAdmin  bool   `json:"is_admin"`
	IsOwner  bool   `json:"is_owner"`
	RealName string `json:"real_name"`
	TZOffset int    `json:"tz_offset"`
	Profile  struct {
		Email       string `json:"email"`
		RealName    string `json:"real_name"`
		DisplayName string `json:"display_name"`
		Title       string `json:"title"`
	} `json:"profile"`
}

type channel struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Created    int64    `json:"created"`
	Creator    string   `json:"creator"`
	IsArchived bool     `json:"is_archived"`
	IsGeneral  bool     `json:"is_general"`
	Members    []string `json:"members"`
	Topic      struct {
		Value string `json:"value"`
	} `json:"topic"`
	Purpose struct {
		Value string `json:"value"`
	} `json:"purpose"`

	kind   string // "c", "p" or "d"
	folder string // where its messages are: the name, or the id for DMs
	rid    string
}

type message struct {
	Type     string `json:"type"`
	Subtype  string `json:"subtype"`
	TS       string `json:"ts"`
	ThreadTS string `json:"thread_ts"`
	User     string `json:"user"`
	BotID    string `json:"bot_id"`
	Username string `json:"username"`
	Text     string `json:"text"`
	Edited   *struct {
		User string `json:"user"`
		TS   string `json:"ts"`
	} `json:"edited"`
	Reactions []struct {
		Name  string   `json:"name"`
		Users []string `json:"users"`
	} `json:"reactions"`
	Files []struct {
		ID          string `json:"id"`
		Name        string `json:"name"`
		Title       string `json:"title"`
		Mimetype    string `json:"mimetype"`
		URLPrivate  string `json:"url_private"`
		URLDownload string `json:"url_private_download"`
		Permalink   string `json:"permalink"`
		Size        int64  `json:"size"`
	} `json:"files"`
	Topic   string `json:"topic"`
	Purpose string `json:"purpose"`
}

// Options are Convert's options.
type Options struct {
	// FilesDir, when set, receives the files of the export's messages,
	// downloaded from their url_private_download (or url_private) address
	// (exports made for it carry a ?t= token) and named by upload id, as
	// the Rocket.Chat importer's --files directory; the dump then has
	// their rocketchat_uploads records. A file that cannot be downloaded
	// stays a link to Slack. Empty: no file is downloaded.
	FilesDir string
	// Client downloads them (a client with a 60 s timeout when nil).
	Client *http.Client
	// Token, when set, is sent as a Bearer token with each download (a
	// Slack token with files:read, for exports whose URLs carry none).
	Token string
}

// Convert reads the export at zipPath and writes a Rocket.Chat dump into
// outDir (a database directory). now stamps records Slack gives no time.
func Convert(zipPath, outDir string, now time.Time) (*Report, error) {
	return ConvertWith(zipPath, outDir, now, Options{})
}

// ConvertWith is Convert with options (files downloaded into o.FilesDir).
func ConvertWith(zipPath, outDir string, now time.Time, o Options) (*Report, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (a Slack export is the .zip Slack's export tool produces)", zipPath, err)
	}
	defer zr.Close()
	files := map[string]*zip.File{}
	root := ""
	for _, f := range zr.File {
		files[f.Name] = f
		if path.Base(f.Name) == "users.json" && (root == "" || len(f.Name) < len(root)+len("users.json")) {
			root = strings.TrimSuffix(f.Name, "users.json")
		}
	}
	if _, ok := files[root+"users.json"]; !ok {
		return nil, errors.New("not a Slack export: users.json is missing")
	}
	dump, err := mongodump.Create(outDir)
	if err != nil {
		return nil, err
	}
	c := &converter{files: files, root: root, dump: dump, now: now.UTC().Truncate(time.Millisecond),
		users: map[string]*user{}, report: &Report{}, opts: o}
	if o.FilesDir != "" {
		if err := os.MkdirAll(o.FilesDir, 0o700); err != nil {
			return nil, err
		}
		if c.opts.Client == nil {
			c.opts.Client = &http.Client{Timeout: 60 * time.Second}
		}
	}
	if err := c.convert(); err != nil {
		return nil, err
	}
	return c.report, nil
}

type converter struct {
	files  map[string]*zip.File
	root   string
	dump   *mongodump.Dump
	now    time.Time
	users  map[string]*user // by Slack id
	byName map[string]string
	report *Report
	opts   Options

	uploads      *mongodump.Writer // rocketchat_uploads, when files are downloaded
	downloaded   int
	failed       int
	failedReason string
}

func (c *converter) readJSON(name string, v any) (bool, error) {
	f, ok := c.files[c.root+name]
	if !ok {
		return false, nil
	}
	r, err := f.Open()
	if err != nil {
		return false, err
	}
	defer r.Close()
	if err := json.NewDecoder(r).Decode(v); err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	return true, nil
}

// ID is the Meteor id a Slack record of the kind ("user", "room",
// "message", "sub") with this Slack id gets.
func ID(kind, slackID string) string { return importer.MeteorID("slack:" + kind + ":" + slackID) }

// notUsername matches the characters outside those Rocket.Chat's default UTF8_User_Names_Validation allows.
var notUsername = regexp.MustCompile(`[^0-9a-zA-Z._-]+`)

func (c *converter) convert() error {
	var users []*user
	if _, err := c.readJSON("users.json", &users); err != nil {
		return err
	}
	c.byName = map[string]string{}
	w, err := c.dump.Create("users")
	if err != nil {
		return err
	}
	taken := map[string]bool{}
	for _, u := range users {
		if u.ID == "" {
			continue
		}
		name := notUsername.ReplaceAllString(u.Name, "_")
		if name == "" {
			name = "user_" + strings.ToLower(u.ID)
		}
		for base, i := name, 2; taken[strings.ToLower(name)]; i++ {
			name = base + "_" + strconv.Itoa(i)
		}
		taken[strings.ToLower(name)] = true
		u.Name = name
		c.users[u.ID] = u
		real := u.Profile.RealName
		if real == "" {
			real = u.RealName
		}
		if real == "" {
			real = name
		}
		roles := bson.A{"user"}
		if u.IsAdmin || u.IsOwner {
			roles = bson.A{"admin", "user"}
		}
		typ := "user"
		if u.IsBot {
			roles, typ = bson.A{"bot"}, "bot"
		}
		d := bson.D{{Key: "_id", Value: ID("user", u.ID)}, {Key: "username", Value: name}, {Key: "name", Value: real},
			{Key: "type", Value: typ}, {Key: "active", Value: !u.Deleted}, {Key: "roles", Value: roles},
			{Key: "createdAt", Value: c.now}, {Key: "_updatedAt", Value: c.now},
			{Key: "utcOffset", Value: float64(u.TZOffset) / 3600}, {Key: "importIds", Value: bson.A{u.ID}}}
		if u.Profile.Email != "" {
			d = append(d, bson.E{Key: "emails", Value: bson.A{bson.D{{Key: "address", Value: u.Profile.Email}, {Key: "verified", Value: true}}}})
		}
		if u.Profile.Title != "" {
			d = append(d, bson.E{Key: "bio", Value: u.Profile.Title})
		}
		if err := w.Write(d); err != nil {
			return err
		}
		c.report.Users++
	}
	if err := w.Close(); err != nil {
		return err
	}
	if c.report.Users > 0 {
		c.report.Notes = append(c.report.Notes, fmt.Sprintf("%d users were imported without a password (Slack exports none): "+
			"they set one with \"Forgot password\", or an administrator sets it (liftoff admin reset-password)", c.report.Users))
	}

	var chans []*channel
	for _, src := range []struct{ file, kind string }{{"channels.json", "c"}, {"groups.json", "p"}, {"mpims.json", "p"}, {"dms.json", "d"}} {
		var list []*channel
		if _, err := c.readJSON(src.file, &list); err != nil {
			return err
		}
		for _, ch := range list {
			ch.kind, ch.folder = src.kind, ch.Name
			if src.kind == "d" {
				ch.folder = ch.ID
			}
			chans = append(chans, ch)
		}
	}
	rooms, err := c.dump.Create("rocketchat_room")
	if err != nil {
		return err
	}
	subs, err := c.dump.Create("rocketchat_subscription")
	if err != nil {
		return err
	}
	msgs, err := c.dump.Create("rocketchat_message")
	if err != nil {
		return err
	}
	if c.opts.FilesDir != "" {
		if c.uploads, err = c.dump.Create("rocketchat_uploads"); err != nil {
			return err
		}
	}
	for _, ch := range chans {
		if err := c.room(ch, rooms, subs); err != nil {
			return err
		}
	}
	for _, ch := range chans {
		if ch.rid == "" {
			continue
		}
		if err := c.messages(ch, msgs); err != nil {
			return err
		}
	}
	for _, w := range []*mongodump.Writer{rooms, subs, msgs} {
		if err := w.Close(); err != nil {
			return err
		}
	}
	if c.uploads != nil {
		if err := c.uploads.Close(); err != nil {
			return err
		}
		if c.downloaded > 0 {
			c.report.Notes = append(c.report.Notes, fmt.Sprintf("%d files were downloaded from Slack", c.downloaded))
		}
		if c.failed > 0 {
			c.report.Notes = append(c.report.Notes, fmt.Sprintf("%d files could not be downloaded (%s): their messages link to Slack",
				c.failed, c.failedReason))
		}
	}
	return nil
}

// download fetches a message's file into the files directory under id and
// returns its size; errors leave nothing behind.
func (c *converter) download(id, addr string) (int64, error) {
	u, err := url.Parse(addr)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return 0, fmt.Errorf("not an http(s) address")
	}
	req, err := http.NewRequest(http.MethodGet, addr, nil)
	if err != nil {
		return 0, err
	}
	if c.opts.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	}
	resp, err := c.opts.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("HTTP %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/html") {
		// Slack answers a sign-in page, not the file, to a URL without a token.
		return 0, errors.New("the server answered a web page, not the file (the URL needs a token)")
	}
	path := filepath.Join(c.opts.FilesDir, id)
	f, err := os.OpenFile(path+".part", os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(path+".part", path)
	}
	if err != nil {
		os.Remove(path + ".part")
		return 0, err
	}
	return n, nil
}

func (c *converter) ref(slackID string) bson.D {
	u := c.users[slackID]
	if u == nil {
		return bson.D{{Key: "_id", Value: ID("user", slackID)}, {Key: "username", Value: "slack-" + strings.ToLower(slackID)}}
	}
	return bson.D{{Key: "_id", Value: ID("user", u.ID)}, {Key: "username", Value: u.Name}}
}

func (c *converter) room(ch *channel, rooms, subs *mongodump.Writer) error {
	created := time.Unix(ch.Created, 0).UTC()
	if ch.Created == 0 {
		created = c.now
	}
	var members []*user
	for _, m := range ch.Members {
		if u := c.users[m]; u != nil {
			members = append(members, u)
		}
	}
	d := bson.D{{Key: "t", Value: ch.kind}, {Key: "ts", Value: created}, {Key: "_updatedAt", Value: c.now},
		{Key: "msgs", Value: int32(0)}, {Key: "usersCount", Value: int32(len(members))}, {Key: "sysMes", Value: true},
		{Key: "ro", Value: false}, {Key: "default", Value: ch.IsGeneral}, {Key: "importIds", Value: bson.A{ch.ID}}}
	switch ch.kind {
	case "d":
		if len(members) != 2 {
			return nil // a DM with a user missing from users.json: nobody to talk to
		}
		ids := []string{ID("user", members[0].ID), ID("user", members[1].ID)}
		if ids[1] < ids[0] {
			members[0], members[1] = members[1], members[0]
			ids[0], ids[1] = ids[1], ids[0]
		}
		ch.rid = ids[0] + ids[1] // Rocket.Chat's id of a direct conversation
		d = append(d, bson.E{Key: "uids", Value: ids}, bson.E{Key: "usernames", Value: bson.A{members[0].Name, members[1].Name}})
	default:
		ch.rid = ID("room", ch.ID)
		if ch.IsGeneral {
			ch.rid = "GENERAL" // Slack's #general is the workspace's default channel, as Rocket.Chat's
		}
		name := notUsername.ReplaceAllString(ch.Name, "-")
		d = append(d, bson.E{Key: "name", Value: name}, bson.E{Key: "fname", Value: ch.Name},
			bson.E{Key: "u", Value: c.ref(ch.Creator)}, bson.E{Key: "archived", Value: ch.IsArchived})
		if ch.Topic.Value != "" {
			d = append(d, bson.E{Key: "topic", Value: ch.Topic.Value})
		}
		if ch.Purpose.Value != "" {
			d = append(d, bson.E{Key: "description", Value: ch.Purpose.Value})
		}
	}
	d = append(bson.D{{Key: "_id", Value: ch.rid}}, d...)
	if err := rooms.Write(d); err != nil {
		return err
	}
	c.report.Channels++
	for i, u := range members {
		name, fname := ch.Name, ch.Name
		if ch.kind == "d" {
			other := members[1-i]
			name, fname = other.Name, other.Name
		}
		s := bson.D{{Key: "_id", Value: ID("sub", ch.ID+"/"+u.ID)}, {Key: "rid", Value: ch.rid}, {Key: "u", Value: c.ref(u.ID)},
			{Key: "t", Value: ch.kind}, {Key: "name", Value: name}, {Key: "fname", Value: fname}, {Key: "ts", Value: created},
			// The history counts as read: it happened elsewhere.
			{Key: "ls", Value: c.now}, {Key: "_updatedAt", Value: c.now}, {Key: "open", Value: true}}
		if ch.kind != "d" && u.ID == ch.Creator {
			s = append(s, bson.E{Key: "roles", Value: bson.A{"owner"}})
		}
		if err := subs.Write(s); err != nil {
			return err
		}
	}
	return nil
}

// messages converts a conversation's daily files, oldest first.
func (c *converter) messages(ch *channel, out *mongodump.Writer) error {
	prefix := c.root + ch.folder + "/"
	var days []string
	for name := range c.files {
		if strings.HasPrefix(name, prefix) && strings.HasSuffix(name, ".json") && !strings.Contains(name[len(prefix):], "/") {
			days = append(days, name)
		}
	}
	sort.Strings(days)
	for _, day := range days {
		var list []message
		if _, err := c.readJSON(strings.TrimPrefix(day, c.root), &list); err != nil {
			c.report.Notes = append(c.report.Notes, err.Error())
			continue
		}
		for _, m := range list {
			d, ok := c.message(ch, &m)
			if !ok {
				continue
			}
			if err := out.Write(d); err != nil {
				return err
			}
			c.report.Messages++
		}
	}
	return nil
}

// slackTime converts "1503435956.000247" to a time.
func slackTime(ts string) (time.Time, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	us := int64(0)
	if frac != "" {
		frac = (frac + "000000")[:6]
		us, _ = strconv.ParseInt(frac, 10, 64)
	}
	return time.Unix(s, us*1000).UTC(), true
}

var (
	userLink    = regexp.MustCompile(`<@([A-Z0-9]+)(?:\|[^>]*)?>`)
	channelLink = regexp.MustCompile(`<#([A-Z0-9]+)(?:\|([^>]*))?>`)
	specialLink = regexp.MustCompile(`<!(channel|here|everyone)(?:\|[^>]*)?>`)
	urlLink     = regexp.MustCompile(`<((?:https?|mailto):[^|>]+)(?:\|([^>]*))?>`)
)

func (c *converter) message(ch *channel, m *message) (bson.D, bool) {
	if m.Type != "message" || m.TS == "" {
		return nil, false
	}
	ts, ok := slackTime(m.TS)
	if !ok {
		return nil, false
	}
	author := c.ref(m.User)
	if m.User == "" {
		botName := m.Username
		if botName == "" {
			botName = "bot"
		}
		author = bson.D{{Key: "_id", Value: ID("user", "bot:"+m.BotID)}, {Key: "username", Value: botName}}
	}
	var mentions bson.A
	text := userLink.ReplaceAllStringFunc(m.Text, func(s string) string {
		id := userLink.FindStringSubmatch(s)[1]
		r := c.ref(id)
		mentions = append(mentions, r)
		return "@" + r[1].Value.(string)
	})
	text = specialLink.ReplaceAllStringFunc(text, func(s string) string {
		who := "all"
		if strings.Contains(s, "here") {
			who = "here"
		}
		mentions = append(mentions, bson.D{{Key: "_id", Value: who}, {Key: "username", Value: who}})
		return "@" + who
	})
	text = channelLink.ReplaceAllStringFunc(text, func(s string) string {
		p := channelLink.FindStringSubmatch(s)
		if p[2] != "" {
			return "#" + p[2]
		}
		return "#" + p[1]
	})
	text = urlLink.ReplaceAllStringFunc(text, func(s string) string {
		p := urlLink.FindStringSubmatch(s)
		if p[2] == "" || p[2] == p[1] {
			return p[1]
		}
		return "[" + p[2] + "](" + p[1] + ")"
	})
	text = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(text)
	if mentions == nil {
		mentions = bson.A{}
	}
	d := bson.D{{Key: "_id", Value: ID("message", ch.ID+"/"+m.TS)}, {Key: "rid", Value: ch.rid}, {Key: "msg", Value: text},
		{Key: "ts", Value: ts}, {Key: "u", Value: author}, {Key: "_updatedAt", Value: ts}, {Key: "mentions", Value: mentions},
		{Key: "channels", Value: bson.A{}}}
	switch m.Subtype {
	case "channel_join", "group_join":
		d = append(d, bson.E{Key: "t", Value: "uj"}, bson.E{Key: "msg", Value: author[1].Value})
		d = dedupe(d)
	case "channel_leave", "group_leave":
		d = append(d, bson.E{Key: "t", Value: "ul"}, bson.E{Key: "msg", Value: author[1].Value})
		d = dedupe(d)
	case "channel_topic", "group_topic":
		d = append(d, bson.E{Key: "t", Value: "room_changed_topic"}, bson.E{Key: "msg", Value: m.Topic})
		d = dedupe(d)
	case "channel_purpose", "group_purpose":
		d = append(d, bson.E{Key: "t", Value: "room_changed_description"}, bson.E{Key: "msg", Value: m.Purpose})
		d = dedupe(d)
	case "bot_message":
		if m.Username != "" {
			d = append(d, bson.E{Key: "alias", Value: m.Username})
		}
	}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		d = append(d, bson.E{Key: "tmid", Value: ID("message", ch.ID+"/"+m.ThreadTS)})
		if m.Subtype == "thread_broadcast" {
			d = append(d, bson.E{Key: "tshow", Value: true})
		}
	}
	if m.Edited != nil {
		if at, ok := slackTime(m.Edited.TS); ok {
			d = append(d, bson.E{Key: "editedAt", Value: at}, bson.E{Key: "editedBy", Value: c.ref(m.Edited.User)})
		}
	}
	if len(m.Reactions) > 0 {
		var reactions bson.D
		for _, r := range m.Reactions {
			var names bson.A
			for _, u := range r.Users {
				names = append(names, c.ref(u)[1].Value)
			}
			if len(names) > 0 {
				reactions = append(reactions, bson.E{Key: ":" + r.Name + ":", Value: bson.D{{Key: "usernames", Value: names}}})
			}
		}
		if len(reactions) > 0 {
			d = append(d, bson.E{Key: "reactions", Value: reactions})
		}
	}
	if len(m.Files) > 0 {
		var atts bson.A
		var fileRefs bson.A
		for _, f := range m.Files {
			if c.uploads != nil && f.ID != "" {
				addr := f.URLDownload
				if addr == "" {
					addr = f.URLPrivate
				}
				upID := ID("file", f.ID)
				name := f.Name
				if name == "" {
					name = f.ID
				}
				typ := f.Mimetype
				if typ == "" {
					typ = "application/octet-stream"
				}
				size, err := c.download(upID, addr)
				if err == nil {
					err = c.uploads.Write(bson.D{{Key: "_id", Value: upID}, {Key: "name", Value: name}, {Key: "type", Value: typ},
						{Key: "size", Value: size}, {Key: "rid", Value: ch.rid}, {Key: "userId", Value: author[0].Value},
						{Key: "complete", Value: true}, {Key: "uploading", Value: false}, {Key: "progress", Value: 1},
						{Key: "store", Value: "FileSystem:Uploads"}, {Key: "uploadedAt", Value: ts}, {Key: "_updatedAt", Value: ts}})
				}
				if err == nil {
					c.downloaded++
					link := "/file-upload/" + upID + "/" + url.PathEscape(name)
					ref := bson.D{{Key: "_id", Value: upID}, {Key: "name", Value: name}, {Key: "type", Value: typ}, {Key: "size", Value: size}}
					fileRefs = append(fileRefs, ref)
					att := bson.D{{Key: "title", Value: name}, {Key: "title_link", Value: link},
						{Key: "title_link_download", Value: true}, {Key: "type", Value: "file"}}
					if strings.HasPrefix(typ, "image/") {
						att = append(att, bson.E{Key: "image_url", Value: link}, bson.E{Key: "image_type", Value: typ}, bson.E{Key: "image_size", Value: size})
					}
					atts = append(atts, att)
					continue
				}
				c.failed++
				c.failedReason = err.Error()
			}
			link := f.Permalink
			if link == "" {
				link = f.URLPrivate
			}
			title := f.Title
			if title == "" {
				title = f.Name
			}
			atts = append(atts, bson.D{{Key: "title", Value: title}, {Key: "title_link", Value: link},
				{Key: "title_link_download", Value: false}, {Key: "type", Value: "file"}, {Key: "description", Value: f.Mimetype}})
		}
		d = append(d, bson.E{Key: "attachments", Value: atts})
		if len(fileRefs) > 0 {
			d = append(d, bson.E{Key: "file", Value: fileRefs[0]}, bson.E{Key: "files", Value: fileRefs})
		}
	}
	return d, true
}

// dedupe keeps the last value of each key.
func dedupe(d bson.D) bson.D {
	last := map[string]int{}
	for i, e := range d {
		last[e.Key] = i
	}
	out := d[:0:0]
	for i, e := range d {
		if last[e.Key] == i {
			out = append(out, e)
		}
	}
	return out
}
