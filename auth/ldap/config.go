package ldap

import (
	"fmt"
	"strings"
	"time"

	"liftoff/auth/provider"
	"liftoff/settings/setting"
)

// SettingsReader is the part of the settings registry the package reads.
type SettingsReader interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	String(id setting.ID) string
}

// Encryption modes (LDAP_Encryption).
const (
	EncryptionPlain    = "plain"
	EncryptionStartTLS = "tls"
	EncryptionLDAPS    = "ssl"
)

// Active state sync modes (LDAP_Sync_User_Active_State).
const (
	ActiveStateNone    = "none"
	ActiveStateDisable = "disable"
	ActiveStateBoth    = "both"
)

// GroupFilter is the LDAP_Group_Filter_* settings: a user may log in only
// while a group entry lists them.
type GroupFilter struct {
	Enabled          bool
	ObjectClass      string // LDAP_Group_Filter_ObjectClass
	GroupIDAttribute string // LDAP_Group_Filter_Group_Id_Attribute
	MemberAttribute  string // LDAP_Group_Filter_Group_Member_Attribute
	// MemberFormat is the member value, with #{username} and #{userdn}
	// placeholders (LDAP_Group_Filter_Group_Member_Format).
	MemberFormat string
	GroupName    string // LDAP_Group_Filter_Group_Name
}

// GroupSync is a group-to-something sync: LDAP_Sync_User_Data_Roles_* or
// LDAP_Sync_User_Data_Channels_*. A user is in a group of Map when a search
// with Filter (#{groupName}, #{username} and #{userdn} replaced, escaped)
// under BaseDN finds an entry.
type GroupSync struct {
	Enabled bool
	Filter  string
	BaseDN  string
	Map     provider.GroupMap
	// AutoRemove (roles): remove mapped roles the user lost.
	AutoRemove bool
	// Admin (channels): the user that creates missing channels.
	Admin string
	// EnforceAutoChannels (channels): remove users from mapped channels
	// they are no longer entitled to.
	EnforceAutoChannels bool
}

// Config is the LDAP configuration.
type Config struct {
	Enabled    bool   // LDAP_Enable
	ServerType string // LDAP_Server_Type: "ad" or "" (other)
	Host       string // LDAP_Host
	Port       int    // LDAP_Port
	Encryption string // LDAP_Encryption: plain, tls (StartTLS), ssl (LDAPS)
	CACert     string // LDAP_CA_Cert (PEM); empty: the system's roots
	// RejectUnauthorized (LDAP_Reject_Unauthorized): verify the server's certificate.
	RejectUnauthorized bool
	ConnectTimeout     time.Duration // LDAP_Connect_Timeout (ms)
	Timeout            time.Duration // LDAP_Timeout (ms): each request
	LoginFallback      bool          // LDAP_Login_Fallback: try the local password when LDAP fails

	// Service bind: LDAP_Authentication, LDAP_Authentication_UserDN/_Password.
	Authentication bool
	BindDN         string
	BindPassword   string

	BaseDN           string // LDAP_BaseDN
	UserSearchFilter string // LDAP_User_Search_Filter
	UserSearchScope  string // LDAP_User_Search_Scope: base, one, sub
	// UserSearchFields are matched against the login name
	// (LDAP_User_Search_Field or LDAP_AD_User_Search_Field, comma-separated).
	UserSearchFields []string
	SearchPageSize   int // LDAP_Search_Page_Size
	SearchSizeLimit  int // LDAP_Search_Size_Limit
	// UniqueIdentifierFields: the first present one is the user's id
	// (LDAP_Unique_Identifier_Field).
	UniqueIdentifierFields []string
	// FindUserAfterLogin: read the entry again with the user's own rights.
	FindUserAfterLogin bool
	GroupFilter        GroupFilter

	MergeExistingUsers bool   // LDAP_Merge_Existing_Users
	UpdateDataOnLogin  bool   // LDAP_Update_Data_On_Login
	DefaultDomain      string // LDAP_Default_Domain: e-mail = username@domain when the entry has none
	// Field maps: an attribute name, or a template with #{attribute} parts
	// (LDAP_Username_Field, LDAP_Email_Field, LDAP_Name_Field and the
	// LDAP_AD_* ones for Active Directory).
	UsernameField string
	EmailField    string
	NameField     string
	SyncAvatar    bool   // LDAP_Sync_User_Avatar
	AvatarField   string // LDAP_Avatar_Field (default thumbnailPhoto/jpegPhoto)

	Roles    GroupSync // LDAP_Sync_User_Data_Roles*
	Channels GroupSync // LDAP_Sync_User_Data_Channels*

	BackgroundSync            bool          // LDAP_Background_Sync
	BackgroundSyncInterval    time.Duration // LDAP_Background_Sync_Interval
	BackgroundSyncImportNew   bool          // LDAP_Background_Sync_Import_New_Users
	BackgroundSyncKeepUpdated bool          // LDAP_Background_Sync_Keep_Existant_Users_Updated
	SyncActiveState           string        // LDAP_Sync_User_Active_State: none, disable, both
	AttributesToQuery         []string      // LDAP_User_Search_AttributesToQuery
}

// syncIntervals are LDAP_Background_Sync_Interval's choices.
var syncIntervals = map[string]time.Duration{
	"every_1_hour":   time.Hour,
	"every_6_hours":  6 * time.Hour,
	"every_12_hours": 12 * time.Hour,
	"every_24_hours": 24 * time.Hour,
	"every_48_hours": 48 * time.Hour,
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return strings.TrimSpace(v)
}

// ConfigFrom reads the configuration from Rocket.Chat's settings; missing
// settings take Rocket.Chat's defaults. It fails on settings that cannot
// work (a map that is not JSON, an unknown encryption).
func ConfigFrom(r SettingsReader) (Config, error) {
	ad := r.String(setting.LDAPServerType) == "ad"
	pick := func(adID, id setting.ID, adDef, def string) string {
		if ad {
			return orDefault(r.String(adID), adDef)
		}
		return orDefault(r.String(id), def)
	}
	c := Config{
		Enabled:            r.Bool(setting.LDAPEnable),
		ServerType:         r.String(setting.LDAPServerType),
		Host:               strings.TrimSpace(r.String(setting.LDAPHost)),
		Port:               r.Int(setting.LDAPPort),
		Encryption:         orDefault(r.String(setting.LDAPEncryption), EncryptionPlain),
		CACert:             r.String(setting.LDAPCACert),
		RejectUnauthorized: r.Bool(setting.LDAPRejectUnauthorized),
		ConnectTimeout:     time.Duration(r.Int(setting.LDAPConnectTimeout)) * time.Millisecond,
		Timeout:            time.Duration(r.Int(setting.LDAPTimeout)) * time.Millisecond,
		LoginFallback:      r.Bool(setting.LDAPLoginFallback),
		Authentication:     r.Bool(setting.LDAPAuthentication),
		BindDN:             r.String(setting.LDAPAuthenticationUserDN),
		BindPassword:       r.String(setting.LDAPAuthenticationPassword),
		BaseDN:             strings.TrimSpace(r.String(setting.LDAPBaseDN)),
		UserSearchFilter:   strings.TrimSpace(r.String(setting.LDAPUserSearchFilter)),
		UserSearchScope:    orDefault(r.String(setting.LDAPUserSearchScope), "sub"),
		UserSearchFields:   splitList(pick(setting.LDAPADUserSearchField, setting.LDAPUserSearchField, "sAMAccountName", "uid")),
		SearchPageSize:     r.Int(setting.LDAPSearchPageSize),
		SearchSizeLimit:    r.Int(setting.LDAPSearchSizeLimit),
		UniqueIdentifierFields: splitList(orDefault(r.String(setting.LDAPUniqueIdentifierField),
			"objectGUID,ibm-entryUUID,GUID,dominoUNID,nsuniqueId,uidNumber,uid")),
		FindUserAfterLogin: r.Bool(setting.LDAPFindUserAfterLogin),
		GroupFilter: GroupFilter{
			Enabled:          r.Bool(setting.LDAPGroupFilterEnable),
			ObjectClass:      r.String(setting.LDAPGroupFilterObjectClass),
			GroupIDAttribute: r.String(setting.LDAPGroupFilterGroupIDAttribute),
			MemberAttribute:  r.String(setting.LDAPGroupFilterGroupMemberAttribute),
			MemberFormat:     r.String(setting.LDAPGroupFilterGroupMemberFormat),
			GroupName:        r.String(setting.LDAPGroupFilterGroupName),
		},
		MergeExistingUsers: r.Bool(setting.LDAPMergeExistingUsers),
		UpdateDataOnLogin:  r.Bool(setting.LDAPUpdateDataOnLogin),
		DefaultDomain:      strings.TrimSpace(r.String(setting.LDAPDefaultDomain)),
		UsernameField:      pick(setting.LDAPADUsernameField, setting.LDAPUsernameField, "sAMAccountName", "uid"),
		EmailField:         pick(setting.LDAPADEmailField, setting.LDAPEmailField, "mail", "mail"),
		NameField:          pick(setting.LDAPADNameField, setting.LDAPNameField, "cn", "cn"),
		SyncAvatar:         r.Bool(setting.LDAPSyncUserAvatar),
		AvatarField:        strings.TrimSpace(r.String(setting.LDAPAvatarField)),
		Roles: GroupSync{
			Enabled:    r.Bool(setting.LDAPSyncUserDataRoles),
			AutoRemove: r.Bool(setting.LDAPSyncUserDataRolesAutoRemove),
			Filter:     orDefault(r.String(setting.LDAPSyncUserDataRolesFilter), "(&(cn=#{groupName})(memberUid=#{username}))"),
			BaseDN:     strings.TrimSpace(r.String(setting.LDAPSyncUserDataRolesBaseDN)),
		},
		Channels: GroupSync{
			Enabled:             r.Bool(setting.LDAPSyncUserDataChannels),
			Admin:               orDefault(r.String(setting.LDAPSyncUserDataChannelsAdmin), "rocket.cat"),
			Filter:              orDefault(r.String(setting.LDAPSyncUserDataChannelsFilter), "(&(cn=#{groupName})(memberUid=#{username}))"),
			BaseDN:              strings.TrimSpace(r.String(setting.LDAPSyncUserDataChannelsBaseDN)),
			EnforceAutoChannels: r.Bool(setting.LDAPSyncUserDataChannelsEnforceAutoChannels),
		},
		BackgroundSync:            r.Bool(setting.LDAPBackgroundSync),
		BackgroundSyncImportNew:   r.Bool(setting.LDAPBackgroundSyncImportNewUsers),
		BackgroundSyncKeepUpdated: r.Bool(setting.LDAPBackgroundSyncKeepExistantUsersUpdated),
		SyncActiveState:           orDefault(r.String(setting.LDAPSyncUserActiveState), ActiveStateDisable),
		AttributesToQuery:         splitList(orDefault(r.String(setting.LDAPUserSearchAttributesToQuery), "*,+")),
	}
	if c.Port == 0 {
		c.Port = 389
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = time.Minute
	}
	iv := orDefault(r.String(setting.LDAPBackgroundSyncInterval), "every_24_hours")
	d, ok := syncIntervals[iv]
	if !ok {
		return c, fmt.Errorf("ldap: LDAP_Background_Sync_Interval %q is not one of every_1_hour, every_6_hours, every_12_hours, every_24_hours, every_48_hours", iv)
	}
	c.BackgroundSyncInterval = d
	var err error
	if c.Roles.Map, err = provider.ParseGroupMap(r.String(setting.LDAPSyncUserDataRolesMap)); err != nil {
		return c, fmt.Errorf("ldap: LDAP_Sync_User_Data_RolesMap: %w", err)
	}
	if c.Channels.Map, err = provider.ParseGroupMap(r.String(setting.LDAPSyncUserDataChannelsMap)); err != nil {
		return c, fmt.Errorf("ldap: LDAP_Sync_User_Data_ChannelsMap: %w", err)
	}
	return c, c.Validate()
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	switch c.Encryption {
	case EncryptionPlain, EncryptionStartTLS, EncryptionLDAPS:
	default:
		return fmt.Errorf("ldap: LDAP_Encryption %q is not plain, tls or ssl", c.Encryption)
	}
	switch c.UserSearchScope {
	case "base", "one", "sub":
	default:
		return fmt.Errorf("ldap: LDAP_User_Search_Scope %q is not base, one or sub", c.UserSearchScope)
	}
	switch c.SyncActiveState {
	case ActiveStateNone, ActiveStateDisable, ActiveStateBoth:
	default:
		return fmt.Errorf("ldap: LDAP_Sync_User_Active_State %q is not none, disable or both", c.SyncActiveState)
	}
	if c.Enabled {
		if c.Host == "" {
			return fmt.Errorf("ldap: LDAP_Host is not set")
		}
		if c.BaseDN == "" {
			return fmt.Errorf("ldap: LDAP_BaseDN is not set")
		}
		if len(c.UserSearchFields) == 0 {
			return fmt.Errorf("ldap: LDAP_User_Search_Field is not set")
		}
	}
	if c.Port <= 0 || c.Port > 65535 {
		return fmt.Errorf("ldap: LDAP_Port %d is out of range", c.Port)
	}
	return nil
}

// Policy is what the settings say about local accounts: LDAP users match
// existing accounts by username, join them when LDAP_Merge_Existing_Users is
// on, and refresh their name and e-mail when LDAP_Update_Data_On_Login is on.
// registrationAllowed is the wiring's answer to whether new accounts may be
// created (the directory is the source of users, so Rocket.Chat creates them).
func (c Config) Policy() provider.Policy {
	return provider.Policy{MatchBy: provider.MatchUsername, Merge: c.MergeExistingUsers, Create: true,
		OverwriteName: c.UpdateDataOnLogin, OverwriteEmail: c.UpdateDataOnLogin}
}
