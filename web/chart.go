package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-analyze/charts"

	"civicledger/ledger"
	"civicledger/portal"
)

// A chart is drawn on the server as SVG (go-analyze/charts) from one
// statistics answer of the core, and shown with a text alternative, its
// numbers as a table and the GraphQL query that gives the same numbers.
type chart struct {
	Name    string // address: /charts/<name>.svg
	Title   string
	Alt     string
	Query   string // the GraphQL query with the same numbers
	Key     string // text key of the category column
	Cats    []string
	Keys    []string // the group keys as the API gives them
	Series  []*series
	Horiz   bool
	Caption string
}

// series is one column of a chart's table; InChart ones are drawn.
type series struct {
	Field   string // the API's field name
	Name    string
	InChart bool
	Values  []float64 // as drawn (万元, million yuan, persons)
	Cells   []template.HTML
}

// QueryURL runs the chart's query on the API (GET).
func (c *chart) QueryURL() string { return "/graphql?" + url.Values{"query": {c.Query}}.Encode() }

// GraphiQL opens the chart's query in GraphiQL.
func (c *chart) GraphiQL() string { return "/graphiql?" + url.Values{"query": {c.Query}}.Encode() }

// The queries behind the home page's figures and charts.
const (
	headlineQuery = `{ stats { total { projects awarded leveraged leverageRatio beneficiaries volunteers experts } } }`
	yearQuery     = `{ stats(groupBy: [YEAR]) { groups { key { year } projects awarded leveraged leverageRatio beneficiaries volunteers experts } } }`
	areaQuery     = `{ stats(groupBy: [SERVICE_AREA]) { groups { key { serviceArea } projects awarded satisfaction } } }`
	districtQuery = `{ stats(groupBy: [DISTRICT]) { groups(orderBy: {field: AWARDED}) { key { district } projects awarded } } }`
)

// chartNames are the charts in the order the home page shows them.
var chartNames = []string{"funding-by-year", "beneficiaries-by-year", "service-areas", "districts", "satisfaction"}

// charts computes every chart of the home page in the language lang.
func (h *Handler) charts(ctx context.Context, lang string) ([]*chart, error) {
	v := &view{Lang: lang}
	_, years, err := h.core.Stats(ctx, nil, []ledger.StatsGroup{ledger.GroupByYear})
	if err != nil {
		return nil, err
	}
	if years, err = portal.GroupPage(years, portal.ByKey, false, portal.MaxPage, 0); err != nil {
		return nil, err
	}
	_, areas, err := h.core.Stats(ctx, nil, []ledger.StatsGroup{ledger.GroupByServiceArea})
	if err != nil {
		return nil, err
	}
	if areas, err = portal.GroupPage(areas, portal.ByKey, false, portal.MaxPage, 0); err != nil {
		return nil, err
	}
	_, districts, err := h.core.Stats(ctx, nil, []ledger.StatsGroup{ledger.GroupByDistrict})
	if err != nil {
		return nil, err
	}
	if districts, err = portal.GroupPage(districts, portal.ByAwarded, true, portal.MaxPage, 0); err != nil {
		return nil, err
	}
	money := func(m ledger.Money) float64 {
		if lang == "en" {
			return float64(m) / 1e8 // million yuan
		}
		return float64(m) / 1e6 // 万元
	}
	moneyUnit := v.T("unitWan")
	key := func(rows []*ledger.StatsRow, g ledger.StatsGroup, label func(string) string) ([]string, []string) {
		var cats, keys []string
		for _, r := range rows {
			k := r.Key[g]
			keys = append(keys, k)
			cats = append(cats, label(k))
		}
		return cats, keys
	}
	moneySeries := func(field, name string, rows []*ledger.StatsRow, get func(*ledger.StatsRow) ledger.Money, in bool) *series {
		s := &series{Field: field, Name: name + " (" + moneyUnit + ")", InChart: in}
		for _, r := range rows {
			s.Values = append(s.Values, money(get(r)))
			s.Cells = append(s.Cells, moneyHTML(get(r), lang))
		}
		return s
	}
	countSeries := func(field, name string, rows []*ledger.StatsRow, get func(*ledger.StatsRow) int64, in bool) *series {
		s := &series{Field: field, Name: name, InChart: in}
		for _, r := range rows {
			s.Values = append(s.Values, float64(get(r)))
			s.Cells = append(s.Cells, countHTML(get(r)))
		}
		return s
	}
	same := func(s string) string { return s }
	yc, yk := key(years, ledger.GroupByYear, same)
	ac, ak := key(areas, ledger.GroupByServiceArea, func(s string) string { return v.L(s) })
	dc, dk := key(districts, ledger.GroupByDistrict, same)

	ratio := &series{Field: "leverageRatio", Name: v.T("leverageRatio")}
	for _, r := range years {
		ratio.Cells = append(ratio.Cells, ratioHTML(r.Leveraged, r.Awarded))
	}
	sat := &series{Field: "satisfaction", Name: v.T("satisfaction"), InChart: true}
	for _, r := range areas {
		s := r.Satisfaction()
		if s == nil {
			sat.Values = append(sat.Values, 0)
			sat.Cells = append(sat.Cells, "—")
			continue
		}
		sat.Values = append(sat.Values, *s)
		sat.Cells = append(sat.Cells, template.HTML(fmt.Sprintf(`<data value="%g">%.2f</data>`, *s, *s)))
	}
	out := []*chart{
		{Name: "funding-by-year", Title: v.T("chartFunding"), Query: yearQuery, Key: "year", Cats: yc, Keys: yk, Series: []*series{
			moneySeries("awarded", v.T("awarded"), years, func(r *ledger.StatsRow) ledger.Money { return r.Awarded }, true),
			moneySeries("leveraged", v.T("leveraged"), years, func(r *ledger.StatsRow) ledger.Money { return r.Leveraged }, true),
			ratio,
			countSeries("projects", v.T("projectsN"), years, func(r *ledger.StatsRow) int64 { return r.Projects }, false),
		}},
		{Name: "beneficiaries-by-year", Title: v.T("chartBeneficiaries"), Query: yearQuery, Key: "year", Cats: yc, Keys: yk, Series: []*series{
			countSeries("beneficiaries", v.T("beneficiaries"), years, func(r *ledger.StatsRow) int64 { return r.Beneficiaries }, true),
			countSeries("volunteers", v.T("volunteers"), years, func(r *ledger.StatsRow) int64 { return r.Volunteers }, false),
			countSeries("experts", v.T("experts"), years, func(r *ledger.StatsRow) int64 { return r.Experts }, false),
		}},
		{Name: "service-areas", Title: v.T("chartAreas"), Query: areaQuery, Key: "serviceArea", Cats: ac, Keys: ak, Horiz: true, Series: []*series{
			moneySeries("awarded", v.T("awarded"), areas, func(r *ledger.StatsRow) ledger.Money { return r.Awarded }, true),
			countSeries("projects", v.T("projectsN"), areas, func(r *ledger.StatsRow) int64 { return r.Projects }, false),
		}},
		{Name: "districts", Title: v.T("chartDistricts"), Query: districtQuery, Key: "district", Cats: dc, Keys: dk, Horiz: true, Series: []*series{
			moneySeries("awarded", v.T("awarded"), districts, func(r *ledger.StatsRow) ledger.Money { return r.Awarded }, true),
			countSeries("projects", v.T("projectsN"), districts, func(r *ledger.StatsRow) int64 { return r.Projects }, false),
		}},
		{Name: "satisfaction", Title: v.T("chartSatisfaction"), Query: areaQuery, Key: "serviceArea", Cats: ac, Keys: ak, Horiz: true,
			Series: []*series{sat}, Caption: v.T("satisfactionNote")},
	}
	for _, c := range out {
		c.Alt = altText(v, c)
	}
	return out, nil
}

// altText says in words what a chart shows: its title and, per category,
// the drawn values.
func altText(v *view, c *chart) string {
	var b strings.Builder
	b.WriteString(c.Title)
	b.WriteString(v.T("altSep"))
	for i, cat := range c.Cats {
		if i > 0 {
			b.WriteString(v.T("listSep"))
		}
		b.WriteString(cat)
		for _, s := range c.Series {
			if s.InChart {
				fmt.Fprintf(&b, " %s %s", s.Name, formatValue(s.Values[i]))
			}
		}
	}
	return b.String()
}

func formatValue(f float64) string {
	if f == float64(int64(f)) {
		return groupDigits(int64(f))
	}
	return fmt.Sprintf("%.2f", f)
}

// chartWidth is the width of every chart's drawing.
const chartWidth = 640

// Height is the height of the chart's drawing: horizontal bars grow with
// their categories.
func (c *chart) Height() int {
	if c.Horiz {
		return max(200, 80+34*len(c.Cats))
	}
	return 360
}

// svg draws the chart.
func (c *chart) svg() ([]byte, error) {
	var values [][]float64
	var names []string
	for _, s := range c.Series {
		if s.InChart {
			values = append(values, s.Values)
			names = append(names, s.Name)
		}
	}
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: chartWidth, Height: c.Height()})
	opt := charts.NewBarChartOptionWithData(values)
	opt.Horizontal = c.Horiz
	font := charts.FontStyle{FontSize: 13, FontColor: charts.ColorBlack}
	opt.CategoryAxis.Labels = c.Cats
	opt.CategoryAxis.LabelFontStyle = font
	// Bars start at zero, so their lengths compare truly.
	opt.ValueAxis = []charts.ValueAxisOption{{Min: charts.Ptr(0.0), LabelFontStyle: font}}
	opt.Legend = charts.LegendOption{SeriesNames: names, FontStyle: font}
	opt.Padding = charts.Box{Top: 16, Left: 16, Right: 24, Bottom: 16}
	if err := p.BarChart(opt); err != nil {
		return nil, err
	}
	return p.Bytes()
}

// chartSVG serves one chart as an SVG image, in the language asked.
func (h *Handler) chartSVG(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSuffix(r.PathValue("name"), ".svg")
	v := h.newView(nil, r)
	if !slices.Contains(chartNames, name) {
		h.errorPage(w, r, v, ledger.NotFound("chart", name))
		return
	}
	cs, err := h.charts(r.Context(), v.Lang)
	if err != nil {
		h.errorPage(w, r, v, err)
		return
	}
	for _, c := range cs {
		if c.Name == name {
			b, err := c.svg()
			if err != nil {
				h.errorPage(w, r, v, err)
				return
			}
			w.Header().Set("Content-Type", "image/svg+xml")
			w.Header().Set("Cache-Control", "public, max-age=300")
			// The image's own policy: its styles only, nothing run.
			w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
			_, _ = w.Write(b)
			return
		}
	}
}
