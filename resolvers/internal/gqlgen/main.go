// Command gqlgen runs gqlgen (go generate ./... calls it) with two settings
// of the lean request path that gqlgen.yml cannot express (issue 9):
//
//   - Inline fields. gqlgen runs every resolver field in a goroutine of its
//     own. The fields listed in pure and prefetched below wait on nothing:
//     they compute from the object (labels, IDs, an outcome) or read what
//     portal.Prefetch has already put in the request's loaders (a page's
//     undertakers and figures). They run on the goroutine of their object.
//   - Inline lists. gqlgen marshals every element of a list of objects in a
//     goroutine of its own. A list of objects none of whose fields can wait
//     (no resolver field, or only pure ones, and the same for the objects
//     below them) is marshalled in order on one goroutine
//     (scalars.MarshalSliceInline).
//
// A field that may wait on a loader nobody prefetched must stay off these
// lists: run inline, its waits would add up one after another instead of
// joining one batch.
package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
)

// pure fields compute their answer from the object alone.
var pure = set(
	"Project.id", "Project.serviceAreaLabel", "Project.stageLabel", "Project.outcome", "Project.outcomeLabel",
	"StageEvent.stageLabel", "StageEvent.outcome", "StageEvent.outcomeLabel",
	"Tranche.kindLabel",
	"Metric.kindLabel", "Metric.amount", "Metric.provenanceLabel",
	"IndicatorSet.id", "IndicatorSet.kindLabel",
	"Scorecard.kindLabel",
	"Organization.id", "Organization.kindLabel",
	"Round.id",
	"Announcement.id", "Announcement.kindLabel", "Announcement.noticeOpen",
	"Report.id", "Report.kindLabel",
	"CaseCollection.id",
	"Dataset.currency", "Dataset.loadedAt",
	"StatsRow.leverageRatio", "StatsRow.satisfaction", "StatsRow.key", "Stats.groupCount",
	"SearchHit.kindLabel", "SearchHit.projectCode",
)

// prefetched fields read loaders that every resolver returning a Project
// fills first (portal.Prefetch, with the fields the query selects), so
// their Load finds the answer cached.
var prefetched = set(
	"Project.undertaker", "Project.evaluator", "Project.auditor", "Project.round",
	"Project.figures", "Project.satisfaction",
	"ProjectFigures.leverageRatio", // the Project loader, primed by Prefetch
	// The long texts: a page reads them when its query selects them (an
	// abridged record, read again, can only come from another root field).
	"Project.summary", "Project.targetGroup", "Organization.description", "Organization.foundedOn",
)

func set(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}

type lean struct {
	inlineLists map[string]bool
	writer      leanGen
	writerSrc   []byte
}

func (lean) Name() string { return "lean" }

// GenerateCode runs before gqlgen writes the executor: it gives each inline
// field a copy of its object that has concurrency switched off (gqlgen
// decides per field from field.Object.DisableConcurrency), and notes the
// object types whose lists may be marshalled inline.
func (l *lean) GenerateCode(data *codegen.Data) error {
	objects := map[string]*codegen.Object{}
	for _, o := range data.Objects {
		objects[o.Name] = o
	}
	used := map[string]bool{}
	for _, o := range data.Objects {
		for _, f := range o.Fields {
			name := o.Name + "." + f.Name
			if pure[name] || prefetched[name] {
				used[name] = true
				if !f.IsResolver && !f.MethodHasContext {
					return fmt.Errorf("%s is listed as inline but runs inline already", name)
				}
				copied := *o
				copied.DisableConcurrency = true
				f.Object = &copied
			}
		}
	}
	for n := range pure {
		if !used[n] {
			return fmt.Errorf("inline field %s is not in the schema", n)
		}
	}
	for n := range prefetched {
		if !used[n] {
			return fmt.Errorf("inline field %s is not in the schema", n)
		}
	}
	// An object can be marshalled in order when none of its fields can
	// wait, nor any field of the objects below it.
	state := map[string]int{} // 1 visiting, 2 yes, 3 no
	var calm func(name string) bool
	calm = func(name string) bool {
		o := objects[name]
		if o == nil { // a scalar or enum
			return true
		}
		if o.Root || o.Kind != "OBJECT" {
			return false
		}
		switch state[name] {
		case 1:
			return true // a cycle: decided by its other fields
		case 2:
			return true
		case 3:
			return false
		}
		state[name] = 1
		ok := true
		for _, f := range o.Fields {
			if (f.IsResolver || f.MethodHasContext) && !pure[o.Name+"."+f.Name] {
				ok = false
				break
			}
			if t := f.Type.Name(); objects[t] != nil && !calm(t) {
				ok = false
				break
			}
		}
		state[name] = 3
		if ok {
			state[name] = 2
		}
		return ok
	}
	for _, o := range data.Objects {
		if calm(o.Name) {
			l.inlineLists[o.Name] = true
		}
	}
	l.writer.calm = func(object, field string) bool {
		return pure[object+"."+field] || prefetched[object+"."+field]
	}
	src, err := l.writer.generate(data)
	if err != nil {
		return err
	}
	l.writerSrc = src
	return nil
}

var listMarshaler = regexp.MustCompile(`(?m)^func \(ec \*executionContext\) marshal[NO]([A-Za-z0-9_]+?)2ᚕ`)

// inlineLists rewrites the list marshalers of the types named to marshal
// their elements in order.
func inlineLists(src []byte, types map[string]bool) ([]byte, []string) {
	var done []string
	locs := listMarshaler.FindAllSubmatchIndex(src, -1)
	var out bytes.Buffer
	last := 0
	for i, loc := range locs {
		name := string(src[loc[2]:loc[3]])
		if !types[name] {
			continue
		}
		end := len(src)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		body := src[loc[0]:end]
		changed := bytes.Replace(body, []byte("graphql.MarshalSliceConcurrently("), []byte("scalars.MarshalSliceInline("), 1)
		if bytes.Equal(changed, body) {
			continue
		}
		out.Write(src[last:loc[0]])
		out.Write(changed)
		last = end
		done = append(done, name)
	}
	out.Write(src[last:])
	return out.Bytes(), done
}

func main() {
	cfg, err := config.LoadConfig("gqlgen.yml")
	if err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(2)
	}
	l := &lean{inlineLists: map[string]bool{}}
	if err := api.Generate(cfg, api.AddPlugin(l)); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(3)
	}
	src, err := os.ReadFile(cfg.Exec.Filename)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(3)
	}
	src, _ = inlineLists(src, l.inlineLists)
	// A query's data go into a buffer sized from its lean subtrees.
	dataBuf := []byte("\t\t\tvar buf bytes.Buffer\n\t\t\tdata.MarshalGQL(&buf)\n\t\t\tresponse.Data = buf.Bytes()\n")
	if bytes.Count(src, dataBuf) != 1 {
		fmt.Fprintln(os.Stderr, "gqlgen: the query's data buffer is not where the lean writer expects it")
		os.Exit(3)
	}
	src = bytes.Replace(src, dataBuf, []byte("\t\t\tresponse.Data = leanMarshalData(data)\n"), 1)
	if src, err = l.writer.hookInto(src); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(3)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(cfg.Exec.Filename), "lean_gen.go"), l.writerSrc, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(3)
	}
	if err := os.WriteFile(cfg.Exec.Filename, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(3)
	}
}
