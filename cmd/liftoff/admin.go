package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"liftoff/chat"
	"liftoff/internal/app"
	"liftoff/model"
	"liftoff/store"
	"liftoff/store/sqlite"
)

// adminCommand runs "liftoff admin ..." against the data directory. It
// works while the server runs (SQLite serialises the writes).
func adminCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (LIFTOFF_DATA_DIR, default ./data)")
	isAdmin := fs.Bool("admin", false, "create-user: make the user an administrator")
	name := fs.String("name", "", "create-user: display name")
	seedRoom := fs.String("room", "", "seed-messages: name of the room")
	seedCount := fs.Int("count", 0, "seed-messages: number of messages to add")
	seedBatch := fs.Int("batch", 1000, "seed-messages: messages per transaction")
	seedSpan := fs.Duration("span", 365*24*time.Hour, "seed-messages: the messages' timestamps spread over this much time before now")
	if len(args) == 0 {
		fmt.Print(usage)
		return errors.New("admin: a command is required")
	}
	cmd := args[0]
	if err := fs.Parse(reorderFlags(fs, args[1:])); err != nil {
		return err
	}
	rest := fs.Args()
	c, err := dataConfig(*dataDir)
	if err != nil {
		return err
	}
	c.BulkWrites = cmd == "seed-messages"
	a, err := app.Open(ctx, c, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Chat().Admin.Bootstrap(ctx, chat.BootstrapInput{Overrides: c.SettingOverrides}); err != nil {
		return err
	}
	need := func(n int, form string) error {
		if len(rest) != n {
			return fmt.Errorf("usage: liftoff admin %s %s", cmd, form)
		}
		return nil
	}
	switch cmd {
	case "create-user":
		if err := need(3, "USERNAME EMAIL PASSWORD [--admin] [--name NAME]"); err != nil {
			return err
		}
		roles := []string{"user"}
		if *isAdmin {
			roles = []string{"admin", "user"}
		}
		u, err := a.Chat().Accounts.InsertUser(ctx, chat.NewUserInput{Username: rest[0], Email: rest[1], Password: rest[2],
			Name: *name, Roles: roles, Verified: true, JoinDefaultChannels: true})
		if err != nil {
			return err
		}
		fmt.Printf("created user %s (%s) with roles %v\n", u.Username, u.ID, u.Roles)
	case "reset-password":
		if err := need(2, "USERNAME PASSWORD"); err != nil {
			return err
		}
		u, err := a.Store().UserByUsername(ctx, rest[0])
		if err != nil {
			return fmt.Errorf("user %q: %w", rest[0], err)
		}
		if err := a.Auth().SetPassword(ctx, u.ID, rest[1]); err != nil {
			return err
		}
		if err := a.Auth().LogoutOthers(ctx, u.ID, ""); err != nil {
			return err
		}
		fmt.Printf("password of %s reset; their sessions were logged out\n", u.Username)
	case "grant-role", "revoke-role":
		if err := need(2, "USERNAME ROLE"); err != nil {
			return err
		}
		if err := setGlobalRole(ctx, a, rest[0], rest[1], cmd == "grant-role"); err != nil {
			return err
		}
		fmt.Printf("%s: %s %s\n", cmd, rest[0], rest[1])
	case "matrix-registration":
		if err := need(0, ""); err != nil {
			return err
		}
		cfg := a.MatrixConfig()
		if err := cfg.Validate(); err != nil {
			return err
		}
		out, err := cfg.Registration().YAML()
		if err != nil {
			return err
		}
		fmt.Print(out)
	case "list-users":
		users, total, err := a.Store().ListUsers(ctx, store.UserQuery{}, store.Page{})
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSERNAME\tNAME\tEMAIL\tROLES\tACTIVE")
		for _, u := range users {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%v\t%v\n", u.ID, u.Username, u.Name, u.Email(), u.Roles, u.Active)
		}
		tw.Flush()
		fmt.Printf("%d users\n", total)
	case "seed-messages":
		if err := need(0, "--room NAME --count N [--batch 1000] [--span 8760h]"); err != nil {
			return err
		}
		began := time.Now()
		last := time.Now()
		var insert func(context.Context, store.Tx, []*model.Message) error
		if _, ok := a.Store().(*sqlite.DB); ok {
			insert = sqlite.InsertMessages // the bulk path; PostgreSQL inserts one by one
		}
		err := seedMessages(ctx, a.Store(), seedOptions{Room: *seedRoom, Count: *seedCount, Batch: *seedBatch, Span: *seedSpan,
			Insert: insert},
			func(done int, rate float64) {
				if time.Since(last) >= 5*time.Second || done == *seedCount {
					last = time.Now()
					fmt.Fprintf(os.Stderr, "seed-messages: %d/%d messages, %.0f/s\n", done, *seedCount, rate)
				}
			})
		if err != nil {
			return err
		}
		fmt.Printf("added %d messages to %s in %s\n", *seedCount, *seedRoom, time.Since(began).Round(time.Millisecond))
	default:
		return fmt.Errorf("admin: unknown command %q\n%s", cmd, usage)
	}
	return nil
}

// setGlobalRole grants or revokes a global role directly in the store.
func setGlobalRole(ctx context.Context, a *app.App, username, role string, grant bool) error {
	r, err := a.Store().RoleByID(ctx, role)
	if err != nil {
		return fmt.Errorf("role %q: %w", role, err)
	}
	if r.Scope != model.ScopeUsers {
		return fmt.Errorf("role %q is a room role; grant it in a room", role)
	}
	return a.Store().Update(ctx, func(tx store.Tx) error {
		u, err := tx.UserByUsername(ctx, username)
		if err != nil {
			return fmt.Errorf("user %q: %w", username, err)
		}
		has := slices.Contains(u.Roles, r.ID)
		switch {
		case grant && !has:
			u.Roles = append(u.Roles, r.ID)
		case !grant && has:
			u.Roles = slices.DeleteFunc(u.Roles, func(x string) bool { return x == r.ID })
		default:
			return nil
		}
		u.UpdatedAt = model.Now()
		if err := tx.UpdateUser(ctx, u); err != nil {
			return err
		}
		typ := "added"
		if !grant {
			typ = "removed"
		}
		tx.Emit(model.RoleChanged{Type: typ, RoleID: r.ID, UserID: u.ID, Username: u.Username})
		return nil
	})
}

// reorderFlags moves flags before positional arguments, so that
// "create-user bob b@x pw --admin" works as people type it. A flag of fs
// that takes a value (every non-boolean flag written without "=") keeps the
// argument after it.
func reorderFlags(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			if name := strings.TrimLeft(a, "-"); !strings.Contains(name, "=") && i+1 < len(args) {
				if f := fs.Lookup(name); f != nil {
					if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
						flags = append(flags, args[i+1])
						i++
					}
				}
			}
			continue
		}
		pos = append(pos, a)
	}
	return append(flags, pos...)
}

// backupCommand writes a consistent copy of the database to FILE.
func backupCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	dataDir := fs.String("data", "", "data directory (LIFTOFF_DATA_DIR, default ./data)")
	if err := fs.Parse(reorderFlags(fs, args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: liftoff backup FILE")
	}
	out := fs.Arg(0)
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s already exists", out)
	}
	c, err := dataConfig(*dataDir)
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.DBPath()); err != nil && c.DatabaseURL == "" {
		return fmt.Errorf("backup: no database at %s", c.DBPath())
	}
	a, err := app.Open(ctx, c, app.Options{})
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Store().Backup(ctx, out); err != nil {
		return err
	}
	fmt.Printf("backup written to %s\n", out)
	return nil
}

// dataConfig is the configuration of a command working on the data
// directory: the environment's, with --data (when given) over
// LIFTOFF_DATA_DIR, logging warnings only.
func dataConfig(dataDir string) (*app.Config, error) {
	var args []string
	if dataDir != "" {
		args = []string{"--data", dataDir}
	}
	c, err := app.LoadConfig(args, os.Environ())
	if err != nil {
		return nil, err
	}
	c.LogLevel = slog.LevelWarn
	return c, nil
}
