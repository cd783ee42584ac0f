package settings

import (
	"crypto/rand"
	"fmt"
	"slices"

	"liftoff/model"
)

// Visibility of a setting: public settings are sent to every client, even
// before login (settings.public); private ones only to administrators.
const (
	public  = true
	private = false
)

// Defaults returns Rocket.Chat's settings that a core chat server needs, each
// with Rocket.Chat's id, type, group, section, public flag, select choices and
// default (Value equals PackageValue), as Rocket.Chat 8.x defines them in
// apps/meteor/server/settings. Every call returns fresh copies.
//
// Show_Setup_Wizard starts "pending", as in Rocket.Chat; the chat service
// sets it "completed" once an administrator exists (Liftoff has no setup
// wizard beyond creating one). Two values are made at first start:
//   - Accounts_RegistrationForm_SecretURL is a new random id, as Rocket.Chat
//     makes it when the setting is first created.
//   - uniqueID is a new random UUID, as Rocket.Chat makes it on first start;
//     the stored value is kept from then on, so it is made once per
//     installation.
//
// Site_Url defaults to "", for the caller to fill from ROOT_URL as
// Rocket.Chat does.
func Defaults() []*model.Setting {
	var b builder
	accounts(&b)
	general(&b)
	message(&b)
	layout(&b)
	fileUpload(&b)
	assets(&b)
	rateLimiter(&b)
	integrationSettings(&b)
	b.group("Threads")
	b.boolean("Threads_enabled", true, public)
	b.group("Discussion")
	b.boolean("Discussion_enabled", true, public)
	e2e(&b)
	notifications(&b)
	ldapSettings(&b)
	samlSettings(&b)
	federation(&b)
	// uniqueID identifies the installation (statistics.uniqueId, and
	// clients that read the public setting). Rocket.Chat gives it no
	// group; here it sits in General, as every setting has a group.
	b.group("General")
	b.str("uniqueID", "", public)
	// Presence_broadcast_disabled is on when the server stops sending
	// presence to clients (Rocket.Chat's troubleshooting switch, which its
	// presence service mirrors here); users.presence then answers nobody.
	b.group("Troubleshoot")
	b.boolean("Presence_broadcast_disabled", false, public)
	mobile(&b)

	for _, s := range b.out {
		switch s.ID {
		case "uniqueID":
			s.Value = newInstallationID()
			s.PackageValue = s.Value
		case "Accounts_RegistrationForm_SecretURL":
			s.Value = model.NewID()
			s.PackageValue = s.Value
		}
	}
	return b.out
}

func accounts(b *builder) {
	b.group("Accounts")
	b.section("Two Factor Authentication")
	b.boolean("Accounts_TwoFactorAuthentication_Enabled", true, public)
	b.integer("Accounts_TwoFactorAuthentication_MaxDelta", 1, private)
	b.boolean("Accounts_TwoFactorAuthentication_By_TOTP_Enabled", true, public)
	b.boolean("Accounts_TwoFactorAuthentication_By_Email_Enabled", true, public)
	b.boolean("Accounts_twoFactorAuthentication_email_available_for_OAuth_users", true, public)
	b.boolean("Accounts_TwoFactorAuthentication_By_Email_Auto_Opt_In", true, private)
	b.integer("Accounts_TwoFactorAuthentication_By_Email_Code_Expiration", 3600, private)
	b.integer("Accounts_TwoFactorAuthentication_Max_Invalid_Email_Code_Attempts", 5, private)
	b.integer("Accounts_TwoFactorAuthentication_RememberFor", 1800, private)
	b.boolean("Accounts_TwoFactorAuthentication_Enforce_Password_Fallback", true, public)

	b.section("Login_Attempts")
	b.boolean("Block_Multiple_Failed_Logins_Enabled", true, private)
	b.boolean("Block_Multiple_Failed_Logins_By_User", true, private)
	b.integer("Block_Multiple_Failed_Logins_Attempts_Until_Block_by_User", 10, private)
	b.integer("Block_Multiple_Failed_Logins_Time_To_Unblock_By_User_In_Minutes", 5, private)
	b.boolean("Block_Multiple_Failed_Logins_By_Ip", true, private)
	b.integer("Block_Multiple_Failed_Logins_Attempts_Until_Block_By_Ip", 50, private)
	b.integer("Block_Multiple_Failed_Logins_Time_To_Unblock_By_Ip_In_Minutes", 5, private)
	b.str("Block_Multiple_Failed_Logins_Ip_Whitelist", "", private)
	b.boolean("Block_Multiple_Failed_Logins_Notify_Failed", false, private)
	b.str("Block_Multiple_Failed_Logins_Notify_Failed_Channel", "", private)

	b.section("Login_Logs")
	b.boolean("Login_Logs_Enabled", false, private)
	b.boolean("Login_Logs_Username", false, private)
	b.boolean("Login_Logs_UserAgent", false, private)
	b.boolean("Login_Logs_ClientIp", false, private)
	b.boolean("Login_Logs_ForwardedForIp", false, private)

	b.section("Iframe")
	b.boolean("Accounts_iframe_enabled", false, public)
	b.str("Accounts_iframe_url", "", public)
	b.str("Accounts_Iframe_api_url", "", public)
	b.str("Accounts_Iframe_api_method", "POST", public)

	b.section("")
	b.boolean("Accounts_AllowAnonymousRead", false, public)
	b.boolean("Accounts_AllowAnonymousWrite", false, public)
	b.boolean("Accounts_AllowDeleteOwnAccount", false, public)
	b.boolean("Accounts_AllowUserProfileChange", true, public)
	b.boolean("Accounts_AllowUserAvatarChange", true, public)
	b.boolean("Accounts_AllowRealNameChange", true, public)
	b.boolean("Accounts_AllowUserStatusMessageChange", true, public)
	b.boolean("Accounts_AllowUsernameChange", true, public)
	b.boolean("Accounts_AllowEmailChange", true, public)
	b.boolean("Accounts_AllowPasswordChange", true, public)
	b.boolean("Accounts_AllowPasswordChangeForOAuthUsers", true, public)
	b.boolean("Accounts_AllowEmailNotifications", true, public)
	b.boolean("Accounts_AllowFeaturePreview", false, public)
	b.str("Accounts_CustomFieldsToShowInUserInfo", "", public)
	b.integer("Accounts_LoginExpiration", 90, public)
	b.str("Accounts_EmailOrUsernamePlaceholder", "", public)
	b.str("Accounts_PasswordPlaceholder", "", public)
	b.str("Accounts_ConfirmPasswordPlaceholder", "", public)
	b.boolean("Accounts_ForgetUserSessionOnWindowClose", false, public)
	b.str("Accounts_SearchFields", "username, name, bio, nickname", private)
	b.choice("Accounts_Directory_DefaultView", "channels", public,
		opt("channels", "Channels"), opt("users", "Users"))
	b.boolean("Accounts_AllowInvisibleStatusOption", true, public)

	b.section("Registration")
	b.boolean("Accounts_Send_Email_When_Activating", true, private)
	b.boolean("Accounts_Send_Email_When_Deactivating", true, private)
	b.str("Accounts_DefaultUsernamePrefixSuggestion", "user", private)
	b.boolean("Accounts_RequireNameForSignUp", true, public)
	b.boolean("Accounts_RequirePasswordConfirmation", true, public)
	b.boolean("Accounts_EmailVerification", false, public)
	b.boolean("Accounts_Verify_Email_For_External_Accounts", true, private)
	b.boolean("Accounts_ManuallyApproveNewUsers", false, public)
	b.str("Accounts_AllowedDomainsList", "", public)
	b.str("Accounts_BlockedDomainsList", "", private)
	b.str("Accounts_BlockedUsernameList", "", private)
	b.str("Accounts_SystemBlockedUsernameList", "admin,administrator,system,user", private)
	b.hide()
	b.boolean("Accounts_UseDefaultBlockedDomainsList", true, private)
	b.boolean("Accounts_UseDNSDomainCheck", false, private)
	b.choice("Accounts_RegistrationForm", "Public", public,
		opt("Public", "Accounts_RegistrationForm_Public"),
		opt("Disabled", "Accounts_RegistrationForm_Disabled"),
		opt("Secret URL", "Accounts_RegistrationForm_Secret_URL"))
	b.str("Accounts_RegistrationForm_SecretURL", "", private) // random, see Defaults
	b.choice("Accounts_Registration_InviteUrlType", "proxy", private,
		opt("direct", "Accounts_Registration_InviteUrlType_Direct"),
		opt("proxy", "Accounts_Registration_InviteUrlType_Proxy"))
	b.str("Accounts_RegistrationForm_LinkReplacementText", "New user registration is currently disabled", public)
	b.boolean("Accounts_Registration_AuthenticationServices_Enabled", true, public)
	b.str("Accounts_Registration_AuthenticationServices_Default_Roles", "user", private)
	b.str("Accounts_Registration_Users_Default_Roles", "user", public)
	b.boolean("Accounts_PasswordReset", true, public)
	b.code("Accounts_CustomFields", "", public)

	b.section("Accounts_Default_User_Preferences")
	const pref = "Accounts_Default_User_Preferences_"
	notify := []model.SettingValue{opt("all", "All_messages"), opt("mentions", "Mentions"), opt("nothing", "Nothing")}
	b.boolean(pref+"enableAutoAway", true, public)
	b.integer(pref+"idleTimeLimit", 300, public)
	b.boolean(pref+"desktopNotificationRequireInteraction", false, public)
	b.choice(pref+"desktopNotifications", "all", public, notify...)
	b.choice(pref+"pushNotifications", "all", public, notify...)
	b.boolean(pref+"unreadAlert", true, public)
	b.boolean(pref+"useEmojis", true, public)
	b.boolean(pref+"convertAsciiEmoji", true, public)
	b.boolean(pref+"autoImageLoad", true, public)
	b.boolean(pref+"saveMobileBandwidth", true, public)
	b.boolean(pref+"collapseMediaByDefault", false, public)
	b.boolean(pref+"hideUsernames", false, public)
	b.boolean(pref+"hideRoles", false, public)
	b.boolean(pref+"hideFlexTab", false, public)
	b.boolean(pref+"displayAvatars", true, public)
	b.boolean(pref+"sidebarGroupByType", true, public)
	b.choice(pref+"themeAppearence", "auto", public,
		opt("auto", "Theme_match_system"), opt("light", "Theme_light"), opt("dark", "Theme_dark"))
	b.choice(pref+"sidebarViewMode", "medium", public,
		opt("extended", "Extended"), opt("medium", "Medium"), opt("condensed", "Condensed"))
	b.boolean(pref+"sidebarDisplayAvatar", true, public)
	b.boolean(pref+"sidebarShowUnread", false, public)
	b.choice(pref+"sidebarSortby", "activity", public,
		opt("activity", "Activity"), opt("alphabetical", "Alphabetical"))
	b.boolean(pref+"showThreadsInMainChannel", false, public)
	b.choice(pref+"alsoSendThreadToChannel", "default", public,
		opt("default", "Selected_first_reply_unselected_following_replies"),
		opt("always", "Selected_by_default"),
		opt("never", "Unselected_by_default"))
	b.boolean(pref+"sidebarShowFavorites", true, public)
	b.choice(pref+"sendOnEnter", "normal", public,
		opt("normal", "Enter_Normal"), opt("alternative", "Enter_Alternative"), opt("desktop", "Only_On_Desktop"))
	b.choice(pref+"emailNotificationMode", "mentions", public,
		opt("nothing", "Email_Notification_Mode_Disabled"), opt("mentions", "Email_Notification_Mode_All"))
	b.choice(pref+"newRoomNotification", "door", public, opt("none", "None"), opt("door", "Default"))
	b.choice(pref+"newMessageNotification", "chime", public, opt("none", "None"), opt("chime", "Default"))
	b.boolean(pref+"muteFocusedConversations", true, public)
	b.integer(pref+"notificationsSoundVolume", 100, public)
	b.boolean(pref+"omnichannelTranscriptEmail", false, public)
	b.boolean(pref+"notifyCalendarEvents", true, public)
	b.boolean(pref+"enableMobileRinging", true, public)
	sections := []string{"Incoming_Calls", "Incoming_Livechats", "Open_Livechats", "On_Hold_Chats", "Unread",
		"Favorites", "Teams", "Discussions", "Channels", "Direct_Messages", "Conversations"}
	order := make([]model.SettingValue, 0, len(sections))
	for _, s := range sections {
		order = append(order, opt(s, s))
	}
	b.multi(pref+"sidebarSectionsOrder", sections, public, order...)
	b.str(pref+"featuresPreview", "[]", public)

	b.section("Avatar")
	b.boolean("Accounts_AvatarResize", true, private)
	b.integer("Accounts_AvatarSize", 200, private)
	b.str("Accounts_AvatarExternalProviderUrl", "", public)
	b.str("Accounts_RoomAvatarExternalProviderUrl", "", public)
	b.integer("Accounts_AvatarCacheTime", 3600, private)
	b.boolean("Accounts_AvatarBlockUnauthenticatedAccess", false, public)
	b.boolean("Accounts_SetDefaultAvatar", true, private)

	b.section("Password_Policy")
	b.boolean("Accounts_Password_Policy_Enabled", false, public)
	b.integer("Accounts_Password_Policy_MinLength", 7, public)
	b.integer("Accounts_Password_Policy_MaxLength", -1, public)
	b.boolean("Accounts_Password_Policy_ForbidRepeatingCharacters", true, public)
	b.integer("Accounts_Password_Policy_ForbidRepeatingCharactersCount", 3, public)
	b.boolean("Accounts_Password_Policy_AtLeastOneLowercase", true, public)
	b.boolean("Accounts_Password_Policy_AtLeastOneUppercase", true, public)
	b.boolean("Accounts_Password_Policy_AtLeastOneNumber", true, public)
	b.boolean("Accounts_Password_Policy_AtLeastOneSpecialCharacter", true, public)

	b.section("Password_History")
	b.boolean("Accounts_Password_History_Enabled", false, private)
	b.integer("Accounts_Password_History_Amount", 5, private)

	b.section("Password_Expiration")
	b.boolean("Accounts_Password_Expiration_Enabled", false, private)
	b.integer("Accounts_Password_Expiration_Lifetime", 30, private)
}

// mobile holds the settings Rocket.Chat's mobile app reads (group Mobile).
func mobile(b *builder) {
	b.group("Mobile")
	b.boolean("Allow_Save_Media_to_Gallery", true, public)
	b.section("Screen_Lock")
	b.boolean("Force_Screen_Lock", false, public)
	b.integer("Force_Screen_Lock_After", 1800, public)
	b.section("Apple_Watch")
	b.str("Apple_Watch_Quick_Actions", "OK,Yes,No,On my way,Will follow up shortly", public)
}

func general(b *builder) {
	b.group("General")
	b.section("REST API")
	b.integer("API_Upper_Count_Limit", 100, public)
	b.integer("API_Default_Count", 50, private)
	b.boolean("API_Allow_Infinite_Count", true, private)
	b.boolean("API_Enable_Direct_Message_History_EndPoint", false, private)
	b.boolean("API_Enable_Shields", true, private)
	b.str("API_Shield_Types", "*", private)
	b.boolean("API_Shield_user_require_auth", false, private)
	b.boolean("API_Enable_CORS", false, private)
	b.str("API_CORS_Origin", "*", private)
	b.boolean("API_Use_REST_For_DDP_Calls", true, public)
	b.boolean("API_Apply_permission_view-outside-room_on_users-list", false, public)
	b.integer("API_User_Limit", 500, public)

	b.section("")
	b.choice("Show_Setup_Wizard", "pending", public,
		opt("pending", "Pending"), opt("in_progress", "In_progress"), opt("completed", "Completed"))
	b.str("Site_Url", "", public)
	b.str("Site_Name", "Rocket.Chat", public)
	b.str("Document_Domain", "", public)
	b.add("Language", TypeLanguage, "", public)
	b.boolean("Allow_Invalid_SelfSigned_Certs", false, private)
	b.boolean("Enable_CSP", true, private)
	b.str("Extra_CSP_Domains", "", private)
	b.boolean("Iframe_Restrict_Access", true, private)
	b.str("Iframe_X_Frame_Options", "sameorigin", private)
	b.boolean("Favorite_Rooms", true, public)
	b.str("First_Channel_After_Login", "", public)
	b.choice("Unread_Count", "user_and_group_mentions_only", public,
		opt("all_messages", "All_messages"),
		opt("user_mentions_only", "User_mentions_only"),
		opt("group_mentions_only", "Group_mentions_only"),
		opt("user_and_group_mentions_only", "User_and_group_mentions_only"))
	b.choice("Unread_Count_DM", "all_messages", public,
		opt("all_messages", "All_messages"), opt("mentions_only", "Mentions_only"))
	b.choice("Unread_Count_Omni", "all_messages", public,
		opt("all_messages", "All_messages"), opt("mentions_only", "Mentions_only"))
	b.str("DeepLink_Url", "https://go.rocket.chat", public)
	b.str("CDN_PREFIX", "", public)
	b.boolean("CDN_PREFIX_ALL", true, public)
	b.str("CDN_JSCSS_PREFIX", "", public)
	b.boolean("Force_SSL", false, public)
	b.boolean("Store_Last_Message", true, public)
	b.str("Robot_Instructions_File_Content", "User-agent: *\nDisallow: /", public)
	b.choice("Default_Referrer_Policy", "same-origin", public,
		opt("no-referrer", "No_Referrer"),
		opt("no-referrer-when-downgrade", "No_Referrer_When_Downgrade"),
		opt("origin", "Origin"),
		opt("origin-when-cross-origin", "Origin_When_Cross_Origin"),
		opt("same-origin", "Same_Origin"),
		opt("strict-origin", "Strict_Origin"),
		opt("strict-origin-when-cross-origin", "Strict_Origin_When_Cross_Origin"),
		opt("unsafe-url", "Unsafe_Url"))

	b.section("UTF8")
	b.str("UTF8_User_Names_Validation", "[0-9a-zA-Z-_.]+", public)
	b.str("UTF8_Channel_Names_Validation", "[0-9a-zA-Z-_.]+", public)
	b.boolean("UTF8_Names_Slugify", true, public)

	b.section("Reporting")
	b.boolean("Statistics_reporting", true, private)
	b.hide()

	b.section("Notifications")
	b.integer("Notifications_Max_Room_Members", 100, public)

	b.section("Iframe_Integration")
	b.boolean("Iframe_Integration_send_enable", false, public)
	b.str("Iframe_Integration_send_target_origin", "*", public)
	b.boolean("Iframe_Integration_receive_enable", false, public)
	b.str("Iframe_Integration_receive_origin", "*", public)

	b.section("Translations")
	b.code("Custom_Translations", "", public)

	b.section("Timezone")
	b.choice("Default_Timezone_For_Reporting", "server", private,
		opt("server", "Default_Server_Timezone"),
		opt("custom", "Default_Custom_Timezone"),
		opt("user", "Default_User_Timezone"))
	b.add("Default_Custom_Timezone", TypeTimezone, "", private)
}

func message(b *builder) {
	b.group("Message")
	b.section("Message_Attachments")
	b.boolean("Message_Attachments_Thumbnails_Enabled", true, public)
	b.integer("Message_Attachments_Thumbnails_Width", 480, public)
	b.integer("Message_Attachments_Thumbnails_Height", 360, public)
	b.boolean("Message_Attachments_Strip_Exif", true, public)

	b.section("Message_Audio")
	b.boolean("Message_AudioRecorderEnabled", true, public)
	b.integer("Message_Audio_bitRate", 32, public)

	b.section("Read_Receipts")
	b.boolean("Message_Read_Receipt_Enabled", false, public)
	b.boolean("Message_Read_Receipt_Store_Users", false, public)

	b.section("")
	b.str("Message_CustomDomain_AutoLink", "", public)
	b.boolean("Message_AllowEditing", true, public)
	b.integer("Message_AllowEditing_BlockEditInMinutes", 0, public)
	b.boolean("Message_AllowDeleting", true, public)
	b.integer("Message_AllowDeleting_BlockDeleteInMinutes", 0, public)
	b.boolean("Message_AllowUnrecognizedSlashCommand", false, public)
	b.boolean("Message_AllowDirectMessagesToYourself", true, public)
	b.boolean("Message_AlwaysSearchRegExp", false, private)
	b.boolean("Message_ShowDeletedStatus", false, public)
	b.boolean("Message_AllowBadWordsFilter", false, public)
	b.str("Message_BadWordsFilterList", "", public)
	b.str("Message_BadWordsWhitelist", "", public)
	b.boolean("Message_KeepHistory", false, public)
	b.integer("Message_MaxAll", 0, public)
	b.integer("Message_MaxAllowedSize", 5000, public)
	b.boolean("Message_AllowConvertLongMessagesToAttachment", true, public)
	b.integer("Message_GroupingPeriod", 300, public)
	b.boolean("API_Embed", true, public)
	b.str("API_Embed_UserAgent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/41.0.2227.0 Safari/537.36", public)
	b.integer("API_EmbedCacheExpirationDays", 30, private)
	b.str("API_EmbedIgnoredHosts", "localhost, 127.0.0.1, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16", private)
	b.str("API_EmbedSafePorts", "80, 443", private)
	b.integer("API_EmbedTimeout", 10, private)
	b.str("Message_TimeFormat", "LT", public)
	b.str("Message_DateFormat", "LL", public)
	b.str("Message_TimeAndDateFormat", "LLL", public)
	b.integer("Message_QuoteChainLimit", 2, public)
	// Rocket.Chat offers every system message type as a choice; with no
	// choices listed, Coerce accepts any list of strings.
	b.multi("Hide_System_Messages", []string{}, public)
	b.integer("DirectMesssage_maxUsers", 8, public) // sic: Rocket.Chat's id
	b.choice("Message_ErasureType", "Delete", public,
		opt("Keep", "Message_ErasureType_Keep"),
		opt("Delete", "Message_ErasureType_Delete"),
		opt("Unlink", "Message_ErasureType_Unlink"))
	b.str("Message_Code_highlight", "javascript,css,markdown,dockerfile,json,go,rust,clean,bash,plaintext,powershell,scss,shell,yaml,vim", public)
	b.boolean("Message_VideoRecorderEnabled", true, public)
	b.boolean("Message_AllowPinning", true, public)
	b.boolean("Message_AllowStarring", true, public)
	b.boolean("Message_CustomFields_Enabled", false, private)

	b.section("AutoTranslate")
	b.boolean("AutoTranslate_Enabled", false, public)

	b.section("Hex_Color_Preview")
	b.boolean("HexColorPreview_Enabled", true, public)

	b.section("Katex")
	b.boolean("Katex_Enabled", true, public)
	b.boolean("Katex_Parenthesis_Syntax", true, public)
	b.boolean("Katex_Dollar_Syntax", false, public)

	b.section("Google Maps")
	b.boolean("MapView_Enabled", false, public)
}

func layout(b *builder) {
	b.group("Layout")
	b.section("Login")
	b.boolean("Layout_Login_Hide_Logo", false, public)
	b.boolean("Layout_Login_Hide_Title", false, public)
	b.boolean("Layout_Login_Hide_Powered_By", false, public)
	b.choice("Layout_Login_Template", "horizontal-template", public,
		opt("vertical-template", "Layout_Login_Template_Vertical"),
		opt("horizontal-template", "Layout_Login_Template_Horizontal"))
	b.boolean("Accounts_ShowFormLogin", true, public)

	b.section("Layout_Home_Page_Content_Title")
	b.str("Layout_Home_Title", "Home", public)
	b.boolean("Layout_Show_Home_Button", true, public)
	b.code("Layout_Home_Body", "", public)
	b.boolean("Layout_Home_Custom_Block_Visible", false, public)
	b.boolean("Layout_Custom_Body_Only", false, public)
	b.code("Layout_Terms_of_Service", "Terms of Service <br> Go to APP SETTINGS &rarr; Layout to customize this page.", public)
	b.code("Layout_Login_Terms", "", public)
	b.code("Layout_Privacy_Policy", "Privacy Policy <br> Go to APP SETTINGS &rarr; Layout to customize this page.", public)
	b.code("Layout_Legal_Notice", "Legal Notice <br> Go to APP SETTINGS -> Layout to customize this page.", public)
	b.code("Layout_Sidenav_Footer_Dark", `<a href="/home"><img src="assets/logo_dark.png" alt="Home" /></a>`, public)
	b.code("Layout_Sidenav_Footer", `<a href="/home"><img src="assets/logo.png" alt="Home" /></a>`, public)

	b.section("Custom_Scripts")
	b.code("Custom_Script_On_Logout", "//Add your script", public)
	b.code("Custom_Script_Logged_Out", "//Add your script", public)
	b.code("Custom_Script_Logged_In", "//Add your script", public)

	b.section("User_Interface")
	b.boolean("UI_DisplayRoles", true, public)
	b.boolean("UI_Group_Channels_By_Type", true, private)
	b.boolean("UI_Use_Name_Avatar", false, public)
	b.boolean("UI_Use_Real_Name", false, public)
	b.boolean("UI_Click_Direct_Message", false, public)
	b.integer("Number_of_users_autocomplete_suggestions", 5, public)
	b.choice("UI_Unread_Counter_Style", "Different_Style_For_User_Mentions", public,
		opt("Same_Style_For_Mentions", "Same_Style_For_Mentions"),
		opt("Different_Style_For_User_Mentions", "Different_Style_For_User_Mentions"))
	b.boolean("UI_Allow_room_names_with_special_chars", false, public)
	b.boolean("UI_Show_top_navbar_embedded_layout", false, public)

	b.section("Custom CSS")
	b.code("theme-custom-css", "", public)
}

func fileUpload(b *builder) {
	b.group("FileUpload")
	b.boolean("FileUpload_Enabled", true, public)
	b.integer("FileUpload_MaxFileSize", 104857600, public)
	b.str("FileUpload_MediaTypeWhiteList", "", public)
	b.str("FileUpload_MediaTypeBlackList", "image/svg+xml", public)
	b.boolean("FileUpload_ProtectFiles", true, public)
	b.boolean("FileUpload_Restrict_to_room_members", true, private)
	b.boolean("FileUpload_Restrict_to_users_who_can_access_room", false, private)
	b.boolean("FileUpload_RotateImages", true, public)
	// Rocket.Chat defaults to GridFS (files inside MongoDB); Liftoff has no
	// MongoDB and refuses it, so its default is FileSystem (the data
	// directory). files.Config mirrors the storage settings below.
	b.choice("FileUpload_Storage_Type", "FileSystem", public,
		opt("GridFS", "GridFS"), opt("AmazonS3", "AmazonS3"), opt("GoogleCloudStorage", "GoogleCloudStorage"),
		opt("Webdav", "WebDAV"), opt("FileSystem", "FileSystem"))
	b.section("Amazon S3")
	b.str("FileUpload_S3_Bucket", "", private)
	b.str("FileUpload_S3_Acl", "", private)
	b.add("FileUpload_S3_AWSAccessKeyId", TypePassword, "", private)
	b.add("FileUpload_S3_AWSSecretAccessKey", TypePassword, "", private)
	b.str("FileUpload_S3_CDN", "", private)
	b.str("FileUpload_S3_Region", "", private)
	b.str("FileUpload_S3_BucketURL", "", private)
	b.boolean("FileUpload_S3_ForcePathStyle", false, private)
	b.integer("FileUpload_S3_URLExpiryTimeSpan", 120, private)
	b.boolean("FileUpload_S3_Proxy_Avatars", false, private)
	b.boolean("FileUpload_S3_Proxy_Uploads", false, private)
	b.boolean("FileUpload_S3_Proxy_UserDataFiles", false, private)
	b.section("File System")
	b.str("FileUpload_FileSystemPath", "", private)
	b.section("WebDAV")
	b.str("FileUpload_Webdav_Upload_Folder_Path", "", private)
	b.str("FileUpload_Webdav_Server_URL", "", private)
	b.str("FileUpload_Webdav_Username", "", private)
	b.add("FileUpload_Webdav_Password", TypePassword, "", private)
	b.boolean("FileUpload_Webdav_Proxy_Avatars", false, private)
	b.boolean("FileUpload_Webdav_Proxy_Uploads", false, private)
	b.boolean("FileUpload_Webdav_Proxy_UserDataFiles", false, private)
	b.section("")
	b.boolean("FileUpload_Enabled_Direct", true, public)
}

// assets are Rocket.Chat's workspace assets (logo, favicons, tiles): each
// setting's value is {defaultUrl}, or {url: "assets/<name>.<ext>",
// defaultUrl} once an administrator uploads one (assets.setAsset).
func assets(b *builder) {
	b.group("Assets")
	asset := func(name, defaultURL string) {
		v := map[string]any{}
		if defaultURL != "" {
			v["defaultUrl"] = defaultURL
		}
		b.add("Assets_"+name, TypeAsset, v, public)
	}
	asset("logo", "images/logo/logo.svg")
	asset("logo_dark", "images/logo/logo_dark.svg")
	asset("background", "")
	asset("background_dark", "")
	asset("favicon_ico", "favicon.ico")
	asset("favicon", "images/logo/icon.svg")
	asset("favicon_16", "images/logo/favicon-16x16.png")
	asset("favicon_32", "images/logo/favicon-32x32.png")
	asset("favicon_192", "images/logo/android-chrome-192x192.png")
	asset("favicon_512", "images/logo/android-chrome-512x512.png")
	asset("touchicon_180", "images/logo/apple-touch-icon.png")
	asset("touchicon_180_pre", "images/logo/apple-touch-icon-precomposed.png")
	asset("tile_70", "images/logo/mstile-70x70.png")
	asset("tile_144", "images/logo/mstile-144x144.png")
	asset("tile_150", "images/logo/mstile-150x150.png")
	asset("tile_310_square", "images/logo/mstile-310x310.png")
	asset("tile_310_wide", "images/logo/mstile-310x150.png")
	asset("safari_pinned", "images/logo/safari-pinned-tab.svg")
}

func rateLimiter(b *builder) {
	b.group("Rate Limiter")
	b.section("DDP_Rate_Limiter")
	b.boolean("DDP_Rate_Limit_IP_Enabled", true, private)
	b.integer("DDP_Rate_Limit_IP_Requests_Allowed", 120000, private)
	b.integer("DDP_Rate_Limit_IP_Interval_Time", 60000, private)
	b.boolean("DDP_Rate_Limit_User_Enabled", true, private)
	b.integer("DDP_Rate_Limit_User_Requests_Allowed", 1200, private)
	b.integer("DDP_Rate_Limit_User_Interval_Time", 60000, private)
	b.boolean("DDP_Rate_Limit_Connection_Enabled", true, private)
	b.integer("DDP_Rate_Limit_Connection_Requests_Allowed", 600, private)
	b.integer("DDP_Rate_Limit_Connection_Interval_Time", 60000, private)
	b.boolean("DDP_Rate_Limit_User_By_Method_Enabled", true, private)
	b.integer("DDP_Rate_Limit_User_By_Method_Requests_Allowed", 20, private)
	b.integer("DDP_Rate_Limit_User_By_Method_Interval_Time", 10000, private)
	b.boolean("DDP_Rate_Limit_Connection_By_Method_Enabled", true, private)
	b.integer("DDP_Rate_Limit_Connection_By_Method_Requests_Allowed", 10, private)
	b.integer("DDP_Rate_Limit_Connection_By_Method_Interval_Time", 10000, private)

	b.section("API_Rate_Limiter")
	b.boolean("API_Enable_Rate_Limiter", true, private)
	b.boolean("API_Enable_Rate_Limiter_Dev", true, private)
	b.integer("API_Enable_Rate_Limiter_Limit_Calls_Default", 10, private)
	b.integer("API_Enable_Rate_Limiter_Limit_Time_Default", 60000, private)

	b.section("Feature_Limiting")
	b.integer("Rate_Limiter_Limit_RegisterUser", 1, private)
}

func integrationSettings(b *builder) {
	b.group("General")
	b.section("Integrations")
	// Rocket.Chat's own switches for integration scripts and outgoing calls.
	b.boolean("Integrations_Outgoing_Enabled", true, private)
	// Liftoff's: hosts, addresses and CIDR ranges that outgoing webhooks,
	// scripts' HTTP calls and link previews may reach although they are
	// not public (see docs/integrations.md); empty by default.
	b.str("Liftoff_Outbound_AllowList", "", private)
}

func e2e(b *builder) {
	b.group("End-to-end_encryption")
	b.boolean("E2E_Enable", false, public)
	b.boolean("E2E_Allow_Unencrypted_Messages", false, public)
	b.boolean("E2E_Enabled_Default_DirectRooms", false, public)
	b.boolean("E2E_Enabled_Default_PrivateRooms", false, public)
	b.boolean("E2E_Enable_Encrypt_Files", true, public)
	b.boolean("E2E_Enabled_Mentions", true, public)
}

// builder accumulates settings under the current group and section, so the
// tables above read like Rocket.Chat's own definitions.
type builder struct {
	grp, sec string
	out      []*model.Setting
}

// samlSettings are Rocket.Chat's SAML group for its one provider,
// "Default" (apps/meteor/server/settings/saml.ts), read by package
// auth/saml; SAML_Custom_Default_idp_issuer is Liftoff's (the IdP's entity
// id, checked when set).
func samlSettings(b *builder) {
	b.group("SAML")
	b.section("SAML_Connection")
	k := "SAML_Custom_Default"
	b.boolean(k, false, public)
	k += "_"
	b.str(k+"provider", "provider-name", private)
	b.str(k+"entry_point", "", private)
	b.str(k+"idp_slo_redirect_url", "", private)
	b.str(k+"issuer", "", private)
	b.str(k+"idp_issuer", "", private)
	b.code(k+"cert", "", private)
	b.code(k+"public_cert", "", private)
	b.add(k+"private_key", TypePassword, "", private)
	b.choice(k+"signature_validation_type", "All", private, opt("Response", "SAML_Custom_signature_validation_response"),
		opt("Assertion", "SAML_Custom_signature_validation_assertion"), opt("Either", "SAML_Custom_signature_validation_either"),
		opt("All", "SAML_Custom_signature_validation_all"))
	b.integer(k+"allowed_clock_drift", 0, private)
	b.section("SAML_Interface")
	b.str(k+"button_label_text", "SAML", private)
	b.str(k+"button_label_color", "#FFFFFF", private)
	b.str(k+"button_color", "#1d74f5", private)
	b.section("SAML_Section_2_User_Data_Mapping")
	b.boolean(k+"generate_username", false, private)
	b.choice(k+"username_normalize", "None", private, opt("None", "SAML_Default_Username_Normalize_None"),
		opt("Lowercase", "SAML_Default_Username_Normalize_Lowercase"))
	b.choice(k+"immutable_property", "EMail", private, opt("Username", "SAML_Default_immutable_property_username"),
		opt("EMail", "SAML_Default_immutable_property_email"))
	b.code(k+"user_data_fieldmap", "{\n    \"username\": \"username\",\n    \"email\": \"email\",\n    \"name\": \"cn\"\n}", private)
	b.boolean(k+"name_overwrite", false, private)
	b.boolean(k+"mail_overwrite", false, private)
	b.str(k+"default_user_role", "user", private)
	b.str(k+"role_attribute_name", "", private)
	b.boolean(k+"role_attribute_sync", false, private)
	b.boolean(k+"channels_update", false, private)
	b.boolean(k+"include_private_channels_update", false, private)
	b.section("SAML_Section_4_Logout")
	b.choice(k+"logout_behaviour", "SAML", private, opt("SAML", "SAML_Default_logout_behaviour_Terminate_SAML_Session"),
		opt("Local", "SAML_Default_logout_behaviour_End_Only_RocketChat"))
}

// ldapSettings are Rocket.Chat's LDAP group (apps/meteor/server/settings/ldap.ts),
// read by package auth/ldap.
func ldapSettings(b *builder) {
	b.group("LDAP")
	b.section("")
	b.boolean("LDAP_Enable", false, public)
	b.choice("LDAP_Server_Type", "", private, opt("", "Other"), opt("ad", "Active_Directory"))
	b.str("LDAP_Host", "", private)
	b.integer("LDAP_Port", 389, private)
	b.boolean("LDAP_Reconnect", false, private)
	b.boolean("LDAP_Login_Fallback", false, private)
	b.section("Authentication")
	b.boolean("LDAP_Authentication", false, private)
	b.str("LDAP_Authentication_UserDN", "", private)
	b.add("LDAP_Authentication_Password", TypePassword, "", private)
	b.section("Connection")
	b.choice("LDAP_Encryption", "plain", private, opt("plain", "No_Encryption"), opt("tls", "StartTLS"), opt("ssl", "SSL/LDAPS"))
	b.code("LDAP_CA_Cert", "", private)
	b.boolean("LDAP_Reject_Unauthorized", true, private)
	b.integer("LDAP_Timeout", 60000, private)
	b.integer("LDAP_Connect_Timeout", 1000, private)
	b.integer("LDAP_Idle_Timeout", 1000, private)
	b.section("User Search")
	b.str("LDAP_BaseDN", "", private)
	b.boolean("LDAP_Find_User_After_Login", true, private)
	b.str("LDAP_User_Search_Filter", "(objectclass=*)", private)
	b.choice("LDAP_User_Search_Scope", "sub", private, opt("base", "Base"), opt("one", "One"), opt("sub", "Sub"))
	b.str("LDAP_User_Search_Field", "sAMAccountName", private)
	b.str("LDAP_AD_User_Search_Field", "sAMAccountName", private)
	b.integer("LDAP_Search_Page_Size", 250, private)
	b.integer("LDAP_Search_Size_Limit", 1000, private)
	b.str("LDAP_User_Search_AttributesToQuery", "*,+", private)
	b.section("Group Filter")
	b.boolean("LDAP_Group_Filter_Enable", false, private)
	b.str("LDAP_Group_Filter_ObjectClass", "groupOfUniqueNames", private)
	b.str("LDAP_Group_Filter_Group_Id_Attribute", "cn", private)
	b.str("LDAP_Group_Filter_Group_Member_Attribute", "uniqueMember", private)
	b.str("LDAP_Group_Filter_Group_Member_Format", "uniqueMember", private)
	b.str("LDAP_Group_Filter_Group_Name", "ROCKET_CHAT", private)
	b.section("Data Sync")
	b.str("LDAP_Unique_Identifier_Field", "objectGUID,ibm-entryUUID,GUID,dominoUNID,nsuniqueId,uidNumber,msDS-ExternalDirectoryObjectId", private)
	b.boolean("LDAP_Merge_Existing_Users", false, private)
	b.boolean("LDAP_Update_Data_On_Login", true, private)
	b.str("LDAP_Default_Domain", "", private)
	b.str("LDAP_Username_Field", "sAMAccountName", private)
	b.str("LDAP_Email_Field", "mail", private)
	b.str("LDAP_Name_Field", "cn", private)
	b.str("LDAP_AD_Username_Field", "sAMAccountName", private)
	b.str("LDAP_AD_Email_Field", "mail", private)
	b.str("LDAP_AD_Name_Field", "cn", private)
	b.boolean("LDAP_Sync_User_Avatar", true, private)
	b.str("LDAP_Avatar_Field", "", private)
	b.boolean("LDAP_Sync_User_Data_Roles", false, private)
	b.boolean("LDAP_Sync_User_Data_Roles_AutoRemove", false, private)
	b.str("LDAP_Sync_User_Data_Roles_Filter", "(&(cn=#{groupName})(memberUid=#{username}))", private)
	b.str("LDAP_Sync_User_Data_Roles_BaseDN", "", private)
	b.code("LDAP_Sync_User_Data_RolesMap", "{\n\t\"rocket-admin\": \"admin\",\n\t\"tech-support\": \"support\"\n}", private)
	b.boolean("LDAP_Sync_User_Data_Channels", false, private)
	b.str("LDAP_Sync_User_Data_Channels_Admin", "rocket.cat", private)
	b.str("LDAP_Sync_User_Data_Channels_Filter", "(&(cn=#{groupName})(memberUid=#{username}))", private)
	b.str("LDAP_Sync_User_Data_Channels_BaseDN", "", private)
	b.code("LDAP_Sync_User_Data_ChannelsMap", "{\n\t\"employee\": \"general\",\n\t\"techsupport\": [\n\t\t\"helpdesk\",\n\t\t\"support\"\n\t]\n}", private)
	b.boolean("LDAP_Sync_User_Data_Channels_Enforce_AutoChannels", false, private)
	b.section("Background Sync")
	b.boolean("LDAP_Background_Sync", false, private)
	b.choice("LDAP_Background_Sync_Interval", "every_24_hours", private, opt("every_1_hour", "every_hour"),
		opt("every_6_hours", "every_six_hours"), opt("every_12_hours", "every_12_hours"), opt("every_24_hours", "every_24_hours"),
		opt("every_48_hours", "every_48_hours"))
	b.boolean("LDAP_Background_Sync_Import_New_Users", true, private)
	b.boolean("LDAP_Background_Sync_Keep_Existant_Users_Updated", true, private)
	b.choice("LDAP_Sync_User_Active_State", "disable", private, opt("none", "LDAP_Sync_User_Active_State_Nothing"),
		opt("disable", "LDAP_Sync_User_Active_State_Disable"), opt("both", "LDAP_Sync_User_Active_State_Both"))
}

func (b *builder) group(name string)   { b.grp, b.sec = name, "" }
func (b *builder) section(name string) { b.sec = name }

func (b *builder) add(id, typ string, value any, pub bool, values ...model.SettingValue) {
	pkg := value
	if list, ok := value.([]string); ok {
		pkg = slices.Clone(list) // no sharing between Value and PackageValue
	}
	b.out = append(b.out, &model.Setting{
		ID: id, Value: value, PackageValue: pkg, Type: typ, Public: pub,
		Group: b.grp, Section: b.sec, Values: slices.Clone(values),
	})
}

// hide marks the last added setting hidden (not listed in the admin UI).
func (b *builder) hide() { b.out[len(b.out)-1].Hidden = true }

func (b *builder) boolean(id string, v, pub bool)     { b.add(id, TypeBoolean, v, pub) }
func (b *builder) integer(id string, v int, pub bool) { b.add(id, TypeInt, v, pub) }
func (b *builder) str(id, v string, pub bool)         { b.add(id, TypeString, v, pub) }
func (b *builder) code(id, v string, pub bool)        { b.add(id, TypeCode, v, pub) }

func (b *builder) choice(id, v string, pub bool, values ...model.SettingValue) {
	b.add(id, TypeSelect, v, pub, values...)
}

func (b *builder) multi(id string, v []string, pub bool, values ...model.SettingValue) {
	b.add(id, TypeMultiSelect, v, pub, values...)
}

func opt(key, label string) model.SettingValue { return model.SettingValue{Key: key, Label: label} }

// newInstallationID returns a random RFC 4122 version 4 UUID, the form of
// Rocket.Chat's uniqueID.
func newInstallationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
