package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
)

var questionNames = map[string]string{
	"Q1": "Q1 page of 50 projects of one area by award, undertaker, figures",
	"Q2": "Q2 one project by code with satisfaction summary",
	"Q3": "Q3 totals by year × service area",
	"S":  "S search, two common words (68,101 hits at 100,000 projects), highlights, facets (portal only)",
	"S2": "S2 search, phrase, exclusion, two years, highlights, facets (portal only)",
}

// reportCmd reads results files (loadResult lines) and prints the Markdown
// table: per question and concurrency, the medians over the rounds of each
// server's req/s, p50, p99 and CPU per request, and portal ÷ PostGraphile.
func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	fs.Parse(args)
	type key struct {
		query, server string
		conns         int
	}
	runs := map[key][]loadResult{}
	var queries []string
	var conns []int
	var loads []float64
	for _, path := range fs.Args() {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var r loadResult
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				f.Close()
				return fmt.Errorf("%s: %w", path, err)
			}
			k := key{r.Query, r.Server, r.Conns}
			runs[k] = append(runs[k], r)
			loads = append(loads, r.Load1)
			if !contains(queries, r.Query) {
				queries = append(queries, r.Query)
			}
			if !contains(conns, r.Conns) {
				conns = append(conns, r.Conns)
			}
		}
		f.Close()
	}
	sort.Strings(queries)
	sort.Ints(conns)

	type summary struct {
		rps, p50, p99, srv, pg, lo, hi float64
		n, errs, reqs                  int
		load                           float64
	}
	sum := func(rs []loadResult) (s summary, ok bool) {
		if len(rs) == 0 {
			return s, false
		}
		get := func(f func(loadResult) float64) float64 {
			v := make([]float64, len(rs))
			for i, r := range rs {
				v[i] = f(r)
			}
			return median(v)
		}
		s.rps = get(func(r loadResult) float64 { return r.RPS })
		s.p50 = get(func(r loadResult) float64 { return r.P50ms })
		s.p99 = get(func(r loadResult) float64 { return r.P99ms })
		s.srv = get(func(r loadResult) float64 { return r.ServerCPUms })
		s.pg = get(func(r loadResult) float64 { return r.PGCPUms })
		s.load = get(func(r loadResult) float64 { return r.Load1 })
		s.lo, s.hi = rs[0].RPS, rs[0].RPS
		for _, r := range rs {
			s.lo, s.hi = min(s.lo, r.RPS), max(s.hi, r.RPS)
			s.errs += r.Errors
			s.reqs += r.Requests
		}
		s.n = len(rs)
		return s, true
	}

	var b strings.Builder
	b.WriteString("| question | conns | portal req/s (rounds' range) | PostGraphile req/s | **portal ÷ PostGraphile** req/s | portal p50 / p99 ms | PostGraphile p50 / p99 ms | portal CPU ms/req server + PostgreSQL | PostGraphile CPU ms/req server + PostgreSQL | CPU/req portal ÷ PostGraphile |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	var notes []string
	for _, q := range queries {
		for _, c := range conns {
			p, pok := sum(runs[key{q, "portal", c}])
			g, gok := sum(runs[key{q, "postgraphile", c}])
			if !pok && !gok {
				continue
			}
			cell := func(s summary, ok bool, f func(summary) string) string {
				if !ok {
					return "—"
				}
				return f(s)
			}
			rps := func(s summary) string { return fmt.Sprintf("%s (%s–%s)", num0(s.rps), num0(s.lo), num0(s.hi)) }
			lat := func(s summary) string { return fmt.Sprintf("%s / %s", num2(s.p50), num2(s.p99)) }
			cpu := func(s summary) string { return fmt.Sprintf("%s + %s", num2(s.srv), num2(s.pg)) }
			ratio, cpuRatio := "—", "—"
			if pok && gok && g.rps > 0 {
				ratio = fmt.Sprintf("**%.2f×**", p.rps/g.rps)
				if p.srv+p.pg > 0 {
					cpuRatio = fmt.Sprintf("%.2f×", (p.srv+p.pg)/(g.srv+g.pg))
				}
			}
			name := questionNames[q]
			if name == "" {
				name = q
			}
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, c,
				cell(p, pok, rps), cell(g, gok, rps), ratio, cell(p, pok, lat), cell(g, gok, lat),
				cell(p, pok, cpu), cell(g, gok, cpu), cpuRatio)
			for _, s := range []struct {
				name string
				s    summary
				ok   bool
			}{{"portal", p, pok}, {"PostGraphile", g, gok}} {
				if s.ok && s.s.errs > 0 {
					notes = append(notes, fmt.Sprintf("%s %s at %d connections: %d of %d requests failed", s.name, q, c, s.s.errs, s.s.reqs))
				}
			}
		}
	}
	fmt.Print(b.String())
	if len(loads) > 0 {
		lo, hi := loads[0], loads[0]
		for _, l := range loads {
			lo, hi = min(lo, l), max(hi, l)
		}
		fmt.Printf("\nLoad average (1 min) at the start of the runs: median %.1f, %.1f–%.1f.\n", median(loads), lo, hi)
	}
	if len(notes) > 0 {
		fmt.Println()
		for _, n := range notes {
			fmt.Println("- **errors:** " + n)
		}
	}
	return nil
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func median(v []float64) float64 {
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// num0 prints a count with thousands separators.
func num0(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	if v < 10 {
		s = fmt.Sprintf("%.1f", v)
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	for i := len(whole) - 3; i > 0; i -= 3 {
		whole = whole[:i] + "," + whole[i:]
	}
	if hasFrac {
		whole += "." + frac
	}
	if neg {
		whole = "-" + whole
	}
	return whole
}

// num2 prints milliseconds with two decimals below 10, one below 100, none above.
func num2(v float64) string {
	switch {
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 100:
		return fmt.Sprintf("%.1f", v)
	}
	return num0(v)
}
