package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"civicledger/ledger"
)

// Public participation: the use cases behind the feedback form, the
// objection form, the evaluator's code batches, moderation, answers and
// agency ratings, and the public figures built from them. Every door (the
// GraphQL mutations, the coming pages) calls these; each checks its input
// and limits, asks ledger.Authorize where an account is needed, and makes
// one store write that is committed before it returns.

// ParticipationStore is what participation needs of the database.
type ParticipationStore interface {
	ledger.ParticipationWriter
	ledger.ParticipationReader
}

// Participation is the participation core.
type Participation struct {
	Store ParticipationStore
	// Calendar counts working days; ledger.Workdays when nil.
	Calendar *ledger.Calendar
	// ModerationDeadline and ObjectionDeadline are the published deadlines,
	// in working days, for moderating a comment (3 when 0) and answering an
	// objection (10 when 0).
	ModerationDeadline, ObjectionDeadline int
	// Limits are the rate limits of public submissions.
	Limits Limits
	// Now returns the current time; time.Now when nil.
	Now func() time.Time

	once     sync.Once
	clients  *keyedLimiter
	codes    *keyedLimiter
	saltMu   sync.Mutex
	saltDay  ledger.Date
	saltSeed [32]byte
}

// Limits are the rate limits of public submissions: per client (by the
// salted hash of its address) and per feedback code. Zero values take the
// defaults; a negative PerClientPerMinute turns the limits off (tests and
// benchmarks that send everything from one address).
type Limits struct {
	PerClientPerMinute int // submissions per client per minute, 10 when 0
	PerClientBurst     int // 20 when 0
	PerCodePerHour     int // attempts with one feedback code per hour, 5 when 0
}

func (p *Participation) calendar() *ledger.Calendar {
	if p.Calendar != nil {
		return p.Calendar
	}
	return ledger.Workdays
}

func (p *Participation) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Participation) today() ledger.Date { return ledger.DateOf(p.now()) }

// ModerationDays is the deadline for moderating a comment, in working days.
func (p *Participation) ModerationDays() int { return cmpOr(p.ModerationDeadline, 3) }

// ObjectionDays is the deadline for answering an objection, in working days.
func (p *Participation) ObjectionDays() int { return cmpOr(p.ObjectionDeadline, 10) }

func cmpOr(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

// participation returns the core's participation side, or UNAVAILABLE.
func (p *Portal) participation() (*Participation, error) {
	if p.Participation == nil || p.Participation.Store == nil {
		return nil, ledger.Errorf(ledger.EUNAVAILABLE, "this portal does not take submissions")
	}
	return p.Participation, nil
}

// keyedLimiter is a token bucket per key, the least recently used keys
// forgotten past 100,000.
type keyedLimiter struct {
	every rate.Limit
	burst int
	mu    sync.Mutex
	lru   *lru.Cache[string, *rate.Limiter]
}

func newKeyedLimiter(every rate.Limit, burst int) *keyedLimiter {
	c, _ := lru.New[string, *rate.Limiter](100_000)
	return &keyedLimiter{every: every, burst: burst, lru: c}
}

// allow takes a token from key's bucket, or says how long until one.
func (l *keyedLimiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	b, ok := l.lru.Get(key)
	if !ok {
		b = rate.NewLimiter(l.every, l.burst)
		l.lru.Add(key, b)
	}
	l.mu.Unlock()
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (p *Participation) limiters() (clients, codes *keyedLimiter) {
	p.once.Do(func() {
		l := p.Limits
		if l.PerClientPerMinute >= 0 {
			p.clients = newKeyedLimiter(rate.Limit(float64(cmpOr(l.PerClientPerMinute, 10))/60), cmpOr(l.PerClientBurst, 20))
			p.codes = newKeyedLimiter(rate.Limit(float64(cmpOr(l.PerCodePerHour, 5))/3600), cmpOr(l.PerCodePerHour, 5))
		}
	})
	return p.clients, p.codes
}

// ClientHash returns the salted hash of the client address in ctx: the
// salt is random, kept only in memory and replaced every day (Shanghai
// time), so a stored hash links a client's submissions of one day and
// nothing else, and no address can be recovered from it.
func (p *Participation) ClientHash(ctx context.Context) string {
	addr := ledger.ClientFrom(ctx)
	if addr == "" {
		return ""
	}
	p.saltMu.Lock()
	if day := p.today(); day != p.saltDay {
		if _, err := rand.Read(p.saltSeed[:]); err != nil {
			panic(err)
		}
		p.saltDay = day
	}
	h := sha256.New()
	h.Write(p.saltSeed[:])
	p.saltMu.Unlock()
	h.Write([]byte(addr))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func refusedRate(field string, wait time.Duration, what string) error {
	secs := int(wait.Seconds() + 0.999)
	return &ledger.Error{Code: ledger.ERATELIMITED, Field: field,
		Message: fmt.Sprintf("too many %s; try again in %d seconds", what, secs)}
}

// limitClient charges one submission to the client in ctx.
func (p *Participation) limitClient(ctx context.Context, client string) error {
	clients, _ := p.limiters()
	if clients == nil || client == "" {
		return nil
	}
	if ok, wait := clients.allow(client, p.now()); !ok {
		return refusedRate("", wait, "submissions from this address")
	}
	return nil
}

// limitCode charges one attempt to a feedback code.
func (p *Participation) limitCode(codeHash string) error {
	_, codes := p.limiters()
	if codes == nil {
		return nil
	}
	if ok, wait := codes.allow(codeHash, p.now()); !ok {
		return refusedRate("input.code", wait, "attempts with this feedback code")
	}
	return nil
}

// inputField renames a rule's field ("feedback.rating") to the input's
// ("input.rating"), so a door's error names what the caller sent.
func inputField(err error, prefix string) error {
	if e, ok := err.(*ledger.Error); ok && strings.HasPrefix(e.Field, prefix+".") {
		c := *e
		c.Field = "input." + strings.TrimPrefix(e.Field, prefix+".")
		return &c
	}
	return err
}

func checkKey(key string) error {
	if len(key) > ledger.MaxIdempotencyKey {
		return ledger.Invalid("input.idempotencyKey", "is %d bytes, at most %d allowed", len(key), ledger.MaxIdempotencyKey)
	}
	return nil
}

// fingerprint hashes what a submission says, for its idempotency key.
func fingerprint(parts ...any) string {
	h := sha256.New()
	for _, p := range parts {
		switch v := p.(type) {
		case *int:
			if v == nil {
				fmt.Fprint(h, "nil\x00")
			} else {
				fmt.Fprintf(h, "%d\x00", *v)
			}
		default:
			fmt.Fprintf(h, "%v\x00", v)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// FeedbackInput is a satisfaction feedback form.
type FeedbackInput struct {
	Project        string // the project's code; may be left out when a code is given
	Code           string // the feedback code as typed; "" for an unverified comment
	Rating         int    // overall, 1–5
	ServiceQuality *int
	StaffAttitude  *int
	LifeEffect     *int
	Comment        string
	Respondent     ledger.Respondent
	IdempotencyKey string
}

// FeedbackReceipt is what a submitter is told once their feedback is stored.
type FeedbackReceipt struct {
	ID          int64
	Project     *ledger.Project
	Verified    bool
	Moderation  ledger.ModerationState
	Replayed    bool // a retry of a submission already stored
	SubmittedAt time.Time
}

// SubmitFeedback stores a satisfaction feedback: verified and counted at
// once with a valid code, otherwise kept as an unverified comment. Anyone
// may submit; the client and the code are rate limited. The feedback is
// committed before this returns.
func (p *Portal) SubmitFeedback(ctx context.Context, in FeedbackInput) (*FeedbackReceipt, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	if err := checkKey(in.IdempotencyKey); err != nil {
		return nil, err
	}
	f := &ledger.Feedback{Rating: in.Rating, ServiceQuality: in.ServiceQuality, StaffAttitude: in.StaffAttitude,
		LifeEffect: in.LifeEffect, Comment: in.Comment, Respondent: in.Respondent}
	if err := f.Validate(); err != nil {
		return nil, inputField(err, "feedback")
	}
	client := pp.ClientHash(ctx)
	if err := pp.limitClient(ctx, client); err != nil {
		return nil, err
	}
	f.ClientHash = client
	var code string
	if strings.TrimSpace(in.Code) != "" {
		if code, err = ledger.ParseFeedbackCode("input.code", in.Code); err != nil {
			return nil, err
		}
		f.CodeHash = ledger.HashFeedbackCode(code)
		if err := pp.limitCode(f.CodeHash); err != nil {
			return nil, err
		}
	}
	var project *ledger.Project
	if in.Project != "" {
		if project, err = first(p.Reader.ProjectsByCodes(ctx, []string{in.Project})); err != nil {
			return nil, err
		} else if project == nil {
			return nil, ledger.Invalid("input.project", "no project has code %s", ledger.Excerpt(in.Project))
		}
		if project.Outcome == ledger.Rejected {
			return nil, ledger.Invalid("input.project", "project %s was not funded: there is no service to rate", project.Code)
		}
		f.ProjectID = project.ID
	} else if code == "" {
		return nil, ledger.Invalid("input.project", "name the project (or give the feedback code from your card)")
	}
	var idem ledger.Idempotency
	if in.IdempotencyKey != "" {
		idem = ledger.Idempotency{Key: in.IdempotencyKey, Fingerprint: fingerprint("feedback", in.Project, code, in.Rating,
			in.ServiceQuality, in.StaffAttitude, in.LifeEffect, in.Comment, in.Respondent)}
	}
	replayed, err := pp.Store.SubmitFeedback(ctx, f, idem)
	if err != nil {
		return nil, inputField(err, "feedback")
	}
	if project == nil || project.ID != f.ProjectID {
		if project, err = first(p.Reader.ProjectsByIDs(ctx, []int64{f.ProjectID})); err != nil {
			return nil, err
		}
	}
	return &FeedbackReceipt{ID: f.ID, Project: project, Verified: f.Verified, Moderation: f.Moderation, Replayed: replayed,
		SubmittedAt: f.SubmittedAt}, nil
}

// ObjectionInput is an objection form.
type ObjectionInput struct {
	Announcement   string // the notice's code
	Project        string // the listed project's code
	Name, Contact  string // the objector's real name and a contact: moderators and the bureau only
	Text           string
	IdempotencyKey string
}

// ObjectionReceipt is what an objector is told at once.
type ObjectionReceipt struct {
	Receipt      string
	State        ledger.ObjectionState
	ReceivedAt   time.Time
	Replayed     bool
	Deadline     ledger.Date // the day the answer is due (ObjectionDays working days)
	NoticeEnds   ledger.Date
	DaysLeft     int // working days left in the notice period
	Project      *ledger.Project
	Announcement *ledger.Announcement
}

// newReceipt is an objection's receipt number: "YY-" and a checked code.
func newReceipt() string { return "YY-" + ledger.FormatFeedbackCode(ledger.NewFeedbackCode()) }

// FileObjection stores an objection to a project listed in a notice whose
// period is open today, and returns its receipt. After the period it is
// refused with an error that says when the period closed.
func (p *Portal) FileObjection(ctx context.Context, in ObjectionInput) (*ObjectionReceipt, error) {
	pp, err := p.participation()
	if err != nil {
		return nil, err
	}
	if err := checkKey(in.IdempotencyKey); err != nil {
		return nil, err
	}
	o := &ledger.Objection{Name: strings.TrimSpace(in.Name), Contact: strings.TrimSpace(in.Contact), Text: strings.TrimSpace(in.Text)}
	if err := o.Validate(); err != nil {
		return nil, inputField(err, "objection")
	}
	client := pp.ClientHash(ctx)
	if err := pp.limitClient(ctx, client); err != nil {
		return nil, err
	}
	a, err := first(p.Reader.AnnouncementsByCodes(ctx, []string{in.Announcement}))
	if err != nil {
		return nil, err
	} else if a == nil {
		return nil, ledger.Invalid("input.announcement", "no announcement has code %s", ledger.Excerpt(in.Announcement))
	}
	today := pp.today()
	if err := ledger.CheckObjectionWindow(a, today, pp.calendar()); err != nil {
		return nil, inputField(err, "objection")
	}
	project, err := first(p.Reader.ProjectsByCodes(ctx, []string{in.Project}))
	if err != nil {
		return nil, err
	} else if project == nil {
		return nil, ledger.Invalid("input.project", "no project has code %s", ledger.Excerpt(in.Project))
	}
	o.AnnouncementID, o.ProjectID, o.ClientHash, o.Receipt = a.ID, project.ID, client, newReceipt()
	var idem ledger.Idempotency
	if in.IdempotencyKey != "" {
		idem = ledger.Idempotency{Key: in.IdempotencyKey, Fingerprint: fingerprint("objection", in.Announcement, in.Project, o.Name, o.Contact, o.Text)}
	}
	replayed, err := pp.Store.FileObjection(ctx, o, idem)
	if err != nil {
		return nil, inputField(err, "objection")
	}
	n := pp.calendar().Notice(a.NoticeStart, a.NoticeEnd, today)
	return &ObjectionReceipt{Receipt: o.Receipt, State: o.State, ReceivedAt: o.ReceivedAt, Replayed: replayed,
		Deadline:   pp.calendar().AddWorkingDays(nextDay(ledger.DateOf(o.ReceivedAt)), pp.ObjectionDays()),
		NoticeEnds: a.NoticeEnd, DaysLeft: n.Left, Project: project, Announcement: a}, nil
}

func nextDay(d ledger.Date) ledger.Date { return ledger.DateOf(d.Time().AddDate(0, 0, 1)) }
