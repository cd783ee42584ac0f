package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"liftoff/chat"
	"liftoff/importer/csvimport"
	"liftoff/importer/mongodump"
	"liftoff/importer/rocketchat"
	"liftoff/importer/slack"
	"liftoff/internal/app"
	"liftoff/store/sqlite"
)

// importStateFile, in the data directory, names the dump (or export) an
// import is filling it from: the same import may be run again (to resume it) without
// --merge.
const importStateFile = "import-rocketchat.json"

type importState struct {
	Dump    string    `json:"dump"`
	Started time.Time `json:"started"`
}

// importCommand runs "liftoff import rocketchat DUMP_DIR", "liftoff import
// slack EXPORT.zip" and "liftoff import csv ARCHIVE.zip". A Slack export or
// a CSV archive is first converted into a Rocket.Chat dump (in the data
// directory), then imported like one.
func importCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (LIFTOFF_DATA_DIR, default ./data)")
	merge := fs.Bool("merge", false, "import into a data directory that already has users (existing ids are skipped)")
	batch := fs.Int("batch", 1000, "documents per transaction")
	filesDir := fs.String("files", "", "rocketchat: the directory of FileSystem-storage uploads (files named by upload id) and custom emoji (named <name>.<extension>)")
	noFiles := fs.Bool("no-files", false, "slack: do not download the messages' files (they stay links to Slack)")
	slackToken := fs.String("slack-token", "", "slack: a Slack token (files:read) sent with each file download, for exports whose URLs carry none")
	forms := map[string]string{"rocketchat": "DUMP_DIR", "slack": "EXPORT.zip", "csv": "ARCHIVE.zip"}
	if len(args) == 0 || forms[args[0]] == "" {
		fmt.Print(usage)
		return errors.New("import: the source is required: liftoff import rocketchat DUMP_DIR, slack EXPORT.zip or csv ARCHIVE.zip")
	}
	source := args[0]
	if err := fs.Parse(reorderFlags(fs, args[1:])); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: liftoff import %s %s [--merge] [--data DIR]", source, forms[source])
	}
	if *filesDir != "" {
		if fi, err := os.Stat(*filesDir); err != nil || !fi.IsDir() {
			return fmt.Errorf("--files %s: not a directory", *filesDir)
		}
	}
	c, err := dataConfig(*dataDir)
	if err != nil {
		return err
	}
	var notes []string
	var dump *mongodump.Dump
	switch source {
	case "rocketchat":
		if dump, err = mongodump.Open(fs.Arg(0)); err != nil {
			return err
		}
		if !dump.Has("users") {
			return fmt.Errorf("%s has no users collection: is it a dump of a Rocket.Chat database?", dump.Dir)
		}
	case "slack", "csv":
		tmp := filepath.Join(c.DataDir, "import-"+source+"-tmp")
		if err := os.RemoveAll(tmp); err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		out := filepath.Join(tmp, "rocketchat")
		var users, rooms, msgs int
		if source == "slack" {
			o := slack.Options{Token: *slackToken}
			if !*noFiles {
				o.FilesDir = filepath.Join(tmp, "files")
				*filesDir = o.FilesDir
			}
			rep, err := slack.ConvertWith(fs.Arg(0), out, time.Now(), o)
			if err != nil {
				return err
			}
			users, rooms, msgs, notes = rep.Users, rep.Channels, rep.Messages, rep.Notes
		} else {
			rep, err := csvimport.Convert(fs.Arg(0), out, time.Now())
			if err != nil {
				return err
			}
			users, rooms, msgs, notes = rep.Users, rep.Channels, rep.Messages, rep.Notes
		}
		fmt.Fprintf(os.Stderr, "read %s: %d users, %d conversations, %d messages\n", fs.Arg(0), users, rooms, msgs)
		if dump, err = mongodump.Open(out); err != nil {
			return err
		}
	}
	abs, err := filepath.Abs(fs.Arg(0))
	if err != nil {
		return err
	}
	c.BulkWrites = true
	a, err := app.Open(ctx, c, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Chat().Admin.Bootstrap(ctx, chat.BootstrapInput{Overrides: c.SettingOverrides}); err != nil {
		return err
	}
	statePath := filepath.Join(c.DataDir, importStateFile)
	var prev importState
	if b, err := os.ReadFile(statePath); err == nil {
		_ = json.Unmarshal(b, &prev)
	}
	counts, err := a.Store().Counts(ctx)
	if err != nil {
		return err
	}
	users := counts.TotalUsers
	if _, err := a.Store().UserByID(ctx, chat.RocketCatID); err == nil {
		users-- // the rocket.cat bot every data directory starts with
	}
	if users > 0 && prev.Dump != abs && !*merge {
		return fmt.Errorf("the data directory %s already has %d users: pass --merge to import into it anyway "+
			"(records whose id exists are skipped)", c.DataDir, users)
	}
	if prev.Dump != abs {
		b, _ := json.Marshal(importState{Dump: abs, Started: time.Now().UTC()})
		if err := os.WriteFile(statePath, b, 0o640); err != nil {
			return err
		}
	}
	fmt.Fprintf(os.Stderr, "importing %s into %s\n", abs, c.DataDir)
	p := newProgress(os.Stderr)
	opts := rocketchat.Options{Store: a.Store(), Batch: *batch, Progress: p.update, Files: a.FileStore, FilesDir: *filesDir}
	if _, ok := a.Store().(*sqlite.DB); ok {
		opts.InsertMessages = sqlite.InsertMessages // the bulk path; PostgreSQL inserts one by one
	}
	sum, err := rocketchat.Import(ctx, dump, opts)
	p.done()
	if sum != nil {
		printSummary(os.Stdout, sum)
	}
	for _, n := range notes {
		fmt.Printf("%s: %s\n", source, n)
	}
	if err != nil {
		return err
	}
	return nil
}

// progress draws one line per collection: a bar redrawn in place on a
// terminal, a plain line every few seconds otherwise.
type progress struct {
	out      io.Writer
	terminal bool
	name     string
	began    time.Time
	last     time.Time
	printed  int // documents when the last plain line was printed (-1: none yet)
}

func newProgress(out *os.File) *progress {
	fi, err := out.Stat()
	return &progress{out: out, terminal: err == nil && fi.Mode()&os.ModeCharDevice != 0}
}

func (p *progress) update(collection string, docs int, fraction float64) {
	now := time.Now()
	if collection != p.name {
		p.done()
		p.name, p.began, p.last, p.printed = collection, now, time.Time{}, -1
	}
	if docs == 0 && fraction == 0 {
		return // the collection starts: the clock of its rate starts here
	}
	elapsed := now.Sub(p.began)
	rate := float64(docs) / max(elapsed.Seconds(), 1e-3)
	eta := "?"
	if fraction > 0 {
		eta = (time.Duration(float64(elapsed)/fraction) - elapsed).Round(time.Second).String()
	}
	if p.terminal {
		const width = 30
		n := int(fraction * width)
		fmt.Fprintf(p.out, "\r%-26s [%s%s] %3.0f%% %9d docs %8.0f/s ETA %-8s", collection,
			strings.Repeat("=", n), strings.Repeat(" ", width-n), fraction*100, docs, rate, eta)
		return
	}
	if (now.Sub(p.last) >= 5*time.Second || fraction >= 1) && docs != p.printed {
		p.last, p.printed = now, docs
		fmt.Fprintf(p.out, "%s: %d documents, %.0f%%, %.0f/s, ETA %s\n", collection, docs, fraction*100, rate, eta)
	}
}

func (p *progress) done() {
	if p.terminal && p.name != "" {
		fmt.Fprintln(p.out)
	}
	p.name = ""
}

func printSummary(out io.Writer, s *rocketchat.Summary) {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "COLLECTION\tREAD\tIMPORTED\tEXISTING\tSKIPPED\tFAILED\tDOCS/S\t")
	for _, c := range s.Collections {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%.0f\t\n", c.Name, c.Read, c.Imported, c.Existing, c.Skipped, c.Failed, c.Rate())
	}
	tw.Flush()
	for _, c := range s.Collections {
		for _, n := range c.Notes {
			fmt.Fprintf(out, "%s: %s\n", c.Name, n)
		}
		for _, f := range c.Failures {
			id := f.ID
			if id == "" {
				id = "(no id)"
			}
			fmt.Fprintf(out, "%s: failed %s: %s\n", c.Name, id, f.Reason)
		}
		if c.Failed > len(c.Failures) {
			fmt.Fprintf(out, "%s: %d more failures\n", c.Name, c.Failed-len(c.Failures))
		}
	}
	for _, n := range s.NotImported {
		fmt.Fprintf(out, "not imported: %s\n", n)
	}
	for _, p := range s.Problems {
		fmt.Fprintf(out, "check: %s\n", p)
	}
	if len(s.Problems) == 0 {
		fmt.Fprintln(out, "check: consistent")
	}
	fmt.Fprintf(out, "imported in %s\n", s.Duration.Round(time.Millisecond))
}
