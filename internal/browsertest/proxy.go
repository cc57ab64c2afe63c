package browsertest

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"time"
)

// blackhole is an HTTP proxy that refuses every request and remembers what
// was asked. Each tab's browser context uses one, so a page's attempt to
// reach another host is recorded and fails at once, without a packet leaving
// the machine or a test waiting on a network timeout.
type blackhole struct {
	ln   net.Listener
	wg   sync.WaitGroup
	mu   sync.Mutex
	urls []string
}

// maxRecorded bounds memory if a page loops on foreign requests.
const maxRecorded = 1000

func startBlackhole() (*blackhole, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	bh := &blackhole{ln: ln}
	bh.wg.Go(bh.serve)
	return bh, nil
}

func (bh *blackhole) addr() string { return bh.ln.Addr().String() }

func (bh *blackhole) serve() {
	for {
		c, err := bh.ln.Accept()
		if err != nil {
			return // closed
		}
		bh.wg.Go(func() { bh.refuse(c) })
	}
}

// refuse reads the request line, records its target and answers 403.
// A proxy sees "CONNECT host:port HTTP/1.1" for https and
// "GET http://host/path HTTP/1.1" for plain http.
func (bh *blackhole) refuse(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReaderSize(c, 8192).ReadString('\n')
	if err != nil && line == "" {
		return
	}
	if f := strings.Fields(line); len(f) >= 2 {
		u := f[1]
		if f[0] == "CONNECT" {
			u = "https://" + u + "/"
		}
		bh.mu.Lock()
		if len(bh.urls) < maxRecorded {
			bh.urls = append(bh.urls, u)
		}
		bh.mu.Unlock()
	}
	_, _ = c.Write([]byte("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
}

func (bh *blackhole) seen() []string {
	bh.mu.Lock()
	defer bh.mu.Unlock()
	return append([]string(nil), bh.urls...)
}

func (bh *blackhole) close() {
	_ = bh.ln.Close()
	bh.wg.Wait()
}
