package email

import (
	"html"
	"regexp"
	"strings"

	xhtml "golang.org/x/net/html"

	"liftoff/notify/email/templates"
)

// Mailer renders e-mails from Rocket.Chat's e-mail settings. It reads the
// settings at each call, so an administrator's change applies at once;
// settings that are empty or unknown to the reader take their Rocket.Chat
// default (Defaults).
type Mailer struct {
	settings SettingsReader
}

// NewMailer returns a mailer over the settings.
func NewMailer(settings SettingsReader) *Mailer { return &Mailer{settings: settings} }

// Defaults are Rocket.Chat's default values of the e-mail settings the
// mailer reads (templates.Defaults; the settings registry registers them).
var Defaults = templates.Defaults

// phrases are the English texts of the "{Key}" placeholders the default
// templates use. A key without a phrase renders as itself, as Rocket.Chat's
// translator does.
var phrases = map[string]string{
	"Welcome_to": "Welcome to __Site_Name__",
	"Visit_Site_Url_and_try_the_best_open_source_chat_solution_available_today": "Go to __Site_URL__ and try the best open source chat solution available today!",
	"Login":                         "Login",
	"Hi":                            "Hi",
	"Hi_username":                   "Hi __name__",
	"Verification_Email_Subject":    "[Site_Name] - Email address verification",
	"Verification_email_body":       "Please click on the button below to confirm your email address.",
	"Verify_your_email":             "Verify your email",
	"Invitation_Subject_Default":    "You have been invited to [Site_Name]",
	"Join_Chat":                     "Join Chat",
	"Forgot_Password_Email_Subject": "[Site_Name] - Password Recovery",
	"Forgot_password":               "Forgot your password?",
	"Lets_get_you_new_one":          "Let's get you a new one!",
	"Reset":                         "Reset",
	"If_you_didnt_ask_for_reset_ignore_this_email": "If you didn't ask for your password reset, you can ignore this email.",
	"Email_Changed_Email_Subject":                  "[Site_Name] - Email address has been changed",
	"Your_email_address_has_changed":               "Your account email address has been changed.",
	"Your_new_email_is_email":                      "Your new email address is <strong>[email]</strong>.",
	"Password_Changed_Email_Subject":               "[Site_Name] - Password Changed",
	"Your_password_was_changed_by_an_admin":        "Your password was changed by an admin.",
	"Your_temporary_password_is_password":          "Your temporary password is <strong>[password]</strong>.",
	"Offline_Link_Message":                         "GO TO MESSAGE",
	"User_sent_a_message_on_channel":               "<strong>__username__</strong> sent a message on <strong>__channel__</strong>",
	"User_sent_a_message_to_you":                   "<strong>__username__</strong> sent you a message",
	"Encrypted_message_preview_unavailable":        "Encrypted message preview unavailable",
}

// setting reads a string setting, falling back to its default.
func (m *Mailer) setting(id string) string {
	if m.settings != nil {
		if v, ok := m.settings.Value(id).(string); ok && v != "" {
			return v
		}
	}
	return Defaults[id]
}

// flag reads a boolean setting, def when it is not set.
func (m *Mailer) flag(id string, def bool) bool {
	if m.settings != nil {
		if v, ok := m.settings.Value(id).(bool); ok {
			return v
		}
	}
	return def
}

// translation matches "{Key}" and "{Key anything}" (Rocket.Chat's
// replaceVariables): the first word is the phrase key.
var translation = regexp.MustCompile(`\{ *([^{} ]+)[^{}]*\}`)

func translate(s string) string {
	return translation.ReplaceAllStringFunc(s, func(m string) string {
		key := translation.FindStringSubmatch(m)[1]
		if p, ok := phrases[key]; ok {
			return p
		}
		return key
	})
}

// Replace renders a template: translates "{Key}" phrases, then replaces
// "[key]" and "__key__" (case-insensitively) with data's values and the
// site's: Site_Name, Site_URL, Site_URL_Slash, and fname and lname taken
// from data["name"]. Values are inserted as they are.
func (m *Mailer) Replace(s string, data map[string]string) string {
	return m.replace(s, data, false)
}

// nonEscaped are the data keys inserted without HTML escaping (URLs built
// by the server).
var nonEscaped = map[string]bool{"room_path": true}

func (m *Mailer) replace(s string, data map[string]string, escape bool) string {
	if s == "" {
		return ""
	}
	site := m.setting("Site_Url")
	vals := map[string]string{
		"site_name":      m.setting("Site_Name"),
		"site_url":       site,
		"site_url_slash": strings.TrimSuffix(site, "/") + "/",
	}
	if name := data["name"]; name != "" {
		first, last := name, name
		if i := strings.IndexByte(name, ' '); i >= 0 {
			first = name[:i]
		}
		if i := strings.LastIndexByte(name, ' '); i >= 0 {
			last = name[i+1:]
		}
		vals["fname"], vals["lname"] = first, last
	}
	for k, v := range data {
		vals[strings.ToLower(k)] = v
	}
	if escape {
		for k, v := range vals {
			if !nonEscaped[k] {
				vals[k] = html.EscapeString(v)
			}
		}
	}
	return placeholder.ReplaceAllStringFunc(translate(s), func(p string) string {
		key := strings.ToLower(strings.Trim(p, "[]_"))
		if v, ok := vals[key]; ok {
			return v
		}
		return p
	})
}

// placeholder matches "[key]" and "__key__".
var placeholder = regexp.MustCompile(`\[[A-Za-z0-9_]+\]|__[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*__`)

// Wrap puts an HTML body between Email_Header and Email_Footer and fills
// the placeholders, HTML-escaping the values (but room_path).
func (m *Mailer) Wrap(body string, data map[string]string) string {
	page := m.Replace(m.setting("Email_Header"), nil) + body + m.Replace(m.setting("Email_Footer"), nil)
	return m.replace(page, data, true)
}

// Render renders a subject and an HTML body template into an e-mail's
// subject, HTML (wrapped, or empty with email_plain_text_only) and plain
// text.
func (m *Mailer) Render(subject, body string, data map[string]string) (subj, htmlBody, text string) {
	subj = m.Replace(subject, data)
	text = HTMLToText(m.Replace(body, data))
	if m.flag("email_plain_text_only", false) {
		return subj, "", text
	}
	return subj, m.Wrap(body, data), text
}

// HTMLToText turns an HTML body into readable plain text: paragraphs and
// line breaks become new lines, links keep their address, head, style and
// script are left out.
func HTMLToText(s string) string {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	skip := 0
	var href string
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return tidyText(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.WriteString(string(z.Text()))
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch string(name) {
			case "head", "style", "script", "title":
				skip++
			case "br":
				b.WriteString("\n")
			case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "li", "table":
				b.WriteString("\n")
			case "a":
				href = ""
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					if string(k) == "href" {
						href = string(v)
					}
				}
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "head", "style", "script", "title":
				if skip > 0 {
					skip--
				}
			case "p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "li":
				b.WriteString("\n")
			case "a":
				if href != "" && !strings.HasPrefix(href, "mailto:") {
					b.WriteString(" (" + href + ")")
				}
				href = ""
			}
		}
	}
}

var blankLines = regexp.MustCompile(`\n{3,}`)

func tidyText(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	return strings.TrimSpace(blankLines.ReplaceAllString(strings.Join(lines, "\n"), "\n\n"))
}
