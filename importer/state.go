package importer

import (
	"context"
	"strings"
	"time"

	"civicledger/ledger"
)

// state is the ledger as the rows checked so far leave it: what the import
// read of the stored records, and what the earlier rows of the file add,
// so a row is checked against the rows before it (two first tranches of
// one project in one file, a project applied for twice) exactly as the
// writes will meet them.
type state struct {
	ctx   context.Context
	src   Source
	kind  *Kind
	actor ledger.Actor
	err   error // a failed read: the import stops

	rounds     map[int]*ledger.Round
	orgs       map[string]*ledger.Organization // by credit code; nil: not registered
	registered map[string]*ledger.Organization // organizations the file registers, by credit code
	projects   map[string]*ledger.Project      // by code; nil: no such project
	seen       map[string]int                  // a key the file may hold once → the row that holds it
	tranches   map[string][]ledger.Tranche     // by project code: stored and earlier rows'
	metrics    map[string]bool                 // stored metric keys (see metricKey)
	cardKeys   map[string]bool                 // stored scorecard keys (see cardKey)
	cards      map[string][]*ledger.Scorecard  // stored scorecards by project code
	reports    map[string]bool                 // stored report codes
	sets       map[ledger.ReviewKind][]*ledger.IndicatorSet
	now        func() time.Time
}

func newState(ctx context.Context, src Source, k *Kind, a ledger.Actor) *state {
	return &state{ctx: ctx, src: src, kind: k, actor: a,
		rounds: map[int]*ledger.Round{}, orgs: map[string]*ledger.Organization{}, registered: map[string]*ledger.Organization{},
		projects: map[string]*ledger.Project{}, seen: map[string]int{}, tranches: map[string][]ledger.Tranche{},
		metrics: map[string]bool{}, cardKeys: map[string]bool{}, cards: map[string][]*ledger.Scorecard{}, reports: map[string]bool{},
		sets: map[ledger.ReviewKind][]*ledger.IndicatorSet{}, now: time.Now}
}

// refs are the records the parsed rows name, read in batches before the
// rows are checked.
type refs struct {
	projects, orgs, reports []string
}

// referrer is an item that names projects or organizations.
type referrer interface{ refs(*refs) }

// chunk is how many keys one batched read asks for.
const chunk = 500

// prefetch reads, in batches, every project and organization the items
// name, and what the kind checks against: the stored tranches, metrics
// or scorecards of those projects.
func (s *state) prefetch(items []item) error {
	var r refs
	for _, it := range items {
		if x, ok := it.(referrer); ok {
			x.refs(&r)
		}
	}
	for _, codes := range batches(dedupe(r.orgs)) {
		orgs, err := s.src.OrganizationsByCodes(s.ctx, codes)
		if err != nil {
			return err
		}
		for i, o := range orgs {
			s.orgs[codes[i]] = o
		}
	}
	for _, codes := range batches(dedupe(r.projects)) {
		ps, err := s.src.ProjectsByCodes(s.ctx, codes)
		if err != nil {
			return err
		}
		var ids []int64
		var found []*ledger.Project
		for i, p := range ps {
			s.projects[codes[i]] = p
			if p != nil {
				ids, found = append(ids, p.ID), append(found, p)
			}
		}
		if len(ids) == 0 {
			continue
		}
		if err := s.prefetchOf(ids, found); err != nil {
			return err
		}
	}
	for _, codes := range batches(dedupe(r.reports)) {
		rs, err := s.src.ReportsByCodes(s.ctx, codes)
		if err != nil {
			return err
		}
		for i, r := range rs {
			s.reports[codes[i]] = r != nil
		}
	}
	return nil
}

// prefetchOf reads what the kind checks of the stored projects.
func (s *state) prefetchOf(ids []int64, ps []*ledger.Project) error {
	switch s.kind {
	case tranchesKind:
		ts, err := s.src.TranchesByProjectIDs(s.ctx, ids)
		if err != nil {
			return err
		}
		for i, list := range ts {
			for _, t := range list {
				s.tranches[ps[i].Code] = append(s.tranches[ps[i].Code], *t)
			}
		}
	case metricsKind:
		ms, err := s.src.MetricsByProjectIDs(s.ctx, ids)
		if err != nil {
			return err
		}
		for i, list := range ms {
			for _, m := range list {
				s.metrics[metricKey(ps[i].Code, m)] = true
			}
		}
	}
	switch s.kind {
	case reviewsKind, approvalsKind, tranchesKind:
		cs, err := s.src.ScorecardsByProjectIDs(s.ctx, ids)
		if err != nil {
			return err
		}
		for i, list := range cs {
			s.cards[ps[i].Code] = list
			for _, c := range list {
				s.cardKeys[cardKey(ps[i].Code, c)] = true
			}
		}
	}
	return nil
}

// metricKey identifies a figure: one project's kind, period and provenance.
func metricKey(code string, m *ledger.Metric) string {
	return strings.Join([]string{code, string(m.Kind), string(m.PeriodStart), string(m.PeriodEnd), string(m.Provenance)}, "|")
}

// cardKey identifies a review: one project's kind, reviewer and date.
func cardKey(code string, c *ledger.Scorecard) string {
	var reviewer int64
	if c.ReviewerID != nil {
		reviewer = *c.ReviewerID
	}
	return strings.Join([]string{code, string(c.Kind), itoa64(reviewer), string(c.ReviewedOn)}, "|")
}

// round returns the round of a year, or nil when there is none.
func (s *state) round(year int) *ledger.Round {
	if r, ok := s.rounds[year]; ok {
		return r
	}
	r, err := s.src.RoundByYear(s.ctx, year)
	if ledger.ErrorCode(err) == ledger.ENOTFOUND {
		r, err = nil, nil
	}
	if err != nil {
		s.err = err
	}
	s.rounds[year] = r
	return r
}

// org returns the organization with a credit code and checks its kind
// (any when want is ""), recording a problem in column c otherwise.
func (s *state) org(r *row, c *Column, code string, want ledger.OrgKind) *ledger.Organization {
	o := s.orgs[code]
	if o == nil {
		r.fail(c, "该统一社会信用代码的组织尚未登记", "no organization with credit code %s is registered", code)
		return nil
	}
	if want != "" && o.Kind != want {
		r.fail(c, "该组织是"+ledger.Label(o.Kind)+"，此处须为"+ledger.Label(want),
			"organization %s (%s) is a %s, not a %s", code, o.Name, o.Kind, want)
		return nil
	}
	return o
}

// project returns the stored project with a code, recording a problem in
// column c when there is none.
func (s *state) project(r *row, c *Column, code string) *ledger.Project {
	p := s.projects[code]
	if p == nil {
		r.fail(c, "没有该编号的项目", "no project has code %s", ledger.Excerpt(code))
	}
	return p
}

// once records that the file holds key at row r, and reports a problem in
// column c when an earlier row held it already.
func (s *state) once(r *row, c *Column, key, zh, en string) bool {
	if first, dup := s.seen[key]; dup {
		r.fail(c, zh+"，与第"+itoa64(int64(first))+"行重复", en+", as row %d does already", first)
		return false
	}
	s.seen[key] = r.num
	return true
}

// authorize asks the policy whether the actor may take act on project p,
// recording the refusal against the row.
func (s *state) authorize(r *row, act ledger.Action, p *ledger.Project) bool {
	if _, err := ledger.Authorize(s.actor, act, p); err != nil {
		reportLedger(s.kind, r, err)
		return false
	}
	return true
}

// reportLedger records a refusal by the ledger against the column its field
// names (the whole row when it names none of the kind's columns).
func reportLedger(k *Kind, r *row, err error) {
	field := ledger.ErrorField(err)
	c := k.fieldColumn(field)
	r.failErr(c, reasonZH(err, field), err)
}

// reasonZH says in Chinese why the ledger refused a field.
func reasonZH(err error, field string) string {
	switch ledger.ErrorCode(err) {
	case ledger.EFORBIDDEN:
		return "无权导入此行（角色或所属机构不符）"
	case ledger.EUNAUTHENTICATED:
		return "须以账号身份导入"
	case ledger.ECONFLICT:
		return "与已有记录冲突"
	case ledger.EINVALID:
	default:
		return "写入失败"
	}
	switch {
	case field == "tranche.amount":
		return "拨付金额须为正数，且不超过资助金额减去已拨付金额"
	case field == "tranche.kind":
		return "该项目的这一批次资金已经拨付过"
	case field == "stageEvent.stage", field == "stageEvent.outcome":
		return "项目当前所处阶段不能作出此项决定"
	case field == "stageEvent.reason", field == "attribution.reason":
		return "须说明理由"
	case strings.HasPrefix(field, "scorecard.scores"):
		return "得分不能为负，也不能超过该指标的满分"
	case field == "scorecard.kind":
		return "评审类型与指标体系的类型不符"
	case field == "metric.periodEnd":
		return "结束日期早于开始日期"
	case strings.HasSuffix(field, "Date"), strings.HasSuffix(field, "On"):
		return "日期无效"
	case strings.HasSuffix(field, ".code"):
		return "编号不合要求（不能为空、含空格或斜杠，或已存在）"
	case strings.HasSuffix(field, ".title"), strings.HasSuffix(field, ".name"), strings.HasSuffix(field, ".district"):
		return "不能为空，且不能超过规定字数"
	case strings.HasSuffix(field, ".undertaker"), strings.HasSuffix(field, ".evaluator"), strings.HasSuffix(field, ".auditor"),
		strings.HasSuffix(field, ".reviewer"), strings.HasSuffix(field, ".round"), strings.HasSuffix(field, ".project"):
		return "所指的记录不存在或类型不符"
	}
	return "该值不符合规则"
}

func dedupe(xs []string) []string {
	seen := make(map[string]bool, len(xs))
	out := xs[:0:0]
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func batches(xs []string) [][]string {
	var out [][]string
	for len(xs) > 0 {
		n := min(chunk, len(xs))
		out = append(out, xs[:n])
		xs = xs[n:]
	}
	return out
}
