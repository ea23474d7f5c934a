//go:build !linux

package testproc

import "syscall"

// sysProcAttr puts the child in a group of its own, so Stop reaches its
// children too.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
