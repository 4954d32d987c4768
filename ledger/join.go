package ledger

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/pg"
)

// Joining is a client record, its person's only record, joining the person
// another agency's record names (vouchers' joinByNewID): registered without
// a Medicaid ID and given it afterwards, the record stayed a person of its
// own, and both agencies were granted and paid the same beneficiary's same
// days, each with caps of its own (a GPRA and a vouchers black-box pass of
// the forty-third stop). Separate's counterpart.
type Joining struct {
	ClientID int64
	From, To int64 // the record's person (it holds nothing else) and the person it joins
	Today    rss.Date
	At       time.Time
}

// LockJoin takes what a join changes, before any row of it, in the order
// a separation and a merging enrollment take them: the life of each
// episode of either person in the programs the record has stays in
// (LockPersonEpisodeLife, by program, then person), then, alone, the
// intake lock of every agency with a stay or an authorization in those
// episodes, in provider order, so a claim or a voucher request in flight
// for either person is waited for whole and one that comes after reads
// them joined.
func LockJoin(ctx context.Context, ext pg.Ext, j Joining) error {
	var programs []string
	if err := sqlx.SelectContext(ctx, ext, &programs, `SELECT DISTINCT program_code FROM enrollments WHERE client_id = $1 ORDER BY 1`,
		j.ClientID); err != nil {
		return fmt.Errorf("join locks: %w", err)
	}
	people := []int64{j.From, j.To}
	slices.Sort(people)
	for _, p := range programs {
		for _, person := range people {
			if err := LockPersonEpisodeLife(ctx, ext, person, p); err != nil {
				return err
			}
		}
	}
	var episodes []int64
	if err := sqlx.SelectContext(ctx, ext, &episodes, `SELECT id FROM episodes WHERE person_id = ANY($1) AND program_code = ANY($2)`,
		pq.Array(people), pq.Array(programs)); err != nil {
		return fmt.Errorf("join locks: %w", err)
	}
	return lockEpisodesIntake(ctx, ext, episodes, j.ClientID)
}

// Join moves the record, its stays and its authorizations to the person
// To, its episodes with them, and makes one episode of each of To's and
// the record's episodes in a program whose spans meet (one the day after
// the other closed, as OpenEpisode reads a stay), as a back-dated stay
// bridging them merges them (mergeEpisodes): the caps, unit maxima and
// dollars paid go on in the merged episode, its limits raised to what its
// authorizations hold, each granted within its own. The caller holds
// LockJoin and has checked the record is From's only record. Stays of
// both flagged primary case manager in a program stay so: the first
// designated holds the designation, as for a person two agencies enrolled
// once joined at registration.
func Join(ctx context.Context, ext pg.Ext, j Joining) error {
	var eps []struct {
		ID      int64     `db:"id"`
		Person  int64     `db:"person_id"`
		Program string    `db:"program_code"`
		Opened  rss.Date  `db:"opened_on"`
		Closed  *rss.Date `db:"closed_on"`
	}
	if err := sqlx.SelectContext(ctx, ext, &eps, `SELECT id, person_id, program_code, opened_on, closed_on FROM episodes
		WHERE person_id = ANY($1) AND program_code IN (SELECT program_code FROM episodes WHERE person_id = $2)
		ORDER BY program_code, opened_on, id`, pq.Array([]int64{j.From, j.To}), j.From); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	ids := make([]int64, len(eps))
	for i, e := range eps {
		ids[i] = e.ID
	}
	if err := lockEpisodeRows(ctx, ext, ids); err != nil {
		return err
	}
	// Each program's episodes of the two, by opening, in runs whose spans
	// meet: a run of more than one becomes one episode, its first.
	var runs [][]int64
	var end *rss.Date // the run's last day, nil while open
	for i, e := range eps {
		if i == 0 || e.Program != eps[i-1].Program || (end != nil && e.Opened.After(end.AddDays(1))) {
			runs = append(runs, nil)
			end = e.Closed
		} else if end != nil && (e.Closed == nil || e.Closed.After(*end)) {
			end = e.Closed
		}
		runs[len(runs)-1] = append(runs[len(runs)-1], e.ID)
	}
	// One episode is open per person and program (episodes_one_open): the
	// record's open one, where To's is open too, is closed on its opening
	// day while it moves, and merged into the run's first after.
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET closed_on = opened_on WHERE person_id = $1 AND closed_on IS NULL
		AND program_code IN (SELECT program_code FROM episodes WHERE person_id = $2 AND closed_on IS NULL)`, j.From, j.To); err != nil {
		return fmt.Errorf("join: %w", err)
	}
	// The record, its episodes (all its own: it is its person's only
	// record), their merges, its stays and its authorizations name the
	// person together (composite keys): one statement, the schema
	// checking them at its end.
	if _, err := ext.ExecContext(ctx, `WITH record AS (UPDATE clients SET person_id = $2 WHERE id = $1 RETURNING id),
		episodes AS (UPDATE episodes SET person_id = $2 WHERE person_id = $3 RETURNING id),
		merges AS (UPDATE episode_merges SET person_id = $2 WHERE person_id = $3 RETURNING id),
		stays AS (UPDATE enrollments SET person_id = $2 WHERE client_id = $1 RETURNING id)
		UPDATE authorizations SET person_id = $2 WHERE client_id = $1`, j.ClientID, j.To, j.From); err != nil {
		return fmt.Errorf("join (move): %w", err)
	}
	for _, run := range runs {
		if len(run) < 2 {
			continue
		}
		into := run[0]
		if err := mergeEpisodes(ctx, ext, into, run[1:], j.Today, j.Today, j.At); err != nil {
			return err
		}
		// Open while a stay of it is, else closed on its last discharge,
		// as a separation leaves a shared episode.
		if _, err := ext.ExecContext(ctx, `UPDATE episodes SET closed_on = CASE
				WHEN EXISTS (SELECT 1 FROM enrollments WHERE episode_id = $1 AND discharge_date IS NULL) THEN NULL
				ELSE GREATEST(opened_on, (SELECT max(discharge_date) FROM enrollments WHERE episode_id = $1)) END
			WHERE id = $1`, into); err != nil {
			return fmt.Errorf("join (close): %w", err)
		}
	}
	return nil
}
