package api

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"

	"liftoff/access/perm"
	"liftoff/auth"
	"liftoff/auth/twofactor"
	"liftoff/model"
	"liftoff/settings/setting"
)

func (s *Server) authRoutes(rt *Router) {
	rt.Post("login", s.login, Public())
	rt.Handle("POST,GET", "logout", s.logout)
	rt.Get("me", s.me)
	rt.Post("users.generatePersonalAccessToken", s.generatePAT, TwoFactorRequired(twofactor.Options{}))
	rt.Post("users.regeneratePersonalAccessToken", s.regeneratePAT, TwoFactorRequired(twofactor.Options{}))
	rt.Get("users.getPersonalAccessTokens", s.listPATs)
	rt.Post("users.removePersonalAccessToken", s.removePAT, TwoFactorRequired(twofactor.Options{}))
	rt.Post("users.createToken", s.createToken, Method("createToken"))
}

// createToken is Rocket.Chat 8's users.createToken: a login token for the
// user named by userId, username or user, for a caller that presents the
// server's CREATE_TOKENS_FOR_USERS_SECRET as secret and is that user or
// holds user-generate-access-token. Anything else is error-not-authorized.
func (s *Server) createToken(r *Request) (any, error) {
	secret, err := r.String("secret")
	if err != nil {
		return nil, err
	}
	target, err := s.targetUser(r)
	if err != nil {
		return nil, err
	}
	want := s.cfg.CreateTokensSecret
	if want == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(want)) != 1 ||
		(target.ID != r.User.ID && !s.admin.Can(r.User, perm.UserGenerateAccessToken)) {
		return nil, model.Invalid("error-not-authorized", "Not authorized").InMethod()
	}
	token, _, err := s.auth.IssueToken(r.Context(), target)
	if err != nil {
		return nil, err
	}
	return M{"data": M{"userId": target.ID, "authToken": token}}, nil
}

func (s *Server) info(w http.ResponseWriter, r *http.Request) {
	// As Rocket.Chat's getServerInfo: the major.minor version for everyone,
	// the full version and build details for holders of view-statistics,
	// and the oldest desktop and mobile apps the server accepts. The
	// signed supportedVersions token Rocket.Chat's cloud issues is absent:
	// the mobile app then judges the version against its own list, as for
	// a Rocket.Chat server that could not fetch the token.
	body := M{"version": majorMinor(s.version), "minimumClientVersions": minimumClientVersions, "success": true}
	if u, _, err := s.authenticate(r); err == nil && u != nil && s.admin.Can(u, perm.ViewStatistics) {
		body["version"] = s.version
		body["info"] = M{"version": s.version, "build": M{"platform": "linux"}, "commit": M{}}
	}
	writeJSON(w, http.StatusOK, body)
}

// minimumClientVersions are the oldest Rocket.Chat apps /api/info
// accepts, Rocket.Chat's values.
var minimumClientVersions = M{"desktop": "3.9.6", "mobile": "4.39.0"}

// majorMinor cuts a version to its first two numbers ("8.8.1" → "8.8").
func majorMinor(v string) string {
	if i := strings.IndexByte(v, '.'); i >= 0 {
		if j := strings.IndexByte(v[i+1:], '.'); j >= 0 {
			return v[:i+1+j]
		}
	}
	return v
}

// login accepts Rocket.Chat's forms: {user|username|email, password} with
// password a string or {digest, algorithm}, {resume}, the second factor
// as {code} or {totp: {login: <one of those>, code}}.
func (s *Server) login(r *Request) (any, error) {
	cred, ok := parseLogin(r.raw)
	if !ok {
		return nil, model.Invalid("error-invalid-params", "Invalid login body")
	}
	if cred.Resume == "" && cred.OAuth == nil && cred.SAML == nil && cred.AccessToken == nil && (cred.User == "" || (cred.Password == "" && cred.Digest == "")) {
		return rawResponse{http.StatusBadRequest, M{"status": "error", "error": "error-invalid-params", "message": "Username and password are required"}}, nil
	}
	if cred.Resume == "" && cred.Password != "" && s.settings != nil && s.settings.Bool(setting.LDAPEnable) {
		// Rocket.Chat's REST login turns a plain password login into an
		// LDAP one while LDAP is on (loginCompatibility).
		cred.LDAP = true
	}
	res, err := s.auth.Login(r.Context(), cred, s.clientIP(r.HTTP))
	if err != nil {
		return loginFailure(err)
	}
	return rawResponse{http.StatusOK, M{"status": "success", "data": M{
		"userId": res.User.ID, "authToken": res.Token, "me": s.meView(res.User),
	}}}, nil
}

// loginFailure is Rocket.Chat's 401 answer to a refused login: the
// second-factor errors keep their type and details (clients prompt for
// the code on "totp-required"), other refusals say Unauthorized.
func loginFailure(err error) (any, error) {
	e, ok := model.AsError(err)
	if !ok {
		return nil, err
	}
	if strings.HasPrefix(e.Type, "totp-") {
		body := M{"status": "error", "error": e.Type, "message": e.Reason}
		if e.Details != nil {
			body["details"] = e.Details
		}
		return rawResponse{http.StatusUnauthorized, body}, nil
	}
	msg := "Unauthorized"
	if strings.HasPrefix(e.Type, "error-") {
		msg = e.Reason
	}
	return rawResponse{http.StatusUnauthorized, M{"status": "error", "error": "Unauthorized", "message": msg}}, nil
}

// parseLogin reads a REST login body; ok is false when it is not JSON.
func parseLogin(raw []byte) (cred auth.Credentials, ok bool) {
	var in struct {
		User     json.RawMessage `json:"user"`
		Username string          `json:"username"`
		Email    string          `json:"email"`
		Password json.RawMessage `json:"password"`
		Resume   string          `json:"resume"`
		Code     string          `json:"code"`
		LDAP     bool            `json:"ldap"`
		LDAPPass string          `json:"ldapPass"`
		OAuth    *struct {
			CredentialToken  string `json:"credentialToken"`
			CredentialSecret string `json:"credentialSecret"`
		} `json:"oauth"`
		SAML            bool   `json:"saml"`
		CredentialToken string `json:"credentialToken"`
		ServiceName     string `json:"serviceName"`
		AccessToken     string `json:"accessToken"`
		TOTP            *struct {
			Login json.RawMessage `json:"login"`
			Code  string          `json:"code"`
		} `json:"totp"`
	}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &in); err != nil {
			return cred, false
		}
	}
	if in.TOTP != nil && len(in.TOTP.Login) > 0 {
		inner, ok := parseLogin(in.TOTP.Login)
		inner.TOTP = in.TOTP.Code
		return inner, ok
	}
	cred = auth.Credentials{Resume: in.Resume, TOTP: in.Code}
	if in.OAuth != nil {
		cred.OAuth = &auth.PendingLogin{Token: in.OAuth.CredentialToken, Secret: in.OAuth.CredentialSecret}
		return cred, true
	}
	if in.SAML {
		cred.SAML = &auth.PendingLogin{Token: in.CredentialToken}
		return cred, true
	}
	if in.ServiceName != "" && in.AccessToken != "" {
		// A mobile app's native sign-in: {serviceName, accessToken, expiresIn}.
		cred.AccessToken = &auth.AccessTokenLogin{Service: in.ServiceName, Token: in.AccessToken}
		return cred, true
	}
	if in.LDAP {
		// {ldap: true, username, ldapPass, ldapOptions}, as Meteor.loginWithLDAP sends it.
		cred.LDAP, cred.User, cred.Password = true, in.Username, in.LDAPPass
		return cred, true
	}
	switch {
	case len(in.User) > 0 && in.User[0] == '"':
		_ = json.Unmarshal(in.User, &cred.User)
	case len(in.User) > 0 && in.User[0] == '{':
		var u struct{ Username, Email string }
		_ = json.Unmarshal(in.User, &u)
		cred.User = u.Username
		if cred.User == "" {
			cred.User = u.Email
		}
	case in.Username != "":
		cred.User = in.Username
	default:
		cred.User = in.Email
	}
	if len(in.Password) > 0 {
		if in.Password[0] == '"' {
			_ = json.Unmarshal(in.Password, &cred.Password)
		} else {
			var p struct{ Digest, Algorithm string }
			_ = json.Unmarshal(in.Password, &p)
			cred.Digest = p.Digest
		}
	}
	return cred, true
}

func (s *Server) logout(r *Request) (any, error) {
	if err := s.auth.Logout(r.Context(), r.User.ID, r.Token); err != nil {
		return nil, err
	}
	return rawResponse{http.StatusOK, M{"status": "success", "data": M{"message": "You've been logged out!"}}}, nil
}

func (s *Server) me(r *Request) (any, error) {
	out := s.meView(r.User)
	if s.twoFactor != nil {
		st, err := s.twoFactor.StatusOf(r.Context(), r.User.ID)
		if err != nil {
			return nil, err
		}
		// Rocket.Chat's /me shows which factors are on (never their secrets).
		out["services"] = M{"totp": M{"enabled": st.TOTP}, "email2fa": M{"enabled": st.Email}}
	}
	return out, nil
}

// meView is the full view of a user for themself.
func (s *Server) meView(u *model.User) M {
	b, _ := json.Marshal(u)
	var out M
	_ = json.Unmarshal(b, &out)
	if e := u.Email(); e != "" {
		out["email"] = e
	}
	if u.Settings == nil {
		out["settings"] = M{"preferences": M{}}
	}
	out["avatarUrl"] = s.accounts.AvatarURL(u.Username)
	return out
}

func (s *Server) generatePAT(r *Request) (any, error) {
	name, err := r.RequireString("tokenName")
	if err != nil {
		return nil, err
	}
	bypass, err := r.Bool("bypassTwoFactor", false)
	if err != nil {
		return nil, err
	}
	if err := s.checkPATPermission(r); err != nil {
		return nil, err
	}
	token, err := s.auth.GeneratePersonalToken(r.Context(), r.User.ID, name, bypass)
	if err != nil {
		return nil, err
	}
	return M{"token": token}, nil
}

func (s *Server) regeneratePAT(r *Request) (any, error) {
	name, err := r.RequireString("tokenName")
	if err != nil {
		return nil, err
	}
	if err := s.checkPATPermission(r); err != nil {
		return nil, err
	}
	if err := s.auth.RemovePersonalToken(r.Context(), r.User.ID, name); err != nil {
		return nil, err
	}
	token, err := s.auth.GeneratePersonalToken(r.Context(), r.User.ID, name, false)
	if err != nil {
		return nil, err
	}
	return M{"token": token}, nil
}

func (s *Server) listPATs(r *Request) (any, error) {
	if err := s.checkPATPermission(r); err != nil {
		return nil, err
	}
	toks, err := s.auth.PersonalTokens(r.Context(), r.User.ID)
	if err != nil {
		return nil, err
	}
	return M{"tokens": toks}, nil
}

func (s *Server) removePAT(r *Request) (any, error) {
	name, err := r.RequireString("tokenName")
	if err != nil {
		return nil, err
	}
	if err := s.checkPATPermission(r); err != nil {
		return nil, err
	}
	if err := s.auth.RemovePersonalToken(r.Context(), r.User.ID, name); err != nil {
		return nil, err
	}
	return M{}, nil
}

// checkPATPermission refuses callers without create-personal-access-tokens,
// which every personal access token endpoint requires.
func (s *Server) checkPATPermission(r *Request) error {
	if !s.admin.Can(r.User, perm.CreatePersonalAccessTokens) {
		// Thrown inside Rocket.Chat's methods and route: a failure, 400.
		return model.Invalid("not-authorized", "Not Authorized")
	}
	return nil
}
