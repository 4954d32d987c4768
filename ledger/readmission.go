package ledger

import (
	"context"
	"fmt"

	"rss"
	"rss/adjudication"
	"rss/pg"
)

// RaiseReadmissionRoom raises the room the episode keeps beside its dollar
// cap for an agency's earlier stay (episodes.readmission_room, migration
// 00118) to what its authorizations hold past the cap, the authorization
// grant counted in full, after a grant judged without the grantee's
// earlier stays another agency keeps in the episode
// (adjudication.EarlierStaysHeld: a readmission after a break is judged
// as a stranger's is, whose new stay opens an episode of its own). The
// claims are paid within the cap and the room, as the schema's CHECK
// holds them: left at the cap, the grant's lines, or the earlier stay's
// late ones for days it covered, were cut 119 where a stranger's, in two
// episodes, were paid. The voucher rules never read the room: every other
// grant is judged by the cap. No further than the ledger's columns hold
// (past it, claims are cut at the cap, as for any episode there). It
// reports whether the room rose. The caller holds the episode locked.
func RaiseReadmissionRoom(ctx context.Context, ext pg.Ext, episodeID, grant int64, today rss.Date) (bool, error) {
	rows, auths, held, err := episodeHeld(ctx, ext, episodeID, today)
	if err != nil {
		return false, fmt.Errorf("raise readmission room: %w", err)
	}
	for i := range auths {
		if a := &auths[i]; rows[i].ID == grant { // in full, as RaiseEpisodeCap counts it
			held = held.Add(adjudication.Amount(a.Rate, a.UnitsAuthorized-a.Holds(today.Time)))
		}
	}
	res, err := ext.ExecContext(ctx, `UPDATE episodes SET readmission_room = $2::numeric - dollar_cap
		WHERE id = $1 AND dollar_cap IS NOT NULL AND $2::numeric - dollar_cap > readmission_room AND $2::numeric <= $3::numeric`,
		episodeID, held.StringFixed(2), maxEpisodeCap.Decimal.StringFixed(2))
	if err != nil {
		return false, fmt.Errorf("raise readmission room: %w", err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
