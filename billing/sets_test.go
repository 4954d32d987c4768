package billing

// SetClaimsPerSet makes the 837P sets of the batches s closes from now on
// hold n CLM loops, so a test splits a file of a few claims into sets.
func (s *Service) SetClaimsPerSet(n int) { s.claimsPerSet = n }
