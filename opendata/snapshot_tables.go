package opendata

import (
	"context"
	"slices"

	"civicledger/ledger"
)

// The tables only a snapshot holds, so that it has every public table:
// the rounds, each project's stage history, audits, scorecards and their
// scores, the indicator sets, the case studies, and which projects each
// announcement lists. Records link by public code (the project code, the
// announcement code); a scorecard by its number in the snapshot.

var roundsTable = &Table{Name: "rounds", ZH: "资助批次", EN: "Funding rounds", Meaning: "the yearly funding rounds of the programme",
	Columns: []Column{
		{"year", "年度", "Year", Integer, "", "year of the round"},
		{"title", "名称", "Title", Text, "", "title of the round"},
		{"budget", "预算", "Budget", MoneyT, "yuan", "budget of the round"},
		{"opensOn", "征集开始", "Opens on", DateT, "", "first day of the solicitation"},
		{"closesOn", "征集截止", "Closes on", DateT, "", "last day of the solicitation"},
		{"description", "说明", "Description", Text, "", "description of the round"},
		colVersion,
	}}

var stageEventsTable = &Table{Name: "stage_events", ZH: "项目进程", EN: "Stage history", Meaning: "each project's dated stage changes and outcomes, oldest first",
	Columns: append(slices.Clone(projectRef),
		Column{"stage", "阶段代码", "Stage", Code, "", "stage entered"},
		Column{"stageLabel", "阶段", "Stage (Chinese)", Text, "", "Chinese label of the stage"},
		Column{"outcome", "结果代码", "Outcome", Code, "", "outcome reached, empty if none"},
		Column{"outcomeLabel", "结果", "Outcome (Chinese)", Text, "", "Chinese label of the outcome"},
		Column{"occurredOn", "日期", "Occurred on", DateT, "", "date of the change"},
		Column{"reason", "原因", "Reason", Text, "", "reason given (required for a rejection or termination)"},
		colVersion)}

var auditsTable = &Table{Name: "audits", ZH: "财务审计", EN: "Audits", Meaning: "financial audits of the projects: result, findings, money spent and the unspent balance recovered",
	Columns: append(slices.Clone(projectRef),
		Column{"auditor", "审计机构", "Auditor", Text, "", "name of the audit agency"},
		Column{"auditorCreditCode", "审计机构统一社会信用代码", "Auditor credit code", Code, "", "credit code of the audit agency"},
		Column{"auditedOn", "审计日期", "Audited on", DateT, "", "date of the audit"},
		Column{"result", "结论代码", "Result", Code, "", "CLEAN or FINDINGS"},
		Column{"resultLabel", "结论", "Result (Chinese)", Text, "", "Chinese label of the result"},
		Column{"findings", "发现问题", "Findings", Text, "", "findings stated"},
		Column{"spent", "支出", "Spent", MoneyT, "yuan", "money spent"},
		Column{"recovered", "结余收回", "Recovered", MoneyT, "yuan", "unspent balance recovered"},
		Column{"reportCode", "审计报告编号", "Report code", Code, "", "code of the audit report, if published"},
		colVersion)}

var scorecardsTable = &Table{Name: "scorecards", ZH: "评审评分表", EN: "Scorecards", Meaning: "reviews of the projects: who reviewed, against which indicator set, the weighted total (0–100) and whether it passed",
	Columns: append([]Column{{"scorecard", "评分表编号", "Scorecard", Integer, "", "number of the scorecard in this snapshot (scores refer to it)"}}, append(slices.Clone(projectRef),
		Column{"kind", "评审类别代码", "Kind", Code, "", "review kind"},
		Column{"kindLabel", "评审类别", "Kind (Chinese)", Text, "", "Chinese label of the review kind"},
		Column{"indicatorSet", "指标体系", "Indicator set", Text, "", "name and edition of the indicator set"},
		Column{"reviewer", "评审机构", "Reviewer", Text, "", "name of the reviewing organization"},
		Column{"reviewerCreditCode", "评审机构统一社会信用代码", "Reviewer credit code", Code, "", "credit code of the reviewer"},
		Column{"reviewedOn", "评审日期", "Reviewed on", DateT, "", "date of the review"},
		Column{"weightedTotal", "加权总分", "Weighted total", Decimal, "points of 100", "sum over indicators of score ÷ maximum × weight"},
		Column{"passed", "通过", "Passed", Boolean, "", "whether the review passed"},
		Column{"comment", "评语", "Comment", Text, "", "the reviewer's comment"},
		colVersion)...)}

var scoresTable = &Table{Name: "scores", ZH: "评分明细", EN: "Scores", Meaning: "each scorecard's score of each indicator",
	Columns: []Column{
		{"scorecard", "评分表编号", "Scorecard", Integer, "", "number of the scorecard (scorecards.scorecard)"},
		{"projectCode", "项目编号", "Project code", Code, "", "code of the project"},
		{"indicator", "指标", "Indicator", Text, "", "name of the indicator"},
		{"weight", "权重", "Weight", Decimal, "percent", "weight of the indicator in the review"},
		{"maxScore", "满分", "Maximum", Decimal, "points", "highest score of the indicator"},
		{"value", "得分", "Score", Decimal, "points", "score given"},
	}}

var indicatorsTable = &Table{Name: "indicators", ZH: "评审指标", EN: "Indicators", Meaning: "the published indicator sets of each review kind and their indicators",
	Columns: []Column{
		{"indicatorSet", "指标体系", "Indicator set", Text, "", "name of the indicator set"},
		{"edition", "版本", "Edition", Text, "", "edition of the set"},
		{"kind", "评审类别代码", "Kind", Code, "", "review kind the set is for"},
		{"publishedOn", "发布日期", "Published on", DateT, "", "date the set was published"},
		{"position", "序号", "Position", Integer, "", "position of the indicator in the set"},
		{"indicator", "指标", "Indicator", Text, "", "name of the indicator"},
		{"guidance", "说明", "Guidance", Text, "", "guidance to reviewers"},
		{"weight", "权重", "Weight", Decimal, "percent", "weight in the review (a set's weights add to 100)"},
		{"maxScore", "满分", "Maximum", Decimal, "points", "highest score"},
	}}

var caseStudiesTable = &Table{Name: "case_studies", ZH: "项目案例", EN: "Case studies", Meaning: "the yearly case collections and the projects' case studies in them",
	Columns: []Column{
		{"year", "年度", "Year", Integer, "", "year of the case collection"},
		{"collection", "案例集", "Collection", Text, "", "title of the case collection"},
		{"publishedOn", "发布日期", "Published on", DateT, "", "date the collection was published"},
		{"position", "序号", "Position", Integer, "", "position in the collection"},
		{"projectCode", "项目编号", "Project code", Code, "", "code of the project"},
		{"title", "标题", "Title", Text, "", "title of the case study"},
		{"narrative", "正文", "Narrative", Text, "", "the case study"},
		colVersion,
	}}

var announcementProjectsTable = &Table{Name: "announcement_projects", ZH: "公告所列项目", EN: "Projects listed by announcements", Meaning: "which projects each announcement lists",
	Columns: []Column{
		{"announcementCode", "公告编号", "Announcement code", Code, "", "code of the announcement"},
		{"projectCode", "项目编号", "Project code", Code, "", "code of a project it lists"},
	}}

// SnapshotTables are every table of a snapshot: the downloadable ones and
// those only a snapshot holds.
var SnapshotTables = append(slices.Clone(Tables), roundsTable, stageEventsTable, auditsTable, scorecardsTable, scoresTable,
	indicatorsTable, caseStudiesTable, announcementProjectsTable)

// snapshotRows emits the rows of a snapshot-only table.
func (s *Source) snapshotRows(ctx context.Context, t *Table, emit func([]any) error) error {
	rd := s.Portal.Reader
	all := ledger.ProjectFilter{Scope: ledger.ScopeApplications}
	switch t {
	case roundsTable:
		rounds, err := rd.Rounds(ctx)
		if err != nil {
			return err
		}
		for _, r := range rounds {
			if err := emit([]any{int64(r.Year), r.Title, r.Budget, optDate(r.OpensOn), optDate(r.ClosesOn), r.Description, int64(r.Version)}); err != nil {
				return err
			}
		}
		return nil
	case indicatorsTable:
		sets, err := rd.IndicatorSets(ctx, "")
		if err != nil {
			return err
		}
		for _, set := range sets {
			for _, in := range set.Indicators {
				if err := emit([]any{set.Name, set.Edition, string(set.Kind), optDate(set.PublishedOn), int64(in.Position), in.Name, in.Guidance, in.Weight, in.MaxScore}); err != nil {
					return err
				}
			}
		}
		return nil
	case caseStudiesTable:
		cols, err := rd.CaseCollections(ctx, 0)
		if err != nil {
			return err
		}
		ids := make([]int64, len(cols))
		for i, c := range cols {
			ids[i] = c.ID
		}
		studies, err := rd.CaseStudiesByCollectionIDs(ctx, ids)
		if err != nil {
			return err
		}
		for i, c := range cols {
			var pids []int64
			for _, cs := range studies[i] {
				pids = append(pids, cs.ProjectID)
			}
			ps, err := rd.ProjectsByIDs(ctx, pids)
			if err != nil {
				return err
			}
			for j, cs := range studies[i] {
				var code any
				if ps[j] != nil {
					code = ps[j].Code
				}
				if err := emit([]any{int64(c.Year), c.Title, optDate(c.PublishedOn), int64(cs.Position), code, cs.Title, cs.Narrative, int64(cs.Version)}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	var sets map[int64]*ledger.IndicatorSet
	if t == scorecardsTable || t == scoresTable {
		all, err := rd.IndicatorSets(ctx, "")
		if err != nil {
			return err
		}
		sets = map[int64]*ledger.IndicatorSet{}
		for _, set := range all {
			sets[set.ID] = set
		}
	}
	return s.EachProjectPage(ctx, all, func(page []*ledger.Project) error {
		ids := make([]int64, len(page))
		for i, p := range page {
			ids[i] = p.ID
		}
		switch t {
		case stageEventsTable:
			groups, err := rd.StageEventsByProjectIDs(ctx, ids)
			if err != nil {
				return err
			}
			for i, p := range page {
				for _, e := range groups[i] {
					var o, ol any
					if e.Outcome != ledger.Ongoing {
						o, ol = string(e.Outcome), ledger.Label(e.Outcome)
					}
					if err := emit([]any{p.Code, p.Title, string(e.Stage), ledger.Label(e.Stage), o, ol, optDate(e.OccurredOn), e.Reason, int64(e.Version)}); err != nil {
						return err
					}
				}
			}
		case auditsTable:
			groups, err := rd.AuditsByProjectIDs(ctx, ids)
			if err != nil {
				return err
			}
			var orgIDs, reportIDs []int64
			for _, g := range groups {
				for _, a := range g {
					orgIDs = append(orgIDs, deref(a.AuditorID))
					if a.ReportID != nil {
						reportIDs = append(reportIDs, *a.ReportID)
					}
				}
			}
			orgs, err := s.orgIndex(ctx, orgIDs)
			if err != nil {
				return err
			}
			reports, err := rd.ReportsByIDs(ctx, reportIDs)
			if err != nil {
				return err
			}
			codes := map[int64]string{}
			for _, r := range reports {
				if r != nil {
					codes[r.ID] = r.Code
				}
			}
			for i, p := range page {
				for _, a := range groups[i] {
					var rc any
					if a.ReportID != nil {
						rc = codes[*a.ReportID]
					}
					row := append([]any{p.Code, p.Title}, orgCells(orgs[deref(a.AuditorID)])...)
					row = append(row, optDate(a.AuditedOn), string(a.Result), ledger.Label(a.Result), a.Findings, a.Spent, a.Recovered, rc, int64(a.Version))
					if err := emit(row); err != nil {
						return err
					}
				}
			}
		case scorecardsTable, scoresTable:
			groups, err := rd.ScorecardsByProjectIDs(ctx, ids)
			if err != nil {
				return err
			}
			var orgIDs []int64
			for _, g := range groups {
				for _, c := range g {
					orgIDs = append(orgIDs, deref(c.ReviewerID))
				}
			}
			orgs, err := s.orgIndex(ctx, orgIDs)
			if err != nil {
				return err
			}
			for i, p := range page {
				for _, c := range groups[i] {
					set := sets[c.SetID]
					var inds []ledger.Indicator
					var setName any
					if set != nil {
						inds, setName = set.Indicators, set.Name+" "+set.Edition
					}
					if t == scoresTable {
						byID := map[int64]ledger.Indicator{}
						for _, in := range inds {
							byID[in.ID] = in
						}
						for _, sc := range c.Scores {
							in := byID[sc.IndicatorID]
							if err := emit([]any{c.ID, p.Code, in.Name, in.Weight, in.MaxScore, sc.Value}); err != nil {
								return err
							}
						}
						continue
					}
					row := []any{c.ID, p.Code, p.Title, string(c.Kind), ledger.Label(c.Kind), setName}
					row = append(row, orgCells(orgs[deref(c.ReviewerID)])...)
					row = append(row, optDate(c.ReviewedOn), ledger.WeightedTotal(inds, c.Scores), c.Passed, c.Comment, int64(c.Version))
					if err := emit(row); err != nil {
						return err
					}
				}
			}
		case announcementProjectsTable:
			groups, err := rd.AnnouncementsByProjectIDs(ctx, ids)
			if err != nil {
				return err
			}
			for i, p := range page {
				for _, a := range groups[i] {
					if err := emit([]any{a.Code, p.Code}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}
