// Command liftoff is the Liftoff chat server: Rocket.Chat's REST and
// realtime API in one binary, on embedded SQLite by default.
//
//	liftoff [serve] [flags]        start the server (the default)
//	liftoff admin <command> ...    manage users on the data directory
//	liftoff backup FILE            copy the database consistently, even while serving
//	liftoff import rocketchat DIR  import a Rocket.Chat workspace from a mongodump
//	liftoff import slack ZIP       import a Slack workspace export
//	liftoff import csv ZIP         import Rocket.Chat's CSV importer format
//	liftoff version                print the version
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"liftoff/integrations/script"
	"liftoff/internal/app"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// Integration scripts run in worker processes started from this
	// executable: a worker must become one before anything else runs.
	script.RunWorkerIfChild()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "liftoff:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args)
	case "admin":
		return adminCommand(ctx, args)
	case "backup":
		return backupCommand(ctx, args)
	case "import":
		return importCommand(ctx, args)
	case "version":
		fmt.Println("liftoff", version)
		return nil
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

// serve runs the server until ctx ends (SIGINT or SIGTERM), then shuts it
// down gracefully. The wiring lives in internal/app.
func serve(ctx context.Context, args []string) error {
	c, err := app.LoadConfig(args, os.Environ())
	if err != nil {
		return err
	}
	a, err := app.New(ctx, c, app.Options{Version: version})
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", c.Addr())
	if err != nil {
		return err
	}
	return a.Serve(ctx, ln)
}

const usage = `usage:
  liftoff [serve] [flags]                     start the server (liftoff serve -h lists the flags)
  liftoff admin create-user USERNAME EMAIL PASSWORD [--admin] [--name NAME]
  liftoff admin reset-password USERNAME PASSWORD
  liftoff admin grant-role USERNAME ROLE
  liftoff admin revoke-role USERNAME ROLE
  liftoff admin list-users
  liftoff admin matrix-registration   (the Matrix appservice registration YAML, from the Federation_Matrix_* settings)
  liftoff admin seed-messages --room NAME --count N [--batch 1000] [--span 8760h]
                                              bulk-add realistic messages (benchmark/import aid; no events)
  liftoff backup FILE                         consistent copy of the database (safe while serving)
  liftoff import rocketchat DUMP_DIR [--files DIR] [--merge] [--batch 1000]
                                              import a Rocket.Chat workspace from a mongodump directory
  liftoff import slack EXPORT.zip [--merge]   import a Slack workspace export
  liftoff import csv ARCHIVE.zip [--merge]    import an archive in Rocket.Chat's CSV importer format
                                              (run imports before starting the server; see docs/import.md)
  liftoff version
The data directory is LIFTOFF_DATA_DIR (default ./data) or --data DIR.
`
