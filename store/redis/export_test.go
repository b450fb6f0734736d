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
