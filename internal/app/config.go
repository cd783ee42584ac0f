package app

import (
	"flag"
	"fmt"
	"liftoff/clientaddr"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"liftoff/settings"
	"liftoff/store/sqlite"
)

// Config is the whole configuration of the server process, filled from
// flags, then the environment (LIFTOFF_* and Rocket.Chat's names), then
// defaults, and validated once at start (LoadConfig). Nothing else in the
// server reads the environment.
type Config struct {
	Port         int        // PORT
	Bind         string     // LIFTOFF_BIND (BIND_IP): address to listen on, all interfaces when empty
	RootURL      string     // ROOT_URL (http://localhost:PORT when empty)
	DataDir      string     // LIFTOFF_DATA_DIR
	LogFormat    LogFormat  // LIFTOFF_LOG_FORMAT: text or json
	LogLevel     slog.Level // LIFTOFF_LOG_LEVEL: debug, info, warn, error
	MaxBodyBytes int64      // LIFTOFF_MAX_BODY_BYTES
	// Synchronous is SQLite's synchronous mode, upper case
	// (LIFTOFF_SQLITE_SYNCHRONOUS; sqlite.SynchronousModes).
	Synchronous string
	BcryptCost  int  // LIFTOFF_BCRYPT_COST
	TrustProxy  bool // LIFTOFF_TRUST_PROXY
	// ForwardedCount is Rocket.Chat's HTTP_FORWARDED_COUNT: the number of
	// proxies in front of the instance (LIFTOFF_TRUST_PROXY alone means 1).
	ForwardedCount int
	// TrustedProxies are the networks a proxy may connect from
	// (LIFTOFF_TRUSTED_PROXIES; clientaddr.DefaultTrusted when empty).
	TrustedProxies string
	// PresenceGrace is how long a user stays online after their last
	// connection closes (LIFTOFF_PRESENCE_GRACE).
	PresenceGrace time.Duration
	// Heartbeat is the DDP ping interval (LIFTOFF_HEARTBEAT); a silent
	// connection closes after twice this.
	Heartbeat time.Duration
	// SessionCheck is how often the tokens of open DDP connections are
	// re-checked (LIFTOFF_SESSION_CHECK), to end the connections whose
	// token another process removed or that expired.
	SessionCheck time.Duration
	// BodyGrace and BodyMinRate bound reading a request body
	// (LIFTOFF_BODY_GRACE, LIFTOFF_BODY_MIN_RATE in bytes per second): a
	// body must arrive at BodyMinRate on average after the first BodyGrace,
	// or the request ends and its connection closes.
	BodyGrace   time.Duration
	BodyMinRate int64
	// PprofAddr serves Go's profiler on this loopback address when set
	// (LIFTOFF_PPROF_ADDR).
	PprofAddr string
	// DevMode is Rocket.Chat's NODE_ENV=development: the REST rate limiter
	// then also needs API_Enable_Rate_Limiter_Dev.
	DevMode bool

	AdminUsername string // ADMIN_USERNAME
	AdminPass     string // ADMIN_PASS
	AdminEmail    string // ADMIN_EMAIL
	AdminName     string // ADMIN_NAME

	// CreateTokensSecret is Rocket.Chat's CREATE_TOKENS_FOR_USERS_SECRET,
	// the secret users.createToken asks for (the endpoint refuses every
	// call while it is empty).
	CreateTokensSecret string

	// SettingOverrides are the OVERWRITE_SETTING_<id> values, forced at
	// every start.
	SettingOverrides map[string]string

	// DatabaseURL selects the PostgreSQL store (LIFTOFF_DATABASE_URL,
	// postgres://... or postgresql://...); empty means the embedded SQLite
	// database in DataDir.
	DatabaseURL string
	// NATSURL selects the NATS JetStream event bus between instances
	// (LIFTOFF_NATS_URL, nats://host:port, a comma-separated list for a
	// cluster); empty means the in-process bus. It needs DatabaseURL: the
	// instances sharing a bus share a database.
	NATSURL string
	// NATSPrefix names the deployment's subjects and stream on the NATS
	// server (LIFTOFF_NATS_PREFIX, default "liftoff"): deployments sharing
	// a NATS server need different prefixes.
	NATSPrefix string
	// NATSReplicas is how many servers of a NATS cluster keep each of the
	// deployment's streams and buckets (LIFTOFF_NATS_REPLICAS, default 1; 3
	// in a cluster of three survives the loss of a server).
	NATSReplicas int
	// ClusterHeartbeat is how often an instance proves to the others that
	// it is alive (LIFTOFF_CLUSTER_HEARTBEAT, with NATS only): the users of
	// an instance silent for three heartbeats turn offline.
	ClusterHeartbeat time.Duration

	// BulkWrites tunes the store for a bulk import (seed-messages): a big
	// writer cache, rare checkpoints and synchronous=NORMAL (a crash may
	// lose the last batches, never corrupt the database).
	BulkWrites bool
}

// LogFormat is how log lines are written.
type LogFormat string

// The log formats.
const (
	LogText LogFormat = "text" // slog's key=value lines
	LogJSON LogFormat = "json" // one JSON object a line
)

// DefaultConfig is the configuration when neither flags nor environment
// say otherwise.
func DefaultConfig() *Config {
	return &Config{
		Port:             3000,
		DataDir:          "./data",
		LogFormat:        LogText,
		LogLevel:         slog.LevelInfo,
		MaxBodyBytes:     1 << 20,
		Synchronous:      "FULL",
		BcryptCost:       10,
		PresenceGrace:    10 * time.Second,
		Heartbeat:        25 * time.Second,
		NATSPrefix:       "liftoff",
		SessionCheck:     time.Minute,
		BodyGrace:        10 * time.Second,
		BodyMinRate:      1024,
		ClusterHeartbeat: 5 * time.Second,
		NATSReplicas:     1,
	}
}

// LoadConfig builds the configuration from the defaults, then environ
// (os.Environ's KEY=value form), then the flags in args, and validates it.
func LoadConfig(args, environ []string) (*Config, error) {
	c := DefaultConfig()
	if err := c.applyEnv(environ); err != nil {
		return nil, err
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	c.addFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if c.RootURL == "" {
		c.RootURL = fmt.Sprintf("http://localhost:%d", c.Port)
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// applyEnv sets the fields named by the environment variables present in
// environ; a value that does not parse is an error naming the variable.
func (c *Config) applyEnv(environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	// lookup returns the first non-empty variable of names.
	lookup := func(names ...string) (string, string, bool) {
		for _, n := range names {
			if v := env[n]; v != "" {
				return n, v, true
			}
		}
		return "", "", false
	}
	str := func(dst *string, names ...string) {
		if _, v, ok := lookup(names...); ok {
			*dst = v
		}
	}
	parse := func(set func(string) error, names ...string) error {
		n, v, ok := lookup(names...)
		if !ok {
			return nil
		}
		if err := set(v); err != nil {
			return fmt.Errorf("%s=%q: %w", n, v, err)
		}
		return nil
	}
	str(&c.Bind, "LIFTOFF_BIND", "BIND_IP")
	str(&c.RootURL, "ROOT_URL")
	str(&c.DataDir, "LIFTOFF_DATA_DIR")
	str(&c.PprofAddr, "LIFTOFF_PPROF_ADDR")
	str(&c.DatabaseURL, "LIFTOFF_DATABASE_URL")
	str(&c.NATSURL, "LIFTOFF_NATS_URL")
	str(&c.NATSPrefix, "LIFTOFF_NATS_PREFIX")
	str(&c.AdminUsername, "ADMIN_USERNAME")
	str(&c.AdminPass, "ADMIN_PASS")
	str(&c.AdminEmail, "ADMIN_EMAIL")
	str(&c.AdminName, "ADMIN_NAME")
	str(&c.CreateTokensSecret, "CREATE_TOKENS_FOR_USERS_SECRET")
	c.DevMode = env["NODE_ENV"] == "development"
	c.SettingOverrides = settings.Overrides(environ)
	for _, err := range []error{
		parse(intSetter(&c.Port), "PORT"),
		parse(func(s string) error { return c.LogFormat.Set(s) }, "LIFTOFF_LOG_FORMAT"),
		parse(func(s string) error { return c.LogLevel.UnmarshalText([]byte(s)) }, "LIFTOFF_LOG_LEVEL"),
		parse(int64Setter(&c.MaxBodyBytes), "LIFTOFF_MAX_BODY_BYTES"),
		parse(c.setSynchronous, "LIFTOFF_SQLITE_SYNCHRONOUS"),
		parse(intSetter(&c.BcryptCost), "LIFTOFF_BCRYPT_COST"),
		parse(boolSetter(&c.TrustProxy), "LIFTOFF_TRUST_PROXY"),
		parse(intSetter(&c.ForwardedCount), "HTTP_FORWARDED_COUNT"),
		parse(func(s string) error { _, err := clientaddr.ParseTrusted(s); c.TrustedProxies = s; return err }, "LIFTOFF_TRUSTED_PROXIES"),
		parse(durationSetter(&c.PresenceGrace), "LIFTOFF_PRESENCE_GRACE"),
		parse(durationSetter(&c.Heartbeat), "LIFTOFF_HEARTBEAT"),
		parse(durationSetter(&c.SessionCheck), "LIFTOFF_SESSION_CHECK"),
		parse(durationSetter(&c.BodyGrace), "LIFTOFF_BODY_GRACE"),
		parse(int64Setter(&c.BodyMinRate), "LIFTOFF_BODY_MIN_RATE"),
		parse(durationSetter(&c.ClusterHeartbeat), "LIFTOFF_CLUSTER_HEARTBEAT"),
		parse(intSetter(&c.NATSReplicas), "LIFTOFF_NATS_REPLICAS"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// addFlags defines the serve flags on fs, with the values so far (defaults
// and environment) as their defaults.
func (c *Config) addFlags(fs *flag.FlagSet) {
	fs.IntVar(&c.Port, "port", c.Port, "TCP port (PORT)")
	fs.StringVar(&c.Bind, "bind", c.Bind, "address to listen on (LIFTOFF_BIND; all interfaces when empty)")
	fs.StringVar(&c.RootURL, "root-url", c.RootURL, "public URL of the server (ROOT_URL)")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data directory (LIFTOFF_DATA_DIR)")
	fs.Var(&c.LogFormat, "log-format", "log format: text or json (LIFTOFF_LOG_FORMAT)")
	fs.TextVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn, error (LIFTOFF_LOG_LEVEL)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body", c.MaxBodyBytes, "largest accepted request body in bytes (LIFTOFF_MAX_BODY_BYTES)")
	fs.Func("sqlite-synchronous", "SQLite synchronous mode: "+strings.Join(sqlite.SynchronousModes, ", ")+" (LIFTOFF_SQLITE_SYNCHRONOUS; default "+c.Synchronous+")", c.setSynchronous)
	fs.IntVar(&c.BcryptCost, "bcrypt-cost", c.BcryptCost, "bcrypt cost of new password hashes (LIFTOFF_BCRYPT_COST)")
	fs.BoolVar(&c.TrustProxy, "trust-proxy", c.TrustProxy, "take client addresses from X-Forwarded-For set by one trusted proxy (LIFTOFF_TRUST_PROXY)")
	fs.IntVar(&c.ForwardedCount, "forwarded-count", c.ForwardedCount, "number of proxies in front of the server whose X-Forwarded-For entries count (HTTP_FORWARDED_COUNT)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "addresses and networks proxies connect from, comma-separated (LIFTOFF_TRUSTED_PROXIES; loopback and private networks when empty)")
	fs.DurationVar(&c.PresenceGrace, "presence-grace", c.PresenceGrace, "time a user stays online after the last connection closes (LIFTOFF_PRESENCE_GRACE)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL database, postgres://... (LIFTOFF_DATABASE_URL; the SQLite database in the data directory when empty)")
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "NATS server(s) carrying events between instances, nats://... (LIFTOFF_NATS_URL; needs a PostgreSQL database)")
	fs.StringVar(&c.NATSPrefix, "nats-prefix", c.NATSPrefix, "subject and stream prefix of this deployment on the NATS server (LIFTOFF_NATS_PREFIX)")
	fs.DurationVar(&c.Heartbeat, "heartbeat", c.Heartbeat, "DDP heartbeat interval; silent connections close after twice this (LIFTOFF_HEARTBEAT)")
	fs.DurationVar(&c.SessionCheck, "session-check", c.SessionCheck, "how often open DDP connections' login tokens are re-checked (LIFTOFF_SESSION_CHECK)")
	fs.DurationVar(&c.BodyGrace, "body-grace", c.BodyGrace, "time a request body may take before the minimum rate applies (LIFTOFF_BODY_GRACE)")
	fs.Int64Var(&c.BodyMinRate, "body-min-rate", c.BodyMinRate, "minimum average rate of a request body after the grace, bytes per second (LIFTOFF_BODY_MIN_RATE)")
}

func (c *Config) setSynchronous(s string) error {
	mode, err := sqlite.ParseSynchronous(s)
	if err != nil {
		return err
	}
	c.Synchronous = mode
	return nil
}

func intSetter(dst *int) func(string) error {
	return func(s string) error {
		v, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		*dst = v
		return nil
	}
}

func int64Setter(dst *int64) func(string) error {
	return func(s string) error {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		*dst = v
		return nil
	}
}

func boolSetter(dst *bool) func(string) error {
	return func(s string) error {
		v, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean (true or false)")
		}
		*dst = v
		return nil
	}
}

func durationSetter(dst *time.Duration) func(string) error {
	return func(s string) error {
		v, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("not a duration such as 10s or 1m30s")
		}
		*dst = v
		return nil
	}
}

// String implements flag.Value.
func (f *LogFormat) String() string { return string(*f) }

// Set implements flag.Value: text or json.
func (f *LogFormat) Set(s string) error {
	switch v := LogFormat(s); v {
	case LogText, LogJSON:
		*f = v
		return nil
	}
	return fmt.Errorf("log format must be text or json, not %q", s)
}

// Validate checks the configuration as a whole; LoadConfig calls it.
// ClientAddr returns the resolver of client addresses the configuration
// asks for: HTTP_FORWARDED_COUNT proxies, or one with LIFTOFF_TRUST_PROXY,
// connecting from LIFTOFF_TRUSTED_PROXIES. Validate has checked the list.
func (c *Config) ClientAddr() clientaddr.Resolver {
	r := clientaddr.Resolver{Proxies: c.ForwardedCount}
	if r.Proxies == 0 && c.TrustProxy {
		r.Proxies = 1
	}
	r.Trusted, _ = clientaddr.ParseTrusted(c.TrustedProxies)
	return r
}

func (c *Config) Validate() error {
	if c.Port <= 0 || c.Port > 65535 {
		return fmt.Errorf("port %d out of range", c.Port)
	}
	if _, err := sqlite.ParseSynchronous(c.Synchronous); err != nil {
		return fmt.Errorf("LIFTOFF_SQLITE_SYNCHRONOUS: %w", err)
	}
	if c.LogFormat != LogText && c.LogFormat != LogJSON {
		return fmt.Errorf("LIFTOFF_LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	if c.BcryptCost < 4 || c.BcryptCost > 31 {
		return fmt.Errorf("LIFTOFF_BCRYPT_COST must be between 4 and 31")
	}
	if c.AdminUsername != "" && c.AdminPass == "" {
		return fmt.Errorf("ADMIN_USERNAME is set but ADMIN_PASS is not")
	}
	if c.ForwardedCount < 0 {
		return fmt.Errorf("HTTP_FORWARDED_COUNT must not be negative")
	}
	if _, err := clientaddr.ParseTrusted(c.TrustedProxies); err != nil {
		return fmt.Errorf("LIFTOFF_TRUSTED_PROXIES: %w", err)
	}
	if c.MaxBodyBytes < 1024 {
		return fmt.Errorf("LIFTOFF_MAX_BODY_BYTES must be at least 1024")
	}
	if c.PresenceGrace <= 0 {
		return fmt.Errorf("LIFTOFF_PRESENCE_GRACE must be positive, not %s", c.PresenceGrace)
	}
	if c.NATSReplicas < 1 || c.NATSReplicas > 5 {
		return fmt.Errorf("LIFTOFF_NATS_REPLICAS must be between 1 and 5, not %d", c.NATSReplicas)
	}
	if c.ClusterHeartbeat < 100*time.Millisecond {
		return fmt.Errorf("LIFTOFF_CLUSTER_HEARTBEAT must be at least 100ms, not %s", c.ClusterHeartbeat)
	}
	if c.Heartbeat <= 0 {
		return fmt.Errorf("LIFTOFF_HEARTBEAT must be positive, not %s", c.Heartbeat)
	}
	if c.SessionCheck <= 0 {
		return fmt.Errorf("LIFTOFF_SESSION_CHECK must be positive, not %s", c.SessionCheck)
	}
	if c.BodyGrace <= 0 {
		return fmt.Errorf("LIFTOFF_BODY_GRACE must be positive, not %s", c.BodyGrace)
	}
	if c.BodyMinRate <= 0 {
		return fmt.Errorf("LIFTOFF_BODY_MIN_RATE must be positive, not %d", c.BodyMinRate)
	}
	if c.DataDir == "" {
		return fmt.Errorf("LIFTOFF_DATA_DIR must not be empty")
	}
	if c.DatabaseURL != "" {
		u, err := url.Parse(c.DatabaseURL)
		if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			return fmt.Errorf("LIFTOFF_DATABASE_URL must be a PostgreSQL URL (postgres://user@host:port/database)")
		}
	}
	if c.NATSURL != "" {
		if c.DatabaseURL == "" {
			return fmt.Errorf("LIFTOFF_NATS_URL needs LIFTOFF_DATABASE_URL: instances sharing events must share a PostgreSQL database (SQLite serves one instance)")
		}
		for _, s := range strings.Split(c.NATSURL, ",") {
			u, err := url.Parse(strings.TrimSpace(s))
			if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
				return fmt.Errorf("LIFTOFF_NATS_URL must be nats://host:port (a comma-separated list for a cluster), not %q", s)
			}
		}
		if !natsPrefix.MatchString(c.NATSPrefix) {
			return fmt.Errorf("LIFTOFF_NATS_PREFIX %q: letters, digits, _ and - only", c.NATSPrefix)
		}
	}
	if c.PprofAddr != "" {
		// Profiles reveal memory contents: never on a public address.
		host, _, err := net.SplitHostPort(c.PprofAddr)
		if err != nil {
			return fmt.Errorf("LIFTOFF_PPROF_ADDR %q: %w", c.PprofAddr, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("LIFTOFF_PPROF_ADDR %q: must be a loopback address such as 127.0.0.1:6060", c.PprofAddr)
		}
	}
	return nil
}

var natsPrefix = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Scaled reports whether the server shares its database with other
// instances' (PostgreSQL) rather than owning an embedded one.
func (c *Config) Scaled() bool { return c.DatabaseURL != "" }

// Addr is the address to listen on.
func (c *Config) Addr() string { return net.JoinHostPort(c.Bind, strconv.Itoa(c.Port)) }

// DBPath is the SQLite database file inside the data directory.
func (c *Config) DBPath() string { return filepath.Join(c.DataDir, "liftoff.db") }
