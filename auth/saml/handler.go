package saml

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"strings"
)

// Providers finds the service provider of an enabled IdP by its provider name.
type Providers interface {
	ServiceProvider(provider string) (*ServiceProvider, bool)
	// LogoutByNameID ends the sessions of the user the IdP logs out.
	LogoutByNameID(ctx context.Context, nameID string) error
}

// closePage ends the popup after a validated response; the client then
// logs in with {saml: true, credentialToken}.
const closePage = `<!DOCTYPE html><html><head><title>Sign-in</title></head><body><script>window.close();</script><p>You may close this window.</p></body></html>`

// Handler serves Rocket.Chat's SAML routes:
//
//	GET  /_saml/metadata/<provider>                     the SP metadata
//	GET  /_saml/authorize/<provider>/<credentialToken>  start a sign-in: 302 to the IdP
//	POST /_saml/validate/<provider>                     the IdP's answer (POST binding)
//	GET  /_saml/logout/<provider>/                      single logout, either direction
//
// A response that answers no pending request (unsolicited, replayed)
// answers 400 and stores nothing.
func Handler(sps Providers, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rest, _ := strings.CutPrefix(r.URL.Path, "/_saml/")
		parts := strings.Split(rest, "/")
		if len(parts) < 2 {
			http.NotFound(w, r)
			return
		}
		sp, ok := sps.ServiceProvider(parts[1])
		if !ok {
			http.Error(w, "Unknown SAML provider", http.StatusNotFound)
			return
		}
		ctx := r.Context()
		switch {
		case parts[0] == "metadata" && r.Method == http.MethodGet:
			b, err := sp.Metadata()
			if err != nil {
				log.ErrorContext(ctx, "saml metadata", "err", err)
				http.Error(w, "metadata", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "application/samlmetadata+xml")
			_, _ = w.Write(b)
		case parts[0] == "authorize" && len(parts) == 3 && r.Method == http.MethodGet:
			to, err := sp.AuthorizeURL(ctx, parts[2])
			if err != nil {
				log.WarnContext(ctx, "saml authorize", "err", err)
				samlError(w, err)
				return
			}
			http.Redirect(w, r, to, http.StatusFound)
		case parts[0] == "validate" && r.Method == http.MethodPost:
			if err := r.ParseForm(); err != nil {
				samlError(w, err)
				return
			}
			c, err := sp.Validate(ctx, r.PostForm.Get("SAMLResponse"))
			if err != nil {
				log.WarnContext(ctx, "saml validate", "err", err)
				samlError(w, err)
				return
			}
			if c.Err != nil {
				log.WarnContext(ctx, "saml sign-in refused", "err", c.Err)
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			_, _ = w.Write([]byte(closePage))
		case parts[0] == "logout" && r.Method == http.MethodGet:
			res, err := sp.HandleLogout(ctx, r)
			if err != nil {
				log.WarnContext(ctx, "saml logout", "err", err)
				samlError(w, err)
				return
			}
			if res.Kind == LogoutRequest {
				if err := sps.LogoutByNameID(ctx, res.NameID); err != nil {
					log.ErrorContext(ctx, "saml logout", "err", err)
					http.Error(w, "logout failed", http.StatusInternalServerError)
					return
				}
				http.Redirect(w, r, res.Redirect, http.StatusFound)
				return
			}
			http.Redirect(w, r, strings.TrimSuffix(sp.MetadataURL(), "/_saml/metadata/"+sp.Config().Provider)+"/", http.StatusFound)
		default:
			http.Error(w, "Method not allowed", http.StatusMethodNotAllowed)
		}
	})
}

// samlError answers a refused request (unknown, replayed or unverifiable
// response, bad token) with 400.
func samlError(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	_, _ = w.Write([]byte("<!DOCTYPE html><title>Sign-in failed</title><p>" + html.EscapeString(err.Error()) + "</p>"))
}
