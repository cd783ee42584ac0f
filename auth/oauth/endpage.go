package oauth

import (
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
)

// StoragePrefix is the key prefix under which Meteor's clients look for a
// credential secret in localStorage/sessionStorage.
const StoragePrefix = "Meteor.oauth.credentialSecret-"

// BeginRequestFromQuery reads a start request from the query of
// /_oauth/<name>/authorize: the Meteor state Rocket.Chat's clients put in
// "state" (they build the provider URL themselves and this route stands in
// for the provider's authorize path), or explicit credentialToken,
// loginStyle and redirectUrl parameters.
func BeginRequestFromQuery(q url.Values) (BeginRequest, error) {
	if s := q.Get("state"); s != "" {
		return ParseMeteorState(s)
	}
	return BeginRequest{CredentialToken: q.Get("credentialToken"), LoginStyle: q.Get("loginStyle"),
		RedirectURL: q.Get("redirectUrl"), IsCordova: q.Get("isCordova") == "true"}, nil
}

// endConfig is what the page's script reads.
type endConfig struct {
	SetCredentialToken bool   `json:"setCredentialToken"`
	CredentialToken    string `json:"credentialToken,omitempty"`
	CredentialSecret   string `json:"credentialSecret,omitempty"`
	StoragePrefix      string `json:"storagePrefix"`
	RedirectURL        string `json:"redirectUrl,omitempty"`
	IsCordova          bool   `json:"isCordova"`
	LoginStyle         string `json:"loginStyle"`
	Error              string `json:"error,omitempty"`
}

// The page does what Meteor's end_of_popup_response and
// end_of_redirect_response do: hand the credential to the window that
// started the login (through window.opener, or storage the client reads),
// put it in the URL hash for mobile clients, then close the popup or go
// back to the redirect URL. The configuration is JSON in a script element
// of type application/json, which encoding/json escapes for HTML.
var endPage = template.Must(template.New("end").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Login completed</title>
<script type="application/json" id="config">{{.}}</script>
</head><body>
<p id="completedText" style="display:none">Login completed. <a href="#" onclick="window.close()">Click here</a> to close this window.</p>
<script>
(function () {
  var config = JSON.parse(document.getElementById("config").textContent);
  var key = config.storagePrefix + config.credentialToken;
  if (config.setCredentialToken) {
    if (config.isCordova) {
      window.location.hash = JSON.stringify({credentialToken: config.credentialToken, credentialSecret: config.credentialSecret});
    }
    if (config.loginStyle === "redirect") {
      try { sessionStorage[key] = config.credentialSecret; } catch (e) {}
    } else if (window.opener && window.opener.Package && window.opener.Package.oauth) {
      window.opener.Package.oauth.OAuth._handleCredentialSecret(config.credentialToken, config.credentialSecret);
    } else {
      try { localStorage[key] = config.credentialSecret; } catch (e) {}
    }
  }
  if (config.error) {
    try { localStorage[config.storagePrefix + "error"] = config.error; } catch (e) {}
  }
  if (config.loginStyle === "redirect") {
    window.location = config.redirectUrl || "/";
    return;
  }
  if (!config.isCordova) {
    document.getElementById("completedText").style.display = "block";
    window.close();
  }
})();
</script>
</body></html>
`))

// WriteEndOfLogin answers the callback with the end-of-login page for c.
func WriteEndOfLogin(w http.ResponseWriter, c *Completion) error {
	cfg := endConfig{StoragePrefix: StoragePrefix, LoginStyle: c.LoginStyle, RedirectURL: c.RedirectURL, IsCordova: c.IsCordova}
	if c.Err == nil && c.CredentialSecret != "" {
		cfg.SetCredentialToken, cfg.CredentialToken, cfg.CredentialSecret = true, c.CredentialToken, c.CredentialSecret
	} else {
		cfg.CredentialToken = c.CredentialToken
		cfg.Error = "login-failed"
	}
	b, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	return endPage.Execute(w, template.JS(b)) //nolint:gosec // JSON from encoding/json, which escapes <, > and &
}
