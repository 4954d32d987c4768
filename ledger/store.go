package ledger

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/adjudication"
	"rss/pg"
)

// inactivateAfter is the program's inactivity setting of authorization a,
// read with it so that its status is judged on the setting of the day.
const inactivateAfter = `(SELECT p.inactivate_after_days FROM programs p WHERE p.code = a.program_code)`

// inactivitySince is the first day of authorization a's program's last
// stricter inactivity setting (NULL when it never was): it goes inactive
// no earlier, and a service dated before it is covered
// (Authorization.InactivitySince).
const inactivitySince = `(SELECT p.inactivity_since FROM programs p WHERE p.code = a.program_code)`

// inactiveSQL is whether authorization a is inactive on today by its
// program's setting or the day kept (Authorization.inactiveOn): NULL when
// the program never inactivates and no day is kept.
func inactiveSQL(today string) string {
	return `((` + today + ` > GREATEST(a.start_date, a.last_service_on, a.reactivated_on, a.issued_on) + ` + inactivateAfter + `
		AND ` + today + ` >= COALESCE(` + inactivitySince + `, ` + today + `))
		OR COALESCE(` + today + ` >= a.inactive_from, false))`
}

// effectiveEnd is authorization a's last day: its end date, or the day
// before its agency's deactivation when that comes first. A deactivated
// agency bills nothing from that day, so its authorizations stopped
// counting toward the person's caps and the duplicate rule there, where
// they read active with all their units and kept other agencies' requests
// pending (a black-box pass). Derived when read, like the status, so a
// reactivation of the agency gives them back their span. One its
// agency's reactivation held for review stays cut so (held_from, the
// deactivation's first day; migration 00113) until a reviewer decides.
const effectiveEnd = `LEAST(a.end_date, a.held_from - 1, (SELECT p.deactivated_on - 1 FROM providers p WHERE p.id = a.provider_id))`

// claimsDueBy is the last day a claim for authorization a's last day is
// received in time: its last day plus its program's filing limit (C03).
const claimsDueBy = effectiveEnd + ` + (SELECT p.filing_limit_days FROM programs p WHERE p.code = a.program_code)`

const columns = `a.id, a.number, a.voucher_request_id, a.client_id, a.provider_id, a.program_code, a.service_code,
	a.episode_id, a.enrollment_id, a.units_authorized, a.units_used, a.rate, a.start_date, ` + effectiveEnd + ` AS end_date,
	a.voided_at, a.void_reason,
	a.last_service_on, a.reactivated_on, a.issued_on, ` + inactivateAfter + ` AS inactivate_after_days,
	` + inactivitySince + ` AS inactivity_since, a.inactive_from, a.created_at,
	a.episode_max_then, ` + claimsDueBy + ` AS claims_due_by, a.dollars_paid, a.held_from, a.held_judged_from,
	coalesce(a.held_reasons, '{}') AS held_reasons`

// endedHeldSQL is Authorization.Rule's HeldThrough in SQL, for a sum of
// what authorizations hold: one not void whose span ran (an end date, a
// discharge's or its agency's deactivation's cut, effectiveEnd, not before
// its start) holds all its units through claimsDueBy unless it goes
// inactive first. (While it runs its status says the same.)
func endedHeldSQL(today string) string {
	return `(a.voided_at IS NULL AND ` + effectiveEnd + ` >= a.start_date AND ` + today + ` <= ` + claimsDueBy + `
		AND NOT coalesce(` + inactiveSQL(today) + `, false))`
}

// HeldSQL is adjudication.Authorization.Holds of Authorization.Rule in
// SQL, for a sum of what authorizations hold: the units authorization a
// holds of its episode's caps on the date the expression today yields,
// all it authorizes while active (StatusSQL) or, once ended, until its
// claims are due (endedHeldSQL), the units it used otherwise. The
// ledger's tests hold the two to the same answers.
func HeldSQL(today string) string {
	return `CASE WHEN ` + StatusSQL(today) + ` = 'active' OR ` + endedHeldSQL(today) + `
		THEN a.units_authorized ELSE a.units_used END`
}

// StatusSQL is Authorization.StatusOn in SQL, for a list filtered by
// status: the status of authorization a on the date the expression today
// yields. The API tests hold the two to the same answers.
func StatusSQL(today string) string {
	return `CASE WHEN a.voided_at IS NOT NULL THEN 'void'
		WHEN a.held_from IS NOT NULL THEN 'pending_review'
		WHEN a.units_used >= a.units_authorized THEN 'exhausted'
		WHEN ` + effectiveEnd + ` < ` + today + ` OR ` + effectiveEnd + ` < a.start_date THEN 'expired'
		WHEN ` + inactiveSQL(today) + ` THEN 'inactive'
		ELSE 'active' END`
}

// New is the grant of a voucher request.
type New struct {
	VoucherRequestID int64
	ClientID         int64
	PersonID         int64
	ProviderID       int64
	ProgramCode      string
	ServiceCode      string
	EpisodeID        int64
	EnrollmentID     int64
	Units            int
	Rate             rss.Money
	Start, End       rss.Date
	// IssuedOn is the day it is issued (the service's today): its
	// inactivity counts from it when it is later than the start.
	IssuedOn rss.Date
}

// Create stores an authorization; its number comes from the ledger's sequence.
func Create(ctx context.Context, ext pg.Ext, n New) (Authorization, error) {
	var a Authorization
	err := sqlx.GetContext(ctx, ext, &a, `INSERT INTO authorizations AS a (voucher_request_id, client_id, person_id, provider_id, program_code,
			service_code, episode_id, enrollment_id, units_authorized, rate, start_date, end_date, issued_on)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+columns,
		n.VoucherRequestID, n.ClientID, n.PersonID, n.ProviderID, n.ProgramCode, n.ServiceCode, n.EpisodeID, n.EnrollmentID,
		n.Units, n.Rate, n.Start, n.End, n.IssuedOn)
	if err != nil {
		return a, fmt.Errorf("create authorization: %w", err)
	}
	return a, nil
}

// GrantJoin and GrantColumns let a read of voucher requests (aliased v)
// carry the authorization each was granted, if any, and its rate, in the
// same statement.
const (
	GrantJoin    = ` LEFT JOIN authorizations a ON a.voucher_request_id = v.id `
	GrantColumns = `a.id AS authorization_id, a.number AS authorization_number, a.rate AS granted_rate`
)

// Get reads one authorization; a missing one is rss.ErrNotFound.
func Get(ctx context.Context, ext pg.Ext, id int64) (Authorization, error) {
	var a Authorization
	err := sqlx.GetContext(ctx, ext, &a, `SELECT `+columns+` FROM authorizations a WHERE a.id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return a, fmt.Errorf("%w: authorization %d", rss.ErrNotFound, id)
	}
	return a, err
}

// Filter narrows a list of authorizations; Status is judged on Today.
type Filter struct {
	ProviderID  int64 // 0: every provider
	ClientID    int64
	ServiceCode string
	Status      string
	Today       rss.Date
	After       int64
	Limit       int
}

// List reads authorizations in id order after f.After, at most f.Limit.
func List(ctx context.Context, ext pg.Ext, f Filter) ([]Authorization, error) {
	var rows []Authorization
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT `+columns+` FROM authorizations a
		WHERE a.id > $1 AND ($2::bigint = 0 OR a.provider_id = $2)
		  AND ($3::bigint = 0 OR a.client_id = $3) AND ($4 = '' OR a.service_code = $4)
		  AND ($5 = '' OR `+StatusSQL("$6::date")+` = $5)
		ORDER BY a.id LIMIT $7`, f.After, f.ProviderID, f.ClientID, f.ServiceCode, f.Status, f.Today, f.Limit); err != nil {
		return nil, fmt.Errorf("list authorizations: %w", err)
	}
	return rows, nil
}

// InactiveOf reads the program's authorizations inactive on today, each
// derived as of today (its InactiveOn the first day it is idle).
func InactiveOf(ctx context.Context, ext pg.Ext, program string, today rss.Date) ([]Authorization, error) {
	var rows []Authorization
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT `+columns+` FROM authorizations a
		WHERE a.program_code = $1 AND a.voided_at IS NULL AND `+StatusSQL("$2::date")+` = 'inactive'
		ORDER BY a.id`, program, today); err != nil {
		return nil, fmt.Errorf("inactive authorizations: %w", err)
	}
	for i := range rows {
		rows[i].Derive(today)
	}
	return rows, nil
}

// KeepInactive keeps the authorizations of idle (InactiveOf, read before
// their program's inactivity setting is made stricter, or before one
// loosened gave back what a reviewer is to judge) inactive from the day
// each went so (inactive_from; an earlier day kept before stays): the
// stricter setting applies from the day after the change, a floor that
// read under one idle for weeks made it active again, unjudged (a
// black-box pass).
func KeepInactive(ctx context.Context, ext pg.Ext, idle []Authorization) error {
	if len(idle) == 0 {
		return nil
	}
	ids, days := make([]int64, len(idle)), make([]string, len(idle))
	for i, a := range idle {
		ids[i], days[i] = a.ID, a.InactiveOn.String()
	}
	if _, err := ext.ExecContext(ctx, `UPDATE authorizations a SET inactive_from = LEAST(a.inactive_from, x.day)
		FROM unnest($1::bigint[], $2::date[]) AS x(id, day)
		WHERE a.id = x.id`, pq.Array(ids), pq.Array(days)); err != nil {
		return fmt.Errorf("keep inactive: %w", err)
	}
	return nil
}

// ForgetInactive clears the days an older setting made the program's
// authorizations inactive (KeepInactive), when its inactivity is switched
// off: they are active again (judged, vouchers.holdRevived), and kept, the
// day would make them inactive from it, backwards, were the setting
// switched on again. One held for review keeps its day until a reviewer
// gives it back (GiveBack clears it): cleared, its unused units came back
// onto the caps while it could bill none of them.
func ForgetInactive(ctx context.Context, ext pg.Ext, program string) error {
	if _, err := ext.ExecContext(ctx, `UPDATE authorizations SET inactive_from = NULL
		WHERE program_code = $1 AND inactive_from IS NOT NULL AND held_from IS NULL`, program); err != nil {
		return fmt.Errorf("forget inactive: %w", err)
	}
	return nil
}

// OfPerson reads the person's authorizations in a program, from every
// agency: duplicates and the episode's totals are judged on the person,
// whoever holds them.
func OfPerson(ctx context.Context, ext pg.Ext, personID int64, program string) ([]Authorization, error) {
	var rows []Authorization
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT `+columns+` FROM authorizations a
		WHERE a.person_id = $1 AND a.program_code = $2 ORDER BY a.id`, personID, program); err != nil {
		return nil, fmt.Errorf("authorization facts: %w", err)
	}
	return rows, nil
}

// EpisodeHoldingsSQL is an expression: the JSON array of what the
// authorizations of the episodes of the clients' (an array expression)
// authorizations with the provider hold of each service on today
// ({"e", "s", "held", "used", "dollars", "max"}: Authorization.Holds
// summed, the units used, Authorization.HoldsDollars summed, and the
// maximum a reviewer's exception raised), every agency's,
// for claims intake's facts, each authorization counted as HeldSQL
// counts it. Claims intake runs it on a generic plan (billing's
// factsQuery), so every table is read key by key whatever the plan was
// made on: the episodes from the clients' authorizations, each a subquery
// of its own (OFFSET 0), then each episode's authorizations, and each
// maximum by its key (a scalar subquery); the agency is checked, not
// looked up by (+ 0: authorizations_provider_idx reads every row of the
// agency). Made on the small tables of a new database as joins, the plan
// read whole indexes with a filter.
func EpisodeHoldingsSQL(provider, clients, today string) string {
	return `COALESCE((SELECT json_agg(json_build_object('e', h.episode_id, 's', h.service_code, 'held', h.held, 'used', h.used,
		                                          'dollars', h.dollars::text,
		                                          'max', (SELECT m.max_units FROM episode_unit_maxima m
		                                                  WHERE m.episode_id = h.episode_id AND m.service_code = h.service_code)))
		FROM (SELECT a.episode_id, a.service_code, sum(a.units_used) AS used, sum(a.held) AS held,
		             sum(a.dollars_paid + round(a.rate * (a.held - a.units_used), 2)) AS dollars
		      FROM (SELECT DISTINCT k.episode_id FROM unnest(` + clients + `) AS c(id),
		            LATERAL (SELECT k.episode_id FROM authorizations k WHERE k.client_id = c.id AND k.provider_id + 0 = ` + provider + `
		                     OFFSET 0) k) ep,
		           -- Each authorization's holding judged once (HeldSQL reads its
		           -- program and agency), for its units and its dollars alike.
		           LATERAL (SELECT a.episode_id, a.service_code, a.units_used, a.dollars_paid, a.rate, ` + HeldSQL(today) + ` AS held
		                    FROM authorizations a WHERE a.episode_id = ep.episode_id OFFSET 0) a
		      GROUP BY 1, 2) h), '[]')`
}

// RaiseEpisodeUnits records a reviewer's exception to the service's
// episode unit maximum for the grant: the episode's maximum of the
// service rises to what its authorizations now hold (the grant counted in
// full), when that is past the service's maximum and any raised before.
// The caller holds the episode locked. It reports whether it rose, and
// to what.
func RaiseEpisodeUnits(ctx context.Context, ext pg.Ext, episodeID int64, service string, grant int64, today rss.Date, at time.Time) (int, bool, error) {
	held, err := serviceUnitsHeld(ctx, ext, episodeID, service, grant, today)
	if err != nil {
		return 0, false, fmt.Errorf("raise episode units: %w", err)
	}
	res, err := ext.ExecContext(ctx, `INSERT INTO episode_unit_maxima AS m (episode_id, service_code, max_units, raised_at)
		SELECT $1, $2, $3, $4 FROM services s WHERE s.code = $2 AND s.per_episode_max < $3
		ON CONFLICT ON CONSTRAINT episode_unit_maxima_pkey DO UPDATE SET max_units = excluded.max_units, raised_at = excluded.raised_at
		WHERE m.max_units < excluded.max_units`, episodeID, service, held, at)
	if err != nil {
		return 0, false, fmt.Errorf("raise episode units: %w", err)
	}
	n, _ := res.RowsAffected()
	return held, n > 0, nil
}

// serviceUnitsHeld is what the episode's authorizations of the service
// hold toward its maximum (UnitsCounted), grant (0 for none) counted in
// full: a grant whose span has ended holds only the units it used.
func serviceUnitsHeld(ctx context.Context, ext pg.Ext, episodeID int64, service string, grant int64, today rss.Date) (int, error) {
	var rows []Authorization
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT `+columns+` FROM authorizations a
		WHERE a.episode_id = $1 AND a.service_code = $2 ORDER BY a.id`, episodeID, service); err != nil {
		return 0, err
	}
	held := 0
	for i := range rows {
		r := rows[i].Rule(today)
		held += UnitsCounted(&r, today.Time)
		if rows[i].ID == grant {
			held += r.UnitsAuthorized - r.Holds(today.Time)
		}
	}
	return held, nil
}

// ReleaseEpisodeUnits lowers a service's raised episode unit maximum once
// its authorizations hold fewer units (a void), as ReleaseEpisodeCap does
// the dollars: to what they hold, and back to the service's own maximum
// (the exception's row gone) when that is enough. It reports the maximum
// it fell to, and whether it fell. The caller holds the episode locked.
func ReleaseEpisodeUnits(ctx context.Context, ext pg.Ext, episodeID int64, service string, today rss.Date) (int, bool, error) {
	held, err := serviceUnitsHeld(ctx, ext, episodeID, service, 0, today)
	if err != nil {
		return 0, false, fmt.Errorf("release episode units: %w", err)
	}
	// What the maximum is now: the service's own where the exception's
	// row is gone, else what is held; -1 where it did not fall.
	var n int
	err = sqlx.GetContext(ctx, ext, &n, `WITH s AS (SELECT per_episode_max FROM services WHERE code = $2),
		gone AS (DELETE FROM episode_unit_maxima m WHERE m.episode_id = $1 AND m.service_code = $2
			AND $3 <= (SELECT per_episode_max FROM s) RETURNING 1),
		lowered AS (UPDATE episode_unit_maxima m SET max_units = $3 WHERE m.episode_id = $1 AND m.service_code = $2
			AND $3 > (SELECT per_episode_max FROM s) AND m.max_units > $3 RETURNING 1)
		SELECT CASE WHEN EXISTS (SELECT 1 FROM gone) THEN (SELECT per_episode_max FROM s)
		            WHEN EXISTS (SELECT 1 FROM lowered) THEN $3 ELSE -1 END`, episodeID, service, held)
	if err != nil {
		return 0, false, fmt.Errorf("release episode units: %w", err)
	}
	return n, n >= 0, nil
}

// LockEpisode locks an episode for a voucher decision, so two requests in
// it are decided one after the other against the same totals, and returns
// its dollar cap (nil when uncapped): the program's cap when it opened,
// raised only by a reviewer's recorded exception.
func LockEpisode(ctx context.Context, ext pg.Ext, id int64) (*rss.Money, error) {
	var cap *rss.Money
	if err := sqlx.GetContext(ctx, ext, &cap, `SELECT dollar_cap FROM episodes WHERE id = $1 FOR UPDATE`, id); err != nil {
		return nil, fmt.Errorf("lock episode: %w", err)
	}
	return cap, nil
}

// LockAll holds the authorizations ids and their episodes in the order
// claims intake takes them (LockForClaimsSQL: by authorization id, each
// with its episode), for a writer that changes them (a reviewer's void or
// reactivation, a provider's reactivation working through them one by
// one): taken episode first, or one at a time, a claim holding some of
// them deadlocked with it, and the loser answered 500 or 409 (black-box
// passes).
func LockAll(ctx context.Context, ext pg.Ext, ids []int64) error {
	if _, err := ext.ExecContext(ctx, `SELECT 1 FROM authorizations a JOIN episodes e ON e.id = a.episode_id
		WHERE a.id = ANY($1) ORDER BY a.id FOR UPDATE OF a, e`, pq.Array(ids)); err != nil {
		return fmt.Errorf("lock authorizations: %w", err)
	}
	return nil
}

// LockOfProviderWithin holds, as LockAll does, the provider's authorizations
// not void with a day from first to last, and their episodes: the episodes
// every agency's voucher request and claim for the same people locks, so a
// change to what those days mean to the provider (a suspension lifted)
// waits for a grant over them under way and is seen by those that follow.
func LockOfProviderWithin(ctx context.Context, ext pg.Ext, provider int64, first, last rss.Date) error {
	if _, err := ext.ExecContext(ctx, `SELECT 1 FROM authorizations a JOIN episodes e ON e.id = a.episode_id
		WHERE a.provider_id = $1 AND a.voided_at IS NULL AND a.start_date <= $3 AND a.end_date >= $2
		ORDER BY a.id FOR UPDATE OF a, e`, provider, first, last); err != nil {
		return fmt.Errorf("lock authorizations: %w", err)
	}
	return nil
}

// maxEpisodeCap is the largest amount episodes.dollar_cap (NUMERIC(12,2)) holds.
var maxEpisodeCap = rss.MustMoney("9999999999.99")

// RaiseEpisodeCap records a reviewer's dollar-cap exception for the
// authorization grant: the episode's cap rises to the dollars its
// authorizations now hold (EpisodeTotals), the grant counted in full, so
// claims against it can be paid while the schema still refuses any payment
// past the (raised) cap, and the agency's own cap to what its own hold. It
// reports what rose, and to what (CapChange). The caller holds the episode
// locked (LockEpisode).
func RaiseEpisodeCap(ctx context.Context, ext pg.Ext, episodeID, grant int64, today rss.Date) (CapChange, error) {
	rows, auths, total, err := episodeHeld(ctx, ext, episodeID, today)
	if err != nil {
		return CapChange{}, fmt.Errorf("raise episode cap: %w", err)
	}
	// A grant whose span has ended (a retro one) holds only the units it
	// used, none yet: counted so, the cap rose by nothing, and the claims
	// the reviewer approved it for, billed within the filing limit, were
	// denied at the cap (a black-box pass).
	var provider, enrollment int64
	var rest decimal.Decimal
	for i := range auths {
		if a := &auths[i]; rows[i].ID == grant {
			rest = adjudication.Amount(a.Rate, a.UnitsAuthorized-a.Holds(today.Time))
			total = total.Add(rest)
			provider, enrollment = a.ProviderID, rows[i].EnrollmentID
		}
	}
	// What the agency's own authorizations hold, the grant counted in
	// full as in the total: its own cap (own_after, migration 00114), kept
	// where the raise put it until its own void lowers it, never below its
	// own cap before the raise (own_before, migration 00117, recordRaiseSQL).
	// A stranger's episode cap stays so; read from its holdings today
	// instead, the own cap of an agency another agency's stay shares
	// followed them down (a line paid under the fee) and its next request
	// pended where a stranger's was approved (42 CFR Part 2). With no other
	// agency in the episode it is the cap after (the tests hold it so).
	// Its stay's alone (earlierStays): an earlier stay another agency
	// keeps in the episode is no part of a stranger's new one.
	own, _, err := earlierStays(ctx, ext, auths, rows, episodeID, provider, enrollment, today)
	if err != nil {
		return CapChange{}, fmt.Errorf("raise episode cap: %w", err)
	}
	own = own.Add(rest)
	// The room other standing exceptions keep stays beside the grant: a
	// reviewer's exception for one agency raised the cap to what was held
	// alone, and its grant took the room of another's exception, whose
	// next request inside its own cap then pended where a stranger's was
	// approved (42 CFR Part 2). The raise recorded here keeps the grantee
	// none (its own cap is what its own hold, the grant in full).
	kept, err := keptOwnCaps(ctx, ext, episodeID)
	if err != nil {
		return CapChange{}, fmt.Errorf("raise episode cap: %w", err)
	}
	total = total.Add(RoomKept(kept, auths, episodeID, today.Time, provider, rest))
	// What the room kept beside the cap for an agency's earlier stay
	// holds is no part of it (pastReadmissionRoom).
	if total, err = pastReadmissionRoom(ctx, ext, episodeID, total); err != nil {
		return CapChange{}, fmt.Errorf("raise episode cap: %w", err)
	}
	// dollar_cap is NUMERIC(12,2): a total past it (a rate near the largest
	// amount times a few units) is the reviewer's to cut down, not a failed
	// statement.
	if total.GreaterThan(maxEpisodeCap.Decimal) {
		return CapChange{}, rss.Coded(rss.ErrConflict, "cap_out_of_range",
			"the episode's authorizations would hold %s, past the largest dollar cap the ledger records (%s); approve fewer units",
			total.StringFixed(2), maxEpisodeCap)
	}
	// Kept with the agency it was raised for (episode_cap_raises): a
	// raise of another agency's is its record (RaisedByOthersSQL).
	var recorded []struct {
		EpisodeRose bool      `db:"episode_rose"`
		OwnAfter    rss.Money `db:"own_after"`
	}
	if err := sqlx.SelectContext(ctx, ext, &recorded, recordRaiseSQL("$5::bigint"),
		episodeID, total.StringFixed(2), provider, own.StringFixed(2), enrollment); err != nil {
		return CapChange{}, fmt.Errorf("raise episode cap: %w", err)
	}
	if len(recorded) == 0 {
		return CapChange{}, nil
	}
	r := CapChange{Own: recorded[0].OwnAfter}
	if recorded[0].EpisodeRose {
		r.Episode = rss.NewMoney(total.Round(2))
	}
	return r, nil
}

// CapChange is what a reviewer's dollar-cap exception raised, or a release
// let fall (ReleaseEpisodeCap): the episode's cap (zero where it did not
// move) and the agency's own cap after it (zero likewise); both zero when
// nothing moved. A cap is never zero where it moved.
type CapChange struct {
	Episode rss.Money
	Own     rss.Money
}

// Moved reports whether anything moved.
func (r CapChange) Moved() bool { return !r.Episode.IsZero() || !r.Own.IsZero() }

// Outcome is the audit's figure for the move: the episode's cap where it
// moved, as it always read, else the agency's own cap alone.
func (r CapChange) Outcome() string {
	if r.Episode.IsZero() {
		return "own dollar_cap " + r.Own.String()
	}
	return "dollar_cap " + r.Episode.String()
}

// RaisedByOthersSQL is a row of the lowest cap the episode the expression
// episode names stood at before an exception raised it for an agency other
// than provider's, among those raises the cap still stands above (a void
// lets a raised cap fall back: ReleaseEpisodeCap), with that agency: the
// columns others_cap_before and others_raised_by, NULL when there is none.
// Up to that cap the episode's cap is the reader's own history; past it,
// another agency's record.
func RaisedByOthersSQL(episode, provider string) string {
	return `SELECT r.cap_before AS others_cap_before, r.provider_id AS others_raised_by
		FROM episode_cap_raises r JOIN episodes e ON e.id = r.episode_id
		WHERE r.episode_id = ` + episode + ` AND r.provider_id <> ` + provider + ` AND e.dollar_cap > r.cap_before
		  AND r.cap_after > r.cap_before -- a raise of an agency's own cap alone (migration 00126) raised no one's
		ORDER BY r.cap_before, r.id LIMIT 1`
}

// KeptOwnCapsSQL is the rows (provider_id, cap, stay, stay_began) of the
// own caps kept in the episode the expression episode names
// (adjudication.KeptOwnCap), of every agency but the one the expression
// except names: the highest own_after of each agency's raises that still
// stand (own_after past its own cap before the raise, OwnBeforeSQL; its
// own void or discharge lowers it, ReleaseEpisodeCap) in its stay there
// (its open enrollment, else its latest: raised since the enrollment was
// made, as ownCapBeforeSQL reads the agency's own), with that stay and,
// where another agency is in the episode, its unbroken stay's first day
// by the enrollments' dates (stayBeganSQL): the agency's authorizations
// of an earlier stay, begun before it, hold nothing against the cap
// (adjudication.KeptOwnCap.Holds). Counted, after a readmission after a
// break the earlier stay's holdings ate the room of an exception of the
// new stay, and another agency's unreviewed grant took what a stranger's
// episode keeps (42 CFR Part 2 and money). In provider order. One lookup
// of the raises by episode (episode_cap_raises_episode_idx).
func KeptOwnCapsSQL(episode, except string) string {
	return `SELECT r.provider_id, max(r.own_after) AS cap, COALESCE(b.id, 0) AS stay, b.day AS stay_began
		FROM episode_cap_raises r
		LEFT JOIN LATERAL (` + stayBeganSQL(episode, "r.provider_id", "0") + `) b ON true
		WHERE r.episode_id = ` + episode + ` AND r.provider_id <> ` + except + ` AND r.own_after > ` + OwnBeforeSQL("r") + `
		  AND (b.id IS NULL OR r.raised_at >= b.created_at)
		GROUP BY r.provider_id, b.id, b.day ORDER BY r.provider_id`
}

// stayBeganSQL selects (id, provider_id, created_at, day) the agency
// provider's stay in the episode (the enrollment the expression stay
// names, or, 0, its open one there, else its latest) and day, the first
// day of that stay's unbroken stay by the enrollments' dates alone
// (vouchers' capsStayStartSQL), NULL where no other agency is in the
// episode (none of its authorizations there is then an earlier stay
// another agency keeps: adjudication's keptBy). No row when the agency
// has no stay there. Each is an expression.
func stayBeganSQL(episode, provider, stay string) string {
	return `WITH s AS (
			SELECT id, client_id, provider_id, program_code, start_date, created_at FROM enrollments
			WHERE CASE WHEN ` + stay + `::bigint = 0 THEN episode_id = ` + episode + ` AND provider_id = ` + provider + ` ELSE id = ` + stay + ` END
			ORDER BY discharge_date IS NULL DESC, start_date DESC, id DESC LIMIT 1)
		SELECT s.id, s.provider_id, s.created_at,
			CASE WHEN EXISTS (SELECT 1 FROM enrollments o WHERE o.episode_id = ` + episode + ` AND o.provider_id <> s.provider_id)
			THEN LEAST(s.start_date, COALESCE((SELECT max(w.start_date) FROM (
				SELECT o.start_date, lag(o.id) OVER x IS NULL
				    OR o.start_date > max(o.discharge_date) OVER (x ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + 1 AS begins
				FROM enrollments o
				WHERE o.client_id = s.client_id AND o.provider_id = s.provider_id AND o.program_code = s.program_code
				  AND o.start_date <= s.start_date
				WINDOW x AS (ORDER BY o.start_date, o.id)) w WHERE w.begins), s.start_date)) END AS day
		FROM s`
}

// OwnBeforeSQL is the own cap of the agency of the raise r (a table alias)
// just before it (own_before, recordRaiseSQL): the floor of its own cap
// after it, which the raise stands past. A raise recorded before migration
// 00117 kept none and reads the episode's cap before it, as it was read.
// Floored at the episode's cap before, which after an earlier raise holds
// other agencies' dollars, an agency's second exception kept its own cap
// there (420.00 where a stranger's episode cap was 408.05), and another
// agency's later exception read as none of its own and kept no room (a
// white-box review of the thirty-sixth stop; 42 CFR Part 2 and money).
func OwnBeforeSQL(r string) string {
	return `COALESCE(` + r + `.own_before, ` + r + `.cap_before)`
}

// recordRaiseSQL raises the episode $1's dollar cap to $2 where it stands
// below it and records the raise for the agency $3, whose own
// authorizations hold $4 with the grant, in its stay the expression
// enrollment names: its own cap before the raise (ownCapBeforeSQL, never
// past the cap after: a joiner whose program cap then was higher is not
// past its own cap, and the raise is none of its own) and after it, what
// its own hold, never below the one before. Where the episode's cap needs
// no raise but the agency's own hold pass its own cap (a joiner held to a
// lower program cap than the one the episode opened with), the raise is
// its own cap's alone, recorded with the episode's cap unchanged
// (migration 00126): left unrecorded, its next request read its own cap
// where a stranger's read its raised episode cap (42 CFR Part 2). No row
// when neither rose. It returns whether the episode's cap rose and the
// own cap after.
func recordRaiseSQL(enrollment string) string {
	return `WITH before AS (SELECT dollar_cap FROM episodes WHERE id = $1),
		raised AS (UPDATE episodes SET dollar_cap = $2 WHERE id = $1 AND dollar_cap IS NOT NULL AND dollar_cap < $2 RETURNING id),
		own AS (SELECT LEAST(COALESCE(` + ownCapBeforeSQL("$1", "$3", enrollment) + `, b.dollar_cap), GREATEST(b.dollar_cap, $2::numeric)) AS before
			FROM before b)
		INSERT INTO episode_cap_raises (episode_id, provider_id, cap_before, cap_after, own_before, own_after)
		SELECT $1, $3, b.dollar_cap, GREATEST(b.dollar_cap, $2::numeric), o.before,
			LEAST(GREATEST(o.before, $4::numeric), GREATEST(b.dollar_cap, $2::numeric))
		FROM before b, own o
		WHERE b.dollar_cap IS NOT NULL AND (EXISTS (SELECT 1 FROM raised) OR $4::numeric > o.before)
		RETURNING cap_after > cap_before AS episode_rose, own_after`
}

// ownCapBeforeSQL is the own dollar cap of the agency provider in the
// episode, in its stay the enrollment names, as the voucher rules judge
// its own authorizations by it (vouchers' snapshot, adjudication.Program.
// AgencyCap): the highest own_after of its raises in that stay that still
// stand, else the cap its own episode would carry, the program's cap when
// the stay was made (today's, for a stay made before it was recorded)
// where another agency opened the episode or kept it open across the
// agency's earlier stay, else the cap the episode opened with. NULL where
// neither is known. Each is an expression.
func ownCapBeforeSQL(episode, provider, enrollment string) string {
	return `COALESCE(
		(SELECT max(r.own_after) FROM episode_cap_raises r, enrollments s
		 WHERE s.id = ` + enrollment + ` AND r.episode_id = ` + episode + ` AND r.provider_id = ` + provider + `
		   AND r.raised_at >= s.created_at AND r.own_after > ` + OwnBeforeSQL("r") + `),
		(SELECT CASE WHEN s.id <> f.id AND (f.provider_id <> s.provider_id OR EXISTS (SELECT 1 FROM enrollments o
		                  WHERE o.episode_id = ` + episode + ` AND o.provider_id <> s.provider_id))
		             THEN CASE WHEN s.cap_recorded THEN s.program_cap_then ELSE p.episode_dollar_cap END
		             ELSE e.opening_cap END
		 FROM enrollments s JOIN programs p ON p.code = s.program_code, episodes e,
		      LATERAL (SELECT id, provider_id FROM enrollments WHERE episode_id = ` + episode + ` ORDER BY id LIMIT 1) f
		 WHERE s.id = ` + enrollment + ` AND e.id = ` + episode + `))`
}

// keptOwnCaps reads every agency's own cap kept in the episode
// (KeptOwnCapsSQL).
func keptOwnCaps(ctx context.Context, ext pg.Ext, episodeID int64) ([]adjudication.KeptOwnCap, error) {
	var rows []struct {
		Provider int64           `db:"provider_id"`
		Cap      decimal.Decimal `db:"cap"`
		Stay     int64           `db:"stay"`
		Began    sql.NullTime    `db:"stay_began"`
	}
	if err := sqlx.SelectContext(ctx, ext, &rows, KeptOwnCapsSQL("$1", "0"), episodeID); err != nil {
		return nil, err
	}
	caps := make([]adjudication.KeptOwnCap, len(rows))
	for i, r := range rows {
		caps[i] = adjudication.KeptOwnCap{ProviderID: r.Provider, Cap: r.Cap, Stay: r.Stay}
		if r.Began.Valid {
			caps[i].StayBegan = r.Began.Time
		}
	}
	return caps, nil
}

// RoomKept sums the room the episode's cap keeps for the agencies whose
// own exception's raise stands (adjudication.RoomKept: each one's own cap
// past what its own authorizations hold, AgencyDollars, plus extra for
// the agency grantee's, a grant counted in full). The episode's cap holds
// it beside what is held: a stranger's episode cap keeps the room of its
// exception whatever another agency does, and the voucher rules keep it
// from every other agency's grant (V33).
func RoomKept(caps []adjudication.KeptOwnCap, auths []adjudication.Authorization, episodeID int64, today time.Time,
	grantee int64, extra decimal.Decimal) decimal.Decimal {
	kept := decimal.Zero
	for _, c := range caps {
		held := decimal.Zero
		for i := range auths {
			if a := &auths[i]; a.EpisodeID == episodeID && c.Holds(a) {
				held = held.Add(a.HoldsDollars(today))
			}
		}
		if c.ProviderID == grantee {
			held = held.Add(extra)
		}
		kept = kept.Add(adjudication.RoomKept(c.Cap, held))
	}
	return kept
}

// episodeHeld reads the episode's authorizations, as stored and as the
// rules see them, and the dollars they hold (EpisodeTotals).
func episodeHeld(ctx context.Context, ext pg.Ext, episodeID int64, today rss.Date) ([]Authorization, []adjudication.Authorization, decimal.Decimal, error) {
	var rows []Authorization
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT `+columns+` FROM authorizations a
		WHERE a.episode_id = $1 ORDER BY a.id`, episodeID); err != nil {
		return nil, nil, decimal.Zero, err
	}
	auths := make([]adjudication.Authorization, len(rows))
	for i := range rows {
		auths[i] = rows[i].Rule(today)
	}
	_, total := EpisodeTotals(auths, episodeID, "", today.Time)
	return rows, auths, total, nil
}

// ReleaseEpisodeCap lowers a cap an exception raised once the episode's
// authorizations hold less (a void): to what they hold now and the room
// the standing exceptions keep (RoomKept), less the room kept beside it
// for an agency's earlier stay (pastReadmissionRoom), that room lowered
// first to what those stays still hold (lowerReadmissionRoom), never below the cap
// the episode opened with nor what it has paid past that room. An
// exception covers the grant it was made for; the room a void freed under
// it stayed, and later grants, another agency's among them, passed the
// program's cap with no reviewer (a black-box pass). It reports the cap
// it fell to, and whether it fell. The caller holds the episode locked.
//
// The own cap of the agency provider, whose authorizations were voided or
// ended (own_after of its raises, RaiseEpisodeCap), falls alike: to what
// its own authorizations hold now, never below its own cap before the
// raise (OwnBeforeSQL), as a stranger's episode cap would (its raises in
// its stay to what that stay holds, earlierStays), and the room it
// kept with it. Floored at the episode's cap before the raise, which an
// earlier raise had taken to other agencies' dollars, it stayed there.
// Another agency's stays as it was, and so does its room in the cap: a
// stranger's cap moves with no other agency's void. Lowered to what was
// held alone, another agency's void took the room of an exception whose
// agency's holdings had fallen (a line paid under the fee), and its next
// request inside its own cap pended where a stranger's was approved (42
// CFR Part 2); kept as the cap's floor for anyone, the agency whose void
// it was took it unreviewed. The voucher rules keep it the excepted
// agency's alone (V33).
func ReleaseEpisodeCap(ctx context.Context, ext pg.Ext, episodeID, provider int64, today rss.Date) (CapChange, error) {
	// Its raises in its stay fall to what that stay holds (earlierStays),
	// as a stranger's new episode's cap would; those of an earlier stay to
	// what all its own hold, as before.
	rows, auths, held, err := episodeHeld(ctx, ext, episodeID, today)
	if err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	inStay, stay, err := earlierStays(ctx, ext, auths, rows, episodeID, provider, 0, today)
	if err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	own := AgencyDollars(auths, episodeID, provider, today.Time)
	// What its own cap fell to is reported for the audit: a raise of its
	// own cap alone (migration 00126) falls with no fall of the episode's,
	// and was audited nowhere (an episode-caps re-check of the forty-sixth
	// stop).
	var ownFell []rss.Money
	if err := sqlx.SelectContext(ctx, ext, &ownFell, `WITH o AS (SELECT r.id, GREATEST(`+OwnBeforeSQL("r")+`,
			CASE WHEN r.raised_at >= (SELECT created_at FROM enrollments WHERE id = $5) THEN $4::numeric ELSE $3::numeric END) AS own
			FROM episode_cap_raises r WHERE r.episode_id = $1 AND r.provider_id = $2)
		UPDATE episode_cap_raises r SET own_after = o.own FROM o WHERE r.id = o.id AND r.own_after > o.own
		RETURNING r.own_after`,
		episodeID, provider, own.StringFixed(2), inStay.StringFixed(2), stay); err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	var out CapChange
	for _, m := range ownFell {
		if m.GreaterThan(out.Own.Decimal) {
			out.Own = m
		}
	}
	// Down to the cap it opened with at most (migration 00080), not the
	// program's today: that cut an episode opened under a higher program
	// cap, never raised, to the lower one (a re-check).
	var caps struct {
		Episode decimal.NullDecimal `db:"dollar_cap"`
		Program decimal.NullDecimal `db:"opening_cap"`
	}
	if err := sqlx.GetContext(ctx, ext, &caps, `SELECT dollar_cap, opening_cap FROM episodes WHERE id = $1`, episodeID); err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	if !caps.Episode.Valid || !caps.Program.Valid || !caps.Episode.Decimal.GreaterThan(caps.Program.Decimal) {
		return out, nil
	}
	kept, err := keptOwnCaps(ctx, ext, episodeID)
	if err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	// The room falls first to what the earlier stays still hold
	// (lowerReadmissionRoom), and only that comes off what is held.
	if err := lowerReadmissionRoom(ctx, ext, auths, rows, episodeID, today); err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	// The room kept beside the cap for an agency's earlier stay holds
	// its part, and so do the dollars paid in it: floored at all that was
	// paid, or raised to all that is held, the cap the rules read stayed
	// past the program's by up to the room, which no reviewer granted.
	target, err := pastReadmissionRoom(ctx, ext, episodeID, held.Add(RoomKept(kept, auths, episodeID, today.Time, 0, decimal.Zero)))
	if err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	target = decimal.Max(target, caps.Program.Decimal)
	var fell []rss.Money
	if err := sqlx.SelectContext(ctx, ext, &fell, `UPDATE episodes SET dollar_cap = GREATEST($2::numeric, dollars_paid - readmission_room)
		WHERE id = $1 AND dollar_cap > GREATEST($2::numeric, dollars_paid - readmission_room) RETURNING dollar_cap`,
		episodeID, target.StringFixed(2)); err != nil {
		return CapChange{}, fmt.Errorf("release episode cap: %w", err)
	}
	if len(fell) > 0 {
		out.Episode = fell[0]
	}
	return out, nil
}

// episodeLifeKey is the advisory lock a person's episode in a program is
// opened, closed and dropped under (SQL expressions for the two).
func episodeLifeKey(person, program string) string {
	return `hashtext('episode:' || ` + person + `::text || ':' || ` + program + `)`
}

// LockEpisodeLife takes (for the transaction) the lock an episode is
// opened, closed and dropped under (episodeLifeKey). OpenEpisode takes it,
// and so do CloseEpisode and DropEmptyEpisode: unheld, two agencies'
// discharges at once each saw the other's stay open and neither closed the
// episode; a discharge closed it under an enrollment joining it at that
// moment, which then billed into a closed episode beside a second one; and
// an enrollment joined an episode a withdrawal was deleting (a 500 on its
// foreign key) (a races black-box pass). A discharge or withdrawal takes
// it before it locks the episode's rows (authorizations, the episode),
// the order an enrollment joining takes them in.
func LockEpisodeLife(ctx context.Context, ext pg.Ext, episodeID int64) error {
	if _, err := ext.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+episodeLifeKey("person_id", "program_code")+`)
		FROM episodes WHERE id = $1`, episodeID); err != nil {
		return fmt.Errorf("episode lock: %w", err)
	}
	return nil
}

// LockPersonEpisodeLife takes the episode life lock (LockEpisodeLife) of
// the person's episode in program, open or not yet opened: an enrollment
// takes it before it holds the client record a separation locks
// (vouchers' lockPersonLife, LockSeparation).
func LockPersonEpisodeLife(ctx context.Context, ext pg.Ext, personID int64, program string) error {
	if _, err := ext.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+episodeLifeKey("$1", "$2")+`)`, personID, program); err != nil {
		return fmt.Errorf("episode lock: %w", err)
	}
	return nil
}

// LockStayLife takes the episode life lock (LockEpisodeLife) of the stay
// enrollmentID, by its person and program, which never change, before the
// caller locks the stay's row: taken after the row, a discharge held the
// row while it waited for a merging readmission that held the life lock
// and waited in turn to move the row, and PostgreSQL broke the deadlock
// with a 409 (an enrollment black-box pass, 16 rounds in 43 with a third
// request in flight). An unknown id takes nothing.
func LockStayLife(ctx context.Context, ext pg.Ext, enrollmentID int64) error {
	if _, err := ext.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+episodeLifeKey("person_id", "program_code")+`)
		FROM enrollments WHERE id = $1`, enrollmentID); err != nil {
		return fmt.Errorf("stay lock: %w", err)
	}
	return nil
}

// OpenEpisode returns the person's open episode in the program for a stay
// begun on the day, making it so: the episodes the stay runs through (one
// open, or closed the day before the day or later) become one, the
// earliest, open again from the stay's day when that is earlier; with
// none, one opens on the day with the program's dollar cap.
// Two enrollments at once (from any agencies) open one episode, not two.
//
// today and at are the ledger's day and time: a merge raises the merged
// episode's limits to what its authorizations hold on today
// (raiseToHoldings).
func OpenEpisode(ctx context.Context, ext pg.Ext, personID int64, program string, on rss.Date, dollarCap *rss.Money, today rss.Date, at time.Time) (int64, error) {
	if err := LockPersonEpisodeLife(ctx, ext, personID, program); err != nil {
		return 0, err
	}
	// A stay begun by the day after an episode's last stay ended (a
	// same-day readmission, a transfer the next day) is the same stay,
	// as the length of service counts it: the episode opens again, its
	// caps and what it used going on. A new one let a discharge and
	// readmission start the caps afresh (an operations black-box pass).
	// After a day's break the episode is new. A back-dated stay may run
	// through more than one: an episode that closed the day before it or
	// later and another agency's newer one, opened after a break. It
	// joined the newer, and the older's use stopped counting, where a
	// stranger's readmission went on in it (a re-check): they merge.
	var ids []int64
	if err := sqlx.SelectContext(ctx, ext, &ids, `SELECT id FROM episodes
		WHERE person_id = $1 AND program_code = $2 AND (closed_on IS NULL OR closed_on >= $3::date - 1)
		ORDER BY opened_on, id`, personID, program, on); err != nil {
		return 0, fmt.Errorf("episode: %w", err)
	}
	if len(ids) == 0 {
		var c any
		if dollarCap != nil {
			c = dollarCap.StringFixed(2)
		}
		var id int64
		if err := sqlx.GetContext(ctx, ext, &id, `INSERT INTO episodes (person_id, program_code, opened_on, dollar_cap)
			VALUES ($1, $2, $3, $4) RETURNING id`, personID, program, on, c); err != nil {
			return 0, fmt.Errorf("episode: %w", err)
		}
		return id, nil
	}
	id := ids[0]
	if len(ids) > 1 {
		if err := mergeEpisodes(ctx, ext, id, ids[1:], on, today, at); err != nil {
			return 0, err
		}
	}
	// An agency enrolling the person from an earlier day than the
	// episode's opening (a back-dated intake) opens it from then: it kept
	// the later day (a black-box pass).
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET closed_on = NULL, opened_on = LEAST(opened_on, $2)
		WHERE id = $1 AND (closed_on IS NOT NULL OR opened_on > $2)`, id, on); err != nil {
		return 0, fmt.Errorf("episode: %w", err)
	}
	return id, nil
}

// mergeEpisodes makes the person's episodes merged one episode, into: a
// stay begun on the day runs through them all. Everything that names
// them goes to into (enrollments, GPRA interviews, authorizations, claim
// lines, cap raises, unit maxima, dollars paid), each merge recorded in
// episode_merges, which is what lets the schema move a claim line's
// episode (migration 00092), and the merged episodes are deleted. into's
// dollar cap is the larger of the two capped ones, never below what they
// paid together (the schema's episodes_dollars_within_cap); uncapped, it
// stays so. The caller holds the episodes' life (OpenEpisode's lock).
//
// The intake lock of every agency with a stay or an authorization in them
// is taken alone first (pg.LockIntakeAlone, in provider order): a claim or
// a voucher request of theirs in flight is waited for whole, and one that
// comes after reads the episodes merged. Without it, a claim whose
// ledger lock waited on the merge's rows lost the authorization from its
// facts (the lock joins each authorization to its episode, and the merged
// episode was gone) and its line was denied 197 (a races re-check). Then
// the episodes and their authorizations, in claims intake's order
// (LockForClaimsSQL). claim_lines has no index on episode_id (intake never
// asks it): the move reads the table, once a merge, which only a
// back-dated stay bridging two episodes makes.
func mergeEpisodes(ctx context.Context, ext pg.Ext, into int64, merged []int64, on, today rss.Date, at time.Time) error {
	all := append([]int64{into}, merged...)
	if err := lockEpisodesIntake(ctx, ext, all, 0); err != nil { // no record's agency besides
		return err
	}
	if err := lockEpisodeRows(ctx, ext, all); err != nil {
		return err
	}
	// The agency whose authorizations in the merged episodes hold the most
	// dollars, read before they move: a dollar cap the merge raises is
	// kept as its record (raiseToHoldings).
	var by int64
	if err := sqlx.GetContext(ctx, ext, &by, `SELECT COALESCE((SELECT provider_id FROM authorizations WHERE episode_id = ANY($1)
		GROUP BY provider_id ORDER BY sum(units_authorized * rate) DESC, provider_id LIMIT 1), 0)`, pq.Array(merged)); err != nil {
		return fmt.Errorf("merge episodes: %w", err)
	}
	// Recorded first: the schema lets the rows below move because of it.
	if _, err := ext.ExecContext(ctx, `INSERT INTO episode_merges (merged_id, into_id, person_id, program_code, merged_on)
		SELECT m.id, $1, m.person_id, m.program_code, $3 FROM episodes m WHERE m.id = ANY($2)`, into, pq.Array(merged), on); err != nil {
		return fmt.Errorf("merge episodes (record): %w", err)
	}
	steps := []struct{ what, sql string }{
		// An interview names its stay with the stay's episode: the two move
		// in one statement, checked together at its end.
		{"stays", `WITH s AS (UPDATE enrollments SET episode_id = $1 WHERE episode_id = ANY($2) RETURNING id)
			UPDATE gpra_interviews SET episode_id = $1 WHERE episode_id = ANY($2)`},
		{"authorizations", `UPDATE authorizations SET episode_id = $1 WHERE episode_id = ANY($2)`},
		{"claim lines", `UPDATE claim_lines SET episode_id = $1 WHERE episode_id = ANY($2)`},
		{"cap raises", `UPDATE episode_cap_raises SET episode_id = $1 WHERE episode_id = ANY($2)`},
		// A reviewer's raised maximum of a service, in either, holds in
		// the merged episode: the larger where both raised it.
		{"unit maxima", `WITH gone AS (DELETE FROM episode_unit_maxima WHERE episode_id = ANY($2)
				RETURNING service_code, max_units, raised_at)
			INSERT INTO episode_unit_maxima AS m (episode_id, service_code, max_units, raised_at)
			SELECT $1, service_code, max(max_units), max(raised_at) FROM gone GROUP BY service_code
			ON CONFLICT ON CONSTRAINT episode_unit_maxima_pkey DO UPDATE
			SET max_units = GREATEST(m.max_units, excluded.max_units), raised_at = GREATEST(m.raised_at, excluded.raised_at)`},
	}
	for _, s := range steps {
		if _, err := ext.ExecContext(ctx, s.sql, into, pq.Array(merged)); err != nil {
			return fmt.Errorf("merge episodes (%s): %w", s.what, err)
		}
	}
	// Deleted before into opens again: one episode is open per person and
	// program (episodes_one_open), and a merged one may be the open one.
	var gone struct {
		Opened rss.Date            `db:"opened"`
		Cap    decimal.NullDecimal `db:"cap"`
		Paid   decimal.Decimal     `db:"paid"`
	}
	if err := sqlx.GetContext(ctx, ext, &gone, `WITH gone AS (DELETE FROM episodes WHERE id = ANY($1) RETURNING opened_on, dollar_cap, dollars_paid)
		SELECT min(opened_on) AS opened, max(dollar_cap) AS cap, sum(dollars_paid) AS paid FROM gone`, pq.Array(merged)); err != nil {
		return fmt.Errorf("merge episodes (drop): %w", err)
	}
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET dollars_paid = dollars_paid + $2::numeric,
			dollar_cap = CASE WHEN dollar_cap IS NULL THEN NULL
			                  ELSE GREATEST(dollar_cap, $3::numeric, dollars_paid + $2::numeric) END,
			opened_on = LEAST(opened_on, $4::date)
		WHERE id = $1`, into, gone.Paid.StringFixed(2), gone.Cap, gone.Opened); err != nil {
		return fmt.Errorf("merge episodes (money): %w", err)
	}
	return raiseToHoldings(ctx, ext, into, by, today, at)
}

// raiseToHoldings raises a merged episode's limits to what its
// authorizations hold, as a reviewer's exception raises them for a grant:
// each service's unit maximum (RaiseEpisodeUnits) and the dollar cap, the
// raise kept as the record of by, the agency whose authorizations came in
// with the most dollars (0: none came, and nothing is raised), so the
// episode's cap is another agency's record to the one that opened it
// (RaisedByOthersSQL), as any raise is. Each authorization was granted
// within its own episode's limits; merged past them with nothing raised,
// an agency's claims on its live authorization were denied 119 where a
// stranger's were paid, telling it another agency served the person (an
// enrollment black-box pass).
func raiseToHoldings(ctx context.Context, ext pg.Ext, episodeID, by int64, today rss.Date, at time.Time) error {
	var services []string
	if err := sqlx.SelectContext(ctx, ext, &services, `SELECT DISTINCT service_code FROM authorizations WHERE episode_id = $1 ORDER BY 1`,
		episodeID); err != nil {
		return fmt.Errorf("merge episodes (limits): %w", err)
	}
	for _, s := range services {
		if _, _, err := RaiseEpisodeUnits(ctx, ext, episodeID, s, 0, today, at); err != nil {
			return err
		}
	}
	if by == 0 {
		return nil
	}
	_, auths, total, err := episodeHeld(ctx, ext, episodeID, today)
	if err != nil {
		return fmt.Errorf("merge episodes (limits): %w", err)
	}
	// by's own cap, as RaiseEpisodeCap keeps it: what its own hold; the
	// room the merged episodes' standing exceptions kept stays beside it.
	own := AgencyDollars(auths, episodeID, by, today.Time)
	kept, err := keptOwnCaps(ctx, ext, episodeID)
	if err != nil {
		return fmt.Errorf("merge episodes (limits): %w", err)
	}
	total = total.Add(RoomKept(kept, auths, episodeID, today.Time, 0, decimal.Zero))
	// Less the room kept beside the cap for an agency's earlier stay, as
	// an exception's raise (RaiseEpisodeCap).
	if total, err = pastReadmissionRoom(ctx, ext, episodeID, total); err != nil {
		return fmt.Errorf("merge episodes (limits): %w", err)
	}
	if total.GreaterThan(maxEpisodeCap.Decimal) {
		// Past what the ledger records: left for the MSC (claims are cut
		// at the cap, as for any episode there).
		return nil
	}
	// Its own cap before, in its stay a request would read (the open one,
	// else the latest), as the voucher rules read it.
	if _, err := ext.ExecContext(ctx, recordRaiseSQL(`(SELECT id FROM enrollments WHERE episode_id = $1 AND provider_id = $3
			ORDER BY discharge_date IS NULL DESC, start_date DESC, id DESC LIMIT 1)`),
		episodeID, total.StringFixed(2), by, own.StringFixed(2)); err != nil {
		return fmt.Errorf("merge episodes (limits): %w", err)
	}
	return nil
}

// DropEmptyEpisode deletes an episode nothing stands on any more: no
// enrollment, authorization, GPRA interview, claim line or raised unit
// maximum of it. An enrollment withdrawn before it began may leave the
// episode it opened so; kept, it would be an episode of no stay, open from
// a day no one was enrolled. One that other stays keep opens on the first
// day of those: it kept the withdrawn stay's day, before any stay of it
// began (a re-check).
func DropEmptyEpisode(ctx context.Context, ext pg.Ext, episodeID int64) error {
	if err := LockEpisodeLife(ctx, ext, episodeID); err != nil {
		return err
	}
	if err := openOnFirstStay(ctx, ext, episodeID); err != nil {
		return err
	}
	_, err := ext.ExecContext(ctx, `DELETE FROM episodes p WHERE p.id = $1
		AND NOT EXISTS (SELECT 1 FROM enrollments WHERE episode_id = $1)
		AND NOT EXISTS (SELECT 1 FROM authorizations WHERE episode_id = $1)
		AND NOT EXISTS (SELECT 1 FROM gpra_interviews WHERE episode_id = $1)
		AND NOT EXISTS (SELECT 1 FROM claim_lines WHERE episode_id = $1)
		AND NOT EXISTS (SELECT 1 FROM episode_unit_maxima WHERE episode_id = $1)`, episodeID)
	if err != nil {
		return fmt.Errorf("drop episode: %w", err)
	}
	return nil
}

// Stay is an enrollment as the ledger sees it: its person's episode in its
// program.
type Stay struct {
	EnrollmentID int64
	EpisodeID    int64
	PersonID     int64
	Program      string
}

// EpisodeForNewStart judges again, as OpenEpisode would have, which
// episode a stay not begun belongs in once its start is corrected to on
// (vouchers' correct-start), and makes that episode ready to take it. The
// caller holds the episode's life (LockEpisodeLife), moves the enrollment
// to the episode returned, and then calls MoveStay.
//
//   - Beside another open stay, or within a day of the last discharge of
//     the episode's other stays, the stay keeps its episode.
//   - Its episode's other stays all ended more than a day before on: the
//     episode closes at their last discharge and the stay opens (or joins,
//     by OpenEpisode's rule) another: the stay had reopened it by its
//     mistyped day.
//   - Alone in its episode, with the person's episode closed the day before
//     on or later: that one opens again and takes the stay, so its caps go
//     on as a readmission's do. An episode of the stay's own with a raised
//     cap or unit maximum keeps the stay (a raise is a reviewer's decision
//     on that episode, not to be carried into another's figures).
//
// A stay a claim line or a GPRA interview names through its episode keeps
// its episode in every case (those rows never change their episode). No
// case refuses: which episode a stay is in is the MSC's to see, and a
// refusal would tell an agency that the person had stays with another.
func EpisodeForNewStart(ctx context.Context, ext pg.Ext, s Stay, on rss.Date, dollarCap *rss.Money, today rss.Date, at time.Time) (int64, error) {
	var o struct {
		Others  int       `db:"others"`
		Open    bool      `db:"open"`
		LastEnd *rss.Date `db:"last_end"`
		First   *rss.Date `db:"first"`
		Raised  bool      `db:"raised"`
	}
	if err := sqlx.GetContext(ctx, ext, &o, `SELECT count(*) AS others, coalesce(bool_or(discharge_date IS NULL), false) AS open,
			max(discharge_date) AS last_end, min(start_date) AS first,
			EXISTS (SELECT 1 FROM episode_cap_raises WHERE episode_id = $1)
			OR EXISTS (SELECT 1 FROM episode_unit_maxima WHERE episode_id = $1) AS raised
		FROM enrollments WHERE episode_id = $1 AND id <> $2`, s.EpisodeID, s.EnrollmentID); err != nil {
		return 0, fmt.Errorf("episode's other stays: %w", err)
	}
	if o.Open {
		return s.EpisodeID, nil
	}
	dayBefore := on.AddDays(-1)
	if o.Others > 0 {
		if !o.LastEnd.Before(dayBefore) {
			return s.EpisodeID, nil
		}
		if tied, err := stayTied(ctx, ext, s.EnrollmentID); err != nil || tied {
			return s.EpisodeID, err
		}
		if _, err := ext.ExecContext(ctx, `UPDATE episodes SET opened_on = $2, closed_on = $3 WHERE id = $1`,
			s.EpisodeID, *o.First, *o.LastEnd); err != nil {
			return 0, fmt.Errorf("close the episode the stay leaves: %w", err)
		}
		return OpenEpisode(ctx, ext, s.PersonID, s.Program, on, dollarCap, today, at)
	}
	if o.Raised {
		return s.EpisodeID, nil
	}
	var earlier int64
	err := sqlx.GetContext(ctx, ext, &earlier, `SELECT id FROM episodes WHERE person_id = $1 AND program_code = $2 AND id <> $3
			AND closed_on >= $4 ORDER BY closed_on DESC, id DESC LIMIT 1`, s.PersonID, s.Program, s.EpisodeID, dayBefore)
	if errors.Is(err, pg.ErrNoRows) {
		return s.EpisodeID, nil
	}
	if err != nil {
		return 0, fmt.Errorf("earlier episode: %w", err)
	}
	if tied, err := stayTied(ctx, ext, s.EnrollmentID); err != nil || tied {
		return s.EpisodeID, err
	}
	// Closed on its own first day, the stay's episode leaves the person's
	// one open episode (episodes_one_open) to the earlier one; MoveStay
	// drops it once the stay has left.
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET closed_on = opened_on WHERE id = $1`, s.EpisodeID); err != nil {
		return 0, fmt.Errorf("leave the stay's episode: %w", err)
	}
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET closed_on = NULL, opened_on = LEAST(opened_on, $2) WHERE id = $1`,
		earlier, on); err != nil {
		return 0, fmt.Errorf("reopen the earlier episode: %w", err)
	}
	return earlier, nil
}

// stayTied reports whether rows that never change their episode name the
// stay's: a GPRA interview of it, a claim line on one of its
// authorizations. Asked only when the stay would move: claim_lines has no
// index on authorization_id, so the second half reads the table.
func stayTied(ctx context.Context, ext pg.Ext, enrollmentID int64) (bool, error) {
	var tied bool
	err := sqlx.GetContext(ctx, ext, &tied, `SELECT EXISTS (SELECT 1 FROM gpra_interviews WHERE enrollment_id = $1)
		OR EXISTS (SELECT 1 FROM claim_lines WHERE authorization_id IN (SELECT id FROM authorizations WHERE enrollment_id = $1))`,
		enrollmentID)
	if err != nil {
		return false, fmt.Errorf("stay's fixed rows: %w", err)
	}
	return tied, nil
}

// MoveStay follows a corrected stay's enrollment, moved from episode from
// to episode to by the caller (EpisodeForNewStart chose to): its
// authorizations go with it, the episode it left is dropped when nothing
// stands on it, and each opens on the first day of its stays.
func MoveStay(ctx context.Context, ext pg.Ext, enrollmentID, from, to int64) error {
	if from != to {
		if _, err := ext.ExecContext(ctx, `UPDATE authorizations SET episode_id = $2 WHERE enrollment_id = $1`, enrollmentID, to); err != nil {
			return fmt.Errorf("move the stay's authorizations: %w", err)
		}
		if err := DropEmptyEpisode(ctx, ext, from); err != nil {
			return err
		}
	}
	return openOnFirstStay(ctx, ext, to)
}

// openOnFirstStay moves an episode's opening to the first day of its
// stays, when it has any.
func openOnFirstStay(ctx context.Context, ext pg.Ext, episodeID int64) error {
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET opened_on = s.first FROM
			(SELECT min(start_date) AS first FROM enrollments WHERE episode_id = $1) s
		WHERE id = $1 AND s.first IS NOT NULL AND s.first <> opened_on`, episodeID); err != nil {
		return fmt.Errorf("episode's first stay: %w", err)
	}
	return nil
}

// CloseEpisode closes an episode when none of its enrollments, with any
// agency, is still open: on the last day a stay of it ran (the latest
// discharge, not before it opened, nor before on). Closed on the closing
// discharge's own day, a backdated discharge after another agency's later
// one closed it before that stay ended (a re-check).
func CloseEpisode(ctx context.Context, ext pg.Ext, episodeID int64, on rss.Date) error {
	if err := LockEpisodeLife(ctx, ext, episodeID); err != nil {
		return err
	}
	if _, err := ext.ExecContext(ctx, `UPDATE episodes SET closed_on = GREATEST(opened_on, $2::date,
			(SELECT max(discharge_date) FROM enrollments WHERE episode_id = $1)) WHERE id = $1
		AND NOT EXISTS (SELECT 1 FROM enrollments WHERE episode_id = $1 AND discharge_date IS NULL)`, episodeID, on); err != nil {
		return fmt.Errorf("close episode: %w", err)
	}
	return nil
}

// LockForClaimsSQL is the statement that locks the authorizations of the
// clients with the provider (void ones too: a line naming one is told so,
// and a released line gives its units back to it), with their episodes, in
// authorization id order (every claims submission takes them in that order, after the
// originals it voids or replaces), and returns them as Held rows. Two
// submissions touching the same client so run one after the other. Its
// arguments are written into it (ids only), so that claims intake can send
// it in one round trip with the statements around it, planned every time:
// a generic plan made on small analyzed tables read the whole of
// authorizations_pkey in id order for every submission (the order the
// locks are taken in), a read that grows with the table. The cap a line is
// paid within is the episode's with the room it keeps for an agency's
// earlier stay beside it (migration 00118), as the schema's CHECK reads it.
func LockForClaimsSQL(providerID int64, clients []int64) string {
	ids := make([]string, len(clients))
	for i, id := range clients {
		ids[i] = strconv.FormatInt(id, 10)
	}
	return `SELECT ` + columns + `, e.dollar_cap + e.readmission_room AS dollar_cap, e.dollars_paid AS episode_dollars_paid
	FROM unnest('{` + strings.Join(ids, ",") + `}'::bigint[]) AS k(id)
	JOIN authorizations a ON a.client_id = k.id AND a.provider_id = ` + strconv.FormatInt(providerID, 10) + `
	JOIN episodes e ON e.id = a.episode_id
	ORDER BY a.id FOR UPDATE OF a, e`
}

// ChangesSQL is two data-modifying CTEs (ledger_units, ledger_dollars)
// that move units_used and dollars_paid by a Changes, the authorizations'
// and the episodes' (and each claimed authorization's last date of service
// forward), for a writer that stores its own rows in the same statement;
// first is the number of the first of the six parameters ChangesArgs gives. Rows are found by their
// ids (= ANY), so a cached plan probes the index for each whatever the
// size of the table. The schema's CHECKs refuse any counter moved past its
// bound.
func ChangesSQL(first int) string {
	return fmt.Sprintf(`ledger_units AS (
			UPDATE authorizations t SET units_used = t.units_used + x.delta, dollars_paid = t.dollars_paid + x.paid,
				last_service_on = GREATEST(t.last_service_on, x.served)
			FROM unnest($%[1]d::bigint[], $%[2]d::int[], $%[5]d::date[], $%[6]d::numeric[]) AS x(id, delta, served, paid)
			WHERE t.id = x.id AND t.id = ANY($%[1]d)
			RETURNING t.id),
		ledger_dollars AS (
			UPDATE episodes t SET dollars_paid = t.dollars_paid + x.delta
			FROM unnest($%[3]d::bigint[], $%[4]d::numeric[]) AS x(id, delta) WHERE t.id = x.id AND t.id = ANY($%[3]d)
			RETURNING t.id)`, first, first+1, first+2, first+3, first+4, first+5)
}

// ChangesArgs are the parameters of ChangesSQL.
func ChangesArgs(c Changes) []any {
	dollars := make([]string, len(c.Dollars))
	for i, d := range c.Dollars {
		dollars[i] = d.StringFixed(2)
	}
	served := make([]string, len(c.Served))
	for i, d := range c.Served {
		served[i] = "NULL"
		if !d.IsZero() {
			served[i] = d.Format("2006-01-02")
		}
	}
	paid := make([]string, len(c.Paid))
	for i, d := range c.Paid {
		paid[i] = d.StringFixed(2)
	}
	return []any{pq.Array(c.Authorizations), pq.Array(c.Units), pq.Array(c.Episodes), pq.Array(dollars),
		"{" + strings.Join(served, ",") + "}", pq.Array(paid)}
}

// LockEpisodeSQL locks the episode whose id the expression yields, for a
// voucher decision (what LockEpisode does), returning its dollar_cap: a
// statement a caller may run as a CTE of its own, beside its other reads.
func LockEpisodeSQL(idExpr string) string {
	return `SELECT dollar_cap, readmission_room FROM episodes WHERE id = ` + idExpr + ` FOR UPDATE`
}

// PersonAuthorizationsJSON is an expression: the JSON array of the
// person's authorizations in the program (what OfPerson reads, as the
// Authorization type decodes it), for a caller that reads them with its
// other facts in one statement.
func PersonAuthorizationsJSON(personExpr, programExpr string) string {
	return `COALESCE((SELECT json_agg(json_build_object('id', a.id, 'number', a.number, 'voucher_request_id', a.voucher_request_id,
		'client_id', a.client_id, 'provider_id', a.provider_id, 'program_code', a.program_code, 'service_code', a.service_code,
		'episode_id', a.episode_id, 'enrollment_id', a.enrollment_id, 'units_authorized', a.units_authorized,
		'units_used', a.units_used, 'rate', a.rate::text, 'start_date', a.start_date, 'end_date', ` + effectiveEnd + `,
		'voided_at', a.voided_at, 'void_reason', a.void_reason, 'last_service_on', a.last_service_on,
		'reactivated_on', a.reactivated_on, 'issued_on', a.issued_on, 'inactivate_after_days', ` + inactivateAfter + `,
		'inactivity_since', ` + inactivitySince + `, 'inactive_from', a.inactive_from,
		'created_at', a.created_at, 'claims_due_by', ` + claimsDueBy + `, 'dollars_paid', a.dollars_paid::text) ORDER BY a.id)
		FROM authorizations a WHERE a.person_id = ` + personExpr + ` AND a.program_code = ` + programExpr + `), '[]')`
}

// GrantSQL is the body of a data-modifying CTE that stores, as an
// authorization, the grant of the voucher request the CTE named req holds
// (its client, agency, program, service, rate, units_granted and granted
// span), when it has one, returning the authorization's id and number. The
// other four are expressions for its person, episode and enrollment, and
// the day it is issued (New.IssuedOn). It is Create, for a writer that
// stores the request and its grant in one statement.
func GrantSQL(req, person, episode, enrollment, issued string) string {
	return `INSERT INTO authorizations (voucher_request_id, client_id, person_id, provider_id, program_code, service_code,
			episode_id, enrollment_id, units_authorized, rate, start_date, end_date, issued_on)
		SELECT r.id, r.client_id, ` + person + `, r.provider_id, r.program_code, r.service_code, ` + episode + `, ` + enrollment + `,
			r.units_granted, r.rate, r.granted_start, r.granted_end, ` + issued + `
		FROM ` + req + ` r WHERE r.units_granted IS NOT NULL
		RETURNING id, number, rate`
}

// By is who changes an authorization's lifecycle: an API key and its role.
type By struct {
	KeyID int64
	Role  string
}

// Lock reads one authorization locked for a change of its lifecycle; a
// missing one is rss.ErrNotFound. Claims intake locks the same rows, so a
// change and a claims submission run one after the other.
func Lock(ctx context.Context, ext pg.Ext, id int64) (Authorization, error) {
	var a Authorization
	err := sqlx.GetContext(ctx, ext, &a, `SELECT `+columns+` FROM authorizations a WHERE a.id = $1 FOR UPDATE OF a`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return a, fmt.Errorf("%w: authorization %d", rss.ErrNotFound, id)
	}
	return a, err
}

// Void voids an authorization the caller holds locked and is not void: no
// claim line draws on it any more, its used units stay used and the rest
// stop counting toward the episode's caps and the duplicate rule.
func Void(ctx context.Context, ext pg.Ext, id int64, reason string, at time.Time, by By) (Authorization, error) {
	var a Authorization
	err := sqlx.GetContext(ctx, ext, &a, `UPDATE authorizations a SET voided_at = $2, void_reason = $3,
			held_from = NULL, held_judged_from = NULL, held_reasons = NULL
		WHERE a.id = $1 AND a.voided_at IS NULL RETURNING `+columns, id, at, reason)
	if errors.Is(err, pg.ErrNoRows) {
		return a, rss.Coded(rss.ErrConflict, "already_void", "authorization %d is already void", id)
	}
	if err != nil {
		return a, fmt.Errorf("void authorization: %w", err)
	}
	return a, addEvent(ctx, ext, id, Event{Action: EventVoid, Reason: reason}, at, by)
}

// Reactivate reactivates an authorization the caller holds locked and
// found inactive on the day: its inactivity is counted again from that day
// (the day an older setting made it inactive, inactive_from, goes).
func Reactivate(ctx context.Context, ext pg.Ext, id int64, reason string, on rss.Date, at time.Time, by By) (Authorization, error) {
	var a Authorization
	if err := sqlx.GetContext(ctx, ext, &a, `UPDATE authorizations a SET reactivated_on = $2, inactive_from = NULL
		WHERE a.id = $1 RETURNING `+columns, id, on); err != nil {
		return a, fmt.Errorf("reactivate authorization: %w", err)
	}
	return a, addEvent(ctx, ext, id, Event{Action: EventReactivate, Reason: reason}, at, by)
}

// HoldEvent is the reason a hold writes in the authorization's history,
// which its agency reads: it names no rule and no record, since the rules
// that fired may be drawn from another agency's (42 CFR Part 2), and a
// hold for the agency's own is worded the same. by says what held it
// ("the agency's reactivation on 2026-12-06").
func HoldEvent(by string, units int, from rss.Date) string {
	return fmt.Sprintf("held for review at %s: its %d unused units from %s are given back "+
		"or it is ended by a reviewer", by, units, from)
}

// ReactivationHold is HoldEvent's by for the agency's reactivation on day on.
func ReactivationHold(on rss.Date) string { return "the agency's reactivation on " + on.String() }

// Hold keeps a locked authorization, cut by its agency's deactivation,
// cut from day from (the deactivation's first) for a reviewer to decide,
// who judges it from judged (GiveBack), with the rules that fired
// (reasons, the MSC's to read), and tells its agency in its history
// (HoldEvent, heldBy saying what held it). a is updated to the
// authorization as it now is. One held already stays held, its days held
// widened to from and judged (a second deactivation), and its history
// tells the hold as it now stands: it kept its first hold's text, with
// figures since changed (a black-box pass).
func Hold(ctx context.Context, ext pg.Ext, a *Authorization, from, judged rss.Date, reasons []string, heldBy string, at time.Time, by By) error {
	if err := sqlx.GetContext(ctx, ext, a, `UPDATE authorizations a SET held_from = LEAST(a.held_from, $2),
			held_judged_from = LEAST(a.held_judged_from, $3),
			held_reasons = ARRAY(SELECT DISTINCT r FROM unnest(coalesce(a.held_reasons, '{}') || $4::text[]) r ORDER BY r)
		WHERE a.id = $1 AND a.voided_at IS NULL RETURNING `+columns, a.ID, from, judged, pq.Array(reasons)); err != nil {
		return fmt.Errorf("hold authorization %d: %w", a.ID, err)
	}
	return addEvent(ctx, ext, a.ID, Event{Action: EventHold, Reason: HoldEvent(heldBy, a.UnitsAuthorized-a.UnitsUsed, a.HeldJudgedFrom)}, at, by)
}

// HoldOverLifted judges the provider's authorizations held for review
// over the days first..last a lift of its suspension puts back in service
// (migration 00113): each held one whose hold cuts a day of them it
// covers is judged from the first of them (GiveBack), as an in_error
// reactivation would have judged it, and its history tells its agency
// (HoldEvent, heldBy). Judged from the reactivation's day only, a
// discharge dated before that day released the hold with no reviewer (End)
// and a reviewer's give-back was told nothing of the suspension's days:
// the days another agency was granted while the agency was out came back
// to both (a black-box pass). It returns them as they now are; the caller
// holds them locked (LockOfProviderWithin).
func HoldOverLifted(ctx context.Context, ext pg.Ext, provider int64, first, last rss.Date, heldBy string, at time.Time, by By) (
	[]Authorization, error) {
	var held []Authorization
	if err := sqlx.SelectContext(ctx, ext, &held, `UPDATE authorizations a SET held_judged_from = GREATEST(a.held_from, $2, a.start_date)
		WHERE a.provider_id = $1 AND a.held_from IS NOT NULL AND a.voided_at IS NULL
		  AND a.held_from <= $3 AND a.start_date <= $3 AND a.held_judged_from > GREATEST(a.held_from, $2, a.start_date)
		RETURNING `+columns, provider, first, last); err != nil {
		return nil, fmt.Errorf("hold over the days lifted: %w", err)
	}
	slices.SortFunc(held, func(x, y Authorization) int { return cmp.Compare(x.ID, y.ID) })
	for _, a := range held {
		if err := addEvent(ctx, ext, a.ID, Event{Action: EventHold,
			Reason: HoldEvent(heldBy, a.UnitsAuthorized-a.UnitsUsed, a.HeldJudgedFrom)}, at, by); err != nil {
			return nil, err
		}
	}
	return held, nil
}

// DeactivationCut writes in the history of each authorization of provider
// that its deactivation from on cuts (not void, ending on or after on,
// not held for review, whose hold cuts it already) an event with its own
// end and the end it now reads, the day before on (effectiveEnd). The cut
// itself is read, not written, so a reactivation can give the span back;
// with no event, an authorization read an end it never had, one cut to
// nothing an end before its start, and nothing said why (a black-box
// pass). The caller holds the provider locked.
func DeactivationCut(ctx context.Context, ext pg.Ext, provider int64, on rss.Date, at time.Time, by By) error {
	reason := fmt.Sprintf("its agency is out of service from %s: it reads ended the day before, and no claim draws on a day "+
		"from then; the agency's reactivation gives its span back where a request for its unused units would be granted", on)
	var key any
	if by.KeyID != 0 {
		key = by.KeyID
	}
	if _, err := ext.ExecContext(ctx, `INSERT INTO authorization_events (authorization_id, action, reason, end_before, end_after,
			actor_key_id, actor_role, created_at)
		SELECT a.id, $3, $4, a.end_date, $2::date - 1, $5, $6, $7 FROM authorizations a
		WHERE a.provider_id = $1 AND a.voided_at IS NULL AND a.held_from IS NULL AND a.end_date >= $2 ORDER BY a.id`,
		provider, on, EventDeactivation, reason, key, by.Role, at); err != nil {
		return fmt.Errorf("deactivation events: %w", err)
	}
	return nil
}

// GivenBack writes in the history of each authorization ids its agency's
// reactivation on gave its span back (DeactivationCut's counterpart),
// with the end its last deactivation event cut it to (end_before) and its
// own (end_after): with no dates, the history alone did not say what span
// was restored (a re-check of the forty-third stop; migration 00123). One
// cut before that event was written (migration 00122) carries none.
func GivenBack(ctx context.Context, ext pg.Ext, ids []int64, on rss.Date, at time.Time, by By) error {
	var key any
	if by.KeyID != 0 {
		key = by.KeyID
	}
	reason := fmt.Sprintf("given back at its agency's reactivation on %s: its span runs to its own end again", on)
	if _, err := ext.ExecContext(ctx, `INSERT INTO authorization_events (authorization_id, action, reason, end_before, end_after,
			actor_key_id, actor_role, created_at)
		SELECT a.id, $2, $3, c.cut, CASE WHEN c.cut IS NOT NULL THEN a.end_date END, $4, $5, $6
		FROM authorizations a
		LEFT JOIN LATERAL (SELECT e.end_after AS cut FROM authorization_events e
		                   WHERE e.authorization_id = a.id AND e.action = 'deactivation' AND e.end_after < a.end_date
		                   ORDER BY e.id DESC LIMIT 1) c ON true
		WHERE a.id = ANY($1) ORDER BY a.id`, pq.Array(ids), EventReactivate, reason, key, by.Role, at); err != nil {
		return fmt.Errorf("reactivation events: %w", err)
	}
	return nil
}

// GiveBack ends the hold of a locked authorization (Hold): its span runs
// again to its end, and its inactivity counts afresh from on, the days
// held having been no days its agency could bill (from its start, when
// it begins today or later: authorizations_reactivated_after_start). The
// caller has judged it.
//
// Its event names the end the hold cut it to (the day before held_from)
// and its own end again, as an agency's reactivation's give-back does
// (GivenBack): a reviewer's carried no dates (a re-check of the
// forty-third stop). A hold from after its end cut nothing, and the event
// carries none.
func GiveBack(ctx context.Context, ext pg.Ext, id int64, reason string, on rss.Date, at time.Time, by By) (Authorization, error) {
	var held struct {
		From rss.Date `db:"held_from"`
		End  rss.Date `db:"end_date"`
	}
	if err := sqlx.GetContext(ctx, ext, &held, `SELECT held_from, end_date FROM authorizations WHERE id = $1 AND held_from IS NOT NULL`,
		id); err != nil {
		return Authorization{}, fmt.Errorf("give back authorization %d: %w", id, err)
	}
	var a Authorization
	if err := sqlx.GetContext(ctx, ext, &a, `UPDATE authorizations a SET held_from = NULL, held_judged_from = NULL,
			held_reasons = NULL, reactivated_on = CASE WHEN $2 > a.start_date THEN $2 ELSE a.reactivated_on END, inactive_from = NULL
		WHERE a.id = $1 AND a.held_from IS NOT NULL RETURNING `+columns, id, on); err != nil {
		return a, fmt.Errorf("give back authorization %d: %w", id, err)
	}
	e := Event{Action: EventReactivate, Reason: reason}
	if !held.From.After(held.End) {
		e.EndBefore, e.EndAfter = held.From.AddDays(-1), held.End
	}
	return a, addEvent(ctx, ext, id, e, at, by)
}

// ExceptOverlaps keeps a reviewer's give-back of authorization id with
// the duplicate-service rule acknowledged (migration 00116): the other
// agencies' authorizations others it was given back over, an exception,
// as an approval's is, that their agencies' next reactivations read
// (OverlapsExcepted). A pair kept already stays as it was.
func ExceptOverlaps(ctx context.Context, ext pg.Ext, id int64, others []int64, at time.Time) error {
	if len(others) == 0 {
		return nil
	}
	if _, err := ext.ExecContext(ctx, `INSERT INTO authorization_overlap_exceptions (authorization_id, other_id, created_at)
		SELECT $1, o, $3 FROM unnest($2::bigint[]) o ON CONFLICT DO NOTHING`, id, pq.Array(others), at); err != nil {
		return fmt.Errorf("keep the overlaps excepted: %w", err)
	}
	return nil
}

// OverlapsExcepted are the authorizations a reviewer's give-back lifted
// authorization id's overlap with (ExceptOverlaps), on either side: id
// given back over them, or they over id.
func OverlapsExcepted(ctx context.Context, ext pg.Ext, id int64) ([]int64, error) {
	var out []int64
	if err := sqlx.SelectContext(ctx, ext, &out, `SELECT other_id FROM authorization_overlap_exceptions WHERE authorization_id = $1
		UNION SELECT authorization_id FROM authorization_overlap_exceptions WHERE other_id = $1 ORDER BY 1`, id); err != nil {
		return nil, fmt.Errorf("overlaps excepted: %w", err)
	}
	return out, nil
}

// ExceptedNumbers are OverlapsExcepted's authorizations by number.
func ExceptedNumbers(ctx context.Context, ext pg.Ext, id int64) ([]string, error) {
	var out []string
	if err := sqlx.SelectContext(ctx, ext, &out, `SELECT a.number FROM authorizations a WHERE a.id IN (
			SELECT other_id FROM authorization_overlap_exceptions WHERE authorization_id = $1
			UNION SELECT authorization_id FROM authorization_overlap_exceptions WHERE other_id = $1)
		ORDER BY a.id`, id); err != nil {
		return nil, fmt.Errorf("overlaps excepted: %w", err)
	}
	return out, nil
}

// Discharged is an enrollment's discharge, as the ledger needs it.
type Discharged struct {
	EnrollmentID int64
	ClientID     int64
	ProviderID   int64
	On           rss.Date
}

// EndAtDischarge ends the enrollment's authorizations at its discharge: one
// running past the discharge date ends on it, and one that would only have
// started after it is voided (it never ran). Void ones and those ending by
// then are left as they are. It returns the authorizations it changed, in
// id order, each with its event.
func EndAtDischarge(ctx context.Context, ext pg.Ext, d Discharged, at time.Time, by By) ([]Authorization, error) {
	// Locked as claims intake locks them (LockForClaimsSQL): the client's
	// authorizations with the agency and their episodes, in authorization id
	// order, so that neither waits for the other holding what it needs. The
	// (client, agency) pair leads the lookup index.
	if _, err := ext.ExecContext(ctx, `SELECT a.id FROM authorizations a JOIN episodes e ON e.id = a.episode_id
		WHERE a.client_id = $1 AND a.provider_id = $2 ORDER BY a.id FOR UPDATE OF a, e`, d.ClientID, d.ProviderID); err != nil {
		return nil, fmt.Errorf("end authorizations: %w", err)
	}
	var rows []Authorization
	if err := sqlx.SelectContext(ctx, ext, &rows, `SELECT `+columns+` FROM authorizations a
		WHERE a.client_id = $1 AND a.provider_id = $2 AND a.enrollment_id = $3 AND a.voided_at IS NULL AND a.end_date > $4
		ORDER BY a.id FOR UPDATE OF a`, d.ClientID, d.ProviderID, d.EnrollmentID, d.On); err != nil {
		return nil, fmt.Errorf("end authorizations: %w", err)
	}
	reason := "enrollment " + strconv.FormatInt(d.EnrollmentID, 10) + " discharged on " + d.On.String()
	for i := range rows {
		if err := End(ctx, ext, &rows[i], d.On, reason, at, by); err != nil {
			return nil, err
		}
	}
	return rows, nil
}

// End ends a locked authorization on day on, with its event: its end_date
// becomes on, or, when it would only have started after on (it never
// ran), it is voided. a is updated to the authorization as it now is. One
// held for review (Hold) stays held while the end leaves days the hold
// judges (a discharge after the day it is judged from): given back with
// the end, those days came back to its agency unreviewed. One the end
// leaves none of those days ends where the hold cut it, the day before
// held_from, if on is later: the days the hold kept cut are a reviewer's
// to give back, not an end's (a discharge dated in a suspension gave them
// back, and a lift of the suspension put them in service: a black-box
// pass).
func End(ctx context.Context, ext pg.Ext, a *Authorization, on rss.Date, reason string, at time.Time, by By) error {
	var err error
	never := ", before the authorization started"
	if !a.HeldFrom.IsZero() && on.Before(a.HeldJudgedFrom) && !on.Before(a.HeldFrom) {
		reason += fmt.Sprintf("; its days from %s were held for review, not given back", a.HeldFrom)
		on, never = a.HeldFrom.AddDays(-1), ""
	}
	if a.StartDate.After(on) {
		*a, err = Void(ctx, ext, a.ID, reason+never, at, by)
	} else {
		// The event's end before is the authorization's own, as stored: a
		// deactivation in force cuts the end a read gives (effectiveEnd),
		// and a discharge on or after that cut wrote an event ending it
		// later than it ended, refused by the schema as a 500 (an
		// operations black-box pass).
		var before rss.Date
		if err = sqlx.GetContext(ctx, ext, &before, `SELECT end_date FROM authorizations WHERE id = $1`, a.ID); err != nil {
			return fmt.Errorf("end authorization %d: %w", a.ID, err)
		}
		err = sqlx.GetContext(ctx, ext, a, `UPDATE authorizations a SET end_date = $2,
			held_from = CASE WHEN $2 < a.held_judged_from THEN NULL ELSE a.held_from END,
			held_judged_from = CASE WHEN $2 < a.held_judged_from THEN NULL ELSE a.held_judged_from END,
			held_reasons = CASE WHEN $2 < a.held_judged_from THEN NULL ELSE a.held_reasons END
		WHERE a.id = $1 RETURNING `+columns, a.ID, on)
		if err == nil {
			err = addEvent(ctx, ext, a.ID, Event{Action: EventEnd, Reason: reason, EndBefore: before, EndAfter: on}, at, by)
		}
	}
	if err != nil {
		return fmt.Errorf("end authorization %d: %w", a.ID, err)
	}
	return nil
}

func addEvent(ctx context.Context, ext pg.Ext, id int64, e Event, at time.Time, by By) error {
	var key any
	if by.KeyID != 0 {
		key = by.KeyID
	}
	if _, err := ext.ExecContext(ctx, `INSERT INTO authorization_events (authorization_id, action, reason, end_before, end_after,
			actor_key_id, actor_role, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		id, e.Action, e.Reason, e.EndBefore, e.EndAfter, key, by.Role, at); err != nil {
		return fmt.Errorf("authorization event: %w", err)
	}
	return nil
}

// Events reads an authorization's lifecycle changes, oldest first.
func Events(ctx context.Context, ext pg.Ext, id int64) ([]Event, error) {
	out := []Event{} // none is [], not left out (Authorization.Events)
	if err := sqlx.SelectContext(ctx, ext, &out, `SELECT id, action, reason, end_before, end_after, actor_key_id, actor_role, created_at
		FROM authorization_events WHERE authorization_id = $1 ORDER BY id`, id); err != nil {
		return nil, fmt.Errorf("authorization events: %w", err)
	}
	return out, nil
}
