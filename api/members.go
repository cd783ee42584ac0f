package api

func (s *Server) membershipRoutes() {
}
