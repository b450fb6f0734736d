package main

import (
	"context"
	"os"
	"os/exec"
	"testing"
)

// TestPortRate times the VADER port on a few texts, as bench analysis does beside its
// speed figures (from the repository root, the tweets in ../shared beside it).
func TestPortRate(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 is not installed: bench analysis then quotes the reference's 18,600 texts/s only")
	}
	t.Chdir("..")
	data := "../shared/data/vader"
	if _, err := os.Stat(data + "/tweets_GroundTruth.txt"); err != nil {
		t.Skipf("no labelled tweets beside the repository: %v", err)
	}
	r, err := portRate(context.Background(), data, 500)
	if err != nil {
		t.Fatal(err)
	}
	if r <= 0 {
		t.Fatalf("port rate %v, want > 0", r)
	}
	if _, err := portRate(context.Background(), "no-such-dir", 10); err == nil {
		t.Error("the port without its data: no error")
	}
}
