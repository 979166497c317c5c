package store

import (
	"context"
	"strings"

	"civicledger/ledger"
)

// Reads of public participation. Which fields a door may show is the
// portal's business; these reads return whole records.

// feedbackListCols are the columns of feedbackSelect, for findPage.
var feedbackListCols = strings.TrimSuffix(strings.TrimPrefix(feedbackSelect, "SELECT "), " FROM feedback")

// FeedbackByID implements ledger.ParticipationReader.
func (db *DB) FeedbackByID(ctx context.Context, id int64) (*ledger.Feedback, error) {
	var f ledger.Feedback
	if err := db.get(ctx, &f, feedbackSelect+` WHERE id = ?`, id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.NotFound("feedback", id)
	} else if err != nil {
		return nil, err
	}
	return &f, nil
}

// FindComments implements ledger.ParticipationReader: newest first.
func (db *DB) FindComments(ctx context.Context, f ledger.CommentFilter, offset, limit int) ([]*ledger.Feedback, int, error) {
	var c conds
	c.add("comment <> ''")
	if len(f.ProjectIDs) > 0 {
		c.add("project_id IN (?)", f.ProjectIDs)
	}
	if len(f.States) > 0 {
		c.add("moderation IN (?)", strs(f.States))
	}
	if f.Verified != nil {
		c.add("verified = ?", *f.Verified)
	}
	where, args := c.where()
	return findPage[ledger.Feedback](ctx, db, listing{cols: feedbackListCols, from: ` FROM feedback WHERE ` + where, args: args,
		order: "submitted_at DESC, id DESC"}, offset, limit)
}

// RatingCounts implements ledger.ParticipationReader.
func (db *DB) RatingCounts(ctx context.Context, by string, ids []int64) (map[int64]ledger.RatingCounts, map[int64]int64, error) {
	counts, codes := map[int64]ledger.RatingCounts{}, map[int64]int64{}
	if len(ids) == 0 {
		return counts, codes, nil
	}
	group, join := "f.project_id", ""
	if by == "round" {
		group, join = "p.round_id", " JOIN projects p ON p.id = f.project_id"
	} else if by != "project" {
		return nil, nil, ledger.Invalid("by", "rating counts are by project or round, not %q", by)
	}
	var parts []string
	for i, col := range []string{"rating", "service_quality", "staff_attitude", "life_effect"} {
		parts = append(parts, `SELECT `+group+` AS gid, `+itoa(i)+` AS dim, f.`+col+` AS v, COUNT(*) AS n FROM feedback f`+join+
			` WHERE f.verified AND f.`+col+` IS NOT NULL AND `+group+` IN (?) GROUP BY `+group+`, f.`+col)
	}
	var rows []struct {
		GID int64 `db:"gid"`
		Dim int   `db:"dim"`
		V   int   `db:"v"`
		N   int64 `db:"n"`
	}
	if err := db.selIn(ctx, &rows, strings.Join(parts, " UNION ALL "), ids, ids, ids, ids); err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		c := counts[r.GID]
		if r.V >= 1 && r.V <= 5 {
			c[r.Dim][r.V-1] += r.N
		}
		counts[r.GID] = c
	}
	cgroup := "c.project_id"
	cjoin := ""
	if by == "round" {
		cgroup, cjoin = "p.round_id", " JOIN projects p ON p.id = c.project_id"
	}
	var crows []struct {
		GID int64 `db:"gid"`
		N   int64 `db:"n"`
	}
	if err := db.selIn(ctx, &crows, `SELECT `+cgroup+` AS gid, COUNT(*) AS n FROM feedback_codes c`+cjoin+` WHERE `+cgroup+` IN (?) GROUP BY `+cgroup, ids); err != nil {
		return nil, nil, err
	}
	for _, r := range crows {
		codes[r.GID] = r.N
	}
	return counts, codes, nil
}

// ObjectionByReceipt implements ledger.ParticipationReader.
func (db *DB) ObjectionByReceipt(ctx context.Context, receipt string) (*ledger.Objection, error) {
	var o ledger.Objection
	if err := db.get(ctx, &o, objectionSelect+` WHERE receipt = ?`, receipt); ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.NotFound("objection", receipt)
	} else if err != nil {
		return nil, err
	}
	return &o, nil
}

// ObjectionByID implements ledger.ParticipationReader.
func (db *DB) ObjectionByID(ctx context.Context, id int64) (*ledger.Objection, error) {
	var o ledger.Objection
	if err := db.get(ctx, &o, objectionSelect+` WHERE id = ?`, id); ledger.ErrorCode(err) == ledger.ENOTFOUND {
		return nil, ledger.NotFound("objection", id)
	} else if err != nil {
		return nil, err
	}
	return &o, nil
}

// FindObjections implements ledger.ParticipationReader: oldest first.
func (db *DB) FindObjections(ctx context.Context, f ledger.ObjectionFilter, offset, limit int) ([]*ledger.Objection, int, error) {
	var c conds
	if len(f.ProjectIDs) > 0 {
		c.add("project_id IN (?)", f.ProjectIDs)
	}
	if len(f.AnnouncementIDs) > 0 {
		c.add("announcement_id IN (?)", f.AnnouncementIDs)
	}
	if len(f.States) > 0 {
		c.add("state IN (?)", strs(f.States))
	}
	where, args := c.where()
	cols := strings.TrimSuffix(strings.TrimPrefix(objectionSelect, "SELECT "), " FROM objections")
	return findPage[ledger.Objection](ctx, db, listing{cols: cols, from: ` FROM objections WHERE ` + where, args: args,
		order: "received_at, id"}, offset, limit)
}

// CommentHandling implements ledger.ParticipationReader.
func (db *DB) CommentHandling(ctx context.Context) ([]ledger.Handling, error) {
	var rows []ledger.Handling
	return rows, db.sel(ctx, &rows, `SELECT p.round_id, p.evaluator_id AS agency_id, f.submitted_at AS from_at, f.moderated_at AS to_at
		FROM feedback f JOIN projects p ON p.id = f.project_id WHERE f.moderation <> 'NONE' ORDER BY f.id`)
}

// ObjectionHandling implements ledger.ParticipationReader.
func (db *DB) ObjectionHandling(ctx context.Context) ([]ledger.Handling, error) {
	var rows []ledger.Handling
	return rows, db.sel(ctx, &rows, `SELECT p.round_id, p.evaluator_id AS agency_id, o.received_at AS from_at, o.answered_at AS to_at
		FROM objections o JOIN projects p ON p.id = o.project_id ORDER BY o.id`)
}

// AgencyRatings implements ledger.ParticipationReader.
func (db *DB) AgencyRatings(ctx context.Context, year int, agencyIDs []int64) ([]ledger.AgencyRating, error) {
	var rows []struct {
		ledger.AgencyRating
		S0 int `db:"independence"`
		S1 int `db:"professionalism"`
		S2 int `db:"timeliness"`
		S3 int `db:"communication"`
	}
	q := `SELECT id, agency_id, year, party, rater, independence, professionalism, timeliness, communication, rated_at
		FROM agency_ratings WHERE year = ?`
	args := []any{year}
	if len(agencyIDs) > 0 {
		q += ` AND agency_id IN (?)`
		args = append(args, agencyIDs)
	}
	if err := db.selIn(ctx, &rows, q+` ORDER BY agency_id, id`, args...); err != nil {
		return nil, err
	}
	out := make([]ledger.AgencyRating, len(rows))
	for i, r := range rows {
		out[i] = r.AgencyRating
		out[i].Scores = [4]int{r.S0, r.S1, r.S2, r.S3}
	}
	return out, nil
}

// PartyWeights implements ledger.ParticipationReader.
func (db *DB) PartyWeights(ctx context.Context, year int) (ledger.PartyWeights, error) {
	var rows []struct {
		Party    string `db:"party"`
		Permille int    `db:"permille"`
	}
	if err := db.sel(ctx, &rows, `SELECT party, permille FROM agency_rating_weights WHERE year = ?`, year); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return ledger.DefaultPartyWeights, nil
	}
	w := ledger.PartyWeights{}
	for _, r := range rows {
		w[ledger.RaterParty(r.Party)] = float64(r.Permille) / 1000
	}
	return w, nil
}

// AgencyRatingYears implements ledger.ParticipationReader.
func (db *DB) AgencyRatingYears(ctx context.Context) ([]int, error) {
	var ys []int
	return ys, db.sel(ctx, &ys, `SELECT DISTINCT year FROM agency_ratings ORDER BY year DESC`)
}

var (
	_ ledger.ParticipationWriter = (*DB)(nil)
	_ ledger.ParticipationReader = (*DB)(nil)
)
