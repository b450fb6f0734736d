package redisstore

// SetApplyChunk makes s's apply scripts carry at most n items, so that tests can
// split a call into several scripts without building thousands of items.
func SetApplyChunk(s *Store, n int) { s.chunk = n }
