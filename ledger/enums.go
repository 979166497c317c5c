package ledger

// Enumerations of the domain. Each value is the English API name (docs/domain.md's
// table, never renamed) and has a Chinese label for pages and the API.

// ServiceArea is a field of service (领域) a project belongs to.
type ServiceArea string

// Service areas.
const (
	ElderlySupport    ServiceArea = "ELDERLY_SUPPORT"
	DisabilitySupport ServiceArea = "DISABILITY_SUPPORT"
	PovertyRelief     ServiceArea = "POVERTY_RELIEF"
	CommunityWelfare  ServiceArea = "COMMUNITY_WELFARE"
)

// ServiceAreas lists every service area in display order.
var ServiceAreas = []ServiceArea{ElderlySupport, DisabilitySupport, PovertyRelief, CommunityWelfare}

// Stage is one of the four stages of a project's life.
type Stage string

// Stages.
const (
	Solicitation Stage = "SOLICITATION"
	Approval     Stage = "APPROVAL"
	Execution    Stage = "EXECUTION"
	Closing      Stage = "CLOSING"
)

// Stages lists the stages in lifecycle order.
var Stages = []Stage{Solicitation, Approval, Execution, Closing}

// Outcome is how a project ended, besides its current stage. The zero value
// means the project is still under way.
type Outcome string

// Outcomes.
const (
	Ongoing    Outcome = ""
	Rejected   Outcome = "REJECTED"
	Terminated Outcome = "TERMINATED"
	Completed  Outcome = "COMPLETED"
)

// ReviewKind is the kind of review a scorecard records.
type ReviewKind string

// Review kinds.
const (
	InitialScreening ReviewKind = "INITIAL_SCREENING"
	ApprovalReview   ReviewKind = "APPROVAL_REVIEW"
	MidtermReview    ReviewKind = "MIDTERM_REVIEW"
	ClosingReview    ReviewKind = "CLOSING_REVIEW"
)

// ReviewKinds lists the review kinds in lifecycle order.
var ReviewKinds = []ReviewKind{InitialScreening, ApprovalReview, MidtermReview, ClosingReview}

// OrgKind is the role an organization plays in the programme.
type OrgKind string

// Organization kinds.
const (
	Undertaker OrgKind = "UNDERTAKER"
	Evaluator  OrgKind = "EVALUATOR"
	Auditor    OrgKind = "AUDITOR"
	Department OrgKind = "DEPARTMENT"
)

// OrgKinds lists the organization kinds.
var OrgKinds = []OrgKind{Undertaker, Evaluator, Auditor, Department}

// TrancheKind says which payment of an award a tranche is.
type TrancheKind string

// Tranche kinds, in payment order.
const (
	FirstTranche  TrancheKind = "FIRST"
	SecondTranche TrancheKind = "SECOND"
	FinalTranche  TrancheKind = "FINAL"
)

// TrancheKinds lists the tranche kinds in payment order.
var TrancheKinds = []TrancheKind{FirstTranche, SecondTranche, FinalTranche}

// MetricKind is an outcome figure a project reports.
type MetricKind string

// Metric kinds. Person-times (人次) add up across periods; unique persons
// (人数) do not, so totals use person-times.
const (
	BeneficiaryVisits  MetricKind = "BENEFICIARY_VISITS"  // 受益人次
	BeneficiaryPersons MetricKind = "BENEFICIARY_PERSONS" // 受益人数
	VolunteerVisits    MetricKind = "VOLUNTEER_VISITS"    // 志愿者人次
	VolunteerHours     MetricKind = "VOLUNTEER_HOURS"     // 志愿服务时长（小时）
	ExpertVisits       MetricKind = "EXPERT_VISITS"       // 专家人次
	LeveragedFunds     MetricKind = "LEVERAGED_FUNDS"     // 撬动社会资金（分）
)

// MetricKinds lists the metric kinds.
var MetricKinds = []MetricKind{BeneficiaryVisits, BeneficiaryPersons, VolunteerVisits, VolunteerHours, ExpertVisits, LeveragedFunds}

// Provenance says who stands behind a figure.
type Provenance string

// Provenances.
const (
	SelfReported Provenance = "SELF_REPORTED" // 承接方自报
	Verified     Provenance = "VERIFIED"      // 第三方核实
)

// AnnouncementKind is the kind of a public announcement.
type AnnouncementKind string

// Announcement kinds.
const (
	SolicitationNotice AnnouncementKind = "SOLICITATION_NOTICE" // 项目征集通知
	ApprovalNotice     AnnouncementKind = "APPROVAL_NOTICE"     // 立项公示
	MidtermResults     AnnouncementKind = "MIDTERM_RESULTS"     // 中期评审结果公告
	ClosingResults     AnnouncementKind = "CLOSING_RESULTS"     // 验收评估结果公告
	TrancheNotice      AnnouncementKind = "TRANCHE_NOTICE"      // 资金拨付公告
)

// AnnouncementKinds lists the announcement kinds.
var AnnouncementKinds = []AnnouncementKind{SolicitationNotice, ApprovalNotice, MidtermResults, ClosingResults, TrancheNotice}

// ReportKind is the kind of a published report or document.
type ReportKind string

// Report kinds (docs/domain.md's outputs of each stage).
const (
	ImplementationPlan ReportKind = "IMPLEMENTATION_PLAN" // 项目实施方案
	ApplicationSummary ReportKind = "APPLICATION_SUMMARY" // 项目申报信息汇总表
	SolicitationReport ReportKind = "SOLICITATION_REPORT" // 项目征集情况报告
	TrainingMaterial   ReportKind = "TRAINING_MATERIAL"   // 培训材料
	Agreement          ReportKind = "AGREEMENT"           // 项目协议书
	QuarterlySummary   ReportKind = "QUARTERLY_SUMMARY"   // 季度工作总结和计划表
	MidtermReport      ReportKind = "MIDTERM_REPORT"      // 中期评审报告
	AuditReport        ReportKind = "AUDIT_REPORT"        // 财务审计报告
	AcceptanceReport   ReportKind = "ACCEPTANCE_REPORT"   // 项目验收报告
	EvaluationReport   ReportKind = "EVALUATION_REPORT"   // 第三方评估情况报告
	CaseStudyReport    ReportKind = "CASE_STUDY"          // 项目案例
	CorrectionReport   ReportKind = "CORRECTION_REPORT"   // 整改报告
)

// ReportKinds lists the report kinds.
var ReportKinds = []ReportKind{ImplementationPlan, ApplicationSummary, SolicitationReport, TrainingMaterial, Agreement, QuarterlySummary, MidtermReport, AuditReport, AcceptanceReport, EvaluationReport, CaseStudyReport, CorrectionReport}

// AuditResult is the conclusion of a financial audit.
type AuditResult string

// Audit results.
const (
	AuditClean    AuditResult = "CLEAN"    // 无保留意见
	AuditFindings AuditResult = "FINDINGS" // 存在问题
)

// Role is the capacity in which a party writes to the ledger. Every write is
// attributed to an actor and a role.
type Role string

// Roles.
const (
	RoleSystem     Role = "SYSTEM"     // imports and the demo loader
	RoleBureau     Role = "BUREAU"     // civil affairs bureau, the buyer
	RoleFinance    Role = "FINANCE"    // finance bureau
	RoleEvaluator  Role = "EVALUATOR"  // third-party monitoring & evaluation agency
	RoleAuditor    Role = "AUDITOR"    // third-party audit agency
	RoleUndertaker Role = "UNDERTAKER" // the social organization running a project
	RolePublic     Role = "PUBLIC"     // a member of the public (feedback, objections)
	RoleModerator  Role = "MODERATOR"  // moderates feedback and objections
)

var labels = map[string]string{
	string(ElderlySupport): "扶老助老", string(DisabilitySupport): "扶残助残",
	string(PovertyRelief): "扶贫济困", string(CommunityWelfare): "社区公益",
	string(Solicitation): "项目征集", string(Approval): "项目立项",
	string(Execution): "项目执行", string(Closing): "项目结项",
	string(Rejected): "未获立项", string(Terminated): "终止", string(Completed): "已结项",
	string(ScopeFunded): "获资助项目", string(ScopeApplications): "全部申报项目",
	string(InitialScreening): "初筛", string(ApprovalReview): "立项评审",
	string(MidtermReview): "中期评审", string(ClosingReview): "结项评审",
	string(Undertaker): "项目承接方", string(Evaluator): "第三方监测评估机构",
	string(Auditor): "第三方审计机构", string(Department): "政府部门",
	string(FirstTranche): "首期资金", string(SecondTranche): "第二期资金", string(FinalTranche): "尾款",
	string(BeneficiaryVisits): "受益人次", string(BeneficiaryPersons): "受益人数",
	string(VolunteerVisits): "志愿者人次", string(VolunteerHours): "志愿服务时长",
	string(ExpertVisits): "专家人次", string(LeveragedFunds): "撬动社会资金",
	string(SelfReported): "承接方自报", string(Verified): "第三方核实",
	string(SolicitationNotice): "项目征集通知", string(ApprovalNotice): "立项公示",
	string(MidtermResults): "中期评审结果公告", string(ClosingResults): "验收评估结果公告",
	string(TrancheNotice):      "资金拨付公告",
	string(ImplementationPlan): "项目实施方案", string(ApplicationSummary): "项目申报信息汇总表",
	string(SolicitationReport): "项目征集情况报告", string(TrainingMaterial): "培训材料",
	string(Agreement): "项目协议书", string(QuarterlySummary): "季度工作总结和计划表",
	string(MidtermReport): "中期评审报告", string(AuditReport): "财务审计报告",
	string(AcceptanceReport): "项目验收报告", string(EvaluationReport): "第三方评估情况报告",
	string(CaseStudyReport): "项目案例", string(CorrectionReport): "整改报告",
	string(AuditClean): "审计无问题", string(AuditFindings): "审计发现问题",
	string(RoleSystem): "系统", string(RoleBureau): "民政部门", string(RoleFinance): "财政部门",
	string(GradeExcellent): "优秀", string(GradeGood): "良好", string(GradePass): "合格", string(GradeFail): "不合格",
	string(RoleModerator): "内容审核员",
	string(RolePublic):    "公众", // EVALUATOR, AUDITOR, UNDERTAKER share the OrgKind labels
}

// Label returns the Chinese label of any enumeration value of this package,
// or the value itself when it has none.
func Label[T ~string](v T) string {
	if l, ok := labels[string(v)]; ok {
		return l
	}
	return string(v)
}

// Valid reports whether a is a known service area.
func (a ServiceArea) Valid() bool { return oneOf(a, ServiceAreas) }

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool { return oneOf(s, Stages) }

// Valid reports whether o is a known outcome (Ongoing included).
func (o Outcome) Valid() bool { return oneOf(o, []Outcome{Ongoing, Rejected, Terminated, Completed}) }

// Valid reports whether k is a known review kind.
func (k ReviewKind) Valid() bool { return oneOf(k, ReviewKinds) }

// Valid reports whether k is a known organization kind.
func (k OrgKind) Valid() bool { return oneOf(k, OrgKinds) }

// Valid reports whether k is a known tranche kind.
func (k TrancheKind) Valid() bool { return oneOf(k, TrancheKinds) }

// Valid reports whether k is a known metric kind.
func (k MetricKind) Valid() bool { return oneOf(k, MetricKinds) }

// Valid reports whether p is a known provenance.
func (p Provenance) Valid() bool { return p == SelfReported || p == Verified }

// Valid reports whether k is a known announcement kind.
func (k AnnouncementKind) Valid() bool { return oneOf(k, AnnouncementKinds) }

// Valid reports whether k is a known report kind.
func (k ReportKind) Valid() bool { return oneOf(k, ReportKinds) }

// Valid reports whether r is a known audit result.
func (r AuditResult) Valid() bool { return r == AuditClean || r == AuditFindings }

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	return oneOf(r, []Role{RoleSystem, RoleBureau, RoleFinance, RoleEvaluator, RoleAuditor, RoleUndertaker, RolePublic, RoleModerator})
}

func oneOf[T comparable](v T, all []T) bool {
	for _, a := range all {
		if a == v {
			return true
		}
	}
	return false
}
