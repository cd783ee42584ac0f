package saml

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	crewsaml "github.com/crewjam/saml"

	"liftoff/auth/pending"
)

// LogoutURL starts a single logout for a user signed in through SAML
// (Rocket.Chat's samlLogout method): it returns the IdP's SLO URL carrying
// a LogoutRequest for the user's NameID and session index (the
// Identity.Attributes "nameID" and "idpSession" the login stored), or ""
// when logout_behaviour is Local or the IdP has no SLO URL.
func (s *ServiceProvider) LogoutURL(ctx context.Context, nameID, sessionIndex string) (string, error) {
	if !s.cfg.Enabled {
		return "", ErrDisabled
	}
	if s.cfg.LogoutBehaviour == "Local" || s.cfg.IdPSLORedirectURL == "" {
		return "", nil
	}
	if nameID == "" {
		return "", errors.New("saml: the user has no NameID to log out")
	}
	sp := s.sp(s.cfg.IdPIssuer)
	var opts []crewsaml.LogoutRequestOption
	if sessionIndex != "" {
		opts = append(opts, crewsaml.WithSessionIndex(sessionIndex))
	}
	req, err := sp.MakeLogoutRequest(s.cfg.IdPSLORedirectURL, nameID, opts...)
	if err != nil {
		return "", fmt.Errorf("saml: logout request: %w", err)
	}
	b, _ := json.Marshal(request{NameID: nameID})
	if err := s.opts.Store.Put(ctx, "saml-logout:"+req.ID, b, s.opts.RequestTTL); err != nil {
		return "", fmt.Errorf("saml: record the logout: %w", err)
	}
	u, err := sp.RedirectLogoutRequestURL(req, s.cfg.Provider)
	if err != nil {
		return "", fmt.Errorf("saml: logout redirect: %w", err)
	}
	return u.String(), nil
}

// Logout kinds.
const (
	// LogoutResponse: the IdP answered a logout this server started.
	LogoutResponse = "response"
	// LogoutRequest: the IdP asks to end a user's session (IdP-initiated
	// single logout); the wiring layer logs the user's sessions out and
	// redirects the browser to Redirect.
	LogoutRequest = "request"
)

// LogoutResult is what HandleLogout found.
type LogoutResult struct {
	Kind string
	// NameID is the user logged out (both kinds).
	NameID       string
	SessionIndex string
	// Success (responses) reports the IdP's status.
	Success bool
	// Redirect (requests) is the IdP URL carrying this SP's answer.
	Redirect string
}

// logoutEnvelope is the part of an SLO message read before it is verified.
type logoutEnvelope struct {
	XMLName      xml.Name
	InResponseTo string `xml:"InResponseTo,attr"`
	Issuer       string `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
}

// inflate decodes an HTTP-Redirect binding message (base64 of DEFLATE).
func inflate(v string) ([]byte, error) {
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return nil, err
	}
	r := flate.NewReader(bytes.NewReader(raw))
	defer r.Close()
	out, err := io.ReadAll(io.LimitReader(r, 1<<20))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// HandleLogout handles GET /_saml/logout/<provider>/: the IdP's
// LogoutResponse to a logout this server started (validated against the
// pending request, once), or the IdP's LogoutRequest (validated, answered
// with a signed LogoutResponse through Redirect).
func (s *ServiceProvider) HandleLogout(ctx context.Context, r *http.Request) (*LogoutResult, error) {
	if !s.cfg.Enabled {
		return nil, ErrDisabled
	}
	q := r.URL.Query()
	if v := q.Get("SAMLResponse"); v != "" {
		xmlb, err := inflate(v)
		var env logoutEnvelope
		if err != nil || xml.Unmarshal(xmlb, &env) != nil || env.InResponseTo == "" {
			return nil, wrap(ErrUnknownRequest, "saml: unreadable logout response")
		}
		b, err := s.opts.Store.Take(ctx, "saml-logout:"+env.InResponseTo)
		if errors.Is(err, pending.ErrNotFound) {
			return nil, ErrUnknownRequest
		}
		if err != nil {
			return nil, fmt.Errorf("saml: read the logout: %w", err)
		}
		var req request
		_ = json.Unmarshal(b, &req)
		resp, err := s.sp(s.issuerFor(env.Issuer)).ParseLogoutResponse(r, []string{env.InResponseTo})
		if err != nil {
			return nil, wrap(ErrInvalidResponse, "saml: logout response: %w", privateErr(err))
		}
		return &LogoutResult{Kind: LogoutResponse, NameID: req.NameID,
			Success: resp.Status.StatusCode.Value == crewsaml.StatusSuccess}, nil
	}
	if v := q.Get("SAMLRequest"); v != "" {
		xmlb, err := inflate(v)
		var env logoutEnvelope
		if err != nil || xml.Unmarshal(xmlb, &env) != nil {
			return nil, wrap(ErrInvalidResponse, "saml: unreadable logout request")
		}
		sp := s.sp(s.issuerFor(env.Issuer))
		lr, err := sp.ValidateLogoutRequest(r)
		if err != nil {
			return nil, wrap(ErrInvalidResponse, "saml: logout request: %w", privateErr(err))
		}
		res := &LogoutResult{Kind: LogoutRequest}
		if lr.NameID != nil {
			res.NameID = lr.NameID.Value
		}
		if lr.SessionIndex != nil {
			res.SessionIndex = lr.SessionIndex.Value
		}
		u, err := sp.MakeRedirectLogoutResponse(lr.ID, q.Get("RelayState"))
		if err != nil {
			return nil, fmt.Errorf("saml: logout response: %w", err)
		}
		res.Redirect = u.String()
		return res, nil
	}
	return nil, wrap(ErrUnknownRequest, "saml: the logout route got neither SAMLRequest nor SAMLResponse")
}

func (s *ServiceProvider) issuerFor(claimed string) string {
	if s.cfg.IdPIssuer != "" {
		return s.cfg.IdPIssuer
	}
	return strings.TrimSpace(claimed)
}

func privateErr(err error) error {
	var ire *crewsaml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		return ire.PrivateErr
	}
	return err
}
