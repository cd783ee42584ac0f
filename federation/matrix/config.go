package matrix

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"maunium.net/go/mautrix/appservice"
	"maunium.net/go/mautrix/id"
)

// Config is the bridge's configuration, read from the Federation_Matrix_*
// settings.
type Config struct {
	Enabled bool
	// ID is the appservice id in the registration (Federation_Matrix_id).
	ID string
	// ASToken authenticates the bridge to the homeserver; HSToken the
	// homeserver to the bridge.
	ASToken, HSToken string
	// HomeserverURL is the client-server API base URL.
	HomeserverURL string
	// Domain is the homeserver's server name.
	Domain string
	// BridgeURL is where the homeserver reaches this server.
	BridgeURL string
	// BotLocalpart is the bridge bot's localpart.
	BotLocalpart string
	// PuppetPrefix starts the localparts of Liftoff users' puppets.
	PuppetPrefix string
}

// Validate reports what keeps the configuration from working.
func (c Config) Validate() error {
	switch {
	case c.ASToken == "" || c.HSToken == "":
		return fmt.Errorf("matrix: as_token and hs_token must be set")
	case c.ASToken == c.HSToken:
		return fmt.Errorf("matrix: as_token and hs_token must differ")
	case c.Domain == "":
		return fmt.Errorf("matrix: the homeserver domain must be set")
	case c.BotLocalpart == "" || c.PuppetPrefix == "":
		return fmt.Errorf("matrix: the bot localpart and puppet prefix must be set")
	case strings.HasPrefix(c.BotLocalpart, c.PuppetPrefix):
		return fmt.Errorf("matrix: the bot localpart must not start with the puppet prefix")
	}
	for _, u := range []string{c.HomeserverURL, c.BridgeURL} {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("matrix: %q is not an http(s) URL", u)
		}
	}
	return nil
}

// Bot is the bridge bot's user id.
func (c Config) Bot() id.UserID { return id.NewUserID(c.BotLocalpart, c.Domain) }

// Puppet is the Matrix user id of a Liftoff user's puppet.
func (c Config) Puppet(username string) id.UserID {
	return id.NewUserID(c.PuppetPrefix+id.EncodeUserLocalpart(username), c.Domain)
}

// IsOurs reports whether a Matrix user id is the bot or one of its puppets
// (events they send came from Liftoff and must not come back).
func (c Config) IsOurs(user id.UserID) bool {
	local, server, err := user.Parse()
	if err != nil || server != c.Domain {
		return false
	}
	return local == c.BotLocalpart || strings.HasPrefix(local, c.PuppetPrefix)
}

// PuppetUsername returns the Liftoff username behind a puppet id, or "".
func (c Config) PuppetUsername(user id.UserID) string {
	local, server, err := user.Parse()
	if err != nil || server != c.Domain || !strings.HasPrefix(local, c.PuppetPrefix) {
		return ""
	}
	name, err := id.DecodeUserLocalpart(strings.TrimPrefix(local, c.PuppetPrefix))
	if err != nil {
		return ""
	}
	return name
}

// Registration is the appservice registration the homeserver loads: the
// bot and the puppets' namespace, exclusively.
func (c Config) Registration() *appservice.Registration {
	reg := &appservice.Registration{
		ID: c.ID, URL: c.BridgeURL, AppToken: c.ASToken, ServerToken: c.HSToken,
		SenderLocalpart: c.BotLocalpart, RateLimited: new(bool),
		SoruEphemeralEvents: true, EphemeralEvents: true,
	}
	reg.Namespaces.UserIDs.Register(regexp.MustCompile("@"+regexp.QuoteMeta(c.PuppetPrefix)+".*:"+regexp.QuoteMeta(c.Domain)), true)
	reg.Namespaces.UserIDs.Register(regexp.MustCompile("@"+regexp.QuoteMeta(c.BotLocalpart)+":"+regexp.QuoteMeta(c.Domain)), true)
	return reg
}

// RemoteUsername is the Liftoff username of a remote Matrix user,
// localpart:server, as Rocket.Chat names them.
func RemoteUsername(user id.UserID) string { return strings.TrimPrefix(string(user), "@") }

// RemoteUserID is the Matrix id of a remote username (user:server).
func RemoteUserID(username string) id.UserID {
	return id.UserID("@" + strings.TrimPrefix(username, "@"))
}

// IsRemoteUsername reports whether a Liftoff username names a remote user:
// local usernames never hold ':'.
func IsRemoteUsername(username string) bool { return strings.Contains(username, ":") }
