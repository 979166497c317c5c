// Command bench is the side-by-side comparison of the portal with
// PostGraphile v5 on one PostgreSQL database (issue 9). compare.sh drives
// it; each subcommand does one step:
//
//	bench data   -url URL              build (once, into bench-data/) and copy the 100,000-project ledger into an empty database
//	bench load   -url URL -body FILE   send one request body over N keep-alive connections for a while; print latencies and CPU
//	bench check  -portal URL -pgl URL  ask both servers Q1–Q3 and compare the answers
//	bench report FILE…                 the Markdown table of the load results
//
// It talks to loopback addresses only.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "data":
		err = dataCmd(os.Args[2:])
	case "load":
		err = loadCmd(os.Args[2:])
	case "check":
		err = checkCmd(os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench "+os.Args[1]+":", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: bench data|load|check|report [flags]  (see bench/README.md)")
	os.Exit(2)
}
