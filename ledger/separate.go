package ledger

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/pg"
)

// Separation is a client record leaving its person for a new one of its
// own (vouchers' Separate): a record joined to another human's person by a
// mistyped Medicaid ID, or by a name and birth date two people share.
type Separation struct {
	ClientID   int64
	ProviderID int64 // the record's agency
	From, To   int64 // the person it leaves, and its new person (inserted by the caller)
	Today      rss.Date
	At         time.Time
}

// LockSeparation takes what a separation of the record changes, before
// any row of it: the life of each episode of the record's stays
// (LockEpisodeLife, by program), then, alone, the intake lock of every
// agency with a stay or an authorization in those episodes, in provider
// order: the order a merging enrollment takes them in (OpenEpisode,
// mergeEpisodes), so a claim or a voucher request in flight for any of
// them is waited for whole, and one that comes after reads the record
// separated. The caller locks the record's row after it.
func LockSeparation(ctx context.Context, ext pg.Ext, clientID int64) error {
	var programs []struct {
		Person  int64  `db:"person_id"`
		Program string `db:"program_code"`
	}
	if err := sqlx.SelectContext(ctx, ext, &programs, `SELECT DISTINCT person_id, program_code FROM enrollments
		WHERE client_id = $1 ORDER BY program_code, person_id`, clientID); err != nil {
		return fmt.Errorf("separation locks: %w", err)
	}
	for _, p := range programs {
		if _, err := ext.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+episodeLifeKey("$1", "$2")+`)`, p.Person, p.Program); err != nil {
			return fmt.Errorf("separation locks: %w", err)
		}
	}
	var episodes []int64
	if err := sqlx.SelectContext(ctx, ext, &episodes, `SELECT DISTINCT episode_id FROM enrollments WHERE client_id = $1`, clientID); err != nil {
		return fmt.Errorf("separation locks: %w", err)
	}
	return lockEpisodesIntake(ctx, ext, episodes, clientID)
}

// lockEpisodesIntake takes alone, in provider order, the intake lock of
// every agency with a stay or an authorization in the episodes and of
// client record clientID's agency: a claim or a voucher request of theirs
// in flight is waited for whole, and one that comes after reads what the
// caller changes (a separation, a join).
func lockEpisodesIntake(ctx context.Context, ext pg.Ext, episodes []int64, clientID int64) error {
	var agencies []int64
	if err := sqlx.SelectContext(ctx, ext, &agencies, `SELECT provider_id FROM enrollments WHERE episode_id = ANY($1)
		UNION SELECT provider_id FROM authorizations WHERE episode_id = ANY($1)
		UNION SELECT provider_id FROM clients WHERE id = $2 ORDER BY 1`, pq.Array(episodes), clientID); err != nil {
		return fmt.Errorf("intake locks: %w", err)
	}
	for _, p := range agencies {
		if err := pg.LockIntakeAlone(ctx, ext, p); err != nil {
			return err
		}
	}
	return nil
}

// lockEpisodeRows locks the rows claims intake and a voucher decision
// lock, in their order (LockForClaimsSQL, then the episodes): the
// episodes' authorizations with their episodes, then the episodes.
func lockEpisodeRows(ctx context.Context, ext pg.Ext, episodes []int64) error {
	if _, err := ext.ExecContext(ctx, `SELECT 1 FROM authorizations a JOIN episodes e ON e.id = a.episode_id
		WHERE a.episode_id = ANY($1) ORDER BY a.id FOR UPDATE OF a, e`, pq.Array(episodes)); err != nil {
		return fmt.Errorf("episode locks: %w", err)
	}
	if _, err := ext.ExecContext(ctx, `SELECT 1 FROM episodes WHERE id = ANY($1) ORDER BY id FOR UPDATE`, pq.Array(episodes)); err != nil {
		return fmt.Errorf("episode locks: %w", err)
	}
	return nil
}

// Separate moves the record's stays out of the person's episodes into
// episodes of the new person, as OpenEpisode would have opened them had
// the record been registered a stranger, and the record itself with them.
// The caller holds LockSeparation and the record's row.
//
//   - An episode holding only the record's stays moves whole, its caps,
//     raises, unit maxima and merges with it: all of it is the record's.
//   - From an episode shared with another record, each unbroken run of
//     the record's stays in a program (each begun by the day after the
//     last of the run ended) opens a new episode on its first day, closed
//     on its last discharge once all are discharged, with the program's
//     dollar cap as it stood when the run's first stay was enrolled
//     (program_cap_then); the stays take their GPRA interviews and
//     authorizations with them. The shared episode keeps the other records'
//     stays, opens on the first of them, closes on their last discharge
//     when none is open, and a cap or unit maximum an exception raised
//     falls back to what it then holds (ReleaseEpisodeCap,
//     ReleaseEpisodeUnits), as after a void: the room the record's grants
//     took is no exception's to keep. The new episode's limits rise to what
//     the record's authorizations hold (raiseToHoldings), as a merge's do:
//     each was granted within the shared episode's.
//   - The record's claim lines go with their authorizations, and the
//     dollars they paid with them (episodes.dollars_paid): each split is
//     kept (episode_splits, migration 00125), the one thing that lets the
//     schema move a claimed row of the record, and only of the record, out
//     of the episode it was counted in. Refused, a record with a claim in a
//     shared episode stayed joined for good, voided or not: two people known
//     to differ shared caps and the duplicate check (a registration pass).
//   - A reviewer's exception in a shared episode (a dollar-cap raise for
//     the record's agency, a raised unit maximum) is divided as the limits
//     are: the shared episode's falls to what the other records' grants
//     hold (ReleaseEpisodeCap with the record's agency holding nothing
//     there, its raise no longer standing), and the new episode's rises to
//     what the record's hold. The exception was made on the two people's
//     figures together, which no longer meet. Refused (raised_for_record),
//     the record could never be separated: the raise was kept for good,
//     voided or not (a separation black-box pass of the forty-fifth stop).
//
// The record, its stays, their interviews and its authorizations name the
// person together (composite keys), so they move in one statement, the
// schema checking them at its end.
func Separate(ctx context.Context, ext pg.Ext, s Separation) error {
	var episodes []int64
	if err := sqlx.SelectContext(ctx, ext, &episodes, `SELECT DISTINCT episode_id FROM enrollments WHERE client_id = $1 ORDER BY 1`,
		s.ClientID); err != nil {
		return fmt.Errorf("separate: %w", err)
	}
	// The rows claims intake and a voucher decision lock, then the
	// record's stays.
	if err := lockEpisodeRows(ctx, ext, episodes); err != nil {
		return err
	}
	var stays []struct {
		ID        int64      `db:"id"`
		Episode   int64      `db:"episode_id"`
		Program   string     `db:"program_code"`
		Start     rss.Date   `db:"start_date"`
		Discharge *rss.Date  `db:"discharge_date"`
		Cap       *rss.Money `db:"cap"`
		Shared    bool       `db:"shared"`
	}
	if err := sqlx.SelectContext(ctx, ext, &stays, `SELECT e.id, e.episode_id, e.program_code, e.start_date, e.discharge_date,
			CASE WHEN e.cap_recorded THEN e.program_cap_then ELSE p.episode_dollar_cap END AS cap,
			EXISTS (SELECT 1 FROM enrollments o WHERE o.episode_id = e.episode_id AND o.client_id <> e.client_id) AS shared
		FROM enrollments e JOIN programs p ON p.code = e.program_code
		WHERE e.client_id = $1 ORDER BY e.program_code, e.start_date, e.id FOR UPDATE OF e`, s.ClientID); err != nil {
		return fmt.Errorf("separate: %w", err)
	}
	var shared, whole []int64
	for _, st := range stays {
		if st.Shared && !slices.Contains(shared, st.Episode) {
			shared = append(shared, st.Episode)
		} else if !st.Shared && !slices.Contains(whole, st.Episode) {
			whole = append(whole, st.Episode)
		}
	}
	// Each run of the record's stays in shared episodes opens one new
	// episode, as the stays would have opened and reopened it alone.
	moveTo := map[int64]int64{} // stay -> its new episode
	type run struct {
		program     string
		first, last rss.Date
		open        bool
		cap         *rss.Money
		stays       []int64
	}
	var runs []*run
	var cur *run
	for _, st := range stays {
		if !st.Shared {
			continue
		}
		if cur == nil || cur.program != st.Program || (!cur.open && st.Start.After(cur.last.AddDays(1))) {
			cur = &run{program: st.Program, first: st.Start, last: st.Start, cap: st.Cap}
			runs = append(runs, cur)
		}
		cur.stays = append(cur.stays, st.ID)
		switch {
		case st.Discharge == nil:
			cur.open = true
		case st.Discharge.After(cur.last):
			cur.last = *st.Discharge
		}
	}
	var opened []int64
	for _, r := range runs {
		var c, closed any
		if r.cap != nil {
			c = r.cap.StringFixed(2)
		}
		if !r.open {
			closed = r.last
		}
		var id int64
		if err := sqlx.GetContext(ctx, ext, &id, `INSERT INTO episodes (person_id, program_code, opened_on, closed_on, dollar_cap)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, s.To, r.program, r.first, closed, c); err != nil {
			return fmt.Errorf("separate (new episode): %w", err)
		}
		opened = append(opened, id)
		for _, st := range r.stays {
			moveTo[st] = id
		}
	}
	ids, to := make([]int64, 0, len(stays)), make([]int64, 0, len(stays))
	for _, st := range stays {
		ids = append(ids, st.ID)
		if e, ok := moveTo[st.ID]; ok {
			to = append(to, e)
		} else {
			to = append(to, st.Episode)
		}
	}
	// Recorded first, as a merge is: the schema lets the record's claimed
	// rows move because of it. Then the dollars its authorizations paid in
	// each shared episode, read before they move.
	if _, err := ext.ExecContext(ctx, `INSERT INTO episode_splits (from_id, into_id, client_id, split_on, split_at)
		SELECT DISTINCT e.episode_id, m.episode, $1::bigint, $4::date, $5::timestamptz
		FROM unnest($2::bigint[], $3::bigint[]) AS m (stay, episode) JOIN enrollments e ON e.id = m.stay
		WHERE e.episode_id <> m.episode ORDER BY 1, 2`,
		s.ClientID, pq.Array(ids), pq.Array(to), s.Today, s.At); err != nil {
		return fmt.Errorf("separate (record): %w", err)
	}
	var paid []struct {
		From int64           `db:"from_id"`
		Into int64           `db:"into_id"`
		Paid decimal.Decimal `db:"paid"`
	}
	if err := sqlx.SelectContext(ctx, ext, &paid, `SELECT a.episode_id AS from_id, m.episode AS into_id, sum(a.dollars_paid) AS paid
		FROM unnest($1::bigint[], $2::bigint[]) AS m (stay, episode) JOIN authorizations a ON a.enrollment_id = m.stay
		WHERE a.episode_id <> m.episode GROUP BY 1, 2 HAVING sum(a.dollars_paid) > 0 ORDER BY 1, 2`,
		pq.Array(ids), pq.Array(to)); err != nil {
		return fmt.Errorf("separate (money): %w", err)
	}
	if _, err := ext.ExecContext(ctx, `WITH m (stay, episode) AS (SELECT * FROM unnest($2::bigint[], $3::bigint[])),
		record AS (UPDATE clients SET person_id = $4 WHERE id = $1 RETURNING id),
		whole AS (UPDATE episodes SET person_id = $4 WHERE id = ANY($5) RETURNING id),
		merges AS (UPDATE episode_merges SET person_id = $4 WHERE into_id = ANY($5) RETURNING id),
		stays AS (UPDATE enrollments e SET person_id = $4, episode_id = m.episode FROM m WHERE e.id = m.stay RETURNING e.id),
		interviews AS (UPDATE gpra_interviews g SET episode_id = m.episode FROM m WHERE g.enrollment_id = m.stay AND g.episode_id <> m.episode
			RETURNING g.id),
		lines AS (UPDATE claim_lines l SET episode_id = m.episode FROM authorizations a JOIN m ON m.stay = a.enrollment_id
			WHERE l.authorization_id = a.id AND l.episode_id <> m.episode RETURNING l.id)
		UPDATE authorizations a SET person_id = $4, episode_id = m.episode FROM m WHERE a.enrollment_id = m.stay`,
		s.ClientID, pq.Array(ids), pq.Array(to), s.To, pq.Array(whole)); err != nil {
		return fmt.Errorf("separate (move): %w", err)
	}
	// The dollars the record's lines paid leave the shared episodes before
	// their caps fall (ReleaseEpisodeCap floors a cap at what is paid).
	for _, p := range paid {
		if _, err := ext.ExecContext(ctx, `UPDATE episodes SET dollars_paid = dollars_paid - $2::numeric WHERE id = $1`,
			p.From, p.Paid.StringFixed(2)); err != nil {
			return fmt.Errorf("separate (money): %w", err)
		}
	}
	// What the shared episodes keep: the other records' stays, from the
	// first of them, closed on the last discharge when none is open, and
	// no exception's room the record's grants took.
	for _, ep := range shared {
		if err := openOnFirstStay(ctx, ext, ep); err != nil {
			return err
		}
		if _, err := ext.ExecContext(ctx, `UPDATE episodes SET closed_on = GREATEST(opened_on,
				(SELECT max(discharge_date) FROM enrollments WHERE episode_id = $1)) WHERE id = $1
			AND NOT EXISTS (SELECT 1 FROM enrollments WHERE episode_id = $1 AND discharge_date IS NULL)`, ep); err != nil {
			return fmt.Errorf("separate (close): %w", err)
		}
		if _, err := ReleaseEpisodeCap(ctx, ext, ep, s.ProviderID, s.Today); err != nil {
			return err
		}
		var services []string
		if err := sqlx.SelectContext(ctx, ext, &services, `SELECT service_code FROM episode_unit_maxima WHERE episode_id = $1 ORDER BY 1`,
			ep); err != nil {
			return fmt.Errorf("separate (unit maxima): %w", err)
		}
		for _, svc := range services {
			if _, _, err := ReleaseEpisodeUnits(ctx, ext, ep, svc, s.Today); err != nil {
				return err
			}
		}
	}
	slices.Sort(opened)
	for _, ep := range opened {
		if err := raiseToHoldings(ctx, ext, ep, s.ProviderID, s.Today, s.At); err != nil {
			return err
		}
	}
	// Then they come into the new episodes, whose caps rose to what the
	// record's authorizations hold (paid counted): past what the ledger
	// records, the cap rises to what was paid, as a merge's does.
	for _, p := range paid {
		if _, err := ext.ExecContext(ctx, `UPDATE episodes SET dollars_paid = dollars_paid + $2::numeric,
				dollar_cap = CASE WHEN dollar_cap IS NULL THEN NULL ELSE GREATEST(dollar_cap, dollars_paid + $2::numeric) END
			WHERE id = $1`, p.Into, p.Paid.StringFixed(2)); err != nil {
			return fmt.Errorf("separate (money): %w", err)
		}
	}
	return nil
}
