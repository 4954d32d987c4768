package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// cpuMeter reads, from /proc, the CPU time spent so far by the three
// parties of a bench phase: the rss server, the PostgreSQL backends serving
// the scratch database, and this process (the load generator). All three
// share the machine's cores, so a phase's throughput says less under load
// than the CPU each spent per request. Where /proc cannot be read (another
// OS, or PostgreSQL on another host) the figures are zero and not printed.
type cpuMeter struct {
	serverPID int
	database  string
}

// cpuSample is one reading: the server's and this process's CPU, and each
// backend's (by pid), since they started.
type cpuSample struct {
	server, self time.Duration
	backends     map[int]time.Duration
}

func (m cpuMeter) sample() cpuSample {
	s := cpuSample{backends: map[int]time.Duration{}}
	if m.serverPID > 0 {
		s.server = procCPU(strconv.Itoa(m.serverPID))
	}
	s.self = procCPU("self")
	if m.database == "" {
		return s
	}
	// A backend's title is "postgres: [cluster: ]user database host(port) state".
	want := []byte(" " + m.database + " ")
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		title, err := os.ReadFile(d + "/cmdline")
		if err != nil || !bytes.HasPrefix(title, []byte("postgres: ")) || !bytes.Contains(title, want) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(d))
		s.backends[pid] = procCPU(filepath.Base(d))
	}
	return s
}

// spent is the CPU each party used between two samples. A backend that
// started in between counts from zero; one that ended in between is lost
// (the server keeps its connections open through a phase).
func (s cpuSample) spent(later cpuSample) (server, backends, self time.Duration) {
	for pid, t := range later.backends {
		backends += t - s.backends[pid]
	}
	return later.server - s.server, backends, later.self - s.self
}

// procCPU is user + system time of /proc/<pid>/stat, or zero.
func procCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// The command name, in parentheses, may hold spaces: fields count from
	// after its closing parenthesis, where field 3 (state) begins.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(string(f[11]), 10, 64) // field 14
	stime, _ := strconv.ParseInt(string(f[12]), 10, 64) // field 15
	// USER_HZ is 100 on every Linux this runs on.
	return time.Duration(utime+stime) * (time.Second / 100)
}
