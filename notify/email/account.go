package email

import "fmt"

// AccountEmail is a kind of account e-mail, named by its Rocket.Chat
// template settings.
type AccountEmail struct {
	SubjectSetting string
	BodySetting    string
}

// The account e-mails. Their templates use [name], [fname], [lname],
// [email], [Site_Name] and [Site_URL], plus the placeholder of each kind.
var (
	// Verification: [Verification_Url] confirms the address.
	Verification = AccountEmail{"Verification_Email_Subject", "Verification_Email"}
	// ForgotPassword: [Forgot_Password_Url] resets the password.
	ForgotPassword = AccountEmail{"Forgot_Password_Email_Subject", "Forgot_Password_Email"}
	// Invitation: an invitation to join (Invitation_Email).
	Invitation = AccountEmail{"Invitation_Subject", "Invitation_Email"}
	// Welcome: the enrollment e-mail of a new account (users.sendWelcomeEmail).
	Welcome = AccountEmail{"Accounts_Enrollment_Email_Subject", "Accounts_Enrollment_Email"}
	// UserAdded: an account created by an administrator ([password] may be given).
	UserAdded = AccountEmail{"Accounts_UserAddedEmail_Subject", "Accounts_UserAddedEmail_Email"}
	// EmailChanged: the address of an account changed.
	EmailChanged = AccountEmail{"Email_Changed_Email_Subject", "Email_Changed_Email"}
	// PasswordChanged: an administrator set a password ([password]).
	PasswordChanged = AccountEmail{"Password_Changed_Email_Subject", "Password_Changed_Email"}
)

// Account renders an account e-mail to the address, from From_Email. data
// fills the template's placeholders (name, email and the kind's URL).
func (m *Mailer) Account(kind AccountEmail, to Recipient, data map[string]string) (Message, error) {
	if to.Address == "" {
		return Message{}, fmt.Errorf("email: %s without a recipient", kind.BodySetting)
	}
	d := map[string]string{"email": to.Address}
	if to.Name != "" {
		d["name"] = to.Name
	}
	for k, v := range data {
		d[k] = v
	}
	subject, htmlBody, text := m.Render(m.setting(kind.SubjectSetting), m.setting(kind.BodySetting), d)
	return Message{
		From:    m.setting("From_Email"),
		To:      nameAddress(to.Name, to.Address),
		Subject: subject,
		HTML:    htmlBody,
		Text:    text,
	}, nil
}
