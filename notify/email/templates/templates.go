// Package templates holds Rocket.Chat's default e-mail templates, with no
// dependencies, so that both the settings registry (which registers them)
// and package email (which renders them) can use them.
package templates

// Defaults are Rocket.Chat's default values of the e-mail settings that
// package email reads: the templates of notification and account
// e-mails, their header and footer, and Site_Name. Package settings
// registers the templates with these values, so an administrator can
// change them.
var Defaults = map[string]string{
	"Email_Header": `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">` +
		`<html xmlns="http://www.w3.org/1999/xhtml"><head><meta name="viewport" content="width=device-width" />` +
		`<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" /><title>[Site_Name]</title></head>` +
		`<body bgcolor="#F7F8FA"><table class="body" bgcolor="#F7F8FA" width="100%"><tr><td>` +
		`<table class="wrap"><tr><td class="container" bgcolor="#FFFFFF"><div class="content"><table><tr><td>`,
	"Email_Footer": `</td></tr></table></div></td></tr></table></td></tr><tr><td><table class="wrap"><tr><td class="container">` +
		`<div class="content"><table width="100%"><tr><td align="center"><h6>[Site_Name]</h6></td></tr></table></div>` +
		`</td></tr></table></td></tr></table></body></html>`,
	"Offline_DM_Email":                  "[[Site_Name]] You have been direct messaged by [User]",
	"Offline_Mention_Email":             "[[Site_Name]] You have been mentioned by [User] in #[Room]",
	"Offline_Mention_All_Email":         "[User] has posted a message in #[Room]",
	"Accounts_Enrollment_Email_Subject": "{Welcome_to Site_Name}",
	"Accounts_Enrollment_Email":         `<h2>{Welcome_to Site_Name}</h2><p>{Visit_Site_Url_and_try_the_best_open_source_chat_solution_available_today}</p><a class="btn" target="_blank" href="[Site_URL]">{Login}</a>`,
	"Accounts_UserAddedEmail_Subject":   "{Welcome_to Site_Name}",
	"Accounts_UserAddedEmail_Email":     `<h2>{Welcome_to Site_Name}</h2><p>{Visit_Site_Url_and_try_the_best_open_source_chat_solution_available_today}</p><a class="btn" target="_blank" href="[Site_URL]">{Login}</a>`,
	"Verification_Email_Subject":        "{Verification_Email_Subject}",
	"Verification_Email":                `<h2>{Hi_username}</h2><p>{Verification_email_body}</p><a class="btn" target="_blank" href="[Verification_Url]">{Verify_your_email}</a>`,
	"Invitation_Subject":                "{Invitation_Subject_Default}",
	"Invitation_Email":                  `<h2>{Welcome_to Site_Name}</h2><p>{Visit_Site_Url_and_try_the_best_open_source_chat_solution_available_today}</p><a class="btn" href="[Site_URL]">{Join_Chat}</a>`,
	"Forgot_Password_Email_Subject":     "{Forgot_Password_Email_Subject}",
	"Forgot_Password_Email":             `<h2>{Forgot_password}</h2><p>{Lets_get_you_new_one}</p><a class="btn" href="[Forgot_Password_Url]">{Reset}</a><p class="advice">{If_you_didnt_ask_for_reset_ignore_this_email}</p>`,
	"Email_Changed_Email_Subject":       "{Email_Changed_Email_Subject}",
	"Email_Changed_Email":               `<h2>{Hi},</h2><p>{Your_email_address_has_changed}</p><p>{Your_new_email_is_email}</p><a class="btn" target="_blank" href="[Site_URL]">{Login}</a>`,
	"Password_Changed_Email_Subject":    "{Password_Changed_Email_Subject}",
	"Password_Changed_Email":            `<h2>{Hi},</h2><p>{Your_password_was_changed_by_an_admin}</p><p>{Your_temporary_password_is_password}</p><a class="btn" target="_blank" href="[Site_URL]">{Login}</a>`,
	"Site_Name":                         "Rocket.Chat",
}
