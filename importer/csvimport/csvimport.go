// Package csvimport converts an archive in Rocket.Chat's CSV importer format
// into a Rocket.Chat database dump, which importer/rocketchat then imports
// (one pipeline for every source). The format, as Rocket.Chat's CSV
// importer reads it, is a zip holding:
//
//	users.csv                  username, email, name
//	channels.csv               name, creator's username, "private" or "public", members (usernames separated by ;)
//	<channel>/<any>.csv        username, timestamp (ms since the epoch), text
//	directMessages/<any>.csv   username, other username, timestamp (ms), text
//
// with no header rows. Records get Meteor ids derived from their names (the
// same on every run). Users get no password: they set one through "Forgot
// password", or an administrator sets it. contacts.csv (omnichannel
// contacts) is not read.
package csvimport

import (
	"archive/zip"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"liftoff/importer"
	"liftoff/importer/mongodump"
)

// Report says what the conversion read, beside what the import counts.
type Report struct {
	Users, Channels, Messages int
	Notes                     []string
}

// ID is the Meteor id a record of the kind ("user", "room", "message",
// "sub") named key gets.
func ID(kind, key string) string { return importer.MeteorID("csv:" + kind + ":" + key) }

type room struct {
	id, name, kind string
	creator        string
	members        []string
	created        time.Time
}

// Convert reads the archive at zipPath and writes a Rocket.Chat dump into
// outDir (a database directory). now stamps the records.
func Convert(zipPath, outDir string, now time.Time) (*Report, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", zipPath, err)
	}
	defer zr.Close()
	now = now.UTC().Truncate(time.Millisecond)
	rep := &Report{}
	var usersFile, channelsFile *zip.File
	msgFiles := map[string][]*zip.File{} // folder → files
	for _, f := range zr.File {
		if strings.Contains(f.Name, "__MACOSX") || strings.HasSuffix(f.Name, "/") {
			continue
		}
		switch strings.ToLower(f.Name) {
		case "users.csv":
			usersFile = f
			continue
		case "channels.csv":
			channelsFile = f
			continue
		case "contacts.csv":
			rep.Notes = append(rep.Notes, "contacts.csv (omnichannel contacts) was not imported")
			continue
		}
		if dir, _, ok := strings.Cut(f.Name, "/"); ok && strings.HasSuffix(strings.ToLower(f.Name), ".csv") {
			msgFiles[dir] = append(msgFiles[dir], f)
		}
	}
	if usersFile == nil && channelsFile == nil && len(msgFiles) == 0 {
		return nil, errors.New("no users.csv, channels.csv or message folders: not an archive in Rocket.Chat's CSV importer format")
	}
	dump, err := mongodump.Create(outDir)
	if err != nil {
		return nil, err
	}
	c := &converter{dump: dump, now: now, rep: rep, names: map[string]string{}}
	if usersFile != nil {
		if err := c.users(usersFile); err != nil {
			return nil, err
		}
	} else if w, err := dump.Create("users"); err != nil || w.Close() != nil {
		return nil, fmt.Errorf("users: %v", err)
	}
	rooms := map[string]*room{}
	if channelsFile != nil {
		rows, err := readCSV(channelsFile)
		if err != nil {
			return nil, err
		}
		for i, r := range rows {
			if len(r) < 3 || strings.TrimSpace(r[0]) == "" {
				rep.Notes = append(rep.Notes, fmt.Sprintf("channels.csv line %d: want name, creator, private|public, members", i+1))
				continue
			}
			name := strings.TrimSpace(r[0])
			rm := &room{id: ID("room", name), name: name, kind: "c", creator: strings.TrimSpace(r[1]), created: now}
			if strings.EqualFold(strings.TrimSpace(r[2]), "private") {
				rm.kind = "p"
			}
			if strings.EqualFold(name, "general") {
				rm.id = "GENERAL"
			}
			if len(r) > 3 {
				for _, m := range strings.Split(r[3], ";") {
					if m = strings.TrimSpace(m); m != "" {
						rm.members = addUnique(rm.members, m)
					}
				}
			}
			if rm.creator != "" {
				rm.members = addUnique(rm.members, rm.creator)
			}
			rooms[name] = rm
		}
	}
	msgs, err := dump.Create("rocketchat_message")
	if err != nil {
		return nil, err
	}
	folders := make([]string, 0, len(msgFiles))
	for f := range msgFiles {
		folders = append(folders, f)
	}
	sort.Strings(folders)
	for _, folder := range folders {
		files := msgFiles[folder]
		sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
		for _, f := range files {
			if err := c.messages(folder, f, rooms, msgs); err != nil {
				return nil, err
			}
		}
	}
	if err := msgs.Close(); err != nil {
		return nil, err
	}
	if err := c.rooms(rooms); err != nil {
		return nil, err
	}
	var unknown []string
	for name := range c.seen {
		if _, ok := c.names[strings.ToLower(name)]; !ok {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d usernames are not in users.csv (their messages and memberships need "+
			"a user with the id the import derives; merged into a workspace, they are not matched by name): %s",
			len(unknown), strings.Join(unknown[:min(10, len(unknown))], ", ")))
	}
	return rep, nil
}

type converter struct {
	dump  *mongodump.Dump
	now   time.Time
	rep   *Report
	names map[string]string // lower-case username → username, of users.csv
	seen  map[string]bool   // usernames the messages and channels name
}

func readCSV(f *zip.File) ([][]string, error) {
	r, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Name, err)
	}
	return rows, nil
}

func addUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func (c *converter) ref(username string) bson.D {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	c.seen[username] = true
	if u, ok := c.names[strings.ToLower(username)]; ok {
		username = u
	}
	return bson.D{{Key: "_id", Value: ID("user", strings.ToLower(username))}, {Key: "username", Value: username}}
}

func (c *converter) users(f *zip.File) error {
	rows, err := readCSV(f)
	if err != nil {
		return err
	}
	w, err := c.dump.Create("users")
	if err != nil {
		return err
	}
	for i, r := range rows {
		if len(r) < 1 || strings.TrimSpace(r[0]) == "" {
			c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("users.csv line %d: no username", i+1))
			continue
		}
		username := strings.TrimSpace(r[0])
		if _, dup := c.names[strings.ToLower(username)]; dup {
			continue
		}
		c.names[strings.ToLower(username)] = username
		name := username
		if len(r) > 2 && strings.TrimSpace(r[2]) != "" {
			name = strings.TrimSpace(r[2])
		}
		d := bson.D{{Key: "_id", Value: ID("user", strings.ToLower(username))}, {Key: "username", Value: username},
			{Key: "name", Value: name}, {Key: "type", Value: "user"}, {Key: "active", Value: true},
			{Key: "roles", Value: bson.A{"user"}}, {Key: "createdAt", Value: c.now}, {Key: "_updatedAt", Value: c.now}}
		if len(r) > 1 && strings.TrimSpace(r[1]) != "" {
			d = append(d, bson.E{Key: "emails", Value: bson.A{bson.D{{Key: "address", Value: strings.TrimSpace(r[1])}, {Key: "verified", Value: true}}}})
		}
		if err := w.Write(d); err != nil {
			return err
		}
		c.rep.Users++
	}
	if c.rep.Users > 0 {
		c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("%d users were imported without a password: they set one with "+
			"\"Forgot password\", or an administrator sets it (liftoff admin reset-password)", c.rep.Users))
	}
	return w.Close()
}

// messages converts one message file of a channel folder or of
// directMessages, creating the rooms its rows need.
func (c *converter) messages(folder string, f *zip.File, rooms map[string]*room, out *mongodump.Writer) error {
	rows, err := readCSV(f)
	if err != nil {
		c.rep.Notes = append(c.rep.Notes, err.Error()+" (skipped)")
		return nil
	}
	direct := strings.EqualFold(folder, "directmessages")
	for i, r := range rows {
		var author, other, ts, text string
		if direct {
			if len(r) < 4 {
				c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("%s line %d: want username, other username, timestamp, text", f.Name, i+1))
				continue
			}
			author, other, ts, text = strings.TrimSpace(r[0]), strings.TrimSpace(r[1]), r[2], r[3]
		} else {
			if len(r) < 3 {
				c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("%s line %d: want username, timestamp, text", f.Name, i+1))
				continue
			}
			author, ts, text = strings.TrimSpace(r[0]), r[1], r[2]
		}
		ms, err := strconv.ParseInt(strings.TrimSpace(ts), 10, 64)
		if err != nil || author == "" {
			c.rep.Notes = append(c.rep.Notes, fmt.Sprintf("%s line %d: bad username or timestamp", f.Name, i+1))
			continue
		}
		at := time.UnixMilli(ms).UTC()
		var rm *room
		if direct {
			pair := []string{strings.ToLower(author), strings.ToLower(other)}
			sort.Strings(pair)
			key := "dm:" + pair[0] + "/" + pair[1]
			rm = rooms[key]
			if rm == nil {
				a, b := c.ref(author)[0].Value.(string), c.ref(other)[0].Value.(string)
				if b < a {
					a, b = b, a
				}
				rm = &room{id: a + b, kind: "d", members: []string{author, other}, created: at}
				rooms[key] = rm
			}
		} else {
			rm = rooms[folder]
			if rm == nil {
				rm = &room{id: ID("room", folder), name: folder, kind: "c", created: at}
				if strings.EqualFold(folder, "general") {
					rm.id = "GENERAL"
				}
				rooms[folder] = rm
			}
			rm.members = addUnique(rm.members, author)
		}
		if at.Before(rm.created) {
			rm.created = at
		}
		d := bson.D{{Key: "_id", Value: ID("message", f.Name+"#"+strconv.Itoa(i))}, {Key: "rid", Value: rm.id},
			{Key: "msg", Value: text}, {Key: "ts", Value: at}, {Key: "u", Value: c.ref(author)}, {Key: "_updatedAt", Value: at},
			{Key: "mentions", Value: bson.A{}}, {Key: "channels", Value: bson.A{}}}
		if err := out.Write(d); err != nil {
			return err
		}
		c.rep.Messages++
	}
	return nil
}

func (c *converter) rooms(rooms map[string]*room) error {
	rw, err := c.dump.Create("rocketchat_room")
	if err != nil {
		return err
	}
	sw, err := c.dump.Create("rocketchat_subscription")
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(rooms))
	for k := range rooms {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		rm := rooms[k]
		d := bson.D{{Key: "_id", Value: rm.id}, {Key: "t", Value: rm.kind}, {Key: "ts", Value: rm.created},
			{Key: "_updatedAt", Value: c.now}, {Key: "sysMes", Value: true}, {Key: "ro", Value: false},
			{Key: "default", Value: rm.id == "GENERAL"}, {Key: "msgs", Value: int32(0)}, {Key: "usersCount", Value: int32(0)}}
		if rm.kind == "d" {
			a, b := c.ref(rm.members[0]), c.ref(rm.members[1])
			if b[0].Value.(string) < a[0].Value.(string) {
				a, b = b, a
			}
			d = append(d, bson.E{Key: "uids", Value: bson.A{a[0].Value, b[0].Value}},
				bson.E{Key: "usernames", Value: bson.A{a[1].Value, b[1].Value}})
		} else {
			d = append(d, bson.E{Key: "name", Value: rm.name}, bson.E{Key: "fname", Value: rm.name})
			if rm.creator != "" {
				d = append(d, bson.E{Key: "u", Value: c.ref(rm.creator)})
			}
		}
		if err := rw.Write(d); err != nil {
			return err
		}
		c.rep.Channels++
		for i, m := range rm.members {
			u := c.ref(m)
			name := rm.name
			if rm.kind == "d" {
				name = c.ref(rm.members[1-i])[1].Value.(string)
			}
			s := bson.D{{Key: "_id", Value: ID("sub", rm.id+"/"+u[0].Value.(string))}, {Key: "rid", Value: rm.id}, {Key: "u", Value: u},
				{Key: "t", Value: rm.kind}, {Key: "name", Value: name}, {Key: "fname", Value: name}, {Key: "ts", Value: rm.created},
				{Key: "ls", Value: c.now}, {Key: "_updatedAt", Value: c.now}, {Key: "open", Value: true}}
			if rm.kind != "d" && m == rm.creator {
				s = append(s, bson.E{Key: "roles", Value: bson.A{"owner"}})
			}
			if err := sw.Write(s); err != nil {
				return err
			}
		}
	}
	if err := rw.Close(); err != nil {
		return err
	}
	return sw.Close()
}
