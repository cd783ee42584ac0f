package api

// routes registers every endpoint. Each group lives in its own file.
func (s *Server) routes() {
	s.mux.HandleFunc("GET /api/info", s.info)
	s.authRoutes()
	s.channelRoutes()
	s.chatRoutes()
}
