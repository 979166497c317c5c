package alerts

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"civicledger/ledger"
	"civicledger/portal"
	"civicledger/search"
)

// maxChanges bounds the outbox entries one digest run reads; a backlog
// larger than that is reported over the following runs.
const maxChanges = 50000

// maxItems bounds the changes one digest lists per subscription.
const maxItems = 50

// change is one changed record as the digest reports it.
type change struct {
	seq int64
	doc *ledger.SearchDoc
}

// DigestReport says what one digest run did.
type DigestReport struct {
	Changes int // changed records read from the outbox
	Mails   int // digests sent
	Failed  int // digests that could not be sent (retried next run)
}

// SendDigests mails every confirmed address the changes, since its last
// digest, to what it follows, up to the search index's watermark; an
// address with nothing new gets no mail. A subscription is advanced only
// once its digest was handed to the SMTP server, so a failed send is
// retried by the next run.
func (a *Alerts) SendDigests(ctx context.Context) (DigestReport, error) {
	var rep DigestReport
	subs, err := a.Store.ConfirmedSubscriptions(ctx)
	if err != nil || len(subs) == 0 {
		return rep, err
	}
	upto := a.Watermark()
	from := upto
	for _, s := range subs {
		from = min(from, s.LastSeq)
	}
	changes, last, err := a.changes(ctx, from, upto)
	if err != nil {
		return rep, err
	}
	rep.Changes = len(changes)
	hits := map[string]map[string]bool{} // a saved search's keys among the changes
	for i := 0; i < len(subs); {
		j := i
		for j < len(subs) && subs[j].SubscriberID == subs[i].SubscriberID {
			j++
		}
		mine := subs[i:j]
		i = j
		var sections []string
		var ids []int64
		for _, s := range mine {
			ids = append(ids, s.ID)
			items, err := a.matches(ctx, s, changes, hits)
			if err != nil {
				return rep, err
			}
			if len(items) > 0 {
				sections = append(sections, a.section(ctx, s, items))
			}
		}
		if len(sections) > 0 {
			email := mine[0].Email
			unsub := a.PublicURL + "/alerts/unsubscribe?token=" + url.QueryEscape(mine[0].UnsubscribeToken)
			body := "您好：\n\n以下是您在公益金阳光公示平台订阅的内容自上次摘要以来的更新。\n\n" + strings.Join(sections, "\n") +
				"\n——\n退订（删除您的邮箱地址及其全部订阅）：" + unsub + "\n"
			msg := &message{from: a.From, to: email, subject: "公益金阳光公示平台 · 每日更新摘要", body: body, unsubscribe: unsub, now: a.now()}
			if err := a.Mailer.Send(ctx, email, msg.bytes()); err != nil {
				rep.Failed++
				a.log().Error("alert digest not sent", "err", redact(err, email))
				continue
			}
			rep.Mails++
		}
		if err := a.Store.AdvanceSubscriptions(ctx, ids, last); err != nil {
			return rep, err
		}
	}
	a.log().Info("alert digests", "changes", rep.Changes, "sent", rep.Mails, "failed", rep.Failed)
	return rep, nil
}

// changes reads the outbox entries after from through upto: each changed
// record once, at its latest position, in its current searchable form.
// last is the position read through.
func (a *Alerts) changes(ctx context.Context, from, upto int64) ([]*change, int64, error) {
	latest := map[ledger.Entity]map[int64]int64{}
	last, n := from, 0
	for last < upto && n < maxChanges {
		es, _, err := a.Outbox.OutboxAfter(ctx, last, 1000)
		if err != nil {
			return nil, 0, err
		}
		if len(es) == 0 {
			break
		}
		for _, e := range es {
			if e.Seq > upto {
				last = upto
				break
			}
			if latest[e.Entity] == nil {
				latest[e.Entity] = map[int64]int64{}
			}
			latest[e.Entity][e.EntityID] = e.Seq
			last = e.Seq
			n++
		}
	}
	if n < maxChanges {
		last = max(last, upto)
	}
	var out []*change
	for entity, ids := range latest {
		keys := make([]int64, 0, len(ids))
		for id := range ids {
			keys = append(keys, id)
		}
		slices.Sort(keys)
		docs, err := a.Outbox.SearchDocs(ctx, entity, keys)
		if err != nil {
			return nil, 0, err
		}
		for _, id := range keys {
			if d := docs[id]; d != nil {
				out = append(out, &change{seq: ids[id], doc: d})
			}
		}
	}
	slices.SortFunc(out, func(x, y *change) int { return strings.Compare(string(y.doc.Date), string(x.doc.Date)) })
	return out, last, nil
}

// matches are the changes since s's last digest to what s follows.
func (a *Alerts) matches(ctx context.Context, s *ledger.Subscription, changes []*change, hits map[string]map[string]bool) ([]*change, error) {
	var out []*change
	switch s.Kind {
	case ledger.AlertProject:
		p, err := a.Portal.Project(ctx, s.Target)
		if err != nil || p == nil {
			return nil, err
		}
		// The project itself, its reports and case studies name it; the
		// announcements listing it are looked up.
		anns, err := a.Portal.Reader.AnnouncementsByProjectIDs(ctx, []int64{p.ID})
		if err != nil {
			return nil, err
		}
		listing := map[string]bool{}
		for _, an := range anns[0] {
			listing["announcement:"+strconv.FormatInt(an.ID, 10)] = true
		}
		for _, c := range changes {
			if c.seq > s.LastSeq && (c.doc.ProjectCode == p.Code || listing[c.doc.Key]) {
				out = append(out, c)
			}
		}
	case ledger.AlertSearch:
		v, _ := url.ParseQuery(s.Target)
		text, q, err := portal.ParseSearchParams(v)
		if err != nil {
			return nil, nil // a saved search the portal no longer reads: nothing to report
		}
		var cands []*change
		for _, c := range changes {
			if c.seq > s.LastSeq && passes(c.doc, q) {
				cands = append(cands, c)
			}
		}
		if len(cands) == 0 {
			return nil, nil
		}
		keys, ok := hits[s.Target]
		if !ok {
			if keys, err = a.searchKeys(ctx, text, q, cands); err != nil {
				return nil, err
			}
			hits[s.Target] = keys
		}
		for _, c := range cands {
			if keys[c.doc.Key] {
				out = append(out, c)
			}
		}
	}
	return out[:min(len(out), maxItems)], nil
}

// passes applies a saved search's filters on enumerated values to a
// record: a cheap first cut; the search itself decides the rest.
func passes(d *ledger.SearchDoc, q *portal.SearchQuery) bool {
	return (len(q.Kinds) == 0 || slices.Contains(q.Kinds, d.Kind)) &&
		(len(q.SubKinds) == 0 || slices.Contains(q.SubKinds, d.SubKind)) &&
		(len(q.ServiceAreas) == 0 || slices.Contains(q.ServiceAreas, d.ServiceArea)) &&
		(len(q.Years) == 0 || slices.Contains(q.Years, d.Year)) &&
		(len(q.Districts) == 0 || slices.Contains(q.Districts, d.District)) &&
		(len(q.Stages) == 0 || slices.Contains(q.Stages, d.Stage))
}

// searchKeys runs a saved search through the core, newest first, page by
// page until its hits are older than the oldest candidate, and returns the
// keys of the hits.
func (a *Alerts) searchKeys(ctx context.Context, text string, q *portal.SearchQuery, cands []*change) (map[string]bool, error) {
	oldest := cands[0].doc.Date
	for _, c := range cands {
		oldest = min(oldest, c.doc.Date)
	}
	keys := map[string]bool{}
	var after *string
	for {
		n := search.MaxLimit
		pg, err := a.Portal.Search(ctx, text, q, search.SortDateDesc, portal.SearchOptions{}, portal.PageArgs{First: &n, After: after})
		if err != nil {
			return nil, err
		}
		for _, h := range pg.Items {
			keys[h.Key] = true
		}
		if !pg.HasNext || len(pg.Items) == 0 || pg.Items[len(pg.Items)-1].Date < oldest || pg.Offset+len(pg.Items) >= search.MaxOffset {
			return keys, nil
		}
		after = pg.EndCursor
	}
}

// section is one subscription's part of a digest.
func (a *Alerts) section(ctx context.Context, s *ledger.Subscription, items []*change) string {
	var b strings.Builder
	switch s.Kind {
	case ledger.AlertProject:
		b.WriteString("【关注的项目 " + s.Target + "】\n")
	default:
		v, _ := url.ParseQuery(s.Target)
		text, q, _ := portal.ParseSearchParams(v)
		b.WriteString("【保存的搜索：" + describe(text, q) + "】\n")
		b.WriteString("订阅源：" + a.PublicURL + "/feeds/search.atom?" + s.Target + "\n")
	}
	for _, c := range items {
		b.WriteString("· " + string(c.doc.Date) + " " + portal.KindLabel(c.doc.Kind) + "：" + c.doc.Title + "\n  " + a.PublicURL + pagePath(c.doc) + "\n")
	}
	return b.String()
}

// pagePath is the canonical page of a searchable record.
func pagePath(d *ledger.SearchDoc) string {
	switch d.Kind {
	case ledger.DocReport:
		return "/reports/" + url.PathEscape(d.Code)
	case ledger.DocAnnouncement:
		return "/announcements/" + url.PathEscape(d.Code)
	case ledger.DocOrganization:
		return "/organizations/" + url.PathEscape(d.Code)
	}
	return "/projects/" + url.PathEscape(d.ProjectCode)
}

// Run sends the digests every day at the given time of day (Shanghai),
// and deletes the addresses whose confirmation expired, until ctx ends.
func (a *Alerts) Run(ctx context.Context, at time.Duration) {
	for {
		now := a.now().In(ledger.Shanghai)
		next := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, ledger.Shanghai).Add(at)
		if !next.After(now) {
			next = next.AddDate(0, 0, 1)
		}
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if n, err := a.Store.PurgeUnconfirmed(ctx, a.now()); err != nil {
			a.log().Error("purging unconfirmed alert addresses", "err", err.Error())
		} else if n > 0 {
			a.log().Info("unconfirmed alert subscriptions deleted", "count", n)
		}
		if _, err := a.SendDigests(ctx); err != nil && ctx.Err() == nil {
			a.log().Error("alert digests", "err", err.Error())
		}
	}
}
