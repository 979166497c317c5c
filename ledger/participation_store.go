package ledger

import (
	"context"
	"time"
)

// The store's side of public participation: the writes one transaction
// each, and the reads the portal's use cases and public figures need.

// Idempotency is a client's retry key for one submission and a fingerprint
// of what it submitted. The first submission with a key is stored; a retry
// with the same key and fingerprint gets the stored record back, one with
// another fingerprint is refused (ECONFLICT on input.idempotencyKey).
type Idempotency struct {
	Key         string
	Fingerprint string
}

// CodeBatch is a batch of feedback codes issued for a project.
type CodeBatch struct {
	ID        int64     `db:"id"`
	ProjectID int64     `db:"project_id"`
	Codes     int       `db:"codes"`
	IssuedBy  string    `db:"issued_by"`
	IssuedAs  Role      `db:"issued_role"`
	IssuedAt  time.Time `db:"issued_at"`
}

// IssuedCode is an imported feedback code: its hash and, once used, when.
type IssuedCode struct {
	Hash   string
	UsedAt *time.Time
}

// CodeImport is an imported batch of feedback codes of a project.
type CodeImport struct {
	ProjectID int64
	IssuedAt  time.Time
	Codes     []IssuedCode
}

// CommentFilter selects feedback comments.
type CommentFilter struct {
	ProjectIDs []int64
	States     []ModerationState // empty: every state with a comment
	Verified   *bool
}

// ObjectionFilter selects objections.
type ObjectionFilter struct {
	ProjectIDs      []int64
	AnnouncementIDs []int64
	States          []ObjectionState
}

// Handling is when one comment or objection arrived and when it was
// handled (moderated; answered or not accepted), with the round and the
// third-party agency of its project, for response-time figures.
type Handling struct {
	RoundID  int64      `db:"round_id"`
	AgencyID *int64     `db:"agency_id"`
	From     time.Time  `db:"from_at"`
	To       *time.Time `db:"to_at"`
}

// ParticipationWriter records what the public submits and how it is
// handled. Each method is one transaction, committed before it returns.
type ParticipationWriter interface {
	// IssueFeedbackCodes stores the hashes of a new batch of codes for a
	// project (ENOTFOUND-like EINVALID on project when it does not exist).
	IssueFeedbackCodes(ctx context.Context, att Attribution, projectID int64, hashes []string) (*CodeBatch, error)
	// SubmitFeedback stores f. With f.CodeHash it uses the code (EINVALID
	// on input.code when unknown or used, on input.project when issued for
	// another project) and records f as verified; verified ratings count in
	// the project's figures and the stats rollup in the same transaction.
	// A retry with idem's key returns the stored feedback in f and true.
	SubmitFeedback(ctx context.Context, f *Feedback, idem Idempotency) (replayed bool, err error)
	// ModerateFeedback approves or rejects a comment (CheckModeration).
	ModerateFeedback(ctx context.Context, att Attribution, id int64, to ModerationState, reason string) (*Feedback, error)
	// AnswerFeedback records the public answer to an approved comment.
	AnswerFeedback(ctx context.Context, att Attribution, id int64, answer string) (*Feedback, error)
	// FileObjection stores a new objection (receipt, masked text and state
	// filled in by the caller); EINVALID on objection.project when the
	// project is not listed by the announcement.
	FileObjection(ctx context.Context, o *Objection, idem Idempotency) (replayed bool, err error)
	// MoveObjection moves an objection along its states (CheckObjectionMove).
	MoveObjection(ctx context.Context, att Attribution, id int64, next ObjectionState, reason, answer string) (*Objection, error)
	// RateAgency records (or replaces) one rater's rating of an agency for a year.
	RateAgency(ctx context.Context, r *AgencyRating) error
	// SetPartyWeights records the published party weights of a year.
	SetPartyWeights(ctx context.Context, year int, w PartyWeights) error
}

// ParticipationReader reads participation records. Public doors show only
// the public fields: PublicComment, never Comment; an objection's
// PublicText, state and answer, never the objector's identity.
type ParticipationReader interface {
	FeedbackByID(ctx context.Context, id int64) (*Feedback, error)
	FindComments(ctx context.Context, f CommentFilter, offset, limit int) ([]*Feedback, int, error)
	// RatingCounts counts the verified ratings and the codes issued per
	// project (by "project") or per round (by "round") of the given IDs.
	RatingCounts(ctx context.Context, by string, ids []int64) (map[int64]RatingCounts, map[int64]int64, error)
	ObjectionByReceipt(ctx context.Context, receipt string) (*Objection, error)
	ObjectionByID(ctx context.Context, id int64) (*Objection, error)
	FindObjections(ctx context.Context, f ObjectionFilter, offset, limit int) ([]*Objection, int, error)
	// CommentHandling and ObjectionHandling list every comment's and
	// objection's arrival and handling, for response-time figures.
	CommentHandling(ctx context.Context) ([]Handling, error)
	ObjectionHandling(ctx context.Context) ([]Handling, error)
	// AgencyRatings lists the ratings of a year (of the given agencies, or all).
	AgencyRatings(ctx context.Context, year int, agencyIDs []int64) ([]AgencyRating, error)
	// PartyWeights returns a year's weights, DefaultPartyWeights when none are recorded.
	PartyWeights(ctx context.Context, year int) (PartyWeights, error)
	// AgencyRatingYears lists the years with agency ratings, newest first.
	AgencyRatingYears(ctx context.Context) ([]int, error)
}
