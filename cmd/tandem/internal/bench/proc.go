package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procSample is what /proc says about a process at one moment.
type procSample struct {
	cpuTicks int64 // utime + stime, in clock ticks
	rssKiB   int64 // VmRSS
	hwmKiB   int64 // VmHWM: peak RSS
	threads  int64
	syscr    int64 // read-family system calls (read, readv, recvmsg...), -1 unknown
	syscw    int64 // write-family system calls (write, writev, sendmsg...), -1 unknown
}

// readProc reads /proc/<pid>/stat and /proc/<pid>/status.
func readProc(pid int) (procSample, error) {
	var s procSample
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count fields from the last ')'.
	end := bytes.LastIndexByte(stat, ')')
	if end < 0 {
		return s, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(stat[end+1:]))
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return s, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return s, fmt.Errorf("/proc/%d/stat: %w", pid, err)
	}
	s.cpuTicks = ut + st
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSuffix(strings.TrimSpace(v), " kB")
		switch k {
		case "VmRSS":
			s.rssKiB, _ = strconv.ParseInt(v, 10, 64)
		case "VmHWM":
			s.hwmKiB, _ = strconv.ParseInt(v, 10, 64)
		case "Threads":
			s.threads, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	// /proc/<pid>/io counts the process's read and write system calls:
	// divided into the messages, they show how well each server coalesces.
	// Only the process's owner (or root) may read it.
	s.syscr, s.syscw = -1, -1
	if io, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid)); err == nil {
		for _, line := range strings.Split(string(io), "\n") {
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "syscr":
				s.syscr, _ = strconv.ParseInt(v, 10, 64)
			case "syscw":
				s.syscw, _ = strconv.ParseInt(v, 10, 64)
			}
		}
	}
	return s, nil
}

// clockTicks is the kernel's USER_HZ, the unit of the CPU times in
// /proc/<pid>/stat. Go has no sysconf without cgo, so it is read from the
// auxiliary vector the kernel gave this process (AT_CLKTCK); 100 is what
// every mainstream Linux uses and the fallback.
func clockTicks() int64 {
	const atClkTck = 17
	b, err := os.ReadFile("/proc/self/auxv")
	if err == nil {
		for len(b) >= 16 {
			k, v := binary.NativeEndian.Uint64(b), binary.NativeEndian.Uint64(b[8:])
			if k == atClkTck && v > 0 {
				return int64(v)
			}
			if k == 0 {
				break
			}
			b = b[16:]
		}
	}
	return 100
}

// findListenerPID returns the process listening on addr's TCP port: the
// socket's inode from /proc/net/tcp{,6}, then the process holding an fd
// to it. It needs permission to read other processes' fds (same user or
// root); the caller falls back to no server figures when it fails.
func findListenerPID(addr string) (int, error) {
	_, portText, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("port %q: %w", portText, err)
	}
	inodes := map[string]bool{}
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			f := strings.Fields(line)
			// local_address is HEXIP:HEXPORT, st 0A is LISTEN, inode is field 10.
			if len(f) < 10 || f[3] != "0A" {
				continue
			}
			_, p, ok := strings.Cut(f[1], ":")
			if !ok {
				continue
			}
			if v, err := strconv.ParseUint(p, 16, 16); err == nil && v == port {
				inodes["socket:["+f[9]+"]"] = true
			}
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("nothing listens on port %d", port)
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		target, err := os.Readlink(fd)
		if err != nil || !inodes[target] {
			continue
		}
		parts := strings.Split(fd, "/") // "", "proc", pid, "fd", n
		if pid, err := strconv.Atoi(parts[2]); err == nil {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no readable process holds the listener on port %d (try --server-pid)", port)
}

// procWatch measures one process over the measurement window.
type procWatch struct {
	pid        int
	start, end procSample
	err        error
}

func (w *procWatch) begin() {
	if w.pid > 0 {
		w.start, w.err = readProc(w.pid)
	}
}

func (w *procWatch) finish() {
	if w.pid > 0 && w.err == nil {
		w.end, w.err = readProc(w.pid)
	}
}

// cpuSeconds is the CPU time the process used between begin and finish.
func (w *procWatch) cpuSeconds(hz int64) float64 {
	if w.pid <= 0 || w.err != nil {
		return 0
	}
	return float64(w.end.cpuTicks-w.start.cpuTicks) / float64(hz)
}

func (w *procWatch) ok() bool { return w.pid > 0 && w.err == nil }

// machineBusyTicks returns the CPU ticks all CPUs spent busy (everything
// but idle and iowait) since boot, from the first line of /proc/stat. Over
// a window it shows how much of the machine other processes took, which a
// shared 2-core machine makes worth printing beside every figure.
func machineBusyTicks() (int64, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, errors.New("/proc/stat: unexpected format")
	}
	var busy int64
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		// user nice system idle iowait irq softirq steal guest guest_nice;
		// guest time is already counted in user.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += n
	}
	return busy, nil
}
