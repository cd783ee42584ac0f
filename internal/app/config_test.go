package app

import (
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	defaults := func(edit func(c *Config)) *Config {
		c := DefaultConfig()
		c.RootURL = "http://localhost:3000"
		c.SettingOverrides = map[string]string{}
		if edit != nil {
			edit(c)
		}
		return c
	}
	tests := []struct {
		name    string
		env     []string
		args    []string
		want    *Config // nil when an error is expected
		wantErr string
	}{
		{name: "defaults", want: defaults(nil)},
		{
			name: "environment",
			env: []string{"PORT=4000", "LIFTOFF_BIND=127.0.0.1", "LIFTOFF_DATA_DIR=/srv/liftoff", "LIFTOFF_LOG_FORMAT=json",
				"LIFTOFF_LOG_LEVEL=debug", "LIFTOFF_MAX_BODY_BYTES=4096", "LIFTOFF_SQLITE_SYNCHRONOUS=normal",
				"LIFTOFF_BCRYPT_COST=4", "LIFTOFF_TRUST_PROXY=true", "LIFTOFF_PRESENCE_GRACE=1s", "LIFTOFF_HEARTBEAT=1m30s",
				"LIFTOFF_SESSION_CHECK=5s", "LIFTOFF_BODY_GRACE=3s", "LIFTOFF_BODY_MIN_RATE=100",
				"LIFTOFF_PPROF_ADDR=127.0.0.1:6060", "NODE_ENV=development",
				"ADMIN_USERNAME=root", "ADMIN_PASS=pw", "ADMIN_EMAIL=root@example.org", "ADMIN_NAME=Root",
				"OVERWRITE_SETTING_Accounts_RegistrationForm=Disabled", "UNRELATED=x"},
			want: &Config{Port: 4000, Bind: "127.0.0.1", RootURL: "http://localhost:4000", DataDir: "/srv/liftoff",
				LogFormat: LogJSON, LogLevel: slog.LevelDebug, MaxBodyBytes: 4096, Synchronous: "NORMAL", BcryptCost: 4,
				TrustProxy: true, PresenceGrace: time.Second, Heartbeat: 90 * time.Second, PprofAddr: "127.0.0.1:6060",
				SessionCheck: 5 * time.Second, BodyGrace: 3 * time.Second, BodyMinRate: 100,
				DevMode: true, AdminUsername: "root", AdminPass: "pw", AdminEmail: "root@example.org", AdminName: "Root",
				SettingOverrides: map[string]string{"Accounts_RegistrationForm": "Disabled"}, NATSPrefix: "liftoff", ClusterHeartbeat: 5 * time.Second, NATSReplicas: 1},
		},
		{
			name: "Rocket.Chat's BIND_IP and ROOT_URL",
			env:  []string{"BIND_IP=::1", "ROOT_URL=https://chat.example.org"},
			want: defaults(func(c *Config) { c.Bind, c.RootURL = "::1", "https://chat.example.org" }),
		},
		{
			name: "LIFTOFF_BIND wins over BIND_IP",
			env:  []string{"BIND_IP=::1", "LIFTOFF_BIND=127.0.0.1"},
			want: defaults(func(c *Config) { c.Bind = "127.0.0.1" }),
		},
		{
			name: "NODE_ENV other than development",
			env:  []string{"NODE_ENV=production"},
			want: defaults(nil),
		},
		{
			name: "flags over environment",
			env:  []string{"PORT=4000", "LIFTOFF_HEARTBEAT=1m", "LIFTOFF_LOG_LEVEL=debug", "LIFTOFF_SQLITE_SYNCHRONOUS=NORMAL"},
			args: []string{"--port", "5000", "--heartbeat", "2s", "--log-level", "warn", "--sqlite-synchronous", "extra",
				"--log-format", "json", "--trust-proxy", "--presence-grace", "3s", "--bind", "127.0.0.2", "--data", "d",
				"--max-body", "2048", "--bcrypt-cost", "5", "--root-url", "http://x"},
			want: defaults(func(c *Config) {
				c.Port, c.Heartbeat, c.LogLevel, c.Synchronous, c.LogFormat = 5000, 2*time.Second, slog.LevelWarn, "EXTRA", LogJSON
				c.TrustProxy, c.PresenceGrace, c.Bind, c.DataDir, c.MaxBodyBytes, c.BcryptCost, c.RootURL = true, 3*time.Second, "127.0.0.2", "d", 2048, 5, "http://x"
			}),
		},
		{
			name: "PostgreSQL and NATS",
			env: []string{"LIFTOFF_DATABASE_URL=postgres://liftoff@db:5432/liftoff", "LIFTOFF_NATS_URL=nats://n1:4222, nats://n2:4222",
				"LIFTOFF_NATS_PREFIX=chat-prod", "LIFTOFF_NATS_REPLICAS=3", "LIFTOFF_CLUSTER_HEARTBEAT=2s"},
			want: defaults(func(c *Config) {
				c.DatabaseURL, c.NATSURL, c.NATSPrefix = "postgres://liftoff@db:5432/liftoff", "nats://n1:4222, nats://n2:4222", "chat-prod"
				c.NATSReplicas, c.ClusterHeartbeat = 3, 2*time.Second
			}),
		},
		{
			name: "PostgreSQL alone, by flag",
			args: []string{"--database-url", "postgresql://db/liftoff"},
			want: defaults(func(c *Config) { c.DatabaseURL = "postgresql://db/liftoff" }),
		},
		{name: "database URL not PostgreSQL", env: []string{"LIFTOFF_DATABASE_URL=mysql://db/liftoff"}, wantErr: "LIFTOFF_DATABASE_URL must be a PostgreSQL URL"},
		{name: "NATS without PostgreSQL", env: []string{"LIFTOFF_NATS_URL=nats://127.0.0.1:4222"}, wantErr: "LIFTOFF_NATS_URL needs LIFTOFF_DATABASE_URL"},
		{name: "NATS URL", env: []string{"LIFTOFF_DATABASE_URL=postgres://db/x", "LIFTOFF_NATS_URL=127.0.0.1:4222"}, wantErr: "LIFTOFF_NATS_URL must be nats://host:port"},
		{name: "NATS prefix", env: []string{"LIFTOFF_DATABASE_URL=postgres://db/x", "LIFTOFF_NATS_URL=nats://n:4222", "LIFTOFF_NATS_PREFIX=a.b"}, wantErr: "LIFTOFF_NATS_PREFIX"},
		{name: "NATS replicas", env: []string{"LIFTOFF_NATS_REPLICAS=0"}, wantErr: "LIFTOFF_NATS_REPLICAS must be between 1 and 5"},
		{name: "cluster heartbeat", env: []string{"LIFTOFF_CLUSTER_HEARTBEAT=10ms"}, wantErr: "LIFTOFF_CLUSTER_HEARTBEAT must be at least 100ms"},
		{name: "port not a number", env: []string{"PORT=http"}, wantErr: `PORT="http": not an integer`},
		{name: "port out of range", env: []string{"PORT=70000"}, wantErr: "port 70000 out of range"},
		{name: "port flag out of range", args: []string{"--port", "0"}, wantErr: "port 0 out of range"},
		{name: "duration without unit", env: []string{"LIFTOFF_HEARTBEAT=25"}, wantErr: `LIFTOFF_HEARTBEAT="25": not a duration`},
		{name: "zero grace", env: []string{"LIFTOFF_PRESENCE_GRACE=0s"}, wantErr: "LIFTOFF_PRESENCE_GRACE must be positive"},
		{name: "negative heartbeat flag", args: []string{"--heartbeat", "-1s"}, wantErr: "LIFTOFF_HEARTBEAT must be positive"},
		{name: "log level", env: []string{"LIFTOFF_LOG_LEVEL=loud"}, wantErr: `LIFTOFF_LOG_LEVEL="loud"`},
		{name: "log format", env: []string{"LIFTOFF_LOG_FORMAT=xml"}, wantErr: "log format must be text or json"},
		{name: "log format flag", args: []string{"--log-format", "xml"}, wantErr: "log format must be text or json"},
		{name: "synchronous", env: []string{"LIFTOFF_SQLITE_SYNCHRONOUS=sometimes"}, wantErr: "invalid synchronous mode"},
		{name: "synchronous flag", args: []string{"--sqlite-synchronous", "fast"}, wantErr: "invalid synchronous mode"},
		{name: "bcrypt cost", env: []string{"LIFTOFF_BCRYPT_COST=3"}, wantErr: "LIFTOFF_BCRYPT_COST must be between 4 and 31"},
		{name: "max body", env: []string{"LIFTOFF_MAX_BODY_BYTES=100"}, wantErr: "LIFTOFF_MAX_BODY_BYTES must be at least 1024"},
		{name: "trust proxy", env: []string{"LIFTOFF_TRUST_PROXY=maybe"}, wantErr: `LIFTOFF_TRUST_PROXY="maybe": not a boolean`},
		{name: "admin without password", env: []string{"ADMIN_USERNAME=root"}, wantErr: "ADMIN_USERNAME is set but ADMIN_PASS is not"},
		{name: "public pprof address", env: []string{"LIFTOFF_PPROF_ADDR=0.0.0.0:6060"}, wantErr: "must be a loopback address"},
		{name: "pprof address without port", env: []string{"LIFTOFF_PPROF_ADDR=127.0.0.1"}, wantErr: "LIFTOFF_PPROF_ADDR"},
		{name: "unknown flag", args: []string{"--colour"}, wantErr: "flag provided but not defined"},
		{name: "stray argument", args: []string{"now"}, wantErr: "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := LoadConfig(tc.args, tc.env)
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestConfigPaths(t *testing.T) {
	c := DefaultConfig()
	c.Bind, c.Port, c.DataDir = "::1", 8080, "/var/lib/liftoff"
	if got := c.Addr(); got != "[::1]:8080" {
		t.Fatalf("Addr = %q", got)
	}
	if got := c.DBPath(); got != "/var/lib/liftoff/liftoff.db" {
		t.Fatalf("DBPath = %q", got)
	}
}
