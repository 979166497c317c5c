package search

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"civicledger/ledger"
)

// A deterministic generator of report-sized documents in the language of
// the programme, for benchmarks at 100,000 documents.

var (
	genDistricts = []string{"黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区", "闵行区", "宝山区", "嘉定区", "浦东新区", "金山区", "松江区", "青浦区", "奉贤区", "崇明区"}
	genAreas     = []struct {
		area     ledger.ServiceArea
		subjects []string
		services []string
	}{
		{ledger.ElderlySupport, []string{"高龄老人", "半失能老人", "独居老人", "空巢老人", "失智老人", "困难老年人"}, []string{"居家养老服务", "老年助餐", "长者食堂运营", "适老化改造", "日间照料", "助浴助洁", "精神慰藉", "认知症照护"}},
		{ledger.DisabilitySupport, []string{"残疾人", "残障人士", "孤独症儿童", "智力障碍人士", "精神障碍康复者"}, []string{"残疾人康复训练", "辅助性就业", "辅具适配", "无障碍出行", "家长喘息服务", "社区康复"}},
		{ledger.PovertyRelief, []string{"低保家庭", "特困人员", "困境儿童", "失业妇女", "因病致贫家庭"}, []string{"临时救助", "助学帮扶", "家政技能培训", "就业援助", "心理关爱", "物资帮困"}},
		{ledger.CommunityWelfare, []string{"社区居民", "居民自组织", "社区志愿者", "外来务工人员", "楼组长"}, []string{"社区营造", "邻里互助", "公益创投", "时间银行", "社区议事", "垃圾分类宣传"}},
	}
	genOrgWords = []string{"乐龄", "阳光", "同心", "春苗", "明德", "安康", "和睦", "携手", "惠民", "善邻", "仁爱", "启明"}
	genOrgKinds = []string{"社会服务中心", "服务社", "公益发展中心", "社工师事务所", "志愿者协会", "互助社"}
	genKinds    = []struct {
		kind  ledger.ReportKind
		title string
	}{
		{ledger.MidtermReport, "中期评审报告"}, {ledger.AuditReport, "财务审计报告"}, {ledger.AcceptanceReport, "项目验收报告"},
		{ledger.EvaluationReport, "第三方评估情况报告"}, {ledger.QuarterlySummary, "季度工作总结"}, {ledger.CaseStudyReport, "项目案例"},
	}
	genSentences = []string{
		"项目在{district}设立服务点，为{subject}提供{service}，全年累计服务{n4}人次。",
		"评审专家认为，项目目标明确，服务流程规范，{subject}的满意度达到{n5}%。",
		"项目招募志愿者{n7}人次，链接社区资源，撬动社会资金{n8}万元。",
		"下一阶段将加强与街道、居委会的沟通协调，扩大{service}的覆盖面，重点关注{subject}的实际需求。",
		"项目团队共有专职社工{n9}名，定期接受督导和能力建设培训。",
		"在{district}民政局的指导下，项目探索了{service}的新模式，具有一定的推广价值。",
		"通过政府购买服务，社会组织的专业优势得到发挥，{subject}的生活质量明显改善。",
		"{month}，项目组在{street}开展了{activity}，共有{n7}名居民参加。",
		"{street}居委会为项目提供了活动场地，{activity}得以每月举办一次。",
		"{name}是项目的长期服务对象，{age}岁，{story}。",
		"针对{problem}的问题，项目组{measure}。",
		"项目负责人表示，{service}需要长期投入，仅靠一年的项目周期难以形成稳定的服务体系。",
		"{activity}受到{subject}的普遍欢迎，部分居民主动报名成为志愿者。",
		"项目与{district}{partner}建立了合作关系，为{subject}提供转介服务。",
		"本年度项目预算{n6}元，其中人员经费占{n10}成，活动经费占其余部分。",
	}
	genKindSentences = map[ledger.ReportKind][]string{
		ledger.AuditReport: {
			"审计发现，项目资金使用基本规范，但存在部分支出凭证不全、劳务费发放缺少签收记录等问题，涉及金额{n6}元。",
			"经审计，项目实际支出{n6}元，结余资金将按规定予以收回。",
			"审计组抽查了{n9}笔支出，其中{n10}笔票据不合规，已要求承接方补正。",
			"项目专账核算，资金拨付与使用进度基本匹配，未发现挤占挪用情况。",
			"审计意见：建议承接方完善财务制度，严格执行公益金使用管理办法。",
		},
		ledger.MidtermReport: {
			"中期评审采用现场查看、资料审阅和服务对象访谈相结合的方式进行。",
			"评审组认为项目总体进展顺利，完成年度计划的{n5}%，评审得分{n5}分。",
			"存在问题：台账记录不完整，个案评估深度不足，需在一个月内整改。",
			"根据协议书约定，第二期资金将在中期评审合格后拨付。",
			"承接方已按要求完成整改，补齐了相关台账，并建立了服务质量自查制度。",
		},
		ledger.AcceptanceReport: {
			"项目按协议完成各项服务指标，经验收合格，准予结项。",
			"验收组查阅了项目档案，实地走访了{n9}户服务对象，核实了服务数量。",
			"结项评审综合得分{n5}分，评定等级为良好。",
			"验收意见：项目成效明显，建议总结经验并在全区推广。",
		},
		ledger.EvaluationReport: {
			"第三方评估机构采用问卷调查、入户访谈和台账核查相结合的方式，对{service}的执行情况进行了评估。",
			"共发放问卷{n4}份，回收有效问卷{n7}份，服务对象满意度为{n5}%。",
			"评估认为，项目的主要问题是服务记录不够完整、成效评估指标偏少，建议在后续工作中予以完善。",
			"评估结论：项目设计合理，执行规范，产出达到预期。",
		},
		ledger.QuarterlySummary: {
			"本季度开展主题活动{n9}场，参与居民{n4}人次，形成服务案例{n10}个。",
			"下季度计划开展{activity}和志愿者培训各一次。",
			"本季度经费支出{n6}元，执行进度符合计划。",
		},
		ledger.CaseStudyReport: {
			"{name}今年{age}岁，{story}。",
			"社工第一次上门时，{name}对服务有些抵触，经过多次探访才慢慢建立了信任。",
			"如今，{name}已经成为{activity}的积极参与者，还带动了身边的邻居。",
		},
	}
	genFill = map[string][]string{
		"{month}":    {"一月", "三月", "五月", "六月", "八月", "十月", "十二月", "春节前夕", "重阳节期间", "国庆假期"},
		"{street}":   {"新华路街道", "天山路街道", "江苏路街道", "曹家渡街道", "石门二路街道", "长风新村街道", "殷行街道", "古美路街道", "友谊路街道", "南翔镇"},
		"{activity}": {"健康讲座", "手工课", "集体生日会", "义诊活动", "法律咨询", "防诈骗宣传", "智能手机培训", "读书会", "亲子活动", "邻里节", "康复训练小组", "家长沙龙", "就业招聘会"},
		"{name}":     {"王阿婆", "李老伯", "张阿姨", "陈先生", "小刘", "赵奶奶", "孙师傅", "周女士", "吴大爷", "郑同学"},
		"{age}":      {"八十二", "七十六", "九十", "六十八", "四十五", "十二", "八十五", "三十七"},
		"{story}":    {"子女在外地工作，平时一个人生活", "因中风行动不便，长期卧床", "是持证的肢体残疾人，曾经失业多年", "家中有两个孩子上学，生活比较困难", "患有轻度认知障碍，记忆力明显下降", "老伴去世后情绪低落，很少出门"},
		"{problem}":  {"服务对象分散、上门成本高", "志愿者流失", "部分老人不会使用智能手机", "活动场地不足", "家属参与度低", "服务时间与居民作息冲突"},
		"{measure}":  {"调整了排班并增设了周末服务", "建立了志愿者积分激励机制", "开设了一对一辅导", "与社区卫生服务中心共享场地", "组织了家属座谈会", "优化了上门路线"},
		"{partner}":  {"社区卫生服务中心", "残疾人联合会", "街道社区事务受理中心", "老年大学", "就业促进中心", "慈善基金会"},
	}
)

// genDocs returns n documents: mostly reports of about 500 characters
// (the demo data set's reports average 400),
// with projects, announcements and case studies among them.
func genDocs(n int, seed uint64) []*ledger.SearchDoc {
	out := make([]*ledger.SearchDoc, 0, n)
	genEach(n, seed, func(d *ledger.SearchDoc) error { out = append(out, d); return nil })
	return out
}

// genEach generates the documents of genDocs one at a time, as the store's
// EachSearchDoc hands them over.
func genEach(n int, seed uint64, fn func(*ledger.SearchDoc) error) error {
	r := rand.New(rand.NewPCG(seed, 1))
	pick := func(s []string) string { return s[r.IntN(len(s))] }
	for i := 1; i <= n; i++ {
		a := genAreas[r.IntN(len(genAreas))]
		district := pick(genDistricts)
		subject, service := pick(a.subjects), pick(a.services)
		org := strings.TrimSuffix(district, "区") + pick(genOrgWords) + pick(genOrgKinds)
		year := 2010 + r.IntN(7)
		pcode := fmt.Sprintf("FC%d-%04d", year, r.IntN(2000))
		date := fmt.Sprintf("%d-%02d-%02d", year, 1+r.IntN(12), 1+r.IntN(28))
		k := genKinds[r.IntN(len(genKinds))]
		var b strings.Builder
		sentences := 8 + r.IntN(12)
		for s := 0; s < sentences; s++ {
			tmpl := pick(genSentences)
			if own := genKindSentences[k.kind]; len(own) > 0 && r.IntN(3) == 0 {
				tmpl = pick(own)
			}
			pairs := []string{"{district}", district, "{subject}", subject, "{service}", service,
				"{n4}", strconv.Itoa(100 + r.IntN(5000)), "{n5}", strconv.Itoa(80 + r.IntN(20)), "{n6}", strconv.Itoa(1000 + r.IntN(50000)),
				"{n7}", strconv.Itoa(10 + r.IntN(500)), "{n8}", strconv.Itoa(1 + r.IntN(80)), "{n9}", strconv.Itoa(2 + r.IntN(20)),
				"{n10}", strconv.Itoa(1 + r.IntN(9))}
			for _, key := range []string{"{month}", "{street}", "{activity}", "{name}", "{age}", "{story}", "{problem}", "{measure}", "{partner}"} {
				pairs = append(pairs, key, pick(genFill[key]))
			}
			strings.NewReplacer(pairs...).WriteString(&b, tmpl)
			if s%5 == 4 {
				b.WriteString("\n")
			}
		}
		d := &ledger.SearchDoc{
			Kind: ledger.DocReport, Body: b.String(), Date: ledger.Date(date), Year: year, ServiceArea: a.area,
			District: district, Stage: ledger.Stages[r.IntN(4)], ProjectCode: pcode, ProjectID: int64(r.IntN(100000)),
			OrgName: org, OrgCode: fmt.Sprintf("52310%03dMJ%07dX", r.IntN(1000), r.IntN(10000000)),
		}
		switch i % 10 {
		case 0:
			d.Kind, d.Key, d.Code, d.SubKind = ledger.DocProject, "project:"+strconv.Itoa(i), pcode, string(a.area)
			d.Title = district + subject + service + "项目"
			if rs := []rune(d.Body); len(rs) > 300 {
				d.Body = string(rs[:300])
			}
		case 1:
			d.Kind, d.Key, d.SubKind = ledger.DocAnnouncement, "announcement:"+strconv.Itoa(i), "APPROVAL_NOTICE"
			d.Title = fmt.Sprintf("%d年度%s类项目立项公示", year, []string{"扶老助老", "扶残助残", "扶贫济困", "社区公益"}[slices.Index(ledger.ServiceAreas, a.area)])
			d.Code = fmt.Sprintf("GG-%d-%05d", year, i)
		default:
			d.Key, d.SubKind = "report:"+strconv.Itoa(i), string(k.kind)
			d.Title = district + service + "项目" + k.title
			d.Code = fmt.Sprintf("BG-%d-%06d", year, i)
		}
		if err := fn(d); err != nil {
			return err
		}
	}
	return nil
}

func sliceFill(docs []*ledger.SearchDoc) func(add func(*ledger.SearchDoc) error) error {
	return func(add func(*ledger.SearchDoc) error) error {
		for _, d := range docs {
			if err := add(d); err != nil {
				return err
			}
		}
		return nil
	}
}

// BenchmarkIndexing measures rebuild throughput (documents per second) on
// report-sized documents, 5,000 a run.
func BenchmarkIndexing(b *testing.B) {
	docs := genDocs(5000, 7)
	LoadDictionary()
	var bytes int
	for _, d := range docs {
		bytes += len(d.Body) + len(d.Title)
	}
	b.SetBytes(int64(bytes))
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ix, err := Open(filepath.Join(b.TempDir(), "ix"), nil)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if _, err := ix.buildAside(context.Background(), stamp{}, sliceFill(docs)); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		ix.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(len(docs)*b.N)/b.Elapsed().Seconds(), "docs/s")
	// The machine may be shared: CPU time per document tells what two idle
	// cores would do (2 / cpu-s-per-doc docs/s at most).
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1000/float64(len(docs)*b.N), "cpu-ms/doc")
}

// cpuTime returns the user and system CPU time of this process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkAnalyze measures the word tokenizer alone.
func BenchmarkAnalyze(b *testing.B) {
	docs := genDocs(200, 3)
	LoadDictionary()
	var bytes int
	for _, d := range docs {
		bytes += len(d.Body)
	}
	b.SetBytes(int64(bytes))
	for i := 0; i < b.N; i++ {
		for _, d := range docs {
			(WordTokenizer{}).Tokenize([]byte(d.Body))
		}
	}
}

// benchQueries is the query mix of the latency measurement.
var benchQueries = []string{
	"养老", "居家养老服务", "长者食堂", "残疾人康复", "适老化改造", "第三方评估", "审计 发现", "\"资金使用基本规范\"",
	"撬动社会资金", "残障人士 就业", "低保家庭", "社区营造 -垃圾分类", "时间银行", "老人 助餐", "中期评审 整改",
	"长宁区 助餐", "孤独症", "家政", "志愿者", "适老", "满意度", "FC2013", "票据", "精神慰藉 独居老人",
	"王阿婆", "\"志愿者积分激励机制\"", "防诈骗宣传", "智能手机培训", "票据不合规", "认知障碍 -中风", "第二期资金 拨付", "残疾人联合会",
}

// TestSearchLatency100k measures indexing throughput, index size, memory
// and query latency with highlights and facets at 100,000 documents. It
// prints figures and asserts nothing about time; run it with
//
//	CIVICLEDGER_SEARCH_BENCH=100000 go test -run SearchLatency -v ./search/
func TestSearchLatency100k(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("CIVICLEDGER_SEARCH_BENCH"))
	if n <= 0 {
		t.Skip("set CIVICLEDGER_SEARCH_BENCH=<documents> to measure")
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	heap0 := ms.HeapAlloc
	LoadDictionary()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("dictionary heap: %.1f MB", float64(ms.HeapAlloc-heap0)/1e6)

	// CIVICLEDGER_SEARCH_BENCH_DIR keeps the index between runs (it is
	// built when the directory holds none).
	dir := os.Getenv("CIVICLEDGER_SEARCH_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "ix")
	}
	ix, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ix.Close()
	if ix.NeedsRebuild() {
		// Documents stream in as from the store; a sampler records the
		// peak memory of the rebuild.
		var chars int
		if v, _ := strconv.Atoi(os.Getenv("CIVICLEDGER_SEARCH_BATCH")); v > 0 {
			ix.RebuildBatch = v
		}
		sampler := startMemSampler(t)
		start, cpu0 := time.Now(), cpuTime()
		if _, err := ix.buildAside(context.Background(), stamp{}, func(add func(*ledger.SearchDoc) error) error {
			return genEach(n, 42, func(d *ledger.SearchDoc) error {
				chars += utf8.RuneCountInString(d.Body)
				return add(d)
			})
		}); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		mem := sampler.finish()
		t.Logf("%d documents, %.0f characters on average", n, float64(chars)/float64(n))
		t.Logf("indexed in %v: %.0f docs/s; %.3f CPU ms/doc (%.0f docs/s on two idle cores)", took.Round(time.Millisecond), float64(n)/took.Seconds(),
			(cpuTime()-cpu0).Seconds()*1000/float64(n), 2/((cpuTime()-cpu0).Seconds()/float64(n)))
		t.Logf("rebuild memory: %s", mem)
	}
	t.Logf("index size: %.1f MB", float64(dirSize(dir))/1e6)
	runtime.GC()
	runtime.ReadMemStats(&ms)
	t.Logf("heap after indexing: %.1f MB; RSS %s", float64(ms.HeapAlloc)/1e6, rss())

	ctx := context.Background()
	for _, noFacets := range []bool{false, true} {
		var lat, cpus []time.Duration
		perQuery := map[string]time.Duration{} // the most CPU one query took
		fallbacks := 0
		// CPU time per query tells more than latency on a shared machine.
		cpu0 := cpuTime()
		for round := 0; round < 20; round++ {
			for i, q := range benchQueries {
				query := Query{Text: q, NoFacets: noFacets}
				if i%4 == 1 {
					query.Sort = SortDateDesc
				}
				if i%6 == 2 {
					query.ServiceAreas = []ledger.ServiceArea{ledger.ElderlySupport}
				}
				s, c := time.Now(), cpuTime()
				res, err := ix.Search(ctx, query)
				if err != nil {
					t.Fatal(err)
				}
				lat = append(lat, time.Since(s))
				// The process's CPU time over one query (the query runs on
				// one goroutine; the collector's share is in it too) is what
				// its latency would be on an idle machine, whatever the load.
				cpu := cpuTime() - c
				cpus = append(cpus, cpu)
				perQuery[q] = max(perQuery[q], cpu)
				if round == 0 && res.Fallback {
					fallbacks++
				}
				if round == 0 && noFacets && i < 3 {
					t.Logf("%s: %d hits; first %s %v", q, res.Total, res.Hits[0].Title, res.Hits[0].Fragments)
				}
			}
		}
		slices.Sort(lat)
		pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
		t.Logf("facets %v: %d queries, p50 %v, p90 %v, p99 %v, max %v (fallbacks %d); %.2f CPU ms/query", !noFacets, len(lat),
			pct(0.5).Round(10*time.Microsecond), pct(0.9).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond), fallbacks,
			(cpuTime()-cpu0).Seconds()*1000/float64(len(lat)))
		slices.Sort(cpus)
		heavy := slices.Collect(maps.Keys(perQuery))
		slices.SortFunc(heavy, func(a, b string) int { return cmp.Compare(perQuery[b], perQuery[a]) })
		for i := range heavy[:5] {
			heavy[i] = fmt.Sprintf("%s %v", heavy[i], perQuery[heavy[i]].Round(100*time.Microsecond))
		}
		t.Logf("facets %v: CPU per query p50 %v, p90 %v, p99 %v, max %v; heaviest: %s", !noFacets,
			cpus[len(cpus)/2].Round(10*time.Microsecond), cpus[len(cpus)*9/10].Round(10*time.Microsecond),
			cpus[len(cpus)*99/100].Round(10*time.Microsecond), cpus[len(cpus)-1].Round(10*time.Microsecond), strings.Join(heavy[:5], ", "))
	}
	runtime.ReadMemStats(&ms)
	t.Logf("heap after queries: %.1f MB; RSS %s", float64(ms.HeapAlloc)/1e6, rss())
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}

// rss reads the resident set size of this process from /proc: all of it,
// anonymous memory (heap, stacks) and mapped files (the index segments).
func rss() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, k := range []string{"VmRSS:", "RssAnon:", "RssFile:"} {
			if strings.HasPrefix(line, k) {
				out = append(out, k+" "+strings.Join(strings.Fields(strings.TrimPrefix(line, k)), " "))
			}
		}
	}
	return strings.Join(out, ", ")
}
