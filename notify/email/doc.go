// Package email sends Liftoff's e-mails over SMTP: notification e-mails
// (one e-mail summarising the messages a user missed) and account e-mails
// (address verification, password reset, welcome, invitation).
//
// Sender speaks SMTP (github.com/wneessen/go-mail): plain, STARTTLS or
// implicit TLS, with or without authentication, configured by Rocket.Chat's
// SMTP_* and From_Email settings. Mailer renders e-mails from templates the
// administrator can change, as Rocket.Chat does: the Email_Header and
// Email_Footer settings wrap every HTML body, the account e-mails come from
// settings such as Verification_Email and Forgot_Password_Email, and
// templates use Rocket.Chat's placeholders: "[name]", "[Site_Name]",
// "[Site_URL]" (or "__name__"), and "{Key}" for a translated phrase. Every
// e-mail has an HTML and a plain-text body.
//
// The package does no queuing: a caller sends from a job handler (package
// jobs), passes the job's key as the Message-ID seed so that a retried
// e-mail keeps its Message-ID, and retries unless Permanent(err).
package email
