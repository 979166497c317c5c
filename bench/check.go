package main

import (
	"civicledger/ledger"

	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The questions, as each server is asked them. Both answer the same data:
// the portal in its own shape (money in yuan, derived ratio and average),
// PostGraphile in the tables' shape (fen, project_figures' sums); normalize
// brings both to one shape. PostGraphile orders ties by code as the portal
// does (store/read.go breaks ties by code in the order's direction).
const (
	portalQ1 = `{ projects(first: 50, filter: {serviceAreas: [ELDERLY_SUPPORT], scope: APPLICATIONS}, orderBy: {field: AWARDED, direction: DESC}) {
	totalCount nodes { code title awarded stage outcome undertaker { name creditCode }
	figures { beneficiaries volunteers experts leveraged leverageRatio } satisfaction { responses average } } } }`
	pglQ1 = `{ allProjects(first: 50, condition: {serviceArea: "ELDERLY_SUPPORT"}, orderBy: [AWARDED_FEN_DESC, CODE_DESC]) {
	totalCount nodes { code title awardedFen stage outcome organizationByUndertakerId { name creditCode }
	projectFigureByProjectId { beneficiaryVisits volunteerVisits expertVisits leveragedFen feedbackCount feedbackSum } } } }`

	portalQ2 = `query($code: String!) { project(code: $code) { code title summary awarded coFunding stage outcome
	round { year } undertaker { name creditCode } satisfaction { responses average } } }`
	pglQ2 = `query($code: String!) { projectByCode(code: $code) { code title summary awardedFen cofundingFen stage outcome
	roundByRoundId { year } organizationByUndertakerId { name creditCode } projectFigureByProjectId { feedbackCount feedbackSum } } }`

	portalQ3 = `{ stats(groupBy: [YEAR, SERVICE_AREA]) { total { projects awarded leveraged beneficiaries volunteers experts satisfaction }
	groups { key { year serviceArea } projects awarded leveraged beneficiaries volunteers experts satisfaction } } }`
	pglQ3 = `{ statsByYearArea { nodes { year serviceArea projects awardedFen leveragedFen beneficiaries volunteers experts feedbackCount feedbackSum } } }`

	// portalSearch is the search question (the portal only: PostGraphile
	// has no full-text search over this schema).
	portalSearch = `{ search(query: "长者 助餐", first: 10) { totalCount indexing nodes { kind code title fragments projectCode }
	facets { serviceArea { label count } year { value count } } } }`

	// portalSearch2 is a narrow search: a phrase, an excluded word, two
	// years (README's example).
	portalSearch2 = `{ search(query: "适老化 \"长者食堂\" -助餐", filter: {years: [2015, 2016]}, first: 10) { totalCount indexing
	nodes { kind code title fragments projectCode } facets { serviceArea { label count } year { value count } } } }`

	codesQuery = `{ projects(first: 50, orderBy: {field: BENEFICIARIES, direction: DESC}) { nodes { code } } }`
)

// checkCmd writes the request bodies of every question for both servers
// into -out, then asks both servers each question (Q2 for each of its 50
// codes) and compares the normalized answers; it fails on any difference.
func checkCmd(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	portal := fs.String("portal", "", "the portal's GraphQL endpoint")
	pgl := fs.String("postgraphile", "", "PostGraphile's GraphQL endpoint")
	out := fs.String("out", "", "directory for the request bodies (SERVER-QUERY.jsonl)")
	fs.Parse(args)
	for _, u := range []string{*portal, *pgl} {
		if err := loopbackOnly(u); err != nil {
			return err
		}
	}
	var codes struct {
		Projects struct{ Nodes []struct{ Code string } }
	}
	if err := ask(*portal, body(codesQuery, nil), &codes); err != nil {
		return fmt.Errorf("portal: project codes: %w", err)
	}
	if len(codes.Projects.Nodes) == 0 {
		return fmt.Errorf("the portal holds no projects")
	}
	bodies := map[string][][]byte{
		"portal-Q1": {body(portalQ1, nil)}, "postgraphile-Q1": {body(pglQ1, nil)},
		"portal-Q3": {body(portalQ3, nil)}, "postgraphile-Q3": {body(pglQ3, nil)},
		"portal-S": {body(portalSearch, nil)}, "portal-S2": {body(portalSearch2, nil)},
	}
	for _, n := range codes.Projects.Nodes {
		v := map[string]any{"code": n.Code}
		bodies["portal-Q2"] = append(bodies["portal-Q2"], body(portalQ2, v))
		bodies["postgraphile-Q2"] = append(bodies["postgraphile-Q2"], body(pglQ2, v))
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return err
		}
		for name, bs := range bodies {
			if err := os.WriteFile(filepath.Join(*out, name+".jsonl"), append(bytes.Join(bs, []byte("\n")), '\n'), 0o644); err != nil {
				return err
			}
		}
	}

	compare := func(q string, i int, pb, gb []byte, np func([]byte) (any, error), ng func([]byte) (any, error)) error {
		var pr, gr json.RawMessage
		if err := ask(*portal, pb, &pr); err != nil {
			return fmt.Errorf("%s: portal: %w", q, err)
		}
		if err := ask(*pgl, gb, &gr); err != nil {
			return fmt.Errorf("%s: postgraphile: %w", q, err)
		}
		a, err := np(pr)
		if err != nil {
			return fmt.Errorf("%s: portal answer: %w", q, err)
		}
		b, err := ng(gr)
		if err != nil {
			return fmt.Errorf("%s: postgraphile answer: %w", q, err)
		}
		if d := cmp.Diff(a, b); d != "" {
			return fmt.Errorf("%s (body %d): the answers differ (-portal +postgraphile):\n%s", q, i, d)
		}
		return nil
	}
	for _, q := range []struct {
		name   string
		np, ng func([]byte) (any, error)
	}{
		{"Q1", normPortalQ1, normPGLQ1}, {"Q2", normPortalQ2, normPGLQ2}, {"Q3", normPortalQ3, normPGLQ3},
	} {
		pbs, gbs := bodies["portal-"+q.name], bodies["postgraphile-"+q.name]
		for i := range pbs {
			if err := compare(q.name, i, pbs[i], gbs[i], q.np, q.ng); err != nil {
				return err
			}
		}
		log.Printf("%s: the portal and PostGraphile answer the same data (%d request bodies)", q.name, len(pbs))
	}
	for _, q := range []string{"S", "S2"} {
		var s struct {
			Search struct {
				TotalCount int
				Indexing   bool
			}
		}
		if err := ask(*portal, bodies["portal-"+q][0], &s); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
		if s.Search.Indexing || s.Search.TotalCount == 0 {
			return fmt.Errorf("%s: %d hits, indexing %v: the index is not ready", q, s.Search.TotalCount, s.Search.Indexing)
		}
		log.Printf("%s: the portal's search finds %d hits", q, s.Search.TotalCount)
	}
	return nil
}

func body(query string, vars map[string]any) []byte {
	m := map[string]any{"query": query}
	if vars != nil {
		m["variables"] = vars
	}
	b, _ := json.Marshal(m)
	return b
}

var httpClient = &http.Client{Timeout: 2 * time.Minute}

// ask posts a request body and decodes the answer's data into out; an
// answer with errors is an error.
func ask(url string, b []byte, out any) error {
	resp, err := httpClient.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var r struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.Unmarshal(raw, &r); err != nil || resp.StatusCode != 200 || len(r.Errors) > 0 {
		return fmt.Errorf("status %d: %.500s", resp.StatusCode, raw)
	}
	return json.Unmarshal(r.Data, out)
}

// The common shape of the answers.
type (
	pageNorm struct {
		TotalCount int64
		Nodes      []projectNorm
	}
	projectNorm struct {
		Code, Title, Summary, Stage, Outcome string
		Year                                 int64
		AwardedFen, CoFundingFen             int64
		UndertakerName, UndertakerCredit     string
		Beneficiaries, Volunteers, Experts   int64
		LeveragedFen                         int64
		LeverageRatio                        string
		Responses                            int64
		Average                              *float64
	}
	statsNorm struct {
		Year                               int64
		Area                               string
		Projects, AwardedFen, LeveragedFen int64
		Beneficiaries, Volunteers, Experts int64
		Satisfaction                       *float64
	}
)

// num is a JSON number or a string holding one (PostGraphile's BigInt, the
// portal's Int64 and Money).
type num string

func (n *num) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" {
		s = ""
	}
	*n = num(s)
	return nil
}

func (n num) int() int64 {
	v, _ := strconv.ParseInt(string(n), 10, 64)
	return v
}

// fen reads a Money decimal string of yuan ("1234.5", "1234.56") as fen.
func (n num) fen() int64 {
	s := string(n)
	whole, frac, _ := strings.Cut(s, ".")
	frac = (frac + "00")[:2]
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	return w*100 + f
}

// average and ratio compute from PostGraphile's raw figures what the portal
// derives (ledger.Figures.Satisfaction, ledger.Ratio).
// average is the portal's published satisfaction from PostGraphile's raw
// count and sum: the ledger's own rule (nil below the minimum number of
// responses, so that no single rating can be read off).
func average(count, sum int64) *float64 {
	f := ledger.Figures{FeedbackCount: count, FeedbackSum: sum}
	return f.Satisfaction()
}

func ratio(leveraged, awarded int64) string {
	if awarded == 0 {
		return ""
	}
	return strconv.FormatFloat(float64(leveraged)/float64(awarded), 'f', 4, 64)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func normPortalQ1(raw []byte) (any, error) {
	var d struct {
		Projects struct {
			TotalCount num
			Nodes      []struct {
				Code, Title, Awarded num
				Stage                string
				Outcome              *string
				Undertaker           struct{ Name, CreditCode string }
				Figures              struct {
					Beneficiaries, Volunteers, Experts, Leveraged num
					LeverageRatio                                 *string
				}
				Satisfaction struct {
					Responses num
					Average   *float64
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	p := pageNorm{TotalCount: d.Projects.TotalCount.int()}
	for _, n := range d.Projects.Nodes {
		p.Nodes = append(p.Nodes, projectNorm{Code: string(n.Code), Title: string(n.Title), Stage: n.Stage, Outcome: str(n.Outcome),
			AwardedFen: n.Awarded.fen(), UndertakerName: n.Undertaker.Name, UndertakerCredit: n.Undertaker.CreditCode,
			Beneficiaries: n.Figures.Beneficiaries.int(), Volunteers: n.Figures.Volunteers.int(), Experts: n.Figures.Experts.int(),
			LeveragedFen: n.Figures.Leveraged.fen(), LeverageRatio: str(n.Figures.LeverageRatio),
			Responses: n.Satisfaction.Responses.int(), Average: n.Satisfaction.Average})
	}
	return p, nil
}

func normPGLQ1(raw []byte) (any, error) {
	var d struct {
		AllProjects struct {
			TotalCount num
			Nodes      []struct {
				Code, Title, AwardedFen, Stage, Outcome string
				OrganizationByUndertakerId              struct{ Name, CreditCode string }
				ProjectFigureByProjectId                struct {
					BeneficiaryVisits, VolunteerVisits, ExpertVisits, LeveragedFen, FeedbackCount, FeedbackSum num
				}
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	p := pageNorm{TotalCount: d.AllProjects.TotalCount.int()}
	for _, n := range d.AllProjects.Nodes {
		f := n.ProjectFigureByProjectId
		awarded, _ := strconv.ParseInt(n.AwardedFen, 10, 64)
		p.Nodes = append(p.Nodes, projectNorm{Code: n.Code, Title: n.Title, Stage: n.Stage, Outcome: n.Outcome,
			AwardedFen: awarded, UndertakerName: n.OrganizationByUndertakerId.Name, UndertakerCredit: n.OrganizationByUndertakerId.CreditCode,
			Beneficiaries: f.BeneficiaryVisits.int(), Volunteers: f.VolunteerVisits.int(), Experts: f.ExpertVisits.int(),
			LeveragedFen: f.LeveragedFen.int(), LeverageRatio: ratio(f.LeveragedFen.int(), awarded),
			Responses: f.FeedbackCount.int(), Average: average(f.FeedbackCount.int(), f.FeedbackSum.int())})
	}
	return p, nil
}

func normPortalQ2(raw []byte) (any, error) {
	var d struct {
		Project struct {
			Code, Title, Summary, Awarded, CoFunding num
			Stage                                    string
			Outcome                                  *string
			Round                                    struct{ Year num }
			Undertaker                               struct{ Name, CreditCode string }
			Satisfaction                             struct {
				Responses num
				Average   *float64
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	n := d.Project
	return projectNorm{Code: string(n.Code), Title: string(n.Title), Summary: string(n.Summary), Stage: n.Stage, Outcome: str(n.Outcome),
		Year: n.Round.Year.int(), AwardedFen: n.Awarded.fen(), CoFundingFen: n.CoFunding.fen(),
		UndertakerName: n.Undertaker.Name, UndertakerCredit: n.Undertaker.CreditCode,
		Responses: n.Satisfaction.Responses.int(), Average: n.Satisfaction.Average}, nil
}

func normPGLQ2(raw []byte) (any, error) {
	var d struct {
		ProjectByCode struct {
			Code, Title, Summary, Stage, Outcome string
			AwardedFen, CofundingFen             num
			RoundByRoundId                       struct{ Year num }
			OrganizationByUndertakerId           struct{ Name, CreditCode string }
			ProjectFigureByProjectId             struct{ FeedbackCount, FeedbackSum num }
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	n := d.ProjectByCode
	f := n.ProjectFigureByProjectId
	return projectNorm{Code: n.Code, Title: n.Title, Summary: n.Summary, Stage: n.Stage, Outcome: n.Outcome,
		Year: n.RoundByRoundId.Year.int(), AwardedFen: n.AwardedFen.int(), CoFundingFen: n.CofundingFen.int(),
		UndertakerName: n.OrganizationByUndertakerId.Name, UndertakerCredit: n.OrganizationByUndertakerId.CreditCode,
		Responses: f.FeedbackCount.int(), Average: average(f.FeedbackCount.int(), f.FeedbackSum.int())}, nil
}

func normPortalQ3(raw []byte) (any, error) {
	type row struct {
		Key struct {
			Year        num
			ServiceArea string
		}
		Projects, Awarded, Leveraged, Beneficiaries, Volunteers, Experts num
		Satisfaction                                                     *float64
	}
	var d struct {
		Stats struct {
			Total  row
			Groups []row
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	conv := func(r row) statsNorm {
		return statsNorm{Year: r.Key.Year.int(), Area: r.Key.ServiceArea, Projects: r.Projects.int(), AwardedFen: r.Awarded.fen(),
			LeveragedFen: r.Leveraged.fen(), Beneficiaries: r.Beneficiaries.int(), Volunteers: r.Volunteers.int(),
			Experts: r.Experts.int(), Satisfaction: r.Satisfaction}
	}
	out := []statsNorm{conv(d.Stats.Total)}
	for _, g := range d.Stats.Groups {
		out = append(out, conv(g))
	}
	sortStats(out[1:])
	return out, nil
}

func normPGLQ3(raw []byte) (any, error) {
	var d struct {
		StatsByYearArea struct {
			Nodes []struct {
				Year                                                                   num
				ServiceArea                                                            *string
				Projects, AwardedFen, LeveragedFen, Beneficiaries, Volunteers, Experts num
				FeedbackCount, FeedbackSum                                             num
			}
		}
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	var total []statsNorm
	var groups []statsNorm
	for _, n := range d.StatsByYearArea.Nodes {
		s := statsNorm{Year: n.Year.int(), Area: str(n.ServiceArea), Projects: n.Projects.int(), AwardedFen: n.AwardedFen.int(),
			LeveragedFen: n.LeveragedFen.int(), Beneficiaries: n.Beneficiaries.int(), Volunteers: n.Volunteers.int(),
			Experts: n.Experts.int(), Satisfaction: average(n.FeedbackCount.int(), n.FeedbackSum.int())}
		if n.Year == "" && n.ServiceArea == nil {
			total = append(total, s) // the grouping set () is the total
		} else {
			groups = append(groups, s)
		}
	}
	if len(total) != 1 {
		return nil, fmt.Errorf("%d total rows", len(total))
	}
	sortStats(groups)
	return append(total, groups...), nil
}

func sortStats(s []statsNorm) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Year != s[j].Year {
			return s[i].Year < s[j].Year
		}
		return s[i].Area < s[j].Area
	})
}
