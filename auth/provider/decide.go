package provider

import (
	"slices"
	"strings"

	"liftoff/model"
)

// Errors a Decision refuses with. They are domain errors carrying
// Rocket.Chat's error types, for the login handlers to answer with.
var (
	// ErrUserDeactivated: the account exists but an administrator (or the
	// directory sync) deactivated it.
	ErrUserDeactivated = &model.Error{Type: "error-user-is-not-activated", Reason: "User is not activated"}
	// ErrRegistrationDisabled: no account exists and the settings forbid
	// creating accounts from this provider.
	ErrRegistrationDisabled = &model.Error{Type: "registration-disabled-authentication-services",
		Reason: "User registration is disabled for authentication services"}
	// ErrAccountExists: an account with the same username or e-mail exists
	// and the provider's settings do not allow merging into it.
	ErrAccountExists = &model.Error{Type: "error-user-already-exists", Reason: "A user with this username or e-mail already exists"}
	// ErrEmailNotVerified: merging by e-mail needs an address both the
	// provider and the existing account have verified; taking over an
	// account through an unverified address would let anyone who can type
	// an address into their IdP profile log in as its owner.
	ErrEmailNotVerified = &model.Error{Type: "error-email-not-verified",
		Reason: "The e-mail address must be verified on both sides to join an existing account"}
	// ErrLinkedToOther: the existing account is already linked to another
	// user of the same provider.
	ErrLinkedToOther = &model.Error{Type: "error-user-already-linked",
		Reason: "The existing account is linked to another user of this sign-in service"}
	// ErrInvalidIdentity: the provider yielded no usable identity.
	ErrInvalidIdentity = &model.Error{Type: "error-invalid-identity", Reason: "The sign-in service returned no user id"}
)

// Email is one address of a local account.
type Email struct {
	Address  string
	Verified bool
}

// Account is what Decide needs to know of an existing local user.
type Account struct {
	ID       string
	Username string
	Name     string
	Active   bool
	Emails   []Email
	// LinkedID is the id the account keeps for the Identity's service
	// (services.<service>.id in Rocket.Chat), "" when it is not linked to it.
	LinkedID string
}

func (a *Account) hasVerifiedEmail(addr string) bool {
	for _, e := range a.Emails {
		if e.Verified && strings.EqualFold(e.Address, addr) {
			return true
		}
	}
	return false
}

func (a *Account) hasEmail(addr string) bool {
	for _, e := range a.Emails {
		if strings.EqualFold(e.Address, addr) {
			return true
		}
	}
	return false
}

// Candidates are the existing accounts an Identity may concern. The wiring
// layer fills them with three look-ups: by link (service + Identity.ID),
// by username (case-insensitive) and by e-mail address (case-insensitive).
// Any of them may be nil, and two may be the same account.
type Candidates struct {
	Linked     *Account
	ByUsername *Account
	ByEmail    *Account
}

// MatchBy names the attribute by which an identity that no account is
// linked to yet may be matched with an existing account (Rocket.Chat's
// key_field of custom OAuth, SAML's immutable property; LDAP matches by
// username).
type MatchBy string

// Match attributes.
const (
	MatchNone     MatchBy = ""
	MatchUsername MatchBy = "username"
	MatchEmail    MatchBy = "email"
)

// Policy is what a provider's settings say about accounts. Each provider
// package builds it from its Rocket.Chat settings.
type Policy struct {
	// MatchBy selects the existing account an unlinked identity may join.
	MatchBy MatchBy
	// Merge allows joining that account (custom OAuth merge_users,
	// LDAP_Merge_Existing_Users; SAML always joins on its immutable property).
	Merge bool
	// MergeLinkedToOther also allows joining an account that is already
	// linked to a different user of the same service (custom OAuth
	// merge_users_distinct_services). Off, such a login is refused.
	MergeLinkedToOther bool
	// Create allows creating an account when none matches
	// (Accounts_Registration_AuthenticationServices_Enabled, LDAP import).
	Create bool
	// OverwriteName and OverwriteEmail refresh the account's name and e-mail
	// from the identity at each login (LDAP_Update_Data_On_Login,
	// SAML name_overwrite / mail_overwrite, custom OAuth merges).
	OverwriteName  bool
	OverwriteEmail bool
}

// Action is what the wiring layer must do.
type Action int

// Actions.
const (
	// Refuse: the login fails with Decision.Err.
	Refuse Action = iota
	// Login: the identity is linked to Decision.AccountID; log it in.
	Login
	// Link: link the identity to the existing Decision.AccountID
	// (store Identity.ID under the service), then log it in.
	Link
	// Create: create a new account from the identity, linked to it, then
	// log it in.
	Create
)

func (a Action) String() string {
	switch a {
	case Login:
		return "login"
	case Link:
		return "link"
	case Create:
		return "create"
	default:
		return "refuse"
	}
}

// Decision is the outcome of Decide.
type Decision struct {
	Action Action
	// AccountID is the account to log in (Login, Link).
	AccountID string
	// Err is why the login is refused (Refuse); a *model.Error.
	Err error
	// SetName, when not "", is the new display name to store (Login, Link).
	SetName string
	// SetEmail, when not "", is the e-mail address to store, with
	// SetEmailVerified as its verified flag (Login, Link).
	SetEmail         string
	SetEmailVerified bool
	// UsernameTaken (Create) says Identity.Username belongs to another
	// account: the wiring layer must pick another username (Rocket.Chat
	// appends a number) or, when it cannot, refuse.
	UsernameTaken bool
	// EmailTaken (Create) says another account holds Identity.Email; the
	// new account is then created without that address.
	EmailTaken bool
}

// Decide tells what an identity means for the local user base: log in the
// account already linked to it, link it to an existing account the policy
// allows it to join, create a new account, or refuse. It is a pure function:
// the caller looks the candidates up and carries the decision out, both in
// one store transaction so that two concurrent first logins cannot create
// two accounts.
func Decide(id *Identity, c Candidates, p Policy) Decision {
	if id.Validate() != nil {
		return Decision{Action: Refuse, Err: ErrInvalidIdentity}
	}
	if c.Linked != nil {
		if !c.Linked.Active {
			return Decision{Action: Refuse, Err: ErrUserDeactivated}
		}
		d := Decision{Action: Login, AccountID: c.Linked.ID}
		refresh(&d, id, c.Linked, p)
		return d
	}

	var match *Account
	switch p.MatchBy {
	case MatchUsername:
		if id.Username != "" {
			match = c.ByUsername
		}
	case MatchEmail:
		if id.Email != "" {
			match = c.ByEmail
		}
	}
	if match != nil {
		switch {
		case !p.Merge:
			return Decision{Action: Refuse, Err: ErrAccountExists}
		case match.LinkedID != "" && match.LinkedID != id.ID && !p.MergeLinkedToOther:
			return Decision{Action: Refuse, Err: ErrLinkedToOther}
		case p.MatchBy == MatchEmail && !(id.EmailVerified && match.hasVerifiedEmail(id.Email)):
			return Decision{Action: Refuse, Err: ErrEmailNotVerified}
		case !match.Active:
			return Decision{Action: Refuse, Err: ErrUserDeactivated}
		}
		d := Decision{Action: Link, AccountID: match.ID}
		refresh(&d, id, match, p)
		return d
	}

	if !p.Create {
		return Decision{Action: Refuse, Err: ErrRegistrationDisabled}
	}
	d := Decision{Action: Create}
	if id.Username != "" && c.ByUsername != nil {
		d.UsernameTaken = true
	}
	if id.Email != "" && c.ByEmail != nil {
		d.EmailTaken = true
	}
	return d
}

// refresh fills the profile updates of a Login or Link decision. An e-mail
// is only ever written when the provider vouches for it, so a provider
// cannot plant an unverified address on an account.
func refresh(d *Decision, id *Identity, a *Account, p Policy) {
	if p.OverwriteName && id.Name != "" && id.Name != a.Name {
		d.SetName = id.Name
	}
	if p.OverwriteEmail && id.Email != "" && id.EmailVerified && !a.hasVerifiedEmail(id.Email) {
		d.SetEmail = id.Email
		d.SetEmailVerified = true
	}
	if d.Action == Link && p.MatchBy == MatchUsername && id.Email != "" && id.EmailVerified && !a.hasEmail(id.Email) && d.SetEmail == "" {
		// Rocket.Chat's custom OAuth stores the provider's address when it
		// merges by username; only a verified one here.
		d.SetEmail = id.Email
		d.SetEmailVerified = true
	}
}

// SyncRoles computes the global role changes that make an account's roles
// agree with what a provider grants. Only roles in managed (the values of
// the provider's role map, or its roles_to_sync list) are ever removed, and
// only when autoRemove is set (LDAP_Sync_User_Data_Roles_AutoRemove, custom
// OAuth merge_roles); granted roles outside managed are still added.
func SyncRoles(current, granted, managed []string, autoRemove bool) (add, remove []string) {
	for _, r := range granted {
		if r != "" && !slices.Contains(current, r) && !slices.Contains(add, r) {
			add = append(add, r)
		}
	}
	if autoRemove {
		for _, r := range current {
			if slices.Contains(managed, r) && !slices.Contains(granted, r) {
				remove = append(remove, r)
			}
		}
	}
	return add, remove
}
