package settings

import (
	"strings"

	"liftoff/notify/email/templates"
)

// notifications defines the settings of mobile push, e-mail (SMTP) and the
// notification switches, with Rocket.Chat's defaults (package notify).
func notifications(b *builder) {
	b.group("Push")
	b.boolean("Push_enable", true, public)
	b.boolean("Push_enable_gateway", true, private)
	b.str("Push_gateway", "https://gateway.rocket.chat", private)
	b.boolean("Push_production", true, private)
	b.boolean("Push_show_username_room", true, public)
	b.boolean("Push_show_message", true, public)
	// Enterprise-only in Rocket.Chat, where Community servers read it as
	// false.
	b.boolean("Push_request_content_from_server", false, private)
	b.add("Push_google_api_credentials", TypeCode, "", private)
	// APNs without a gateway, with token authentication: Rocket.Chat's
	// Push_apn_* settings hold certificates, Apple's token keys (.p8) need
	// the key, its id and the team id. Push_production picks the host.
	b.add("Liftoff_Push_apn_key", TypeCode, "", private)
	b.str("Liftoff_Push_apn_key_id", "", private)
	b.str("Liftoff_Push_apn_team_id", "", private)

	b.group("Email")
	b.section("SMTP")
	b.choice("SMTP_Protocol", "smtp", private, opt("smtp", "smtp"), opt("smtps", "smtps"))
	b.str("SMTP_Host", "", private)
	b.str("SMTP_Port", "", private)
	b.boolean("SMTP_IgnoreTLS", true, private)
	b.str("SMTP_Username", "", private)
	b.add("SMTP_Password", TypePassword, "", private)
	b.add("From_Email", TypeEmail, "", private)
	b.section("Email_Notifications")
	b.boolean("Email_notification_show_message", true, private)
	b.boolean("email_plain_text_only", false, private)
	// The templates an administrator can change (Rocket.Chat's defaults,
	// shared with package email). Site_Name is General's.
	b.section("Header_and_Footer")
	b.code("Email_Header", templates.Defaults["Email_Header"], private)
	b.code("Email_Footer", templates.Defaults["Email_Footer"], private)
	for _, sec := range []struct {
		name string
		ids  []string
	}{
		{"Notifications", []string{"Offline_DM_Email", "Offline_Mention_Email", "Offline_Mention_All_Email"}},
		{"Verification", []string{"Verification_Email_Subject", "Verification_Email"}},
		{"Forgot_password_section", []string{"Forgot_Password_Email_Subject", "Forgot_Password_Email"}},
		{"Invitation", []string{"Invitation_Subject", "Invitation_Email"}},
		{"Registration", []string{"Accounts_Enrollment_Email_Subject", "Accounts_Enrollment_Email"}},
		{"Accounts_UserAddedEmail", []string{"Accounts_UserAddedEmail_Subject", "Accounts_UserAddedEmail_Email"}},
		{"Email_changed_section", []string{"Email_Changed_Email_Subject", "Email_Changed_Email"}},
		{"Password_changed_section", []string{"Password_Changed_Email_Subject", "Password_Changed_Email"}},
	} {
		b.section(sec.name)
		for _, id := range sec.ids {
			if strings.HasSuffix(id, "Subject") || strings.HasPrefix(id, "Offline_") {
				b.str(id, templates.Defaults[id], private)
			} else {
				b.code(id, templates.Defaults[id], private)
			}
		}
	}

	b.group("Troubleshoot")
	b.boolean("Troubleshoot_Disable_Notifications", false, private)

	b.group("Video_Conference")
	b.boolean("VideoConf_Mobile_Ringing", false, public)
}
