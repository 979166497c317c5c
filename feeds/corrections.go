package feeds

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"civicledger/ledger"
)

// entityLabels name the kinds of records in Chinese.
var entityLabels = map[ledger.Entity]string{
	ledger.EntityRound: "资助批次", ledger.EntityOrganization: "机构", ledger.EntityProject: "项目", ledger.EntityStageEvent: "阶段记录",
	ledger.EntityIndicatorSet: "指标体系", ledger.EntityScorecard: "评审评分", ledger.EntityTranche: "资金拨付", ledger.EntityAudit: "审计",
	ledger.EntityMetric: "成效数据", ledger.EntityAnnouncement: "公告", ledger.EntityReport: "报告",
	ledger.EntityCaseCollection: "案例集", ledger.EntityCaseStudy: "案例",
}

// snapshotRef is what a revision's snapshot says about where its record
// is shown.
type snapshotRef struct {
	Code       string `json:"code"`
	CreditCode string `json:"creditCode"`
	Title      string `json:"title"`
	Name       string `json:"name"`
	ProjectID  *int64 `json:"projectId"`
	Year       int    `json:"year"`
}

// corrections is the corrections register (更正记录): every later version
// of a published record written with a reason, newest first, from the
// ledger's revision history. An entry is one correction (its id names the
// record and the version), linked to the page that shows the record — the
// project's page for the records shown on it — and to its history in the
// API.
func (f *Feeds) corrections(r *http.Request) (*feed, error) {
	v := r.URL.Query()
	if err := allowParams(v, "entity"); err != nil {
		return nil, err
	}
	var entity ledger.Entity
	if s := v.Get("entity"); s != "" {
		entity = ledger.Entity(s)
		if _, ok := entityLabels[entity]; !ok {
			return nil, ledger.Invalid("entity", "unknown kind of record %s", ledger.Excerpt(s))
		}
	}
	ctx := r.Context()
	cs, err := f.Corrections.Corrections(ctx, entity, f.limit())
	if err != nil {
		return nil, err
	}
	refs := make([]snapshotRef, len(cs))
	var pids []int64
	for i, c := range cs {
		_ = json.Unmarshal([]byte(c.Snapshot), &refs[i])
		switch {
		case c.Entity == ledger.EntityProject:
			pids = append(pids, c.EntityID)
		case refs[i].ProjectID != nil:
			pids = append(pids, *refs[i].ProjectID)
		}
	}
	codes := map[int64]string{}
	if len(pids) > 0 {
		ps, err := f.Portal.Reader.ProjectsByIDs(ctx, pids)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p != nil {
				codes[p.ID] = p.Code
			}
		}
	}
	fd := &feed{title: "更正记录", subtitle: "已发布记录的更正（新版本及其理由），最新在前"}
	if entity != "" {
		fd.title += "：" + entityLabels[entity]
	}
	for i, c := range cs {
		fd.entries = append(fd.entries, correctionEntry(c, refs[i], codes))
	}
	return fd, nil
}

func correctionEntry(c *ledger.Correction, ref snapshotRef, projectCodes map[int64]string) *entry {
	e := &entry{key: "correction/" + string(c.Entity) + "/" + strconv.FormatInt(c.EntityID, 10) + "/v" + strconv.Itoa(c.Version),
		summary: c.Reason, updated: c.RecordedAt, published: ledger.DateOf(c.RecordedAt)}
	name := ref.Title
	if name == "" {
		name = ref.Name
	}
	switch c.Entity {
	case ledger.EntityProject:
		code := projectCodes[c.EntityID]
		e.page, e.api = "/projects/"+url.PathEscape(code), projectAPI(code)
		name = code + " " + name
	case ledger.EntityAnnouncement:
		e.page = "/announcements/" + url.PathEscape(ref.Code)
		e.api = "{ announcement(code: " + quote(ref.Code) + ") { code title publishedOn body } }"
	case ledger.EntityReport:
		e.page = "/reports/" + url.PathEscape(ref.Code)
		e.api = "{ report(code: " + quote(ref.Code) + ") { code title publishedOn body } }"
	case ledger.EntityOrganization:
		e.page = "/organizations/" + url.PathEscape(ref.CreditCode)
		e.api = "{ organization(creditCode: " + quote(ref.CreditCode) + ") { creditCode name kind district } }"
	case ledger.EntityRound:
		e.api = "{ round(year: " + strconv.Itoa(ref.Year) + ") { year title budget } }"
	default:
		if ref.ProjectID != nil {
			if code := projectCodes[*ref.ProjectID]; code != "" {
				e.page, e.api = "/projects/"+url.PathEscape(code), projectAPI(code)
				if name == "" {
					name = code
				}
			}
		}
	}
	e.title = "更正：" + entityLabels[c.Entity] + " " + name + "（第 " + strconv.Itoa(c.Version) + " 版）"
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
