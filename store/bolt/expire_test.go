package bolt

import (
	"fmt"
	"testing"

	"github.com/feedbackbot/feedbackbot/store"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// BenchmarkExpire: a retention pass that expires a whole workspace, and a daily pass
// that finds nothing old enough in it (go test -run ^$ -bench Expire ./store/bolt).
func BenchmarkExpire(b *testing.B) {
	for _, mode := range []string{"all", "none"} {
		for _, n := range []int{10_000, 50_000} {
			b.Run(fmt.Sprintf("%s/messages=%d", mode, n), func(b *testing.B) {
				storetest.BenchExpire(b, func() store.Store { return openTest(b, b.TempDir(), Options{}) }, n, mode)
			})
		}
	}
}
