package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the master stays in the agent, the slave becomes the
// process's stdin, stdout and stderr.
func openPTY() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("opening /dev/ptmx: %w", err)
	}
	var n int
	var ioErr error
	// Control keeps the master in the runtime poller (Fd() would switch it to blocking mode).
	if err := controlFd(master, func(fd int) {
		if ioErr = unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); ioErr != nil {
			return
		}
		n, ioErr = unix.IoctlGetInt(fd, unix.TIOCGPTN)
	}); err != nil || ioErr != nil {
		master.Close()
		return nil, nil, fmt.Errorf("setting up the pseudo-terminal: %v %v", err, ioErr)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("opening the pseudo-terminal's slave: %w", err)
	}
	return master, slave, nil
}

// setWinsize sets the terminal size the process sees (stty size, SIGWINCH).
func setWinsize(master *os.File, cols, rows uint16) error {
	var ioErr error
	if err := controlFd(master, func(fd int) {
		ioErr = unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	}); err != nil {
		return err
	}
	return ioErr
}

func controlFd(f *os.File, fn func(fd int)) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Control(func(fd uintptr) { fn(int(fd)) })
}
