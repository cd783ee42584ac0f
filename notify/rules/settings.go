package rules

import (
	"time"

	"liftoff/settings/setting"
)

// Settings are the server-wide inputs of Compute. DefaultSettings gives
// Rocket.Chat's defaults; SettingsFrom reads Rocket.Chat's setting ids.
type Settings struct {
	// Disabled stops every notification (Troubleshoot_Disable_Notifications).
	Disabled bool
	// MaxRoomMembers (Notifications_Max_Room_Members, 0 for no limit): in
	// larger rooms only mentions, highlights, thread replies and a room's
	// own "all" preference notify.
	MaxRoomMembers int
	// DefaultDesktop, DefaultPush and DefaultEmailMode are the server's
	// defaults for users who chose nothing
	// (Accounts_Default_User_Preferences_desktopNotifications,
	// _pushNotifications, _emailNotificationMode).
	DefaultDesktop   Pref
	DefaultPush      Pref
	DefaultEmailMode Pref
	// PushEnabled turns mobile push on (Push_enable).
	PushEnabled bool
	// EmailEnabled allows notification e-mails (Accounts_AllowEmailNotifications).
	EmailEnabled bool
	// WebPushEnabled turns Web Push on (Liftoff's own; VAPID keys set up).
	WebPushEnabled bool
	// ThreadsEnabled (Threads_enabled): without it thread replies notify no one.
	ThreadsEnabled bool
	// VideoConfMobileRinging (VideoConf_Mobile_Ringing) and
	// DefaultMobileRinging (Accounts_Default_User_Preferences_enableMobileRinging):
	// a call that rings the phone gets no push for its message.
	VideoConfMobileRinging bool
	DefaultMobileRinging   bool
	// DelayOnline, DelayAway and DelayOffline schedule the queued
	// notifications (mobile, Web Push, e-mail) by the user's connection
	// state, as Rocket.Chat's NOTIFICATIONS_SCHEDULE_DELAY_ONLINE, _AWAY and
	// _OFFLINE (120 s, 0, 0): a connected user who reads the room within the
	// delay has them canceled. A negative delay sends none.
	DelayOnline, DelayAway, DelayOffline time.Duration
	// EmailDelay is the least wait before a notification e-mail (Liftoff's
	// own): e-mails go only to users still away or offline after it, and
	// every message of that window goes into one e-mail.
	EmailDelay time.Duration
}

// DefaultSettings returns Rocket.Chat's default settings, with Web Push
// off and a two-minute e-mail window.
func DefaultSettings() Settings {
	return Settings{
		MaxRoomMembers:         100,
		DefaultDesktop:         All,
		DefaultPush:            All,
		DefaultEmailMode:       Mentions,
		PushEnabled:            true,
		EmailEnabled:           true,
		ThreadsEnabled:         true,
		VideoConfMobileRinging: false,
		DefaultMobileRinging:   true,
		DelayOnline:            120 * time.Second,
		EmailDelay:             2 * time.Minute,
	}
}

// SettingsReader reads Rocket.Chat settings by id (settings.Registry
// satisfies it). Missing settings read as false, 0 and "".
type SettingsReader interface {
	Bool(id setting.ID) bool
	Int(id setting.ID) int
	String(id setting.ID) string
}

// SettingsFrom reads the Rocket.Chat settings Compute depends on; the
// fields that are not Rocket.Chat settings (Web Push, the delays) come from
// base.
func SettingsFrom(r SettingsReader, base Settings) Settings {
	s := base
	s.Disabled = r.Bool(setting.TroubleshootDisableNotifications)
	s.MaxRoomMembers = r.Int(setting.NotificationsMaxRoomMembers)
	s.DefaultDesktop = Pref(r.String(setting.AccountsDefaultUserPreferencesDesktopNotifications))
	s.DefaultPush = Pref(r.String(setting.AccountsDefaultUserPreferencesPushNotifications))
	s.DefaultEmailMode = emailMode(Pref(r.String(setting.AccountsDefaultUserPreferencesEmailNotificationMode)))
	s.PushEnabled = r.Bool(setting.PushEnable)
	s.EmailEnabled = r.Bool(setting.AccountsAllowEmailNotifications)
	s.ThreadsEnabled = r.Bool(setting.ThreadsEnabled)
	s.VideoConfMobileRinging = r.Bool(setting.VideoConfMobileRinging)
	s.DefaultMobileRinging = r.Bool(setting.AccountsDefaultUserPreferencesEnableMobileRinging)
	return s
}
