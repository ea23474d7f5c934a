package testproc

import "syscall"

// sysProcAttr puts the child in a group of its own (so Stop reaches its
// children too) and kills it if the test binary dies without cleaning up.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
