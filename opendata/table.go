package opendata

import (
	"slices"
	"strings"

	"civicledger/ledger"
)

// Type is the type of a column's values, as the data dictionary states it.
type Type string

// Column types. Money is a decimal string of yuan with two decimals in CSV
// and JSON Lines (as in the API) and a number in XLSX.
const (
	Text    Type = "text"
	Code    Type = "code"    // a public key or enumeration value
	Integer Type = "integer" // a whole number
	Decimal Type = "decimal" // a number with decimals
	MoneyT  Type = "money"   // yuan with fen precision
	DateT   Type = "date"    // YYYY-MM-DD, Asia/Shanghai
	Boolean Type = "boolean" // true or false
	URL     Type = "url"     // an absolute link
)

// Column is one column of a table: its key (the JSON Lines key and the name
// in ?columns=), its header in Chinese and English, its type, its unit and
// what it means.
type Column struct {
	Key     string
	ZH, EN  string
	Type    Type
	Unit    string // "" when none: yuan, person-times, hours, …
	Meaning string
}

// Table is one downloadable table: its name (the file name without the
// format), its title in Chinese and English, its meaning and its columns,
// in the order they appear.
type Table struct {
	Name    string
	ZH, EN  string
	Meaning string
	Columns []Column
	// Filter names the filter the download takes: "project" (the project
	// list's ProjectFilter), "organization", "announcement", "report", or
	// "" for none (snapshot-only tables).
	Filter string
}

// Column returns the column with key k and its index, or false.
func (t *Table) Column(k string) (Column, int, bool) {
	i := slices.IndexFunc(t.Columns, func(c Column) bool { return c.Key == k })
	if i < 0 {
		return Column{}, -1, false
	}
	return t.Columns[i], i, true
}

// Select returns the indexes of the named columns (comma-separated keys),
// or of every column when keys is empty; an unknown or repeated key is
// refused naming the field "columns".
func (t *Table) Select(keys string) ([]int, error) {
	if strings.TrimSpace(keys) == "" {
		idx := make([]int, len(t.Columns))
		for i := range idx {
			idx[i] = i
		}
		return idx, nil
	}
	var idx []int
	for k := range strings.SplitSeq(keys, ",") {
		k = strings.TrimSpace(k)
		_, i, ok := t.Column(k)
		if !ok {
			return nil, ledger.Invalid("columns", "%s has no column %s; its columns are %s", t.Name, ledger.Excerpt(k), strings.Join(t.Keys(), ", "))
		}
		if slices.Contains(idx, i) {
			return nil, ledger.Invalid("columns", "column %s is asked for twice", k)
		}
		idx = append(idx, i)
	}
	return idx, nil
}

// Keys lists the table's column keys in order.
func (t *Table) Keys() []string {
	out := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		out[i] = c.Key
	}
	return out
}

// Lang chooses the language of a download's header row.
type Lang string

// Header languages.
const (
	Chinese Lang = "zh"
	English Lang = "en"
)

// Header returns the column's header in lang.
func (c Column) Header(lang Lang) string {
	if lang == English {
		return c.EN
	}
	return c.ZH
}

// Tables lists the downloadable tables in the order the data dictionary
// shows them; SnapshotTables adds the tables only a snapshot holds.
var Tables = []*Table{projectsTable, organizationsTable, announcementsTable, reportsTable, tranchesTable, metricsTable, satisfactionTable}

// TableNamed returns the downloadable table with a name, or nil.
func TableNamed(name string) *Table {
	for _, t := range Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Shared columns.
var (
	colVersion = Column{"version", "版本", "Version", Integer, "", "version of the record: 1 as first published, one more per public correction (the history is kept)"}
	colURL     = Column{"url", "链接", "Link", URL, "", "permalink of the record's page on the portal"}
)

var projectsTable = &Table{Name: "projects", ZH: "项目", EN: "Projects", Filter: "project",
	Meaning: "purchased social-service projects (by default the funded ones; scope=APPLICATIONS adds the rejected applications), one row each, in code order",
	Columns: []Column{
		{"code", "项目编号", "Project code", Code, "", "public code of the project"},
		{"title", "项目名称", "Title", Text, "", "title of the project"},
		{"year", "年度", "Year", Integer, "", "year of the funding round that bought it"},
		{"serviceArea", "服务领域代码", "Service area", Code, "", "service area (ELDERLY_SUPPORT, DISABILITY_SUPPORT, POVERTY_RELIEF, COMMUNITY_WELFARE)"},
		{"serviceAreaLabel", "服务领域", "Service area (Chinese)", Text, "", "Chinese label of the service area"},
		{"district", "区", "District", Text, "", "district of the city"},
		{"targetGroup", "服务对象", "Target group", Text, "", "who the service is for"},
		{"summary", "项目简介", "Summary", Text, "", "summary of the service"},
		{"undertaker", "承接方", "Undertaker", Text, "", "name of the social organization carrying it out"},
		{"undertakerCreditCode", "承接方统一社会信用代码", "Undertaker credit code", Code, "", "unified social credit code of the undertaker"},
		{"evaluator", "第三方评估机构", "Evaluator", Text, "", "name of the third-party monitoring and evaluation agency"},
		{"evaluatorCreditCode", "评估机构统一社会信用代码", "Evaluator credit code", Code, "", "unified social credit code of the evaluator"},
		{"auditor", "第三方审计机构", "Auditor", Text, "", "name of the third-party audit agency"},
		{"auditorCreditCode", "审计机构统一社会信用代码", "Auditor credit code", Code, "", "unified social credit code of the auditor"},
		{"awarded", "资助金额", "Awarded", MoneyT, "yuan", "amount awarded from the fund"},
		{"coFunding", "配套资金", "Co-funding", MoneyT, "yuan", "co-funding committed in the agreement"},
		{"paid", "已拨付", "Paid", MoneyT, "yuan", "money paid out so far (the sum of its tranches)"},
		{"recovered", "结余收回", "Recovered", MoneyT, "yuan", "unspent balance recovered after the audit"},
		{"leveraged", "撬动社会资金", "Leveraged funds", MoneyT, "yuan", "social funds leveraged (verified figures where any, else self-reported, else the agreed co-funding)"},
		{"stage", "阶段代码", "Stage", Code, "", "current stage (SOLICITATION, APPROVAL, EXECUTION, CLOSING)"},
		{"stageLabel", "阶段", "Stage (Chinese)", Text, "", "Chinese label of the stage"},
		{"outcome", "结果代码", "Outcome", Code, "", "outcome: REJECTED, TERMINATED, COMPLETED, or empty while under way"},
		{"outcomeLabel", "结果", "Outcome (Chinese)", Text, "", "Chinese label of the outcome"},
		{"appliedOn", "申报日期", "Applied on", DateT, "", "date of the application"},
		{"approvedOn", "立项日期", "Approved on", DateT, "", "date of approval, empty until approved"},
		{"beneficiaries", "受益人次", "Beneficiaries", Integer, "person-times", "beneficiaries served"},
		{"beneficiaryPersons", "受益人数", "Beneficiary persons", Integer, "persons", "distinct persons served"},
		{"volunteers", "志愿者人次", "Volunteers", Integer, "person-times", "volunteers taking part"},
		{"volunteerHours", "志愿服务时长", "Volunteer hours", Integer, "hours", "hours of volunteer service"},
		{"experts", "专家人次", "Experts", Integer, "person-times", "experts taking part"},
		{"feedbackCount", "满意度反馈数", "Feedback count", Integer, "responses", "satisfaction responses from service recipients"},
		{"satisfaction", "平均满意度", "Satisfaction", Decimal, "rating 1–5", "average satisfaction rating, empty without feedback"},
		{"hasAuditFindings", "审计发现问题", "Audit findings", Boolean, "", "whether an audit stated findings"},
		colVersion, colURL,
	}}

var organizationsTable = &Table{Name: "organizations", ZH: "机构", EN: "Organizations", Filter: "organization",
	Meaning: "the parties of the programme: undertakers, third-party agencies and departments, in credit-code order",
	Columns: []Column{
		{"creditCode", "统一社会信用代码", "Credit code", Code, "", "18-character unified social credit code (GB 32100-2015)"},
		{"name", "名称", "Name", Text, "", "name of the organization"},
		{"kind", "类别代码", "Kind", Code, "", "role: UNDERTAKER, EVALUATOR, AUDITOR, DEPARTMENT"},
		{"kindLabel", "类别", "Kind (Chinese)", Text, "", "Chinese label of the role"},
		{"district", "区", "District", Text, "", "district of the city"},
		{"foundedOn", "成立日期", "Founded on", DateT, "", "date of founding"},
		{"description", "简介", "Description", Text, "", "description"},
		colVersion, colURL,
	}}

var announcementsTable = &Table{Name: "announcements", ZH: "公告", EN: "Announcements", Filter: "announcement",
	Meaning: "public announcements and notices, newest first",
	Columns: []Column{
		{"code", "公告编号", "Code", Code, "", "public code of the announcement"},
		{"kind", "类别代码", "Kind", Code, "", "kind of announcement"},
		{"kindLabel", "类别", "Kind (Chinese)", Text, "", "Chinese label of the kind"},
		{"title", "标题", "Title", Text, "", "title"},
		{"year", "年度", "Round year", Integer, "", "year of the funding round it belongs to, empty if none"},
		{"publisher", "发布机构", "Publisher", Text, "", "name of the publishing organization"},
		{"publisherCreditCode", "发布机构统一社会信用代码", "Publisher credit code", Code, "", "credit code of the publisher"},
		{"publishedOn", "发布日期", "Published on", DateT, "", "date of publication"},
		{"noticeStart", "公示开始", "Notice start", DateT, "", "first day of the public notice period, if any"},
		{"noticeEnd", "公示结束", "Notice end", DateT, "", "last day of the public notice period, if any"},
		{"body", "正文", "Body", Text, "", "full text"},
		colVersion, colURL,
	}}

var reportsTable = &Table{Name: "reports", ZH: "报告", EN: "Reports", Filter: "report",
	Meaning: "published reports and documents with their full text, in publication order",
	Columns: []Column{
		{"code", "报告编号", "Code", Code, "", "public code of the report"},
		{"kind", "类别代码", "Kind", Code, "", "kind of report"},
		{"kindLabel", "类别", "Kind (Chinese)", Text, "", "Chinese label of the kind"},
		{"title", "标题", "Title", Text, "", "title"},
		{"projectCode", "项目编号", "Project code", Code, "", "code of the project it is about, if any"},
		{"author", "作者机构", "Author", Text, "", "name of the organization that wrote it"},
		{"authorCreditCode", "作者统一社会信用代码", "Author credit code", Code, "", "credit code of the author"},
		{"year", "年度", "Round year", Integer, "", "year of the funding round it belongs to, if any"},
		{"publishedOn", "发布日期", "Published on", DateT, "", "date of publication"},
		{"body", "正文", "Body", Text, "", "full text"},
		colVersion, colURL,
	}}

// projectRef are the columns naming the project a child row belongs to.
var projectRef = []Column{
	{"projectCode", "项目编号", "Project code", Code, "", "code of the project"},
	{"projectTitle", "项目名称", "Project title", Text, "", "title of the project"},
}

var tranchesTable = &Table{Name: "tranches", ZH: "资金拨付", EN: "Tranches", Filter: "project",
	Meaning: "payments of each project's award, for the projects the filter selects, in project code and payment order",
	Columns: append(slices.Clone(projectRef),
		Column{"kind", "批次代码", "Kind", Code, "", "tranche: FIRST, SECOND, FINAL"},
		Column{"kindLabel", "批次", "Kind (Chinese)", Text, "", "Chinese label of the tranche"},
		Column{"amount", "金额", "Amount", MoneyT, "yuan", "amount paid"},
		Column{"paidOn", "拨付日期", "Paid on", DateT, "", "date of payment"},
		colVersion, colURL)}

var metricsTable = &Table{Name: "metrics", ZH: "成效指标", EN: "Metrics", Filter: "project",
	Meaning: "outcome figures of each project by kind and period, with the target and who stands behind each (provenance)",
	Columns: append(slices.Clone(projectRef),
		Column{"kind", "指标代码", "Kind", Code, "", "metric kind"},
		Column{"kindLabel", "指标", "Kind (Chinese)", Text, "", "Chinese label of the metric"},
		Column{"periodStart", "期间开始", "Period start", DateT, "", "first day of the period"},
		Column{"periodEnd", "期间结束", "Period end", DateT, "", "last day of the period"},
		Column{"value", "数值", "Value", Integer, "per kind: person-times, persons, hours, or fen for LEVERAGED_FUNDS", "the figure"},
		Column{"target", "目标", "Target", Integer, "as value", "target set in the agreement, if any"},
		Column{"amount", "金额", "Amount", MoneyT, "yuan", "the figure in yuan (LEVERAGED_FUNDS only)"},
		Column{"provenance", "来源代码", "Provenance", Code, "", "SELF_REPORTED (by the undertaker) or VERIFIED (by the third-party agency)"},
		Column{"provenanceLabel", "来源", "Provenance (Chinese)", Text, "", "Chinese label of the provenance"},
		colVersion, colURL)}

var satisfactionTable = &Table{Name: "satisfaction", ZH: "满意度汇总", EN: "Satisfaction summaries", Filter: "project",
	Meaning: "service recipients' satisfaction per project: number of responses and average rating (individual responses are not published)",
	Columns: append(slices.Clone(projectRef),
		Column{"year", "年度", "Year", Integer, "", "year of the funding round"},
		Column{"serviceArea", "服务领域代码", "Service area", Code, "", "service area"},
		Column{"district", "区", "District", Text, "", "district of the city"},
		Column{"feedbackCount", "反馈数", "Feedback count", Integer, "responses", "satisfaction responses"},
		Column{"satisfaction", "平均满意度", "Satisfaction", Decimal, "rating 1–5", "average rating, empty without feedback"},
		colURL)}
