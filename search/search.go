package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"

	"civicledger/ledger"
)

// Sort is the order of search results.
type Sort string

// Sort orders. Relevance is the score alone (a tie-break would read a value
// for every match); the date orders break ties by key.
const (
	SortRelevance Sort = "RELEVANCE"
	SortDateDesc  Sort = "DATE_DESC"
	SortDateAsc   Sort = "DATE_ASC"
)

// Limits of a query.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxOffset    = 10000
)

// Query is a search: the text a person typed, filters, order and page.
// Filters of one kind are ORed, different kinds ANDed. Empty text lists
// everything that passes the filters, newest first unless Sort says otherwise.
type Query struct {
	Text         string // see ParseText
	Kinds        []ledger.DocKind
	SubKinds     []string // report, announcement or organization kinds
	ServiceAreas []ledger.ServiceArea
	Years        []int
	Districts    []string
	Orgs         []string // organization names or credit codes
	Stages       []ledger.Stage
	Sort         Sort // default SortRelevance
	Offset       int
	Limit        int // default DefaultLimit, at most MaxLimit
	// NoFacets skips counting the facets, which is most of the time of a
	// query that matches tens of thousands of records.
	NoFacets bool
	// Suggest asks for Result.Suggestions, which read the term dictionary
	// for each word of a query that finds few records.
	Suggest bool
	// allKeys returns the keys of every match (up to MaxOffset), without
	// stored fields or highlights: for the tests that judge whole match sets.
	allKeys bool
}

// Result is one page of search results.
type Result struct {
	Total    uint64 // hits in all pages
	Hits     []Hit
	Facets   Facets
	Fallback bool // nothing matched the words; the hits match character pairs
	// Indexing is set while the index is being (re)built (NeedsRebuild):
	// the answer comes from an empty or older index and may be incomplete.
	Indexing bool
	// Expansions says how words of the query were widened: by synonyms
	// and everyday words, compounds by their parts, pinyin and English by
	// the Chinese terms they stand for.
	Expansions []Expansion
	// Suggestions are queries close to this one whose changed words the
	// index holds ("did you mean"), given when Query.Suggest asks and it
	// found few records or only partial matches.
	Suggestions []string
	Took        time.Duration
}

// Hit is one record found.
type Hit struct {
	Key         string // "report:123"
	Kind        ledger.DocKind
	Code        string
	Title       string
	Date        ledger.Date
	ProjectCode string
	ProjectID   int64
	OrgName     string
	Score       float64
	// TitleHTML is the title with matches in <mark>, HTML-escaped otherwise.
	TitleHTML string
	// Fragments are passages of the body around the matches, HTML-escaped
	// with matches in <mark>; the start of the body when only the title or
	// codes matched.
	Fragments []string
}

// Facets count the hits of all pages by each field.
type Facets struct {
	Kind        []FacetCount
	ServiceArea []FacetCount
	Year        []FacetCount
	District    []FacetCount
	OrgName     []FacetCount
	Stage       []FacetCount
}

// FacetCount is one value of a facet and how many hits have it.
type FacetCount struct {
	Value string
	Count int
}

// The terms of fFacets: the few-valued fields of a record (kind, service
// area, year, stage) joined in one term, its district and its organization
// in one each, told apart by their first byte. A hit then costs three
// counts; the combinations (a few hundred) are split after counting.
const (
	facetCombo    = "\x01" // kind \x1f service area \x1f year \x1f stage
	facetDistrict = "\x02"
	facetOrg      = "\x03"
	facetSep      = "\x1f"
)

// comboFields are the fields of a facetCombo term, in its order.
var comboFields = []string{fKind, fServiceArea, fYear, fStage}

// facetSize is the number of values kept per facet field.
const facetSize = 20

// Search runs q. Invalid input (a bad sort, a negative page) is an
// ledger.EINVALID error; a closed index is an internal error.
func (ix *Index) Search(ctx context.Context, q Query) (*Result, error) {
	start := time.Now()
	if err := q.check(); err != nil {
		return nil, err
	}
	p := planText(q.Text)
	filter := q.filter()
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	if ix.bi == nil {
		return nil, errClosed
	}
	lx, err := ix.bi.lexicon()
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer lx.close()
	parts := lx.widenCompounds(p)
	res, err := ix.run(ctx, q, p, filter, false)
	if err != nil {
		return nil, err
	}
	if res.Total == 0 && p.fallback() {
		if res, err = ix.fallback(ctx, q, p, filter); err != nil {
			return nil, err
		}
	}
	if res.Total == 0 {
		if dropped := lx.dropLeftovers(p); dropped != nil {
			if res, err = ix.run(ctx, q, p, filter, false); err != nil {
				return nil, err
			}
			parts = append(parts, dropped...)
		}
	}
	res.Expansions = append(p.expansions(), parts...)
	if q.Suggest && strings.TrimSpace(q.Text) != "" && (res.Total < suggestBelow || res.Fallback || len(parts) > 0) {
		res.Suggestions = lx.suggest(q.Text)
	}
	res.Indexing = ix.NeedsRebuild()
	res.Took = time.Since(start)
	return res, nil
}

// verifyCap is the most character-pair matches whose text is checked.
const verifyCap = 1000

// fallback runs p on the character pairs. The pair fields keep no
// positions, so a record may hold a query's pairs apart (老年 and 年仁
// for 老年仁); when there are at most verifyCap such matches, only those
// whose text holds each run of the query whole are kept.
func (ix *Index) fallback(ctx context.Context, q Query, p *plan, filter query.Query) (*Result, error) {
	all := q
	all.allKeys, all.NoFacets = true, true
	keys, err := ix.run(ctx, all, p, filter, true)
	if err != nil {
		return nil, err
	}
	if keys.Total > 0 && keys.Total <= verifyCap {
		ids := make([]string, len(keys.Hits))
		for i, h := range keys.Hits {
			ids[i] = h.Key
		}
		docs, err := ix.fetch(ctx, nil, ids, false)
		if err != nil {
			return nil, err
		}
		only := []string{}
		for _, id := range ids {
			if m := docs[id]; m != nil && p.holds(storedText(m)) {
				only = append(only, id)
			}
		}
		if len(only) == 0 {
			return &Result{}, nil
		}
		p.only = only
	}
	res, err := ix.run(ctx, q, p, filter, true)
	if err != nil {
		return nil, err
	}
	res.Fallback = true
	return res, nil
}

// storedText is the normalised stored text of a match that a query's
// words may be found in.
func storedText(m *search.DocumentMatch) string {
	var parts []string
	for _, f := range []string{fTitle, fBody, fCode, fProjectCode, fOrgName} {
		if s, ok := m.Fields[f].(string); ok {
			parts = append(parts, s)
		}
	}
	return Normalize(strings.Join(parts, "\n"))
}

func (q *Query) check() error {
	switch q.Sort {
	case "", SortRelevance, SortDateDesc, SortDateAsc:
	default:
		return ledger.Invalid("sort", "unknown sort %q", q.Sort)
	}
	if q.Offset < 0 || q.Offset > MaxOffset {
		return ledger.Invalid("offset", "offset must be between 0 and %d", MaxOffset)
	}
	if q.Limit < 0 {
		return ledger.Invalid("limit", "limit must not be negative")
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	if len([]rune(q.Text)) > 200 {
		return ledger.Invalid("text", "the search text is longer than 200 characters")
	}
	return nil
}

// filter is the conjunction of the query's filters, nil when there are none.
func (q *Query) filter() query.Query {
	var all []query.Query
	add := func(field string, values []string) {
		if len(values) == 0 {
			return
		}
		var any []query.Query
		for _, v := range values {
			t := query.NewTermQuery(v)
			t.SetField(field)
			any = append(any, t)
		}
		all = append(all, query.NewDisjunctionQuery(any))
	}
	add(fKind, strs(q.Kinds))
	add(fSubKind, q.SubKinds)
	add(fServiceArea, strs(q.ServiceAreas))
	var years []string
	for _, y := range q.Years {
		years = append(years, strconv.Itoa(y))
	}
	add(fYear, years)
	add(fDistrict, q.Districts)
	if len(q.Orgs) > 0 {
		var any []query.Query
		for _, o := range q.Orgs {
			for _, f := range []string{fOrgName, fOrgCode} {
				t := query.NewTermQuery(o)
				t.SetField(f)
				any = append(any, t)
			}
		}
		all = append(all, query.NewDisjunctionQuery(any))
	}
	add(fStage, strs(q.Stages))
	if len(all) == 0 {
		return nil
	}
	return query.NewConjunctionQuery(all)
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// build makes the bleve query of a plan: on the word fields, or on the
// bigram fields for the fallback.
// Phrase clauses are left to rescore (see phraseQuery).
func build(p *plan, filter query.Query, bigram bool) query.Query {
	b := query.NewBooleanQuery(nil, nil, nil)
	if p.empty() {
		b.AddMust(query.NewMatchAllQuery())
	}
	for _, u := range p.must {
		if bigram || u.substr {
			b.AddMust(bigramQuery(u))
		} else {
			b.AddMust(wordQuery(u))
		}
	}
	for _, u := range p.exclude {
		if bigram {
			b.AddMustNot(bigramQuery(u))
		} else {
			b.AddMustNot(wordQuery(u))
		}
	}
	for _, a := range p.areas {
		t := query.NewTermQuery(string(a))
		t.SetField(fServiceArea)
		t.SetBoost(2)
		b.AddShould(t)
	}
	if filter != nil {
		b.AddFilter(filter)
	}
	if p.only != nil {
		b.AddFilter(query.NewDocIDQuery(p.only))
	}
	return b
}

// phraseQuery matches the chunks' words in order, nil when no chunk has
// two words. It is not part of the main query, where it would check
// positions in every match: the best rescoreDepth matches are rescored.
func phraseQuery(p *plan) query.Query {
	var qs []query.Query
	for _, ph := range p.boost {
		for _, f := range wordFields {
			qs = append(qs, termsQuery(ph, f.field, 2*f.boost))
		}
	}
	if len(qs) == 0 {
		return nil
	}
	return query.NewDisjunctionQuery(qs)
}

// rescoreDepth is how many of the best matches the phrase clauses rescore.
const rescoreDepth = 100

var storedFields = []string{fTitle, fBody, fKind, fCode, fDate, fProjectCode, fProjectID, fOrgName}

func (ix *Index) run(ctx context.Context, q Query, p *plan, filter query.Query, bigram bool) (*Result, error) {
	bq := build(p, filter, bigram)
	byScore := q.Sort == SortRelevance || (q.Sort == "" && !p.empty())
	var pq query.Query
	if byScore && !bigram && q.Offset+q.Limit <= rescoreDepth {
		pq = phraseQuery(p)
	}
	size, from := q.Limit, q.Offset
	if pq != nil {
		size, from = rescoreDepth, 0
	}
	if q.allKeys {
		pq, size, from = nil, MaxOffset, 0
	}
	req := bleve.NewSearchRequestOptions(bq, size, from, false)
	switch {
	case byScore:
		// Score alone: a second key would load a value for every match.
		req.SortBy([]string{"-_score"})
	// Ties broken by key, from doc values (sorting by _id would read the
	// stored id of every match).
	case q.Sort == SortDateAsc:
		req.SortBy([]string{fDate, fKey})
	default:
		req.SortBy([]string{"-" + fDate, fKey})
	}
	sctx := ctx
	var tally *facetTally
	if !q.NoFacets {
		tally = &facetTally{}
		sctx = tally.context(ctx)
	}
	sr, err := ix.bi.SearchInContext(sctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	type scored struct {
		id    string
		score float64
	}
	page := make([]scored, len(sr.Hits))
	for i, h := range sr.Hits {
		page[i] = scored{h.ID, h.Score}
	}
	if pq != nil && len(page) > 0 {
		bonus, err := ix.scores(ctx, pq, page2ids(sr.Hits))
		if err != nil {
			return nil, err
		}
		for i := range page {
			page[i].score += bonus[page[i].id]
		}
		slices.SortStableFunc(page, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
		page = page[min(q.Offset, len(page)):min(q.Offset+q.Limit, len(page))]
	}
	if q.allKeys {
		res := &Result{Total: sr.Total}
		for _, s := range page {
			res.Hits = append(res.Hits, Hit{Key: s.id, Score: s.score})
		}
		return res, nil
	}
	ids := make([]string, len(page))
	for i, s := range page {
		ids[i] = s.id
	}
	docs, err := ix.fetch(ctx, bq, ids, !p.empty() && !bigram)
	if err != nil {
		return nil, err
	}
	res := &Result{Total: sr.Total, Hits: make([]Hit, 0, len(page))}
	hl := newHighlighter(p, bigram)
	for _, s := range page {
		if m := docs[s.id]; m != nil {
			h := toHit(m, hl)
			h.Score = s.score
			res.Hits = append(res.Hits, h)
		}
	}
	if tally != nil {
		res.Facets = facets(tally.counts)
	}
	return res, nil
}

func page2ids(hits search.DocumentMatchCollection) []string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.ID
	}
	return ids
}

// scores returns the score of q for each of the documents ids that it matches.
func (ix *Index) scores(ctx context.Context, q query.Query, ids []string) (map[string]float64, error) {
	// A conjunction, which visits the documents ids only (a filter would
	// check the phrases in every match first); the ids weigh nothing, so
	// the scores are q's.
	idq := query.NewDocIDQuery(ids)
	idq.SetBoost(0)
	b := query.NewConjunctionQuery([]query.Query{idq, q})
	req := bleve.NewSearchRequestOptions(b, len(ids), 0, false)
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	out := make(map[string]float64, len(sr.Hits))
	for _, h := range sr.Hits {
		out[h.ID] = h.Score
	}
	return out, nil
}

// fetch loads the stored fields of the documents ids and, with locations
// set, where bq matched in them (asked for in the main search, locations
// would be collected for every match, not only the page's).
func (ix *Index) fetch(ctx context.Context, bq query.Query, ids []string, locations bool) (map[string]*search.DocumentMatch, error) {
	out := make(map[string]*search.DocumentMatch, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var q query.Query = query.NewDocIDQuery(ids)
	if locations && bq != nil {
		q = query.NewConjunctionQuery([]query.Query{q, bq})
	}
	req := bleve.NewSearchRequestOptions(q, len(ids), 0, false)
	req.Fields = storedFields
	req.IncludeLocations = locations
	req.SortBy([]string{"_id"})
	sr, err := ix.bi.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	for _, h := range sr.Hits {
		out[h.ID] = h
	}
	return out, nil
}

// facets splits the counts of the fFacets terms by field, the largest
// first (then by value).
func facets(terms map[string]int) Facets {
	counts := map[string]map[string]int{}
	for _, f := range []string{fKind, fServiceArea, fYear, fStage, fDistrict, fOrgName} {
		counts[f] = map[string]int{}
	}
	for t, n := range terms {
		switch {
		case strings.HasPrefix(t, facetCombo):
			vals := strings.Split(strings.TrimPrefix(t, facetCombo), facetSep)
			for i, v := range vals {
				if v != "" && i < len(comboFields) {
					counts[comboFields[i]][v] += n
				}
			}
		case strings.HasPrefix(t, facetDistrict):
			counts[fDistrict][strings.TrimPrefix(t, facetDistrict)] += n
		case strings.HasPrefix(t, facetOrg):
			counts[fOrgName][strings.TrimPrefix(t, facetOrg)] += n
		}
	}
	top := func(m map[string]int) []FacetCount {
		var out []FacetCount
		for v, c := range m {
			out = append(out, FacetCount{Value: v, Count: c})
		}
		slices.SortFunc(out, func(a, b FacetCount) int {
			if a.Count != b.Count {
				return cmp.Compare(b.Count, a.Count)
			}
			return strings.Compare(a.Value, b.Value)
		})
		return out[:min(len(out), facetSize)]
	}
	return Facets{
		Kind: top(counts[fKind]), ServiceArea: top(counts[fServiceArea]), Year: top(counts[fYear]),
		District: top(counts[fDistrict]), OrgName: top(counts[fOrgName]), Stage: top(counts[fStage]),
	}
}

func toHit(m *search.DocumentMatch, hl *highlighter) Hit {
	str := func(f string) string { s, _ := m.Fields[f].(string); return s }
	h := Hit{
		Key:         m.ID,
		Kind:        ledger.DocKind(str(fKind)),
		Code:        str(fCode),
		Title:       str(fTitle),
		Date:        ledger.Date(str(fDate)),
		ProjectCode: str(fProjectCode),
		OrgName:     str(fOrgName),
		Score:       m.Score,
	}
	h.ProjectID, _ = strconv.ParseInt(str(fProjectID), 10, 64)
	h.TitleHTML = hl.mark(h.Title, m.Locations[fTitle])
	h.Fragments = hl.fragments(str(fBody), m.Locations[fBody], 3)
	return h
}
