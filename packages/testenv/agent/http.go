package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/cri-client/pkg/logs"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
)

// The kubelet's defaults (--streaming-connection-idle-timeout, stream creation).
const (
	streamIdleTimeout     = 4 * time.Hour
	streamCreationTimeout = remotecommand.DefaultStreamCreationTimeout
)

func (a *agent) routes(adminCN string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	mux.HandleFunc("/exec/{namespace}/{pod}/{container}", a.serveExec)
	mux.HandleFunc("/exec/{namespace}/{pod}/{uid}/{container}", a.serveExec)
	mux.HandleFunc("/attach/{namespace}/{pod}/{container}", a.serveAttach)
	mux.HandleFunc("/attach/{namespace}/{pod}/{uid}/{container}", a.serveAttach)
	mux.HandleFunc("/portForward/{namespace}/{pod}", a.servePortForward)
	mux.HandleFunc("/portForward/{namespace}/{pod}/{uid}", a.servePortForward)
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", a.serveLogs)

	admin := http.NewServeMux()
	admin.HandleFunc("PUT /testenv/pods/{namespace}/{pod}", a.servePutPod)
	admin.HandleFunc("DELETE /testenv/pods/{namespace}/{pod}", func(w http.ResponseWriter, r *http.Request) {
		found := a.deletePod(r.PathValue("namespace"), r.PathValue("pod"))
		writeJSON(w, map[string]bool{"deleted": found})
	})
	admin.HandleFunc("GET /testenv/processes", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, a.processes())
	})
	mux.Handle("/testenv/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 || r.TLS.PeerCertificates[0].Subject.CommonName != adminCN {
			http.Error(w, "forbidden: /testenv/ is for the "+adminCN+" client certificate", http.StatusForbidden)
			return
		}
		admin.ServeHTTP(w, r)
	}))
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (a *agent) servePutPod(w http.ResponseWriter, r *http.Request) {
	var spec podSpec
	if err := json.NewDecoder(r.Body).Decode(&spec); err != nil {
		http.Error(w, "decoding the pod: "+err.Error(), http.StatusBadRequest)
		return
	}
	spec.Namespace, spec.Name = r.PathValue("namespace"), r.PathValue("pod")
	p, err := a.putPod(spec)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	type started struct {
		Name string `json:"name"`
		PID  int    `json:"pid"`
	}
	out := struct {
		Dir        string    `json:"dir"`
		Containers []started `json:"containers"`
	}{Dir: p.dir}
	for _, cs := range p.spec.Containers {
		out.Containers = append(out.Containers, started{cs.Name, p.containers[cs.Name].cmd.Process.Pid})
	}
	writeJSON(w, out)
}

// streamingRuntime adapts the agent to the streaming packages' Executor, Attacher and PortForwarder.
// Their pod name argument is "namespace/name".
type streamingRuntime struct{ a *agent }

func (s streamingRuntime) ExecInContainer(ctx context.Context, podName, uid, containerName string, cmd []string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	c, err := s.a.lookup(podName, containerName)
	if err != nil {
		return err
	}
	return c.exec(ctx, cmd, in, out, errw, tty, resize)
}

func (s streamingRuntime) AttachContainer(ctx context.Context, podName, uid, containerName string, in io.Reader, out, errw io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	c, err := s.a.lookup(podName, containerName)
	if err != nil {
		return err
	}
	return c.attach(ctx, in, out, errw, tty, resize)
}

// PortForward connects to the port on the loopback interface, where the pod's processes listen.
func (s streamingRuntime) PortForward(ctx context.Context, podName, uid string, port int32, stream io.ReadWriteCloser) error {
	conn, err := net.DialTimeout("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))), 5*time.Second)
	if err != nil {
		return fmt.Errorf("failed to connect to localhost:%d inside pod %s: %v", port, podName, err)
	}
	defer conn.Close()
	go func() {
		io.Copy(conn, stream)
		conn.(*net.TCPConn).CloseWrite()
	}()
	done := make(chan struct{})
	go func() {
		io.Copy(stream, conn)
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
	return nil
}

// knownPod answers 404 for pods the agent does not run, as the kubelet does.
func (a *agent) knownPod(w http.ResponseWriter, r *http.Request) (string, bool) {
	key := podKey(r.PathValue("namespace"), r.PathValue("pod"))
	a.mu.Lock()
	_, ok := a.pods[key]
	a.mu.Unlock()
	if !ok {
		http.Error(w, fmt.Sprintf("pod %q not found", key), http.StatusNotFound)
	}
	return key, ok
}

func (a *agent) serveExec(w http.ResponseWriter, r *http.Request) {
	key, ok := a.knownPod(w, r)
	if !ok {
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w, r = watchConnection(w, r)
	remotecommand.ServeExec(w, r, streamingRuntime{a}, key, r.PathValue("uid"), r.PathValue("container"),
		r.URL.Query()["command"], opts, streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (a *agent) serveAttach(w http.ResponseWriter, r *http.Request) {
	key, ok := a.knownPod(w, r)
	if !ok {
		return
	}
	opts, err := remotecommand.NewOptions(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w, r = watchConnection(w, r)
	remotecommand.ServeAttach(w, r, streamingRuntime{a}, key, r.PathValue("uid"), r.PathValue("container"),
		opts, streamIdleTimeout, streamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

func (a *agent) servePortForward(w http.ResponseWriter, r *http.Request) {
	key, ok := a.knownPod(w, r)
	if !ok {
		return
	}
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w, r = watchConnection(w, r)
	portforward.ServePortForward(w, r, streamingRuntime{a}, key, r.PathValue("uid"), opts,
		streamIdleTimeout, streamCreationTimeout, portforward.SupportedProtocols)
}

// serveLogs serves a container's log with the kubelet's own reader (tailLines, limitBytes,
// sinceSeconds/sinceTime, timestamps, follow, stream).
func (a *agent) serveLogs(w http.ResponseWriter, r *http.Request) {
	key := podKey(r.PathValue("namespace"), r.PathValue("pod"))
	c, err := a.lookup(key, r.PathValue("container"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	q := r.URL.Query()
	if q.Get("previous") == "true" {
		http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", c.spec.Name, key), http.StatusBadRequest)
		return
	}
	opts := &logs.LogOptions{Follow: q.Get("follow") == "true", Timestamp: q.Get("timestamps") == "true"}
	intParam := func(name string) (*int64, bool) {
		s := q.Get(name)
		if s == "" {
			return nil, true
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			http.Error(w, fmt.Sprintf("invalid %s %q", name, s), http.StatusBadRequest)
			return nil, false
		}
		return &n, true
	}
	var ok bool
	if opts.TailLines, ok = intParam("tailLines"); !ok {
		return
	}
	if opts.LimitBytes, ok = intParam("limitBytes"); !ok {
		return
	}
	since, ok := intParam("sinceSeconds")
	if !ok {
		return
	}
	if since != nil {
		opts.Since = time.Now().Add(-time.Duration(*since) * time.Second)
	} else if s := q.Get("sinceTime"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			http.Error(w, fmt.Sprintf("invalid sinceTime %q", s), http.StatusBadRequest)
			return
		}
		opts.Since = t
	}
	fw := &flushWriter{w: w}
	var stdout, stderr io.Writer = fw, fw
	switch q.Get("stream") {
	case "Stdout":
		stderr = io.Discard
	case "Stderr":
		stdout = io.Discard
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	fw.flush()
	logs.ReadLogs(r.Context(), c.logPath, key+"/"+c.spec.Name, opts, containerStates{a: a}, stdout, stderr)
}

// containerStates answers the one CRI call the log reader makes: is the container still running?
// (The embedded interface is nil: no other method is called.)
type containerStates struct {
	internalapi.RuntimeService
	a *agent
}

func (s containerStates) ContainerStatus(_ context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	state := runtimeapi.ContainerState_CONTAINER_EXITED
	if i := bytes.LastIndexByte([]byte(id), '/'); i > 0 {
		if c, err := s.a.lookup(id[:i], id[i+1:]); err == nil && c.running() {
			state = runtimeapi.ContainerState_CONTAINER_RUNNING
		}
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: id, State: state}}, nil
}

type flushWriter struct {
	mu sync.Mutex
	w  http.ResponseWriter
}

func (f *flushWriter) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := f.w.Write(b)
	f.flush()
	return n, err
}

func (f *flushWriter) flush() {
	if fl, ok := f.w.(http.Flusher); ok {
		fl.Flush()
	}
}

// watchConnection gives the request a context that ends when the client's connection does. After an
// upgrade, net/http keeps the request's context alive until the handler returns, so an exec whose
// client went away would otherwise run on; the kubelet's runtimes kill it, and so does the agent.
func watchConnection(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	ctx, cancel := context.WithCancel(r.Context())
	return &hijackWatcher{ResponseWriter: w, cancel: cancel}, r.WithContext(ctx)
}

type hijackWatcher struct {
	http.ResponseWriter
	cancel context.CancelFunc
}

func (h *hijackWatcher) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	// Bytes the server already read past the request belong to the upgraded protocol.
	buffered, _ := rw.Reader.Peek(rw.Reader.Buffered())
	wc := &watchedConn{Conn: conn, cancel: h.cancel, pending: bytes.Clone(buffered)}
	return wc, bufio.NewReadWriter(bufio.NewReader(wc), bufio.NewWriter(wc)), nil
}

func (h *hijackWatcher) Flush() { http.NewResponseController(h.ResponseWriter).Flush() }

type watchedConn struct {
	net.Conn
	cancel  context.CancelFunc
	mu      sync.Mutex
	pending []byte
}

func (c *watchedConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	if len(c.pending) > 0 {
		n := copy(b, c.pending)
		c.pending = c.pending[n:]
		c.mu.Unlock()
		return n, nil
	}
	c.mu.Unlock()
	n, err := c.Conn.Read(b)
	if err != nil {
		c.cancel()
	}
	return n, err
}

func (c *watchedConn) Close() error {
	c.cancel()
	return c.Conn.Close()
}
