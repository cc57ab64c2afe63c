//go:build pprof

// Profiling build (issue 8): `go build -tags pprof ./cmd/unionhall` adds
// Go's profiler on a separate loopback address named by
// UNIONHALL_PPROF_ADDR (e.g. 127.0.0.1:6060), for measuring the server
// under load (docs/performance.md). Ordinary builds do not contain it: the
// profiler shows the heap, which holds personal data in flight, so it is
// never part of what an operator runs.
//
// UNIONHALL_PPROF_STARTUP=FILE writes a CPU profile of the process's first
// UNIONHALL_PPROF_SECONDS (default 5) to FILE: start-up, site loading
// included (go tool pprof FILE).
package main

import (
	"log"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime/pprof"
	"strconv"
	"time"
)

func init() {
	if file := os.Getenv("UNIONHALL_PPROF_STARTUP"); file != "" {
		profileStartup(file)
	}
	addr := os.Getenv("UNIONHALL_PPROF_ADDR")
	if addr == "" {
		return
	}
	if host, _, err := net.SplitHostPort(addr); err != nil || !net.ParseIP(host).IsLoopback() {
		log.Fatalf("UNIONHALL_PPROF_ADDR=%q: want a loopback address such as 127.0.0.1:6060", addr)
	}
	go func() { log.Println(http.ListenAndServe(addr, nil)) }()
}

func profileStartup(file string) {
	f, err := os.Create(file)
	if err != nil {
		log.Fatalf("UNIONHALL_PPROF_STARTUP: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		log.Fatalf("UNIONHALL_PPROF_STARTUP: %v", err)
	}
	secs, err := strconv.Atoi(os.Getenv("UNIONHALL_PPROF_SECONDS"))
	if err != nil || secs <= 0 {
		secs = 5
	}
	time.AfterFunc(time.Duration(secs)*time.Second, func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Printf("UNIONHALL_PPROF_STARTUP: %v", err)
		}
	})
}
