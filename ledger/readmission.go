package ledger

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"rss"
	"rss/adjudication"
	"rss/pg"
)

// RaiseReadmissionRoom raises the room the episode keeps beside its dollar
// cap for an agency's earlier stay (episodes.readmission_room, migration
// 00118) to what its authorizations hold past the cap, the authorization
// grant counted in full, and the room other agencies' standing exceptions
// keep (RoomKept, as RaiseEpisodeCap counts it), after a grant judged without the grantee's
// earlier stays another agency keeps in the episode
// (adjudication.EarlierStaysHeld: a readmission after a break is judged
// as a stranger's is, whose new stay opens an episode of its own). The
// claims are paid within the cap and the room, as the schema's CHECK
// holds them: left at the cap, the grant's lines, or the earlier stay's
// late ones for days it covered, were cut 119 where a stranger's, in two
// episodes, were paid. The voucher rules read the room only as holding
// another agency's earlier stay's dollars beside the cap (V33): every
// other grant is judged by the cap. No further than the ledger's columns hold
// (past it, claims are cut at the cap, as for any episode there). It
// reports whether the room rose, and to what. The caller holds the episode
// locked.
func RaiseReadmissionRoom(ctx context.Context, ext pg.Ext, episodeID, grant int64, today rss.Date) (rss.Money, bool, error) {
	rows, auths, held, err := episodeHeld(ctx, ext, episodeID, today)
	if err != nil {
		return rss.Money{}, false, fmt.Errorf("raise readmission room: %w", err)
	}
	var grantee int64
	rest := decimal.Zero
	for i := range auths {
		if a := &auths[i]; rows[i].ID == grant { // in full, as RaiseEpisodeCap counts it
			rest = adjudication.Amount(a.Rate, a.UnitsAuthorized-a.Holds(today.Time))
			held, grantee = held.Add(rest), a.ProviderID
		}
	}
	// The room other agencies' standing exceptions keep stays beside what
	// is held, as RaiseEpisodeCap keeps it (RoomKept): raised to what was
	// held alone, the episode's payable total left it unfunded, and an
	// excepted agency's next grant inside its own reviewed cap, or its
	// claims, met the cap where a stranger's did not (42 CFR Part 2 and
	// money).
	kept, err := keptOwnCaps(ctx, ext, episodeID)
	if err != nil {
		return rss.Money{}, false, fmt.Errorf("raise readmission room: %w", err)
	}
	held = held.Add(RoomKept(kept, auths, episodeID, today.Time, grantee, rest))
	var room []rss.Money
	if err := sqlx.SelectContext(ctx, ext, &room, `UPDATE episodes SET readmission_room = $2::numeric - dollar_cap
		WHERE id = $1 AND dollar_cap IS NOT NULL AND $2::numeric - dollar_cap > readmission_room AND $2::numeric <= $3::numeric
		RETURNING readmission_room`,
		episodeID, held.StringFixed(2), maxEpisodeCap.Decimal.StringFixed(2)); err != nil {
		return rss.Money{}, false, fmt.Errorf("raise readmission room: %w", err)
	}
	if len(room) == 0 {
		return rss.Money{}, false, nil
	}
	return room[0], true, nil
}

// earlierStays is what the agency provider's own authorizations in the
// episode hold of its dollar cap in its stay (the enrollment stay, or, 0,
// the one a request would read: the open one, else the latest), leaving
// out those of its earlier stays another agency keeps in the episode
// across the break between them (earlierStaysSQL), as the voucher rules
// leave them out of its own (adjudication's keptBy and earlierStays). A
// stranger's readmission after a break opens an episode of its own that
// holds the new stay alone: counted, an exception in the new stay kept
// its own cap at what both stays held (600.00 where a stranger's rose to
// 360.00), and its next request was granted past it unreviewed where a
// stranger's pended (42 CFR Part 2). It also returns the stay's id (0:
// the agency has none in the episode).
func earlierStays(ctx context.Context, ext pg.Ext, auths []adjudication.Authorization, rows []Authorization, episodeID, provider,
	stay int64, today rss.Date) (own decimal.Decimal, stayID int64, err error) {
	out, stayID, err := leftOut(ctx, ext, episodeID, provider, stay)
	if err != nil {
		return decimal.Zero, 0, err
	}
	own = decimal.Zero
	for i := range auths {
		if a := &auths[i]; a.EpisodeID == episodeID && a.ProviderID == provider && !out[rows[i].ID] {
			own = own.Add(a.HoldsDollars(today.Time))
		}
	}
	return own, stayID, nil
}

// leftOut is the ids of the agency provider's authorizations of earlier
// stays another agency keeps in the episode, left out of its stay's own
// (earlierStaysSQL), and that stay's id (0: none there).
func leftOut(ctx context.Context, ext pg.Ext, episodeID, provider, stay int64) (out map[int64]bool, stayID int64, err error) {
	var left []struct {
		Stay int64         `db:"stay"`
		Auth sql.NullInt64 `db:"auth"`
	}
	if err := sqlx.SelectContext(ctx, ext, &left, earlierStaysSQL, episodeID, provider, stay); err != nil {
		return nil, 0, fmt.Errorf("earlier stays: %w", err)
	}
	out = map[int64]bool{}
	for _, l := range left {
		stayID = l.Stay
		if l.Auth.Valid {
			out[l.Auth.Int64] = true
		}
	}
	return out, stayID, nil
}

// lowerReadmissionRoom lowers the room the episode keeps beside its cap
// for agencies' earlier stays (readmission_room) to what it is still kept
// for: what every agency's authorizations of earlier stays another agency
// keeps in the episode hold today (leftOut, the authorizations
// adjudication's earlierStays and readmissionRoom read), never below what
// the episode has paid past its cap (episodes_dollars_within_cap). The
// room never rises here (RaiseReadmissionRoom raises it). Left where a
// readmission's grant put it once the earlier stay held less (a line paid
// under the fee, a void), a void's fall took the whole room off what was
// held, and the cap fell below what the episode held past what the room
// still held: another agency's next grant inside its own reviewed cap
// pended CONFLICT_ON_FILE where a stranger's was approved (42 CFR Part
// 2). The caller holds the episode locked.
func lowerReadmissionRoom(ctx context.Context, ext pg.Ext, auths []adjudication.Authorization, rows []Authorization,
	episodeID int64, today rss.Date) error {
	var providers []int64
	if err := sqlx.SelectContext(ctx, ext, &providers, `SELECT DISTINCT provider_id FROM enrollments WHERE episode_id = $1
		ORDER BY provider_id`, episodeID); err != nil {
		return fmt.Errorf("lower readmission room: %w", err)
	}
	kept := decimal.Zero
	for _, p := range providers {
		out, _, err := leftOut(ctx, ext, episodeID, p, 0)
		if err != nil {
			return fmt.Errorf("lower readmission room: %w", err)
		}
		for i := range auths {
			if a := &auths[i]; a.EpisodeID == episodeID && a.ProviderID == p && out[rows[i].ID] {
				kept = kept.Add(a.HoldsDollars(today.Time))
			}
		}
	}
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET readmission_room = GREATEST(LEAST(readmission_room, $2::numeric), dollars_paid - dollar_cap, 0)
		WHERE id = $1 AND dollar_cap IS NOT NULL AND readmission_room > GREATEST(LEAST(readmission_room, $2::numeric), dollars_paid - dollar_cap, 0)`,
		episodeID, kept.StringFixed(2)); err != nil {
		return fmt.Errorf("lower readmission room: %w", err)
	}
	return nil
}

// earlierStaysSQL selects the agency $2's stay in the episode $1 (the
// enrollment $3, or, 0, the open one, else the latest) and, beside it, each
// of its own authorizations there that adjudication's keptBy leaves out
// of its own: of another enrollment, begun before the stay's unbroken
// stay by the enrollments' dates alone (vouchers' capsStayStartSQL), with
// another agency's enrollment in the episode. One row with auth NULL when
// there is none; no row when the agency has no stay there.
var earlierStaysSQL = `WITH b AS (` + stayBeganSQL("$1", "$2", "$3") + `)
	SELECT b.id AS stay, a.id AS auth FROM b
	LEFT JOIN authorizations a ON a.episode_id = $1 AND a.provider_id = b.provider_id AND a.enrollment_id <> b.id AND a.start_date < b.day`

// pastReadmissionRoom is held, what the episode's cap is to hold, less
// the room it keeps beside the cap for an agency's earlier stay
// (readmission_room): that room holds those dollars already, and the
// voucher rules read it only as holding them (V33). Counted in the cap too, a reviewer's
// exception raised it by the room again, and a void let it fall only to
// all that was held: the cap the rules read stood past the program's by
// up to the room, which no reviewer granted, for any agency's grant to
// take once the earlier stay's holdings fell. The schema's CHECK reads
// the two together (episodes_dollars_within_cap).
func pastReadmissionRoom(ctx context.Context, ext pg.Ext, episodeID int64, held decimal.Decimal) (decimal.Decimal, error) {
	var room decimal.Decimal
	if err := sqlx.GetContext(ctx, ext, &room, `SELECT readmission_room FROM episodes WHERE id = $1`, episodeID); err != nil {
		return held, err
	}
	return held.Sub(room), nil
}
