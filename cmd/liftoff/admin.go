package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"text/tabwriter"

	"liftoff/chat"
	"liftoff/model"
	"liftoff/settings"
	"liftoff/store"
)

// adminCommand runs "liftoff admin ..." against the data directory. It
// works while the server runs (SQLite serialises the writes).
func adminCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("admin", flag.ContinueOnError)
	dataDir := fs.String("data", envOr("./data", "LIFTOFF_DATA_DIR"), "data directory")
	isAdmin := fs.Bool("admin", false, "create-user: make the user an administrator")
	name := fs.String("name", "", "create-user: display name")
	if len(args) == 0 {
		fmt.Print(usage)
		return errors.New("admin: a command is required")
	}
	cmd := args[0]
	if err := fs.Parse(reorderFlags(args[1:])); err != nil {
		return err
	}
	rest := fs.Args()
	c, err := loadConfig([]string{"--data", *dataDir})
	if err != nil {
		return err
	}
	c.LogLevel = "warn"
	a, err := openApp(ctx, c, newLogger(c))
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.chat.Bootstrap(ctx, chat.BootstrapInput{Overrides: settings.Overrides(os.Environ())}); err != nil {
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
		u, err := a.chat.InsertUser(ctx, chat.NewUserInput{Username: rest[0], Email: rest[1], Password: rest[2],
			Name: *name, Roles: roles, Verified: true, JoinDefaultChannels: true})
		if err != nil {
			return err
		}
		fmt.Printf("created user %s (%s) with roles %v\n", u.Username, u.ID, u.Roles)
	case "reset-password":
		if err := need(2, "USERNAME PASSWORD"); err != nil {
			return err
		}
		u, err := a.store.UserByUsername(ctx, rest[0])
		if err != nil {
			return fmt.Errorf("user %q: %w", rest[0], err)
		}
		if err := a.auth.SetPassword(ctx, u.ID, rest[1]); err != nil {
			return err
		}
		if err := a.auth.LogoutOthers(ctx, u.ID, ""); err != nil {
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
	case "list-users":
		users, total, err := a.store.ListUsers(ctx, store.UserQuery{}, store.Page{})
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
	default:
		return fmt.Errorf("admin: unknown command %q\n%s", cmd, usage)
	}
	return nil
}

// setGlobalRole grants or revokes a global role directly in the store.
func setGlobalRole(ctx context.Context, a *app, username, role string, grant bool) error {
	r, err := a.store.RoleByID(ctx, role)
	if err != nil {
		return fmt.Errorf("role %q: %w", role, err)
	}
	if r.Scope != model.ScopeUsers {
		return fmt.Errorf("role %q is a room role; grant it in a room", role)
	}
	return a.store.Update(ctx, func(tx store.Tx) error {
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
// "create-user bob b@x pw --admin" works as people type it.
func reorderFlags(args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			flags = append(flags, a)
			if (a == "--name" || a == "-name" || a == "--data" || a == "-data") && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
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
	dataDir := fs.String("data", envOr("./data", "LIFTOFF_DATA_DIR"), "data directory")
	if err := fs.Parse(reorderFlags(args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: liftoff backup FILE")
	}
	out := fs.Arg(0)
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s already exists", out)
	}
	c, err := loadConfig([]string{"--data", *dataDir})
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.dbPath()); err != nil {
		return fmt.Errorf("backup: no database at %s", c.dbPath())
	}
	c.LogLevel = "warn"
	a, err := openApp(ctx, c, newLogger(c))
	if err != nil {
		return err
	}
	defer a.close()
	if err := a.store.Backup(ctx, out); err != nil {
		return err
	}
	fmt.Printf("backup written to %s\n", out)
	return nil
}
