package api

import (
	"context"

	"liftoff/access/perm"
)

// LDAP is what the admin's ldap.* endpoints ask of the directory login
// (external.LDAP).
type LDAP interface {
	TestConnection(ctx context.Context) error
	TestSearch(ctx context.Context, username string) error
	SyncNow(ctx context.Context) error
}

// ldapRoutes are Rocket.Chat's LDAP admin endpoints.
func (s *Server) ldapRoutes(rt *Router) {
	if s.ldap == nil {
		return
	}
	rt.Post("ldap.testConnection", func(r *Request) (any, error) {
		if err := s.ldap.TestConnection(r.Context()); err != nil {
			return nil, err
		}
		return M{"message": "LDAP_Connection_successful"}, nil
	}, Permission(perm.TestAdminOptions))
	rt.Post("ldap.testSearch", func(r *Request) (any, error) {
		username, err := r.RequireString("username")
		if err != nil {
			return nil, err
		}
		if err := s.ldap.TestSearch(r.Context(), username); err != nil {
			return nil, err
		}
		return M{"message": "LDAP_User_Found"}, nil
	}, Permission(perm.TestAdminOptions))
	// Rocket.Chat answers at once and syncs in the background; here the
	// pass has finished when the answer comes (same body).
	rt.Post("ldap.syncNow", func(r *Request) (any, error) {
		if err := s.ldap.SyncNow(r.Context()); err != nil {
			return nil, err
		}
		return M{"message": "Sync_in_progress"}, nil
	}, Permission(perm.SyncAuthServicesUsers))
}
