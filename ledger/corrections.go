package ledger

import (
	"context"
	"strings"
	"time"
)

// Corrections, withdrawals and drafts. A published record is never
// overwritten or deleted: a correction publishes its next version with a
// mandatory reason (更正说明), a withdrawal publishes a version that says
// it is withdrawn and why, and both are listed in the public corrections
// register, newest first. A draft is what an organization prepares before
// publishing; only its own accounts see it.

// CorrectionKind says whether a register line is a correction or a withdrawal.
type CorrectionKind string

// Correction kinds.
const (
	KindCorrection CorrectionKind = "CORRECTION" // 更正
	KindWithdrawal CorrectionKind = "WITHDRAWAL" // 撤回
)

// Correction is one line of the corrections register: which record, the
// version the correction made, why, by whom (login, role and the
// organization the corrector acts for) and when.
type Correction struct {
	ID          int64          `db:"id" json:"id"`
	Entity      Entity         `db:"entity" json:"entity"`
	EntityID    int64          `db:"entity_id" json:"entityId"`
	Version     int            `db:"version" json:"version"`
	Kind        CorrectionKind `db:"kind" json:"kind"`
	Reason      string         `db:"reason" json:"reason"`
	OrgID       int64          `db:"organization_id" json:"organizationId"`
	ProjectID   int64          `db:"project_id" json:"projectId"` // the project the record belongs to, 0 for none
	Login       string         `db:"login" json:"login"`
	Role        Role           `db:"role" json:"role"`
	CorrectedAt time.Time      `db:"corrected_at" json:"correctedAt"`
}

// CorrectionFilter selects lines of the register; the zero value selects all.
type CorrectionFilter struct {
	OrgIDs   []int64  // by the corrector's organization
	Entities []Entity // by the kind of record
	Kinds    []CorrectionKind
}

// CheckReason refuses a correction or withdrawal without a reason.
func CheckReason(reason string) error {
	if strings.TrimSpace(reason) == "" {
		return Invalid("reason", "a correction or withdrawal must state its reason (更正说明)")
	}
	if len([]rune(reason)) > 2000 {
		return Invalid("reason", "a reason has at most 2000 characters")
	}
	return nil
}

// WithdrawnTitle is the title of the version that withdraws a record.
func WithdrawnTitle(title string) string {
	const mark = "【已撤回】"
	if strings.HasPrefix(title, mark) {
		return title
	}
	return mark + title
}

// WithdrawnBody is the text of the version that withdraws a record: the
// statement of withdrawal and its reason. The withdrawn text stays in the
// record's history.
func WithdrawnBody(on Date, reason string) string {
	return "本文件已于" + string(on) + "撤回。撤回理由：" + strings.TrimSpace(reason) +
		"\n\nThis document was withdrawn on " + string(on) + ". Reason: " + strings.TrimSpace(reason) +
		"\n原文见历史版本 (the withdrawn text remains in its history)."
}

// Draft is a record prepared before publication: visible only to the
// accounts of its organization, kept after it is published.
type Draft struct {
	ID          int64      `db:"id" json:"id"`
	Kind        Entity     `db:"kind" json:"kind"` // EntityReport or EntityAnnouncement
	Code        string     `db:"code" json:"code"`
	Title       string     `db:"title" json:"title"`
	Payload     string     `db:"payload" json:"payload"` // the record as JSON
	OrgID       int64      `db:"organization_id" json:"organizationId"`
	AccountID   int64      `db:"account_id" json:"accountId"`
	CreatedAt   time.Time  `db:"created_at" json:"createdAt"`
	UpdatedAt   time.Time  `db:"updated_at" json:"updatedAt"`
	PublishedAt *time.Time `db:"published_at" json:"publishedAt"`
	PublishedID int64      `db:"published_id" json:"publishedId"`
}

// CorrectionWriter publishes corrections and withdrawals of published
// records and writes the corrections register. Through Publisher.InTx the
// new version and its register line commit together.
type CorrectionWriter interface {
	// CorrectReport publishes the next version of a report (att.Reason required).
	CorrectReport(ctx context.Context, att Attribution, r *Report) error
	// CorrectAnnouncement publishes the next version of an announcement (att.Reason required).
	CorrectAnnouncement(ctx context.Context, att Attribution, a *Announcement) error
	// RecordCorrection appends a line to the corrections register.
	RecordCorrection(ctx context.Context, c *Correction) error
}

// CorrectionReader reads the corrections register.
type CorrectionReader interface {
	// Corrections returns a page of the register, newest first, and the total.
	Corrections(ctx context.Context, f CorrectionFilter, offset, limit int) ([]*Correction, int, error)
	// LatestCorrections returns the newest register line of each record of
	// one kind (nil for a record never corrected), in the order of ids.
	LatestCorrections(ctx context.Context, entity Entity, ids []int64) ([]*Correction, error)
}

// DraftStore keeps drafts.
type DraftStore interface {
	// SaveDraft writes a new draft (ID 0) or replaces an unpublished one of
	// the same organization (ENOTFOUND otherwise).
	SaveDraft(ctx context.Context, d *Draft) error
	// Drafts returns an organization's drafts (unpublished first, newest first).
	Drafts(ctx context.Context, orgID int64) ([]*Draft, error)
	// Draft returns a draft of an organization (ENOTFOUND for another's).
	Draft(ctx context.Context, orgID, id int64) (*Draft, error)
	// MarkDraftPublished records that a draft was published as record id.
	MarkDraftPublished(ctx context.Context, orgID, draftID, id int64) error
}
