package main

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestHTTPServerTimeouts: the server bounds slow headers, slow bodies, slow readers,
// idle connections and header size; and the running bot closes a connection that
// sends half a request and stalls (a slowloris) once ReadHeaderTimeout passes, while
// still answering others.
func TestHTTPServerTimeouts(t *testing.T) {
	srv := newHTTPServer(http.NewServeMux())
	if srv.ReadHeaderTimeout <= 0 || srv.ReadHeaderTimeout > 10*time.Second || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 ||
		srv.IdleTimeout <= 0 || srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Fatalf("server limits: header %v read %v write %v idle %v max header %d", srv.ReadHeaderTimeout, srv.ReadTimeout,
			srv.WriteTimeout, srv.IdleTimeout, srv.MaxHeaderBytes)
	}

	dir := t.TempDir()
	t.Chdir(dir)
	m, _, errb := testMain(map[string]string{"FEEDBACKBOT_DATA": dir})
	addr, cancel, done := startServe(t, m, "")
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, errb)
		}
	}()
	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	if _, err := io.WriteString(slow, "POST /slack/events HTTP/1.1\r\nHost: x\r\nX-Slack-"); err != nil {
		t.Fatal(err)
	}
	// Others are served meanwhile.
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz while a slow client waits: %v", err)
	}
	resp.Body.Close()
	slow.SetReadDeadline(time.Now().Add(srv.ReadHeaderTimeout + 5*time.Second))
	line, err := bufio.NewReader(slow).ReadString('\n')
	waited := time.Since(start)
	if err == nil && !strings.Contains(line, "408") && !strings.Contains(line, "400") {
		t.Fatalf("the stalled request was answered: %q", line)
	}
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept a stalled connection open for %v", waited)
	}
	if waited < srv.ReadHeaderTimeout-time.Second {
		t.Fatalf("closed after %v, before ReadHeaderTimeout", waited)
	}
}
