package billing

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/ledger"
	"rss/vouchers"
)

// writeQuery stores a decided submission in one statement whatever the
// number of claims: the claims, their lines, the ledger's changes, the
// originals' supersession and the audit events. Rows travel as one array
// per column, unnested in Postgres: cheaper to build and to read than one
// JSON document per table. The schema's CHECKs guard every counter.
var writeQuery = `
	WITH k AS MATERIALIZED (
		-- The claims' ids, drawn before they are inserted: a line takes its
		-- claim's id by the claim's place in the submission, rather than by
		-- a join of ten thousand lines to the claims on their numbers.
		SELECT array_agg(nextval((SELECT pg_get_serial_sequence('claims', 'id'))::regclass) ORDER BY g) AS ids
		FROM generate_series(1, cardinality($6::text[])) AS g),
	c AS (
		INSERT INTO claims (id, provider_id, client_id, program_code, claim_number, frequency, original_claim_id, rendering_staff_id,
			place_of_service, diagnoses, status, total_charge, total_paid, first_service_date, last_service_date,
			received_on, received_at, request_hash, submitted_by)
		SELECT k.ids[x.n], $1, x.client, x.program, x.number, x.freq, x.orig, x.staff, x.pos, string_to_array(x.diagnoses, ' '), x.status,
			x.charge, x.paid, x.first, x.last, $2, $3, decode(x.hash, 'hex'), $4
		FROM k, unnest($6::text[], $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::text[], $13::text[],
			$14::text[], $15::numeric[], $16::numeric[], $17::date[], $18::date[], $19::text[])
			WITH ORDINALITY AS x(number, client, program, freq, orig, staff, pos, diagnoses, status, charge, paid, first, last, hash, n)
		ORDER BY x.n
		RETURNING id, claim_number, client_id, frequency, original_claim_id, status, received_at),
	l AS (
		INSERT INTO claim_lines (claim_id, line_number, client_id, provider_id, service_code, date_of_service, units, charge,
			authorization_number, authorization_id, episode_id, status, units_allowed, allowed, paid, rate, adjustments, trace,
			rule_set_version, counted, billable, reverses_line_id)
		SELECT k.ids[x.claim], x.line, ($7::bigint[])[x.claim], $1, x.service, x.dos, x.units, x.charge, x.auth_number, x.auth_id,
			x.episode_id, x.status, x.units_allowed, x.allowed, x.paid, x.rate, x.adjustments::jsonb, x.trace::jsonb, x.rule_set,
			x.counted, x.billable, x.reverses
		FROM k, unnest($21::int[], $22::int[], $23::text[], $24::date[], $25::int[], $26::numeric[], $27::text[], $28::bigint[],
			$29::bigint[], $30::text[], $31::int[], $32::numeric[], $33::numeric[], $34::numeric[], $35::text[], $36::text[],
			$37::text[], $38::bool[], $39::bool[], $40::bigint[])
			WITH ORDINALITY AS x(claim, line, service, dos, units, charge, auth_number, auth_id, episode_id, status,
				units_allowed, allowed, paid, rate, adjustments, trace, rule_set, counted, billable, reverses, n)
		ORDER BY x.n
		RETURNING id, claim_id, line_number),
	` + ledger.ChangesSQL(44) + `,
	s AS (
		UPDATE claims t SET status = x.status, superseded_by = c.id, superseded_at = $3
		FROM unnest($41::bigint[], $42::text[], $43::text[]) AS x(original, by, status) JOIN c ON c.claim_number = x.by
		WHERE t.id = x.original AND t.id = ANY($41)
		RETURNING t.id, t.status, t.superseded_by, t.client_id),
	-- On each original a void or replacement supersedes, naming the claim
	-- that did: the log said nothing against the claim voided, and an
	-- admin tracing it could not see by whom (a black-box pass). The
	-- claims' own events read it (count) so it runs first: the original's
	-- event comes before the claim's, as a cascade's does.
	evo AS (
		INSERT INTO audit_events (actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, client_id, purpose,
			outcome, request_id)
		SELECT $4, $5, $1, CASE s.status WHEN 'voided' THEN 'void' ELSE 'replace' END, 'claim', s.id::text, s.client_id,
			NULLIF($50, ''), s.status || ' by claim ' || s.superseded_by, NULLIF(r.request_id, '')
		FROM s JOIN c ON c.id = s.superseded_by
		LEFT JOIN unnest($6::text[], $20::text[]) AS r(number, request_id) ON r.number = c.claim_number
		RETURNING 1),
	-- The audit events, in the same statement as what they record.
	ev AS (
		INSERT INTO audit_events (actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, client_id, purpose,
			outcome, request_id)
		SELECT $4, $5, $1, CASE c.frequency
		           -- A void of a void is a resend (NewResend), the only one intake takes.
		           WHEN '8' THEN CASE WHEN (SELECT o.frequency FROM claims o WHERE o.id = c.original_claim_id) = '8' THEN 'resend' ELSE 'void' END
		           WHEN '7' THEN 'replace' ELSE 'create' END, 'claim', c.id::text,
			c.client_id, NULLIF($50, ''), c.status, NULLIF(r.request_id, '')
		FROM unnest($6::text[], $20::text[]) AS r(number, request_id) JOIN c ON c.claim_number = r.number
		CROSS JOIN (SELECT count(*) FROM evo) AS first)
	-- Data-modifying CTEs always run to completion, read or not. One row
	-- answers: the claims' ids in the submission's order, the time stored
	-- (one for all), and each line's claim, number and id, as arrays. Its
	-- condition, always true, sets back to the server's defaults what
	-- snapshot set for this statement's plan.
	SELECT k.ids AS claim_ids, (SELECT c.received_at FROM c LIMIT 1) AS received_at,
		x.claims AS line_claims, x.numbers AS line_numbers, x.ids AS line_ids
	FROM k, (SELECT array_agg(l.claim_id) AS claims, array_agg(l.line_number) AS numbers, array_agg(l.id) AS ids FROM l) x
	WHERE set_config('plan_cache_mode', 'auto', true) IS NOT NULL AND set_config('enable_seqscan', 'on', true) IS NOT NULL`

// write stores what decide produced, in one statement (and one more before
// it when originals are superseded). When another transaction wrote one of
// the claim numbers first, the write fails on claims_number_unique (after
// waiting for that transaction, whose outcome it needs): it is undone to
// the savepoint snapshot took and the error returned, and the caller
// decides the submission again on a new snapshot, whose statements start
// after that commit, so the claim is found on file and answered as such
// (or refused, for other content). A client with no authorization locks
// nothing, so nothing else orders two submissions of one claim number; no
// lock is taken per claim number, since a bulk would take a thousand and
// the server's shared lock table holds a few thousand in all. A deadlock
// between two bulks inserting shared numbers in opposite orders is undone
// the same way.
//
// The write statement runs on a generic plan, made once per connection:
// planning it took as long as running it for a single claim. Snapshot asks
// for that plan with sequential scans ruled out, and every row the
// statement reads it reads by id (= ANY of its own ids), so the plan is
// index probes whatever the tables held when it was made: made on small
// tables with scans allowed, it hashed a scan of every authorization. The
// statement itself sets both back.
func (s *Service) write(ctx context.Context, tx *sqlx.Tx, a access.Actor, d *decided) error {
	err := s.writeAll(ctx, tx, a, d)
	if writtenMeanwhile(err) {
		if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT claim_intake`); rerr != nil {
			return fmt.Errorf("rollback to savepoint: %w", rerr)
		}
	}
	return err
}

func (s *Service) writeAll(ctx context.Context, tx *sqlx.Tx, a access.Actor, d *decided) error {
	if len(d.claims) == 0 {
		// Nothing to store: only what snapshot set for the plan goes back.
		_, err := tx.ExecContext(ctx, `SET LOCAL plan_cache_mode TO DEFAULT; SET LOCAL enable_seqscan TO DEFAULT`)
		return err
	}
	// Lines of superseded originals stop counting first, so a replacement
	// may bill the same service again without tripping the duplicate guard.
	if len(d.uncount) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE claim_lines SET counted = false, billable = billable AND NOT (id = ANY($2))
			WHERE id = ANY($1)`, pq.Array(d.uncount), pq.Array(append([]int64{}, d.unbill...))); err != nil {
			return fmt.Errorf("reverse original lines: %w", err)
		}
	}
	args, err := writeArgs(a, d)
	if err != nil {
		return err
	}
	var row struct {
		ClaimIDs    []byte    `db:"claim_ids"`
		ReceivedAt  time.Time `db:"received_at"`
		LineClaims  []byte    `db:"line_claims"`
		LineNumbers []byte    `db:"line_numbers"`
		LineIDs     []byte    `db:"line_ids"`
	}
	st, err := s.stmts.In(ctx, tx, writeQuery)
	if err != nil {
		return err
	}
	if err := st.GetContext(ctx, &row, args...); err != nil {
		return ledgerError(fmt.Errorf("write claims: %w", err))
	}
	claimIDs, err := parseIDs(row.ClaimIDs)
	if err != nil || len(claimIDs) != len(d.claims) {
		return fmt.Errorf("write claims: %d claim ids for %d claims (%v)", len(claimIDs), len(d.claims), err)
	}
	byID := make(map[int64]*Claim, len(d.claims))
	for i, r := range d.claims {
		// The answer is the claim as stored: the time as the database
		// gives it back, which a later GET renders the same way.
		r.claim.ID, r.claim.ReceivedAt = claimIDs[i], row.ReceivedAt
		byID[r.claim.ID] = r.claim
	}
	lineClaims, err1 := parseIDs(row.LineClaims)
	lineNumbers, err2 := parseIDs(row.LineNumbers)
	lineIDs, err3 := parseIDs(row.LineIDs)
	if err := errors.Join(err1, err2, err3); err != nil || len(lineIDs) != len(d.lines) || len(lineClaims) != len(lineIDs) ||
		len(lineNumbers) != len(lineIDs) {
		return fmt.Errorf("write claims: %d line ids for %d lines (%v)", len(lineIDs), len(d.lines), err)
	}
	for i, id := range lineIDs {
		l := &byID[lineClaims[i]].Lines[lineNumbers[i]-1]
		l.ID, l.ClaimID = id, lineClaims[i]
	}
	if len(d.superseded) > 0 {
		ids := make(map[string]int64, len(d.claims))
		for _, r := range d.claims {
			ids[r.claim.ClaimNumber] = r.claim.ID
		}
		if err := releaseSuperseded(ctx, tx, a, d, ids); err != nil {
			return err
		}
	}
	if err := releaseFreed(ctx, tx, d); err != nil {
		return err
	}
	// The adjustments are shown with their text, which is not stored.
	for _, r := range d.claims {
		for j := range r.claim.Lines {
			describe(r.claim.Lines[j].Adjustments)
		}
	}
	return nil
}

// writeArgs lays the decided rows out as writeQuery's parameters.
func writeArgs(a access.Actor, d *decided) ([]any, error) {
	nc, nl := len(d.claims), len(d.lines)
	number, client, program, freq := newColumn(nc, 12), newColumn(nc, 8), newColumn(nc, 6), newColumn(nc, 4)
	orig, staff, pos, diagnoses := newColumn(nc, 4), newColumn(nc, 8), newColumn(nc, 5), newColumn(nc, 16)
	status, charge, paid, first, last := newColumn(nc, 9), newColumn(nc, 10), newColumn(nc, 10), newColumn(nc, 11), newColumn(nc, 11)
	hash, requestID := newColumn(nc, 65), newColumn(nc, 40)
	for _, r := range d.claims {
		c := r.claim
		number.text(c.ClaimNumber)
		client.int(c.ClientID)
		program.text(c.ProgramCode)
		freq.text(c.Frequency)
		orig.intOrNull(c.OriginalClaimID)
		staff.intOrNull(c.RenderingStaffID)
		pos.text(c.PlaceOfService)
		diagnoses.text(strings.Join(c.Diagnoses, " ")) // ICD-10 codes have no spaces
		status.text(c.Status)
		charge.money(c.TotalCharge)
		paid.money(c.TotalPaid)
		first.date(c.FirstServiceDate)
		last.date(c.LastServiceDate)
		hash.token(hex.EncodeToString(r.hash))
		requestID.text(r.requestID)
	}
	lNumber, line, service, dos, units := newColumn(nl, 4), newColumn(nl, 3), newColumn(nl, 9), newColumn(nl, 11), newColumn(nl, 3)
	lCharge, authNumber, authID, episodeID := newColumn(nl, 8), newColumn(nl, 13), newColumn(nl, 8), newColumn(nl, 8)
	lStatus, unitsAllowed, allowed, lPaid, rate := newColumn(nl, 9), newColumn(nl, 3), newColumn(nl, 8), newColumn(nl, 8), newColumn(nl, 6)
	adjustments, trace, ruleSet := newColumn(nl, 3), newColumn(nl, 240), newColumn(nl, 16)
	counted, billable, reverses := newColumn(nl, 2), newColumn(nl, 2), newColumn(nl, 5)
	place := make(map[*Claim]int64, nc) // a claim's place in the arrays, from 1
	for i, r := range d.claims {
		place[r.claim] = int64(i + 1)
	}
	var buf []byte
	for _, r := range d.lines {
		l := r.line
		lNumber.int(place[r.claim])
		line.int(int64(l.LineNumber))
		service.text(l.ServiceCode)
		dos.date(l.DateOfService)
		units.int(int64(l.Units))
		lCharge.money(l.Charge)
		authNumber.textOrNull(l.AuthorizationNumber)
		authID.intOrNull(l.AuthorizationID)
		episodeID.intOrNull(r.episodeID)
		lStatus.text(l.Status)
		unitsAllowed.int(int64(l.UnitsAllowed))
		allowed.money(l.Allowed)
		lPaid.money(l.Paid)
		if l.Rate != nil {
			rate.money(*l.Rate)
		} else {
			rate.null()
		}
		var err error
		if len(l.Adjustments) == 0 {
			adjustments.token(`[]`)
		} else {
			buf = appendAdjustments(buf[:0], l.Adjustments)
			adjustments.bytes(buf)
		}
		if l.Trace == nil {
			trace.token(`[]`)
		} else {
			if buf, err = appendTrace(buf[:0], l.Trace); err != nil {
				return nil, err
			}
			trace.bytes(buf)
		}
		ruleSet.text(l.RuleSetVersion)
		counted.bool(r.counted)
		billable.bool(r.billable)
		reverses.intOrNull(l.ReversesLineID)
	}
	origIDs, by, supStatus := newColumn(0, 0), newColumn(0, 0), newColumn(0, 0)
	for _, x := range d.superseded {
		origIDs.int(x.original)
		by.text(x.by)
		supStatus.text(x.status)
	}
	args := []any{a.ProviderID, d.today, d.now, a.KeyID, string(a.Role)}
	for _, c := range []*column{number, client, program, freq, orig, staff, pos, diagnoses, status, charge, paid,
		first, last, hash, requestID, lNumber, line, service, dos, units, lCharge, authNumber, authID, episodeID,
		lStatus, unitsAllowed, allowed, lPaid, rate, adjustments, trace, ruleSet, counted, billable, reverses,
		origIDs, by, supStatus} {
		args = append(args, c.String())
	}
	// $44-$49 are the ledger's changes, $50 the purpose of use.
	return append(append(args, ledger.ChangesArgs(d.changes)...), a.Purpose), nil
}

// column builds a Postgres array literal, one element at a time.
type column struct{ b []byte }

// newColumn makes room for n elements of about width bytes.
func newColumn(n, width int) *column { return &column{b: make([]byte, 0, 2+n*(width+1))} }

func (c *column) sep() {
	if len(c.b) == 0 {
		c.b = append(c.b, '{')
	} else {
		c.b = append(c.b, ',')
	}
}

// token appends a value that needs no quoting: numbers, dates, booleans
// and the empty JSON array.
func (c *column) token(s string) { c.sep(); c.b = append(c.b, s...) }

func (c *column) null() { c.token("NULL") }

func (c *column) money(m rss.Money) { c.sep(); c.b = m.AppendFixed(c.b) }

// date appends a date as Date.String writes it.
func (c *column) date(d rss.Date) {
	c.sep()
	if !d.IsZero() {
		c.b = d.AppendFormat(c.b, "2006-01-02")
	}
}

func (c *column) int(v int64) { c.sep(); c.b = strconv.AppendInt(c.b, v, 10) }

func (c *column) bool(v bool) {
	if v {
		c.token("t")
	} else {
		c.token("f")
	}
}

// text appends any string, quoted.
func (c *column) text(s string) { quote(c, s) }

// bytes appends any text, quoted.
func (c *column) bytes(s []byte) { quote(c, s) }

func quote[T string | []byte](c *column, s T) {
	c.sep()
	c.b = append(c.b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			c.b = append(c.b, '\\')
		}
		c.b = append(c.b, s[i])
	}
	c.b = append(c.b, '"')
}

func (c *column) textOrNull(s *string) {
	if s == nil {
		c.null()
	} else {
		c.text(*s)
	}
}

func (c *column) intOrNull(v *int64) {
	if v == nil {
		c.null()
	} else {
		c.int(*v)
	}
}

func (c *column) String() string {
	if c == nil || len(c.b) == 0 {
		return "{}"
	}
	return string(append(c.b, '}'))
}

// parseIDs reads a Postgres array of integers in text form ({1,2,3}); NULL
// (array_agg of no rows) is no ids.
func parseIDs(b []byte) ([]int64, error) {
	if b == nil {
		return nil, nil
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("not an array of integers: %.40q", b)
	}
	b = b[1 : len(b)-1]
	if len(b) == 0 {
		return []int64{}, nil
	}
	out := make([]int64, 0, bytes.Count(b, []byte{','})+1)
	for len(b) > 0 {
		item := b
		if i := bytes.IndexByte(b, ','); i >= 0 {
			item, b = b[:i], b[i+1:]
		} else {
			b = nil
		}
		v, err := strconv.ParseInt(string(item), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("not an array of integers: %w", err)
		}
		out = append(out, v)
	}
	return out, nil
}

// releaseFreed lets the raised caps and unit maxima of the episodes whose
// holdings the submission's voids and replacements lowered (decided.freed)
// fall back to what they hold, as an authorization's own void does
// (ledger.ReleaseEpisodeCap, ReleaseEpisodeUnits; the snapshot holds the
// episodes locked), each fall audited on the episode as there. A claim's
// void on a voided exception authorization left the cap raised, and the
// room it freed was granted later past the program's cap, unreviewed (a
// black-box pass).
func releaseFreed(ctx context.Context, tx *sqlx.Tx, d *decided) error {
	type capKey struct{ episode, provider int64 }
	type unitKey struct {
		episode int64
		service string
	}
	caps, units := map[capKey]bool{}, map[unitKey]bool{}
	var events []access.Event
	for _, f := range d.freed {
		if k := (capKey{f.episode, f.provider}); !caps[k] {
			caps[k] = true
			fell, err := ledger.ReleaseEpisodeCap(ctx, tx, f.episode, f.provider, d.today)
			if err != nil {
				return err
			}
			if fell.Moved() {
				events = append(events, vouchers.CapReleased(f.episode, f.client, fell.Outcome()))
			}
		}
		if k := (unitKey{f.episode, f.service}); !units[k] {
			units[k] = true
			maxUnits, fell, err := ledger.ReleaseEpisodeUnits(ctx, tx, f.episode, f.service, d.today)
			if err != nil {
				return err
			}
			if fell {
				events = append(events, vouchers.CapReleased(f.episode, f.client, fmt.Sprintf("%s max_units %d", f.service, maxUnits)))
			}
		}
	}
	return access.Record(ctx, tx, events...)
}
