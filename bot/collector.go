package bot

import "runtime/debug"

// GCPercent is the Go collector's target (GOGC) of the processes that build
// digests and assess account health (feedbackbot run, digest and risk), unless the
// environment's GOGC sets one. A digest allocates about 66 MB in a burst over a live
// heap of 7–20 MB: at the runtime's default of 100 the collector ran several
// cycles a digest, and between them the runtime handed pages back to the kernel
// that the next part of the digest faulted in again (a digest with the collector
// off, its heap only growing, took twice as long on this machine: every page new).
// At 400 the Redis digest of a 100,000-message history took 0.78–0.95× the
// default's median time and 0.75–1.09× its slowest of 60 (medians 0.89× and 0.88×),
// in four pairs of processes taken in turn; the bench process's peak RSS went from 96 to 196 MiB (go run ./bench digest,
// GOGC=100 against GOGC=400; see the README's Scaling). GOMEMLIMIT caps the heap
// where memory is tight; GOGC=100 trades the time back for the memory.
const GCPercent = 400

// SetCollector sets the collector's target to pct unless getenv("GOGC") names
// one, and returns what puts the previous target back (nothing to put back when
// GOGC is set).
func SetCollector(getenv func(string) string, pct int) (restore func()) {
	if getenv("GOGC") != "" {
		return func() {}
	}
	prev := debug.SetGCPercent(pct)
	return func() { debug.SetGCPercent(prev) }
}
