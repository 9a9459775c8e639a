package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// podSpec is what testenv sends for a pod bound to one of the agent's nodes (a subset of v1.Pod).
type podSpec struct {
	Namespace  string          `json:"namespace"`
	Name       string          `json:"name"`
	UID        string          `json:"uid"`
	Node       string          `json:"node"`
	Containers []containerSpec `json:"containers"`
}

type containerSpec struct {
	Name       string   `json:"name"`
	Command    []string `json:"command,omitempty"`
	Args       []string `json:"args,omitempty"`
	Env        []envVar `json:"env,omitempty"`
	WorkingDir string   `json:"workingDir,omitempty"`
	Stdin      bool     `json:"stdin,omitempty"`
	StdinOnce  bool     `json:"stdinOnce,omitempty"`
	TTY        bool     `json:"tty,omitempty"`
}

type envVar struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// processInfo is one process the agent started, as /testenv/processes lists it.
type processInfo struct {
	PID       int      `json:"pid"`
	Kind      string   `json:"kind"` // "main" or "exec"
	Namespace string   `json:"namespace"`
	Pod       string   `json:"pod"`
	Container string   `json:"container"`
	Command   []string `json:"command"`
}

type agent struct {
	root string
	self string // this binary, for containers without a command ("pause")

	mu    sync.Mutex
	pods  map[string]*pod // "namespace/name"
	procs map[int]processInfo
}

type pod struct {
	spec       podSpec
	dir        string
	containers map[string]*container
}

func newAgent(root string) *agent {
	self, err := os.Executable()
	if err != nil {
		log.Fatalf("node-agent: %v", err)
	}
	return &agent{root: root, self: self, pods: map[string]*pod{}, procs: map[int]processInfo{}}
}

func podKey(namespace, name string) string { return namespace + "/" + name }

// putPod starts the pod's containers, replacing a pod of the same name with another UID.
func (a *agent) putPod(spec podSpec) (*pod, error) {
	key := podKey(spec.Namespace, spec.Name)
	a.mu.Lock()
	old := a.pods[key]
	a.mu.Unlock()
	if old != nil {
		if old.spec.UID == spec.UID {
			return old, nil
		}
		a.deletePod(spec.Namespace, spec.Name)
	}
	dirName := strings.Join([]string{spec.Namespace, spec.Name, spec.UID}, "_")
	p := &pod{
		spec:       spec,
		dir:        filepath.Join(a.root, "pods", dirName),
		containers: map[string]*container{},
	}
	if err := os.MkdirAll(p.dir, 0o755); err != nil {
		return nil, err
	}
	for _, cs := range spec.Containers {
		c := &container{
			agent:    a,
			pod:      p,
			spec:     cs,
			logPath:  filepath.Join(a.root, "logs", dirName, cs.Name, "0.log"),
			attached: map[*attachment]struct{}{},
			exited:   make(chan struct{}),
		}
		p.containers[cs.Name] = c
		if err := c.start(); err != nil {
			a.stopPod(p)
			return nil, fmt.Errorf("starting container %q of pod %s: %w", cs.Name, key, err)
		}
	}
	a.mu.Lock()
	a.pods[key] = p
	a.mu.Unlock()
	return p, nil
}

func (a *agent) deletePod(namespace, name string) bool {
	a.mu.Lock()
	p := a.pods[podKey(namespace, name)]
	delete(a.pods, podKey(namespace, name))
	a.mu.Unlock()
	if p == nil {
		return false
	}
	a.stopPod(p)
	os.RemoveAll(p.dir)
	return true
}

func (a *agent) stopPod(p *pod) {
	for _, c := range p.containers {
		c.stop()
	}
}

func (a *agent) stopAll() {
	a.mu.Lock()
	pods := make([]*pod, 0, len(a.pods))
	for _, p := range a.pods {
		pods = append(pods, p)
	}
	pids := make([]int, 0, len(a.procs))
	for pid := range a.procs {
		pids = append(pids, pid)
	}
	a.mu.Unlock()
	for _, p := range pods {
		a.stopPod(p)
	}
	for _, pid := range pids {
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// lookup finds a container of a pod the agent runs; the error is the kubelet's wording.
func (a *agent) lookup(podFullName, containerName string) (*container, error) {
	a.mu.Lock()
	p := a.pods[podFullName]
	a.mu.Unlock()
	if p == nil {
		return nil, fmt.Errorf("pod %q not found", podFullName)
	}
	c := p.containers[containerName]
	if c == nil {
		return nil, fmt.Errorf("container %q not found in pod %q", containerName, podFullName)
	}
	return c, nil
}

func (a *agent) track(pid int, info processInfo) {
	info.PID = pid
	a.mu.Lock()
	a.procs[pid] = info
	a.mu.Unlock()
}

func (a *agent) untrack(pid int) {
	a.mu.Lock()
	delete(a.procs, pid)
	a.mu.Unlock()
}

func (a *agent) processes() []processInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]processInfo, 0, len(a.procs))
	for _, p := range a.procs {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out
}

// container is one container of a pod: its main process, its log and the clients attached to it.
type container struct {
	agent   *agent
	pod     *pod
	spec    containerSpec
	logPath string

	mu       sync.Mutex
	cmd      *exec.Cmd
	stdin    io.WriteCloser // the main process's stdin (spec.Stdin), nil after stdinOnce
	pty      *os.File       // the terminal's master (spec.TTY)
	attached map[*attachment]struct{}
	log      *criLog

	exited   chan struct{}
	exitCode int
}

type attachment struct {
	out, err io.Writer
}

// env is the container's environment: a base (PATH, HOME, HOSTNAME) and then the spec's variables.
func (c *container) env() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + c.pod.dir,
		"HOSTNAME=" + c.pod.spec.Name,
	}
	for _, e := range c.spec.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	return env
}

// workDir is the container's working directory: the pod directory, or spec.workingDir inside it.
func (c *container) workDir() (string, error) {
	if c.spec.WorkingDir == "" {
		return c.pod.dir, nil
	}
	d := filepath.Join(c.pod.dir, filepath.Clean("/"+c.spec.WorkingDir))
	return d, os.MkdirAll(d, 0o755)
}

func (c *container) command(argv []string) (*exec.Cmd, error) {
	dir, err := c.workDir()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = c.env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd, nil
}

func (c *container) start() error {
	argv := append(append([]string{}, c.spec.Command...), c.spec.Args...)
	if len(argv) == 0 {
		argv = []string{c.agent.self, "pause"}
	}
	cmd, err := c.command(argv)
	if err != nil {
		return err
	}
	if c.log, err = openCRILog(c.logPath); err != nil {
		return err
	}
	var outputs []io.Reader
	var streams []string
	if c.spec.TTY {
		master, slave, err := openPTY()
		if err != nil {
			return err
		}
		defer slave.Close()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, Pdeathsig: syscall.SIGKILL}
		c.pty = master
		if c.spec.Stdin {
			c.stdin = master
		}
		outputs, streams = []io.Reader{master}, []string{"stdout"}
	} else {
		if c.spec.Stdin {
			if c.stdin, err = cmd.StdinPipe(); err != nil {
				return err
			}
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		stderr, err := cmd.StderrPipe()
		if err != nil {
			return err
		}
		outputs, streams = []io.Reader{stdout, stderr}, []string{"stdout", "stderr"}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	c.cmd = cmd
	c.agent.track(cmd.Process.Pid, processInfo{
		Kind: "main", Namespace: c.pod.spec.Namespace, Pod: c.pod.spec.Name, Container: c.spec.Name, Command: argv,
	})
	var pumps sync.WaitGroup
	for i, r := range outputs {
		pumps.Add(1)
		go func() {
			defer pumps.Done()
			c.pump(r, streams[i])
		}()
	}
	go func() {
		// Output first (Wait closes the pipes), then the exit status.
		pumps.Wait()
		err := cmd.Wait()
		c.agent.untrack(cmd.Process.Pid)
		c.mu.Lock()
		c.exitCode = exitCode(err)
		if c.pty != nil {
			c.pty.Close()
		}
		c.mu.Unlock()
		c.log.close()
		close(c.exited)
	}()
	return nil
}

// pump copies one output stream of the main process into the log and to every attached client.
func (c *container) pump(r io.Reader, stream string) {
	buf := make([]byte, 32*1024)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			c.log.write(stream, chunk)
			c.mu.Lock()
			for at := range c.attached {
				w := at.out
				if stream == "stderr" && at.err != nil {
					w = at.err
				}
				if w == nil {
					continue
				}
				if _, werr := w.Write(chunk); werr != nil {
					delete(c.attached, at)
				}
			}
			c.mu.Unlock()
		}
		if err != nil {
			return // EOF, or EIO from a terminal whose process is gone
		}
	}
}

func (c *container) running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

func (c *container) stop() {
	if c.cmd == nil {
		return
	}
	syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-c.exited:
	case <-time.After(5 * time.Second):
	}
}

// attach connects a client to the main process until it exits or the client goes away.
func (c *container) attach(ctx context.Context, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	if tty && !c.spec.TTY {
		return fmt.Errorf("container %q was not started with tty: true", c.spec.Name)
	}
	at := &attachment{}
	if out != nil {
		at.out = out
	}
	if errw != nil {
		at.err = errw
	}
	c.mu.Lock()
	c.attached[at] = struct{}{}
	stdin := c.stdin
	if c.spec.StdinOnce && in != nil {
		c.stdin = nil // the first attached client owns stdin; closing it closes the process's
	}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.attached, at)
		c.mu.Unlock()
	}()
	if in != nil && stdin != nil {
		go func() {
			io.Copy(stdin, in)
			if c.spec.StdinOnce && stdin != c.pty {
				stdin.Close()
			}
		}()
	}
	if resize != nil && c.pty != nil {
		go func() {
			for size := range resize {
				setWinsize(c.pty, size.Width, size.Height)
			}
		}()
	}
	select {
	case <-c.exited:
		return nil
	case <-ctx.Done():
		return nil
	}
}

// exec runs a command in the container's environment and directory, like `kubectl exec`. The
// command's process group is killed when ctx ends (the client went away).
func (c *container) exec(ctx context.Context, argv []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	if len(argv) == 0 {
		return errors.New("no command given")
	}
	cmd, err := c.command(argv)
	if err != nil {
		return err
	}
	cmd.WaitDelay = time.Second
	var master, slave *os.File
	var outputDone chan struct{}
	if tty {
		if master, slave, err = openPTY(); err != nil {
			return err
		}
		defer master.Close()
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0, Pdeathsig: syscall.SIGKILL}
	} else {
		if out != nil {
			cmd.Stdout = out
		}
		if errw != nil {
			cmd.Stderr = errw
		}
	}
	var stdinPipe io.WriteCloser
	if in != nil && !tty {
		if stdinPipe, err = cmd.StdinPipe(); err != nil {
			return err
		}
	}
	err = cmd.Start()
	if slave != nil {
		slave.Close() // the terminal ends (EIO on the master) when the process's copies close
	}
	if err != nil {
		return err
	}
	pid := cmd.Process.Pid
	c.agent.track(pid, processInfo{
		Kind: "exec", Namespace: c.pod.spec.Namespace, Pod: c.pod.spec.Name, Container: c.spec.Name, Command: argv,
	})
	defer c.agent.untrack(pid)
	if tty {
		if in != nil {
			go io.Copy(master, in)
		}
		outputDone = make(chan struct{})
		go func() {
			defer close(outputDone)
			if out != nil {
				io.Copy(out, master)
			} else {
				io.Copy(io.Discard, master)
			}
		}()
		if resize != nil {
			go func() {
				for size := range resize {
					setWinsize(master, size.Width, size.Height)
				}
			}()
		}
	}
	if stdinPipe != nil {
		go func() {
			io.Copy(stdinPipe, in)
			stdinPipe.Close()
		}()
	}
	finished := make(chan struct{})
	defer close(finished)
	go func() {
		select {
		case <-ctx.Done():
			syscall.Kill(-pid, syscall.SIGKILL)
		case <-finished:
		}
	}()
	err = cmd.Wait()
	if outputDone != nil {
		select {
		case <-outputDone:
		case <-time.After(time.Second):
		}
	}
	if code := exitCode(err); code != 0 {
		return utilexec.CodeExitError{Err: fmt.Errorf("command %q exited with %d", argv[0], code), Code: code}
	}
	if err != nil && !isExitError(err) {
		return err
	}
	return nil
}

func isExitError(err error) bool {
	var ee *exec.ExitError
	return errors.As(err, &ee)
}

// exitCode is the shell's view of a process's end: its exit status, or 128+signal when killed.
func exitCode(err error) int {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 0
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ee.ExitCode()
}

// criLog writes a container's output in the CRI log format the kubelet reads
// ("<RFC 3339 nano time> <stream> <F|P> <text>"), one full or partial line per entry.
type criLog struct {
	mu sync.Mutex
	f  *os.File
	w  *bufio.Writer
}

func openCRILog(path string) (*criLog, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &criLog{f: f, w: bufio.NewWriter(f)}, nil
}

const criTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func (l *criLog) write(stream string, chunk []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return
	}
	ts := time.Now().UTC().Format(criTimeFormat)
	for len(chunk) > 0 {
		tag, line := "P", chunk
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			tag, line, chunk = "F", chunk[:i], chunk[i+1:]
		} else {
			chunk = nil
		}
		fmt.Fprintf(l.w, "%s %s %s ", ts, stream, tag)
		l.w.Write(line)
		l.w.WriteByte('\n')
	}
	l.w.Flush()
}

func (l *criLog) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.w.Flush()
		l.f.Close()
		l.f = nil
	}
}
