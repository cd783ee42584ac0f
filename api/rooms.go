package api

func (s *Server) roomRoutes() {
}
