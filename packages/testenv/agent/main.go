// Command node-agent is @org/testenv's stand-in for a kubelet: it serves the kubelet's streaming API
// (/exec, /attach, /portForward, /containerLogs) for the pods testenv binds to its nodes, with the
// kubelet's own streaming packages (k8s.io/cri-streaming) and log reader (k8s.io/cri-client), and
// runs each pod's containers as local processes in a directory per pod.
//
// The API server reaches it over mutual TLS (its --kubelet-client-certificate and
// --kubelet-certificate-authority). testenv itself tells it about pods through /testenv/..., which
// only the client certificate named by --admin-cn may call.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "pause" {
		pause()
		return
	}
	listen := flag.String("listen", "127.0.0.1:0", "address to serve on")
	certFile := flag.String("tls-cert-file", "", "serving certificate (PEM)")
	keyFile := flag.String("tls-private-key-file", "", "serving key (PEM)")
	caFile := flag.String("client-ca-file", "", "CA that signs the client certificates it accepts (PEM)")
	rootDir := flag.String("root-dir", "", "directory for pod directories and container logs")
	portFile := flag.String("port-file", "", "file to write the port it listens on to, once it serves")
	adminCN := flag.String("admin-cn", "admin", "client certificate CN allowed to call /testenv/")
	flag.Parse()
	if *certFile == "" || *keyFile == "" || *caFile == "" || *rootDir == "" {
		log.Fatal("node-agent: --tls-cert-file, --tls-private-key-file, --client-ca-file and --root-dir are required")
	}

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("node-agent: loading the serving certificate: %v", err)
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		log.Fatalf("node-agent: reading the client CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		log.Fatalf("node-agent: no certificate in %s", *caFile)
	}

	a := newAgent(*rootDir)
	srv := &http.Server{
		Handler: a.routes(*adminCN),
		TLSConfig: &tls.Config{
			Certificates: []tls.Certificate{cert},
			ClientCAs:    pool,
			ClientAuth:   tls.RequireAndVerifyClientCert,
			MinVersion:   tls.VersionTLS12,
			// Upgrades (SPDY, WebSocket) need HTTP/1.1.
			NextProtos: []string{"http/1.1"},
		},
		ReadHeaderTimeout: 30 * time.Second,
		ErrorLog:          log.New(os.Stderr, "node-agent http: ", log.LstdFlags),
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("node-agent: %v", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	if *portFile != "" {
		tmp := *portFile + ".tmp"
		if err := os.WriteFile(tmp, []byte(strconv.Itoa(port)+"\n"), 0o644); err != nil {
			log.Fatalf("node-agent: %v", err)
		}
		if err := os.Rename(tmp, *portFile); err != nil {
			log.Fatalf("node-agent: %v", err)
		}
	}
	log.Printf("node-agent: serving the kubelet API on https://%s, pods in %s", ln.Addr(), filepath.Clean(*rootDir))

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	go func() {
		s := <-sigs
		log.Printf("node-agent: %v: stopping every pod", s)
		a.stopAll()
		os.Exit(0)
	}()
	err = srv.ServeTLS(ln, "", "")
	a.stopAll()
	log.Fatalf("node-agent: %v", err)
}

// pause is the main process of a container that has no command: it waits for a signal.
func pause() {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	<-sigs
	fmt.Fprintln(os.Stderr, "pause: stopped")
}
