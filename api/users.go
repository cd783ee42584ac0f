package api

func (s *Server) userRoutes() {
}
