//go:build pprof

// Profiling build (issue 8): `go build -tags pprof ./cmd/unionhall` adds
// Go's profiler on a separate loopback address named by
// UNIONHALL_PPROF_ADDR (e.g. 127.0.0.1:6060), for measuring the server
// under load (docs/performance.md). Ordinary builds do not contain it: the
// profiler shows the heap, which holds personal data in flight, so it is
// never part of what an operator runs.
package main

import (
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
)

func init() {
	addr := os.Getenv("UNIONHALL_PPROF_ADDR")
	if addr == "" {
		return
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("UNIONHALL_PPROF_ADDR=%q: want a loopback address such as 127.0.0.1:6060", addr)
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}
