//go:build unix

package main

import (
	"os/exec"
	"syscall"
)

// maxRSSKiB is the child's peak resident set size.
func maxRSSKiB(cmd *exec.Cmd) int64 {
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss
	}
	return 0
}
