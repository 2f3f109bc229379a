package smtpd

// InflightFree is how much of the in-flight budget is free, for the tests.
func (s *Server) InflightFree() int64 {
	s.inflight.mu.Lock()
	defer s.inflight.mu.Unlock()
	return s.inflight.free
}

// ChunkSize is the unit messages are read and charged in.
const ChunkSize = chunkSize
