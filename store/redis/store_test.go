package redisstore_test

import (
	"testing"

	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

func open(t *testing.T) store.Store {
	client, prefix := redistest.Client(t)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix, ClaimIdle: storetest.ClaimIdle})
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, open)
}

// TestBatchSmallChunks runs the batch tests with apply scripts of 50 items, so that
// their longer calls are split into several scripts in one transaction.
func TestBatchSmallChunks(t *testing.T) {
	storetest.RunBatch(t, func(t *testing.T) store.Store {
		s := open(t).(*redisstore.Store)
		redisstore.SetApplyChunk(s, 50)
		return s
	})
}
