package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Config is the whole configuration of the server process, filled from
// flags, then the environment (LIFTOFF_* and Rocket.Chat's names), then
// defaults, and validated once at start.
type Config struct {
	Port         int    // PORT
	Bind         string // LIFTOFF_BIND: address to listen on
	RootURL      string // ROOT_URL
	DataDir      string // LIFTOFF_DATA_DIR
	LogFormat    string // LIFTOFF_LOG_FORMAT: text or json
	LogLevel     string // LIFTOFF_LOG_LEVEL: debug, info, warn, error
	MaxBodyBytes int64  // LIFTOFF_MAX_BODY_BYTES
	Synchronous  string // LIFTOFF_SQLITE_SYNCHRONOUS: FULL or NORMAL
	BcryptCost   int    // LIFTOFF_BCRYPT_COST
	TrustProxy   bool   // LIFTOFF_TRUST_PROXY
	// PresenceGrace is how long a user stays online after their last
	// connection closes (LIFTOFF_PRESENCE_GRACE, a Go duration).
	PresenceGrace string
	// HeartbeatInterval of DDP pings (LIFTOFF_HEARTBEAT, a Go duration).
	Heartbeat string

	AdminUsername string // ADMIN_USERNAME
	AdminPass     string // ADMIN_PASS
	AdminEmail    string // ADMIN_EMAIL
	AdminName     string // ADMIN_NAME

	// bulkWrites tunes the store for a bulk import (seed-messages): a big
	// writer cache, rare checkpoints and synchronous=NORMAL (a crash may
	// lose the last batches, never corrupt the database).
	bulkWrites bool
}

// envOr returns the first non-empty environment variable of names, or def.
func envOr(def string, names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return def
}

// loadConfig parses flags (args) over the environment.
func loadConfig(args []string) (*Config, error) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c := &Config{}
	port, err := strconv.Atoi(envOr("3000", "PORT"))
	if err != nil {
		return nil, fmt.Errorf("PORT: %w", err)
	}
	maxBody, err := strconv.ParseInt(envOr("1048576", "LIFTOFF_MAX_BODY_BYTES"), 10, 64)
	if err != nil {
		return nil, fmt.Errorf("LIFTOFF_MAX_BODY_BYTES: %w", err)
	}
	cost, err := strconv.Atoi(envOr("10", "LIFTOFF_BCRYPT_COST"))
	if err != nil {
		return nil, fmt.Errorf("LIFTOFF_BCRYPT_COST: %w", err)
	}
	fs.IntVar(&c.Port, "port", port, "TCP port (PORT)")
	fs.StringVar(&c.Bind, "bind", envOr("", "LIFTOFF_BIND", "BIND_IP"), "address to listen on (LIFTOFF_BIND; all interfaces when empty)")
	fs.StringVar(&c.RootURL, "root-url", envOr("", "ROOT_URL"), "public URL of the server (ROOT_URL)")
	fs.StringVar(&c.DataDir, "data", envOr("./data", "LIFTOFF_DATA_DIR"), "data directory (LIFTOFF_DATA_DIR)")
	fs.StringVar(&c.LogFormat, "log-format", envOr("text", "LIFTOFF_LOG_FORMAT"), "log format: text or json (LIFTOFF_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", envOr("info", "LIFTOFF_LOG_LEVEL"), "log level: debug, info, warn, error (LIFTOFF_LOG_LEVEL)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body", maxBody, "largest accepted request body in bytes (LIFTOFF_MAX_BODY_BYTES)")
	fs.StringVar(&c.Synchronous, "sqlite-synchronous", envOr("FULL", "LIFTOFF_SQLITE_SYNCHRONOUS"), "SQLite synchronous mode: FULL or NORMAL (LIFTOFF_SQLITE_SYNCHRONOUS)")
	fs.IntVar(&c.BcryptCost, "bcrypt-cost", cost, "bcrypt cost of new password hashes (LIFTOFF_BCRYPT_COST)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", envOr("", "LIFTOFF_TRUST_PROXY") == "true", "take client addresses from X-Forwarded-For (LIFTOFF_TRUST_PROXY)")
	fs.StringVar(&c.PresenceGrace, "presence-grace", envOr("10s", "LIFTOFF_PRESENCE_GRACE"), "time a user stays online after the last connection closes (LIFTOFF_PRESENCE_GRACE)")
	fs.StringVar(&c.Heartbeat, "heartbeat", envOr("25s", "LIFTOFF_HEARTBEAT"), "DDP heartbeat interval; silent connections close after twice this (LIFTOFF_HEARTBEAT)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.AdminUsername = os.Getenv("ADMIN_USERNAME")
	c.AdminPass = os.Getenv("ADMIN_PASS")
	c.AdminEmail = os.Getenv("ADMIN_EMAIL")
	c.AdminName = os.Getenv("ADMIN_NAME")
	if c.RootURL == "" {
		c.RootURL = fmt.Sprintf("http://localhost:%d", c.Port)
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	if c.Port <= 0 || c.Port > 65535 {
		return fmt.Errorf("port %d out of range", c.Port)
	}
	switch strings.ToUpper(c.Synchronous) {
	case "FULL", "NORMAL", "EXTRA":
		c.Synchronous = strings.ToUpper(c.Synchronous)
	default:
		return fmt.Errorf("LIFTOFF_SQLITE_SYNCHRONOUS must be FULL, NORMAL or EXTRA, not %q", c.Synchronous)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("LIFTOFF_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		return fmt.Errorf("LIFTOFF_BCRYPT_COST must be between 4 and 31")
	}
	if c.AdminUsername != "" && c.AdminPass == "" {
		return fmt.Errorf("ADMIN_USERNAME is set but ADMIN_PASS is not")
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("LIFTOFF_MAX_BODY_BYTES must be at least 1024")
	}
	return nil
}

// dbPath is the SQLite database file inside the data directory.
func (c *Config) dbPath() string { return filepath.Join(c.DataDir, "liftoff.db") }
