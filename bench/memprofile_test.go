package main

import (
	"context"
	"testing"
)

// A failed write of the allocation profile must fail the run: the defer assigns the
// error to the err that os.Create declared in the if block, not the named result.
func TestMemProfileWriteErrorReported(t *testing.T) {
	args := []string{"-stores", "bolt", "-sizes", "200", "-reps", "1", "-settle", "0", "-interleave=false", "-memprofile", "/dev/full"}
	if err := runDigest(context.Background(), args); err == nil {
		t.Fatal("runDigest -memprofile /dev/full: no error, the profile was not written")
	}
}
