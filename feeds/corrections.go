package feeds

import (
	"net/http"
	"strconv"
	"strings"

	"civicledger/ledger"
)

// entityLabels name the kinds of records in Chinese.
var entityLabels = map[ledger.Entity]string{
	ledger.EntityRound: "资助批次", ledger.EntityOrganization: "机构", ledger.EntityProject: "项目", ledger.EntityStageEvent: "阶段记录",
	ledger.EntityIndicatorSet: "指标体系", ledger.EntityScorecard: "评审评分", ledger.EntityTranche: "资金拨付", ledger.EntityAudit: "审计",
	ledger.EntityMetric: "成效数据", ledger.EntityAnnouncement: "公告", ledger.EntityReport: "报告",
	ledger.EntityCaseCollection: "案例集", ledger.EntityCaseStudy: "案例",
}

// corrections is the public corrections register (更正记录) that the
// publishing use cases write: every correction or withdrawal of a published
// record, newest first, narrowed by ?entity=project,report,… and
// ?kinds=CORRECTION,WITHDRAWAL. An entry is one line of the register (its id
// names the record by its public code and the version the correction
// made), linked to the page that shows the record — the project's page for
// the records shown on it — and to the record in the API.
func (f *Feeds) corrections(r *http.Request) (*feed, error) {
	v := r.URL.Query()
	if err := allowParams(v, "entity", "kinds"); err != nil {
		return nil, err
	}
	var filter ledger.CorrectionFilter
	var parts []string
	for _, s := range list(v, "entity") {
		e := ledger.Entity(s)
		if _, ok := entityLabels[e]; !ok {
			return nil, ledger.Invalid("entity", "unknown kind of record %s", ledger.Excerpt(s))
		}
		filter.Entities = append(filter.Entities, e)
		parts = append(parts, entityLabels[e])
	}
	for _, s := range list(v, "kinds") {
		k := ledger.CorrectionKind(s)
		if k != ledger.KindCorrection && k != ledger.KindWithdrawal {
			return nil, ledger.Invalid("kinds", "kinds are CORRECTION and WITHDRAWAL, not %s", ledger.Excerpt(s))
		}
		filter.Kinds = append(filter.Kinds, k)
		parts = append(parts, correctionLabels[k])
	}
	ctx := r.Context()
	cs, _, err := f.Corrections.Corrections(ctx, filter, 0, f.limit())
	if err != nil {
		return nil, err
	}
	// The public code of each corrected record, one batch per kind.
	ids := map[ledger.Entity][]int64{}
	for _, c := range cs {
		switch c.Entity {
		case ledger.EntityProject, ledger.EntityReport, ledger.EntityAnnouncement, ledger.EntityOrganization:
			ids[c.Entity] = append(ids[c.Entity], c.EntityID)
		}
		if c.ProjectID != 0 {
			ids[ledger.EntityProject] = append(ids[ledger.EntityProject], c.ProjectID)
		}
	}
	rd := f.Portal.Reader
	refs := map[ledger.Entity]map[int64]*entry{}
	add := func(e ledger.Entity, id int64, x *entry) {
		if refs[e] == nil {
			refs[e] = map[int64]*entry{}
		}
		refs[e][id] = x
	}
	if len(ids[ledger.EntityProject]) > 0 {
		ps, err := rd.ProjectsByIDs(ctx, ids[ledger.EntityProject])
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p != nil {
				add(ledger.EntityProject, p.ID, projectEntry(p))
			}
		}
	}
	if len(ids[ledger.EntityReport]) > 0 {
		rs, err := rd.ReportsByIDs(ctx, ids[ledger.EntityReport])
		if err != nil {
			return nil, err
		}
		for _, x := range rs {
			if x != nil {
				add(ledger.EntityReport, x.ID, reportEntry(x))
			}
		}
	}
	if len(ids[ledger.EntityAnnouncement]) > 0 {
		as, err := rd.AnnouncementsByIDs(ctx, ids[ledger.EntityAnnouncement])
		if err != nil {
			return nil, err
		}
		for _, x := range as {
			if x != nil {
				add(ledger.EntityAnnouncement, x.ID, announcementEntry(x))
			}
		}
	}
	if len(ids[ledger.EntityOrganization]) > 0 {
		os, err := rd.OrganizationsByIDs(ctx, ids[ledger.EntityOrganization])
		if err != nil {
			return nil, err
		}
		for _, x := range os {
			if x != nil {
				add(ledger.EntityOrganization, x.ID, organizationEntry(x))
			}
		}
	}
	fd := &feed{title: "更正记录", subtitle: "已发布记录的更正与撤回（新版本及其理由），最新在前"}
	if len(parts) > 0 {
		fd.title += "：" + strings.Join(parts, "、")
	}
	for _, c := range cs {
		rec := refs[c.Entity][c.EntityID]
		if rec == nil && c.ProjectID != 0 {
			rec = refs[ledger.EntityProject][c.ProjectID]
		}
		fd.entries = append(fd.entries, correctionEntry(c, rec, rec == refs[c.Entity][c.EntityID]))
	}
	return fd, nil
}

// correctionLabels name the kinds of register lines.
var correctionLabels = map[ledger.CorrectionKind]string{ledger.KindCorrection: "更正", ledger.KindWithdrawal: "撤回"}

// correctionEntry is one line of the register; rec is the entry of the
// record it corrects (own says so) or of the project that record belongs to.
func correctionEntry(c *ledger.Correction, rec *entry, own bool) *entry {
	label := correctionLabels[c.Kind]
	if label == "" {
		label = "更正"
	}
	e := &entry{summary: c.Reason, updated: c.CorrectedAt, published: ledger.DateOf(c.CorrectedAt)}
	name := entityLabels[c.Entity] + " " + strconv.FormatInt(c.EntityID, 10)
	id := strconv.FormatInt(c.EntityID, 10)
	if rec != nil {
		e.page, e.api = rec.page, rec.api
		if own {
			// The record's own key (report/CODE, …) names it by its code.
			_, id, _ = strings.Cut(rec.key, "/")
			title := rec.title
			if _, rest, ok := strings.Cut(title, "】"); ok {
				title = rest // without the kind in brackets
			}
			name = entityLabels[c.Entity] + " " + title
		}
	}
	e.key = "correction/" + string(c.Entity) + "/" + id + "/v" + strconv.Itoa(c.Version)
	e.title = label + "：" + name + "（第 " + strconv.Itoa(c.Version) + " 版）"
	return e
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }

// keyID reads the number of a search key ("case_study:12").
func keyID(key string) (int64, bool) {
	for i := len(key) - 1; i >= 0; i-- {
		if key[i] == ':' {
			id, err := strconv.ParseInt(key[i+1:], 10, 64)
			return id, err == nil
		}
	}
	return 0, false
}
