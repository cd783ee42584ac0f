package api

func (s *Server) messageRoutes() {
}
