package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"civicledger/ledger"
	"civicledger/store"
)

// The browser tests drive Debian's Chromium (installed by .ci/browser.sh)
// through the DevTools protocol against the demo site served on a real
// socket. They are skipped when Chromium or axe-core is missing, and fail
// instead under CI=true.

const chromiumPath = "/usr/bin/chromium"

// axePath is the accessibility checker injected into each page.
var axePath = filepath.Join("e2e", "node_modules", "axe-core", "axe.min.js")

// browser starts a fresh headless Chromium (its own profile directory)
// and the demo site; it returns the browser's context and the site's
// address.
func browser(t *testing.T) (context.Context, string, *site) {
	t.Helper()
	missing := ""
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = chromiumPath
	} else if _, err := os.Stat(axePath); err != nil {
		missing = axePath
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing under CI=true: .ci/browser.sh installs it", missing)
		}
		t.Skipf("%s is missing: run .ci/browser.sh", missing)
	}
	s := demoSite(t, store.SQLite)
	srv := httptest.NewServer(s.handler)
	t.Cleanup(srv.Close)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelCtx := chromedp.NewContext(actx)
	// The first run starts the browser, which lives as long as bctx; the
	// steps that follow are bounded in time.
	if err := chromedp.Do(bctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	ctx, cancelTimeout := context.WithTimeout(bctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	return ctx, srv.URL, s
}

// screenshotDir is where the screenshots go: $CIVICLEDGER_SCREENSHOTS, or
// test-output/screenshots at the top of the repository (not committed).
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("CIVICLEDGER_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join("..", "test-output", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBrowserJourney: a visitor on a phone opens the home page, searches,
// opens a project, follows its timeline to a document, gives feedback and
// gets a receipt, objects to a project of an open notice, and switches to
// English and to the elderly-friendly mode; every step is a real click or
// keystroke in Chromium, with no JavaScript of ours needed.
func TestBrowserJourney(t *testing.T) {
	ctx, base, s := browser(t)
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	must := func(step string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	// Each step has a minute: a missing element fails the step, not the run.
	do := func(steps ...chromedp.Action[chromedp.Void]) error {
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return chromedp.Do(sctx, steps...)
	}
	must("home and search", do(
		chromedp.EmulateViewport(375, 812),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(css("#headline")),
		chromedp.SendKeys(css("#home-q"), "长者食堂"),
		chromedp.Submit(css("#home-q")),
		chromedp.WaitVisible(css("li.card.hit")),
	))
	hits, err := chromedp.Run(ctx, chromedp.Text(css("section.hits")))
	must("results", err)
	if !strings.Contains(hits, "长者食堂") {
		t.Errorf("search results do not show the words searched: %.120q", hits)
	}
	must("open a project", do(
		chromedp.Click(css(`header nav a[href="/projects"]`)),
		chromedp.WaitVisible(css("#project-filters")),
		chromedp.Click(css("ul.cards li.card h3 a")),
		chromedp.WaitVisible(css("#timeline")),
	))
	steps, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("ol.steps a").length`))
	must("timeline", err)
	projectURL, err := chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	// Follow the timeline: the first stage with documents, then its first
	// document.
	stage, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("ol.timeline ul.docs").closest("li[id]").id`))
	must("a stage with documents", err)
	must("stage", do(chromedp.Click(css(`ol.steps a[href="#`+stage+`"]`))))
	at, err := chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	if steps != 4 || !strings.HasSuffix(at, "#"+stage) {
		t.Errorf("%d timeline steps; the stage link led to %s", steps, at)
	}
	must("document", do(
		chromedp.Click(css("#"+stage+" ul.docs a")),
		chromedp.WaitVisible(css("article.record h1")),
	))
	at, err = chromedp.Run(ctx, chromedp.Location())
	must("location", err)
	if !strings.Contains(at, "/announcements/") && !strings.Contains(at, "/reports/") {
		t.Errorf("the timeline's document link led to %s", at)
	}
	// Give feedback on the project with a feedback code from the card the
	// evaluator printed (issued here as the bureau would) and get a receipt
	// that says it counts as verified; the same code again is refused next
	// to its field. Then object to a project of the notice open today.
	code := projectURL[strings.LastIndex(projectURL, "/projects/")+len("/projects/"):]
	bureau := ledger.WithActor(context.Background(), ledger.Actor{AccountID: 1, Login: "browser-test", Roles: []ledger.Role{ledger.RoleBureau}})
	batch, err := s.core.IssueFeedbackCodes(bureau, code, 1)
	must("issue a feedback code", err)
	giveFeedback := do(
		chromedp.Navigate(projectURL),
		chromedp.WaitVisible(css("#feedback")),
		chromedp.Click(css(`#feedback input[name="rating"][value="5"]`)),
		chromedp.SendKeys(css("#f-fcode"), batch.Codes[0]),
		chromedp.SendKeys(css("#f-comment"), "社工很耐心，谢谢！"),
		chromedp.Submit(css("#f-comment")),
		chromedp.WaitVisible(css("#receipt-no")),
	)
	must("feedback", giveFeedback)
	receipt, err := chromedp.Run(ctx, chromedp.Text(css("#receipt-no")))
	must("feedback receipt", err)
	page, err := chromedp.Run(ctx, chromedp.Text(css("main")))
	must("feedback receipt page", err)
	if !strings.Contains(page, "是（反馈码有效）") {
		t.Errorf("the receipt of feedback with a valid code does not say it is verified: %.300q", page)
	}
	must("the same code again", do(
		chromedp.Navigate(projectURL),
		chromedp.WaitVisible(css("#feedback")),
		chromedp.Click(css(`#feedback input[name="rating"][value="4"]`)),
		chromedp.SendKeys(css("#f-fcode"), batch.Codes[0]),
		chromedp.Submit(css("#f-fcode")),
		chromedp.WaitVisible(css("#f-fcode-err")),
	))
	must("objection", do(
		chromedp.Navigate(base+"/announcements/"+s.notice.Code),
		chromedp.WaitVisible(css("#objection")),
		chromedp.SendKeys(css("#o-name"), "李四"),
		chromedp.SendKeys(css("#o-contact"), "13900000000"),
		chromedp.SendKeys(css("#o-text"), "该项目的承接方资质存疑，请核查。"),
		chromedp.Submit(css("#o-text")),
		chromedp.WaitVisible(css("#receipt-no")),
	))
	objection, err := chromedp.Run(ctx, chromedp.Text(css("#receipt-no")))
	must("objection receipt", err)
	if !strings.HasPrefix(receipt, "FK-") || !strings.HasPrefix(objection, "YY-") {
		t.Errorf("receipts: feedback %q, objection %q", receipt, objection)
	}
	// English, then the elderly-friendly mode, remembered as we go on.
	must("switches", do(
		chromedp.Click(css("#to-en")),
		chromedp.WaitVisible(css("#to-zh")),
		chromedp.Click(css("#care-on")),
		chromedp.WaitVisible(css("#care-off")),
		chromedp.Navigate(base+"/projects"),
		chromedp.WaitVisible(css("#care-off")),
	))
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	must("lang", err)
	class, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.className`))
	must("class", err)
	size, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).fontSize`))
	must("font size", err)
	if lang != "en" || class != "care" || size != "21px" {
		t.Errorf("after the switches: lang %q, html class %q, font size %s", lang, class, size)
	}
}

// axeViolation is one rule axe-core found broken.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            int
	Targets          []string
}

// TestAccessibility runs axe-core on every page type at a phone's and a
// desktop's width (and the elderly-friendly and English variants of the
// home and project pages): no serious or critical violation. A screenshot
// of each is written to the screenshot directory.
func TestAccessibility(t *testing.T) {
	ctx, base, s := browser(t)
	axe, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	dir := screenshotDir(t)
	pages := pageTypes(t, s)
	pages["home-en"] = "/?lang=en"
	pages["project-en"] = pages["project"] + "?lang=en"
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, care := range []bool{false, true} {
		if care {
			// The elderly-friendly mode, on the pages with most on them.
			names = []string{"home", "project", "announcement"}
			if err := chromedp.Do(ctx, chromedp.Navigate(base+"/prefs?care=1&back=/")); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range names {
			for _, width := range []int64{375, 1280} {
				label := fmt.Sprintf("%s-%d", name, width)
				if care {
					label = fmt.Sprintf("%s-care-%d", name, width)
				}
				err := chromedp.Do(ctx,
					chromedp.EmulateViewport(width, 900),
					chromedp.Navigate(base+pages[name]),
					chromedp.WaitReady(chromedp.CSS("body")),
				)
				if err != nil {
					t.Fatalf("%s: %v", label, err)
				}
				if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(axe)+"\n;true")); err != nil {
					t.Fatalf("%s: inject axe-core: %v", label, err)
				}
				raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations.map(v => ({
					id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length,
					targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatalf("%s: axe-core: %v", label, err)
				}
				shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatalf("%s: screenshot: %v", label, err)
				}
				if strings.HasSuffix(name, "-en") {
					// ?lang=en is remembered: the next pages go back to Chinese.
					if err := chromedp.Do(ctx, chromedp.Navigate(base+"/prefs?lang=zh&back=/")); err != nil {
						t.Fatal(err)
					}
				}
				if err := os.WriteFile(filepath.Join(dir, label+".png"), shot, 0o644); err != nil {
					t.Fatal(err)
				}
				var vs []axeViolation
				if err := json.Unmarshal([]byte(raw), &vs); err != nil {
					t.Fatalf("%s: axe answered %q", label, raw)
				}
				for _, v := range vs {
					if v.Impact == "serious" || v.Impact == "critical" {
						t.Errorf("%s: %s (%s) %s, %d elements: %v", label, v.ID, v.Impact, v.Help, v.Nodes, v.Targets)
					} else {
						t.Logf("%s: %s (%s) %s, %d elements", label, v.ID, v.Impact, v.Help, v.Nodes)
					}
				}
			}
		}
	}
	t.Logf("screenshots in %s", dir)
}
