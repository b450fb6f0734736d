package main

import (
	"context"
	"io"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// repeatLines is n copies of line, generated as read.
type repeatLines struct {
	n, i int
	line string
	buf  []byte
}

func (s *repeatLines) Read(p []byte) (int, error) {
	for len(s.buf) < len(p) && s.i < s.n {
		s.buf = append(s.buf, s.line...)
		s.i++
	}
	if len(s.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	return n, nil
}

// TestRunAnalyzeMemoryWithLongLines: batches are 512 lines whatever their length,
// up to 2×workers of them in flight, each holding its lines and their output (which
// echoes the text): a stream of 64 KiB texts (lines up to 1 MiB are accepted) peaked
// at gigabytes of heap with two workers, where short lines take ~50 MiB.
func TestRunAnalyzeMemoryWithLongLines(t *testing.T) {
	a := analyzer(t)
	line := `{"text":"` + strings.Repeat("the export is broken ", (64<<10)/21) + `"}` + "\n"
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	}()
	n, err := runAnalyze(context.Background(), &repeatLines{n: 2000, line: line}, io.Discard, a, 2)
	close(stop)
	if err != nil || n != 2000 {
		t.Fatalf("n %d err %v", n, err)
	}
	if p := peak.Load(); p > 256<<20 {
		t.Fatalf("heap in use peaked at %d MiB for a stream of 2,000 lines of 64 KiB (125 MiB in all); want < 256 MiB", p>>20)
	}
}
