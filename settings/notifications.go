package settings

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

	b.group("Troubleshoot")
	b.boolean("Troubleshoot_Disable_Notifications", false, private)

	b.group("Video_Conference")
	b.boolean("VideoConf_Mobile_Ringing", false, public)
}
