package redisstore

import "context"

// SetApplyChunk makes s's apply scripts carry at most n items, so that tests can
// split a call into several scripts without building thousands of items.
func SetApplyChunk(s *Store, n int) { s.chunk = n }

// RecordOf reads the record of the message key in workspace ws as getRecords does:
// its stamp, bucket, index spec, contributions and stored JSON.
func RecordOf(ctx context.Context, s *Store, ws, key string) ([5]string, error) {
	rs, err := s.getRecords(ctx, s.ws(ws), []string{key}, true)
	if err != nil {
		return [5]string{}, err
	}
	r := rs[0]
	return [5]string{r.stamp, r.bucket, r.spec, r.contrib, r.data}, nil
}

// WalkPages runs the upgrade walk's page reader over workspace ws with no buffer
// between it and fn, which gets each page's members in turn (the reader, a page
// ahead, waits to hand over the next until fn returns), and returns the error a
// page carried.
func WalkPages(ctx context.Context, s *Store, ws string, fn func(members []string)) error {
	out := make(chan acctDayChunk)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go s.readAccountDayChunks(ctx, s.ws(ws), out)
	for ch := range out {
		if ch.err != nil {
			return ch.err
		}
		fn(ch.members)
	}
	return nil
}
