//go:build !unix

package main

import (
	"os/exec"
	"time"
)

func maxRSSKiB(*exec.Cmd) int64 { return 0 }

// processCPU is 0: not measured here.
func processCPU() time.Duration { return 0 }
