package vouchers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
)

// A voucher request is decided on a snapshot of facts read in two
// statements: the first locks the person's episode (so two requests in it
// are decided one after the other against the same totals) and reads the
// reference version; the second, whose snapshot starts after the lock is
// held, reads every other fact at once. Reference data (programs, services,
// providers, staff, settings) comes from a per-process cache that reloads
// whenever reference_version moves (a trigger on every reference table
// moves it), so an admin's change applies to the very next request.

// Reference is one version of the reference data, with the rules' views of
// it converted once.
type Reference struct {
	Version   int64
	Programs  map[string]*Program
	Services  map[string]*CatalogService
	Providers map[int64]*Provider
	Staff     map[int64]*Staff
	Settings  adjudication.Settings

	rulePrograms  map[string]adjudication.Program
	ruleServices  map[string]adjudication.Service
	ruleProviders map[int64]adjudication.Provider
	ruleStaff     map[int64]*adjudication.Staff
}

// referenceCache keeps the newest Reference a process has read.
type referenceCache struct {
	mu  sync.Mutex
	ref *Reference
}

// latest is the newest snapshot read, or nil.
func (c *referenceCache) latest() *Reference {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ref
}

// get returns the snapshot of version, loading it through ext when the
// cached one is another.
func (c *referenceCache) get(ctx context.Context, ext pg.Ext, version int64) (*Reference, error) {
	c.mu.Lock()
	ref := c.ref
	c.mu.Unlock()
	if ref != nil && ref.Version == version {
		return ref, nil
	}
	ref, err := LoadReference(ctx, ext, version)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.ref == nil || c.ref.Version <= version {
		c.ref = ref
	}
	c.mu.Unlock()
	return ref, nil
}

// LoadReference reads the whole reference data through ext, as version.
func LoadReference(ctx context.Context, ext pg.Ext, version int64) (*Reference, error) {
	r := &Reference{Version: version, Programs: map[string]*Program{}, Services: map[string]*CatalogService{},
		Providers: map[int64]*Provider{}, rulePrograms: map[string]adjudication.Program{}, ruleServices: map[string]adjudication.Service{},
		ruleProviders: map[int64]adjudication.Provider{}, ruleStaff: map[int64]*adjudication.Staff{}}
	programs, err := LoadPrograms(ctx, ext)
	if err != nil {
		return nil, err
	}
	for i := range programs {
		p := &programs[i]
		r.Programs[p.Code], r.rulePrograms[p.Code] = p, RuleProgram(p)
	}
	services, err := LoadServices(ctx, ext)
	if err != nil {
		return nil, err
	}
	for i := range services {
		sv := &services[i]
		r.Services[sv.Code], r.ruleServices[sv.Code] = sv, RuleService(sv)
	}
	providers, err := LoadProviders(ctx, ext, nil)
	if err != nil {
		return nil, err
	}
	for i := range providers {
		p := &providers[i]
		r.Providers[p.ID], r.ruleProviders[p.ID] = p, RuleProvider(p)
	}
	var ids []int64
	if err := sqlx.SelectContext(ctx, ext, &ids, `SELECT id FROM staff`); err != nil {
		return nil, fmt.Errorf("load staff ids: %w", err)
	}
	if r.Staff, err = LoadStaff(ctx, ext, ids); err != nil {
		return nil, err
	}
	for id, st := range r.Staff {
		r.ruleStaff[id] = RuleStaff(st, r.Staff)
	}
	if r.Settings, err = LoadSettings(ctx, ext); err != nil {
		return nil, err
	}
	return r, nil
}

// RuleProgram, RuleService, RuleProvider and RuleStaff are the rules' views.
func (r *Reference) RuleProgram(code string) (adjudication.Program, bool) {
	p, ok := r.rulePrograms[code]
	return p, ok
}
func (r *Reference) RuleService(code string) (adjudication.Service, bool) {
	s, ok := r.ruleServices[code]
	return s, ok
}
func (r *Reference) RuleProvider(id int64) (adjudication.Provider, bool) {
	p, ok := r.ruleProviders[id]
	return p, ok
}
func (r *Reference) RuleStaff(id int64) *adjudication.Staff { return r.ruleStaff[id] }

// enrollmentJSON is an enrollment as the snapshot statements render it.
type enrollmentJSON struct {
	ID                 int64    `json:"id"`
	ClientID           int64    `json:"client_id"`
	PersonID           int64    `json:"person_id"`
	ProgramCode        string   `json:"program_code"`
	ProviderID         int64    `json:"provider_id"`
	EpisodeID          int64    `json:"episode_id"`
	AssignedStaffID    *int64   `json:"assigned_staff_id"`
	PrimaryCaseManager bool     `json:"primary_case_manager"`
	StartDate          rss.Date `json:"start_date"`
	PlannedEndDate     rss.Date `json:"planned_end_date"`
	DischargeDate      rss.Date `json:"discharge_date"`
}

func (e *enrollmentJSON) enrollment() *Enrollment {
	return &Enrollment{ID: e.ID, ClientID: e.ClientID, PersonID: e.PersonID, ProgramCode: e.ProgramCode, ProviderID: e.ProviderID,
		EpisodeID: e.EpisodeID, AssignedStaffID: e.AssignedStaffID, PrimaryCaseManager: e.PrimaryCaseManager, StartDate: e.StartDate,
		PlannedEndDate: e.PlannedEndDate, DischargeDate: e.DischargeDate}
}

const enrollmentJSONColumns = `json_build_object('id', e.id, 'client_id', e.client_id, 'person_id', e.person_id,
	'program_code', e.program_code, 'provider_id', e.provider_id, 'episode_id', e.episode_id, 'assigned_staff_id', e.assigned_staff_id,
	'primary_case_manager', e.primary_case_manager, 'start_date', e.start_date, 'planned_end_date', e.planned_end_date,
	'discharge_date', e.discharge_date)`

// lockStatement picks the request's enrollment ($1 client, $2 agency, $3 the
// enrollment named or NULL, $4 program; not named, the one in force on the
// request's first day $7, else the open one, else the latest: a late
// request for the days of a stay before a readmission read the new stay
// and was denied ENROLLMENT_NOT_ACTIVE for a client enrolled every day of
// it, an enrollment black-box pass), holds it (FOR SHARE), locks its
// episode and reads the reference version. The enrollment is held before
// the episode is locked, the order a discharge takes them in (its
// enrollment FOR UPDATE, then its episode and authorizations): the
// request took the episode first and the enrollment after, through its
// inserts' foreign keys, and the two sent at once deadlocked (a 500 each
// way). Held, a request waits for a discharge under way and reads the
// enrollment discharged; a discharge waits for the request and ends the
// authorization it granted. Before both it takes the agency's intake lock
// shared (pg.IntakeLockKey; the intake CTE, which the enrollment's lock
// joins, so it comes first), the order claims intake takes it in: an
// episode merge takes it alone before the episodes' rows, and taken after
// the episode's row, a request, a claim and a merge at once deadlocked
// (a races re-check, 409 concurrent_change in 3 rounds of 8). So a
// deactivation under way, which takes it alone, is waited for: the authorization's insert, a statement after this one,
// then reads the agency deactivated and leaves a grant it cuts to nothing
// out of the reports' units authorized, and a deactivation that comes
// after waits for the grant and takes its units out (without the lock
// neither saw the other and the grant's units stayed counted). It also reads the answer stored under the request's
// Idempotency-Key ($5 its scope, the agency; $6 the key; pg.DoFolded), which a retry returns
// before anything else: one statement where there were two.
//
// It also asks, for the rest of the transaction only, for generic plans:
// the facts and store statements that follow are prepared once per
// connection, but left to itself PostgreSQL plans them afresh for their
// first five executions on each connection before it settles on the
// generic plan, and planning the facts statement takes 1.5-5 ms where
// running it takes 0.2 ms: the first requests on every new connection of
// the pool paid it, and they were the slowest hundredth of a bench run.
// The generic plans are the ones PostgreSQL settles on anyway (the same
// index lookups). Setting it here rather than in a statement of its own
// costs no round trip; set_config(..., true) ends with the transaction.
var lockStatement = `WITH intake AS (SELECT pg_advisory_xact_lock_shared(` + pg.IntakeLockKey("$2") + `)::text AS intake_lock),
	enr AS (
		SELECT e.* FROM enrollments e, intake
		WHERE e.client_id = $1 AND e.provider_id = $2
		  AND CASE WHEN $3::bigint IS NULL THEN e.program_code = $4 ELSE e.id = $3 END
		ORDER BY (e.start_date <= $7::date AND (e.discharge_date IS NULL OR e.discharge_date >= $7::date)) DESC,
		  e.discharge_date IS NULL DESC, e.start_date DESC, e.id DESC LIMIT 1 FOR SHARE OF e),
	locked AS (` + ledger.LockEpisodeSQL("(SELECT episode_id FROM enr)") + `)
	SELECT (SELECT version FROM reference_version WHERE id = 1) AS ref_version,
	       EXISTS (SELECT 1 FROM clients WHERE id = $1 AND provider_id = $2) AS client_ok,
	       (SELECT ` + enrollmentJSONColumns + ` FROM enr e) AS enrollment,
	       (SELECT dollar_cap FROM locked) AS dollar_cap,
	       COALESCE((SELECT readmission_room FROM locked), 0) AS readmission_room,
	       (SELECT json_build_object('enrollment', min(o.id), 'provider', (array_agg(o.provider_id ORDER BY o.id))[1],
	               'keeper', (array_agg(o.provider_id ORDER BY o.id) FILTER (WHERE o.provider_id <> $2))[1])
	        FROM enrollments o WHERE o.episode_id = (SELECT episode_id FROM enr)) AS episode_opener,
	       (SELECT json_build_object('cap', e.program_cap_then::text, 'recorded', e.cap_recorded) FROM enr e) AS joined_cap,
	       (SELECT json_build_object(
	                 'cap', coalesce(max(r.own_after) FILTER (WHERE r.own_before IS NULL OR r.own_after > r.own_before),
	                                 min(` + ledger.OwnBeforeSQL("r") + `))::text,
	                 'raised', bool_or(CASE WHEN r.own_before IS NULL
	                                        THEN r.own_after > r.cap_before OR (SELECT dollar_cap FROM locked) > r.cap_before
	                                        ELSE r.own_after > r.own_before END),
	                 'kept', bool_or(r.own_before IS NOT NULL))
	        FROM episode_cap_raises r, enr e WHERE r.episode_id = e.episode_id AND r.provider_id = $2
	               AND r.raised_at >= e.created_at
	               AND (r.own_after IS NOT NULL OR (SELECT dollar_cap FROM locked) > r.cap_before)
	        HAVING count(*) > 0) AS own_cap,
	       set_config('plan_cache_mode', 'force_generic_plan', true) AS plan_cache_mode,
	       (SELECT intake_lock FROM intake) AS intake_lock,
	       k.*, o.*
	FROM (SELECT) AS one LEFT JOIN (` + pg.StoredAnswerSQL("$5::bigint", "$6::text") + `) AS k ON true
	LEFT JOIN (` + ledger.RaisedByOthersSQL("(SELECT episode_id FROM enr)", "$2") + `) AS o ON true`

// factsStatement reads the reference version again (takeSnapshot) and the
// rest ($1 client, $2 agency, $3 program, $4 staff
// or NULL, $5 episode or NULL, $6 today, $7 the enrollment or NULL, $8 the
// purpose the consents are read for, rulesPurpose). The client is NULL
// unless the agency keeps that record.
var factsStatement = `WITH me AS (
		SELECT id, person_id, date_of_birth, medicaid_id, catchment_area, substance_use_status FROM clients
		WHERE id = $1 AND provider_id = $2),
	consenting AS (` + consentingSQL("(SELECT person_id FROM me)", "$2", "$6", "$8") + `),
	stay AS (` + stayEnrollmentsSQL + `)
	SELECT
		(SELECT version FROM reference_version WHERE id = 1) AS ref_version,
		(SELECT row_to_json(me) FROM me) AS client,
		` + EligibilityJSON("$1") + ` AS eligibility,
		COALESCE((SELECT json_object_agg(p, records) FROM consenting), '{}') AS consenting,
		COALESCE((SELECT json_agg(json_build_object('disclosing_provider_id', k.disclosing_provider_id, 'recipient_type', k.recipient_type,
		          'purposes', k.purposes, 'signed_on', k.signed_on, 'expires_on', k.in_force_through, 'revoked', k.revoked_at IS NOT NULL) ORDER BY k.id)
		          FROM consents k WHERE k.client_id = $1), '[]') AS consents,
		(SELECT json_build_object('date', interview_date, 'provider_id', provider_id,
		        'close_days', (SELECT x.gpra_followup_close_days FROM enrollments x WHERE x.id = gpra_interviews.enrollment_id))
		 FROM gpra_interviews
		 WHERE kind = 'intake' AND status = 'completed' AND ` + gpraSeen + `
		 ORDER BY interview_date, enrollment_id IS NOT DISTINCT FROM $7 DESC, id LIMIT 1) AS intake,
		(SELECT provider_id FROM gpra_interviews WHERE kind = 'follow_up' AND ` + gpraSeen + `
		 ORDER BY enrollment_id IS NOT DISTINCT FROM $7 DESC, interview_date, id LIMIT 1) AS followup_provider,
		` + gpraCountedSQL + ` AS gpra_counted,
		(SELECT count(*) FROM enrollments WHERE assigned_staff_id = $4 AND program_code = $3 AND discharge_date IS NULL
		   AND client_id <> $1) AS caseload,
		COALESCE((SELECT json_agg(json_build_object('kind', cp.kind, 'program_code', cp.program_code, 'start_date', cp.start_date,
		          'end_date', cp.end_date, 'closed', cp.closed_at IS NOT NULL,
		          'services', ARRAY(SELECT s.service_code FROM care_plan_services s WHERE s.care_plan_id = cp.id ORDER BY 1)) ORDER BY cp.id)
		          FROM care_plans cp WHERE cp.client_id = $1 AND cp.program_code = $3), '[]') AS care_plans,
		` + ledger.PersonAuthorizationsJSON("(SELECT person_id FROM me)", "$3") + ` AS authorizations,
		COALESCE((SELECT json_agg(` + enrollmentJSONColumns + ` ORDER BY e.id)
		          FROM enrollments e WHERE e.episode_id = $5 AND e.provider_id <> $2), '[]') AS others,
		EXISTS (SELECT 1 FROM enrollments e JOIN programs p ON p.code = e.program_code
		        WHERE e.client_id = $1 AND p.clinical AND e.discharge_date IS NULL) AS clinical_enrollment,
		EXISTS (SELECT 1 FROM voucher_requests v JOIN programs p ON p.code = v.program_code
		        WHERE v.client_id = $1 AND p.clinical AND v.decision = 'pended') AS pended_clinical,
		` + stayStartSQL + ` AS stay_start,
		` + capsStayStartSQL + ` AS caps_stay_start,
		COALESCE((SELECT json_agg(r) FROM (` + lentDesignationsSQL("x.id = $7 OR (x.episode_id = $5 AND x.provider_id <> $2 AND x.discharge_date IS NULL)") +
	`) r), '[]') AS designations,
		(SELECT json_agg(json_build_object('provider_id', x.provider_id, 'cap', x.cap::text, 'stay', x.stay, 'stay_began', x.stay_began)
		        ORDER BY x.provider_id)
		 FROM (` + ledger.KeptOwnCapsSQL("$5", "$2") + `) x) AS others_own_caps`

// stayStartSQL is the first day of the agency's unbroken stay in the
// program the request's enrollment ($7) belongs to: its own enrollments of
// the client ($1, $2, $3), each begun no later than the day after the one
// before ended. A length of service counts from it: discharged and enrolled
// again the same day, a client's day 271 read as day 1, and a request past
// RCM's review limit was approved unreviewed (an operations black-box
// pass). Only the agency's own records: a stranger with the same history
// reads the same.
//
// One ended on the last day the agency held it in rss's books
// (held_through, migration 00102): discharged as of two days ago and
// enrolled again today, the client had been the agency's every day, and a
// request its old stay's overdue follow-up pended was granted on the new
// stay's intake (a GPRA re-check). A history entered after the fact keeps
// its dates. The latest of all the earlier enrollments', not the one
// before's: a short stay keyed after the fact between a discharge dated
// back and today's readmission ends before the days the first was held,
// and broke the stay while the episode went on (a review).
const stayStartSQL = `(SELECT max(s.start_date) FROM (
		SELECT o.start_date, lag(o.id) OVER w IS NULL
		    OR o.start_date > max(o.held_through) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) + 1 AS begins
		FROM enrollments o
		WHERE o.client_id = $1 AND o.provider_id = $2 AND o.program_code = $3
		  AND o.start_date <= (SELECT e.start_date FROM enrollments e WHERE e.id = $7)
		WINDOW w AS (ORDER BY o.start_date, o.id)) s
	WHERE s.begins)`

// designationSQL selects, for an enrollment x flagged primary case
// manager (a LATERAL subquery over an outer enrollments x), the rank of
// its designation as V10 reads it: designated_as, the id of the first
// enrollment the designation was made on in x's agency's unbroken stay
// (stayStartSQL, the one reading of an unbroken stay: the same the length
// of service, the GPRA intake and the episode caps go by), and
// designated_from, that stay's first designated day. A readmission the
// same day or the next ranked as a new designation, after another
// agency's flag set in the meantime, and that agency became primary case
// manager with no MSC transfer (a GPRA black-box pass): the designation
// is the stay's. Only the flagged run that ends at x lends its rank (a
// stay enrolled once without the flag did not hold it then, and its
// readmission ranks as new), and only an enrollment designated (enrolled
// flagged, or designated or transferred to by the MSC) after the MSC last
// moved the person's designation to another agency: the MSC's move
// stands, and a flag a transfer left on a closed stay lends nothing (the
// person's other agencies' enrollments are reached through their client
// records, which are indexed by person). x itself always counts, so
// designated_as is at most x's id. What it reads is ranked by
// adjudication.Designation, the one Go reading of the rank.
var designationSQL = `SELECT min(d.id) AS designated_as, min(d.start_date) AS designated_from FROM enrollments d
	WHERE d.client_id = x.client_id AND d.provider_id = x.provider_id AND d.program_code = x.program_code AND d.primary_case_manager
	  AND d.start_date >= ` + strings.NewReplacer("$1", "x.client_id", "$2", "x.provider_id", "$3", "x.program_code", "$7", "x.id").Replace(stayStartSQL) + `
	  AND (d.start_date, d.id) <= (x.start_date, x.id)
	  AND (d.id = x.id OR (
	    NOT EXISTS (SELECT 1 FROM enrollments u
	                WHERE u.client_id = x.client_id AND u.provider_id = x.provider_id AND u.program_code = x.program_code
	                  AND NOT u.primary_case_manager AND (u.start_date, u.id) > (d.start_date, d.id) AND (u.start_date, u.id) < (x.start_date, x.id))
	    AND NOT EXISTS (SELECT 1 FROM clients c JOIN enrollments te ON te.client_id = c.id JOIN primary_case_manager_transfers t ON t.to_enrollment_id = te.id
	                WHERE c.person_id = x.person_id AND c.provider_id <> x.provider_id AND te.program_code = x.program_code
	                  AND t.transferred_at > greatest(d.created_at,
	                      (SELECT max(t2.transferred_at) FROM primary_case_manager_transfers t2 WHERE t2.to_enrollment_id = d.id)))))`

// lentDesignationsSQL selects (id, "as", "from") the enrollments x
// flagged primary case manager, of those where selects, whose designation
// ranks from an earlier enrollment of their stay (designationSQL): the
// rules' facts and a transfer's or a designation's check read them by the
// one statement, and adjudication.Designation ranks them.
func lentDesignationsSQL(where string) string {
	return `SELECT x.id, r.designated_as AS "as", r.designated_from AS "from"
		FROM enrollments x CROSS JOIN LATERAL (` + designationSQL + `) r
		WHERE x.primary_case_manager AND r.designated_as < x.id AND (` + where + `)`
}

// capsStayStartSQL is stayStartSQL by the enrollments' dates alone, as
// the person's episode runs (ledger.OpenEpisode): the day an agency's
// authorizations count from as its own in the episode's caps
// (adjudication's CapsStayBegan).
var capsStayStartSQL = strings.ReplaceAll(stayStartSQL, "o.held_through", "o.discharge_date")

// stayEnrollmentsSQL selects (as id) the agency's enrollments of its
// unbroken stay up to the request's enrollment ($7): those begun from the
// stay's first day (stayStartSQL) to that enrollment's own.
const stayEnrollmentsSQL = `SELECT o.id FROM enrollments o
		WHERE o.client_id = $1 AND o.provider_id = $2 AND o.program_code = $3
		  AND o.start_date >= ` + stayStartSQL + `
		  AND o.start_date <= (SELECT e.start_date FROM enrollments e WHERE e.id = $7)`

// gpraSeen is the GPRA interviews a request's rules read: those of the
// agency's unbroken stay the request is for (stay: its enrollments), and
// those of an agency whose consent names the requester in the episode
// ($5). The stay's, not its enrollment's alone: discharged and enrolled
// again the same day, a client whose follow-up window had closed owed a
// new intake, and with it the follow-up clock started again, so requests
// the rules pend (SPEC §5) were approved unreviewed (a black-box pass); a
// length of service counts from the same day (stayStartSQL). Not the
// agency's own stays before a break: for a person no one else serves, a
// re-enrollment after one is a new episode, whose intake is still to be
// done, and the shared episode's older stays would have told the agency
// another kept it open (migration 00042).
//
// The stay's ids are an array (= ANY (ARRAY(...))), not a subquery: with
// IN (SELECT ...) beside the OR, the generic plan scanned every interview
// four times a request (300-730 ms at 300,000 interviews, 23 ms before; a
// review of the change).
const gpraSeen = `(enrollment_id = ANY (ARRAY(SELECT id FROM stay)) OR (episode_id = $5 AND provider_id IN (SELECT p FROM consenting WHERE '` + recordsGPRA + `' = ANY (records))))`

// gpraCountedSQL reads the interviews of another agency the GPRA facts
// above counted for the requester: the intake whose date is the episode's
// (the requester's own first on a tie), and a follow-up when the
// requester's stay has none. The decision shown to the requester says what
// they were (an approval where a stranger's request is denied
// GPRA_INTAKE_MISSING), so each is a disclosure (a black-box pass found
// none recorded).
const gpraCountedSQL = `COALESCE((SELECT json_agg(json_build_object('id', g.id, 'client_id', g.client_id, 'provider_id', g.provider_id))
		FROM (
			(SELECT id, client_id, provider_id FROM gpra_interviews
			 WHERE kind = 'intake' AND status = 'completed' AND ` + gpraSeen + `
			 ORDER BY interview_date, enrollment_id IS NOT DISTINCT FROM $7 DESC, id LIMIT 1)
			UNION ALL
			(SELECT id, client_id, provider_id FROM gpra_interviews
			 WHERE kind = 'follow_up' AND ` + gpraSeen + `
			   AND NOT EXISTS (SELECT 1 FROM gpra_interviews WHERE kind = 'follow_up' AND enrollment_id = ANY (ARRAY(SELECT id FROM stay)))
			 ORDER BY interview_date, id LIMIT 1)) g
		WHERE g.provider_id <> $2), '[]')`

// consentingSQL selects (as p) the agencies that hold, on day today, a
// current consent of person naming recipient as the provider they may
// disclose to for purpose, the reader's purpose of use, each with the kinds
// of record (records) those consents disclose: a consent for payment alone
// opened an agency's records to a provider reading for treatment, and the
// accounting of disclosures then recorded treatment, a purpose the consent
// does not grant (a black-box pass); one for GPRA interviews only opened
// its enrollments and care plans too (another). Treatment and care
// coordination cover each other (treatment is the provision, coordination
// or management of care, 45 CFR 164.501); every other purpose only itself.
func consentingSQL(person, recipient, today, purpose string) string {
	return `SELECT k.disclosing_provider_id AS p, array_agg(DISTINCT r.kind ORDER BY r.kind) AS records FROM consents k
		JOIN clients o ON o.id = k.client_id
		CROSS JOIN LATERAL unnest(k.records) AS r(kind)
		WHERE o.person_id = ` + person + ` AND k.recipient_type = 'provider' AND k.recipient_provider_id = ` + recipient + `
		  AND k.disclosing_provider_id <> ` + recipient + ` AND ` + ConsentInForce("k", today) + `
		  AND (` + purpose + `::text = ANY (k.purposes) OR (` + purpose + `::text IN ('treatment', 'care_coordination')
		       AND k.purposes && ARRAY['treatment', 'care_coordination']))
		GROUP BY k.disclosing_provider_id`
}

// snapshot is what a voucher decision is made on, and what its answer needs.
type snapshot struct {
	facts      *adjudication.VoucherFacts
	ref        *Reference
	enrollment *Enrollment
	rateID     int64              // the rate the request is priced at
	client     Client             // the agency's record, with its person
	consenting map[int64][]string // agency → kinds of record its consents naming the requester disclose
	// gpraCounted are the other agencies' GPRA interviews the facts counted
	// (gpraCountedSQL).
	gpraCounted []struct {
		ID         int64 `json:"id"`
		ClientID   int64 `json:"client_id"`
		ProviderID int64 `json:"provider_id"`
	}
}

// gpraDisclosures are the disclosures the decision on sn makes to the
// requester: each other agency's GPRA interview its facts counted.
func (sn *snapshot) gpraDisclosures(a access.Actor) []access.Event {
	var shown []disclosed
	for _, g := range sn.gpraCounted {
		shown = append(shown, disclosed{access.ID(g.ID), g.ClientID, g.ProviderID})
	}
	return forRules(disclosures(a, "gpra_interview", shown...))
}

// forRules marks disclosures a decision made as made for the purpose the
// rules read the consents for (rulesPurpose), whatever the request stated.
func forRules(events []access.Event) []access.Event {
	for i := range events {
		events[i].Purpose = rulesPurpose
	}
	return events
}

// rulesPurpose is the purpose the voucher rules read another agency's
// consents for, whatever purpose the request states: a voucher request is
// the agency's treatment planning, and a client who consented to
// disclosure for payment alone did not agree to the other agency's
// clinical records deciding the agency's service. Read for the request's
// purpose, X-Purpose-Of-Use: payment turned a denial (GPRA_INTAKE_MISSING)
// into an approval on a payment-only consent (a black-box pass).
var rulesPurpose = access.DefaultPurpose(access.RoleProvider)

// takeSnapshot checks a request of agency providerID against the
// reference data and locks and reads its facts. It resolves n's program
// from its service when none is named. Unknown ids are field errors, in
// the order a caller reads them: client, service, program, enrollment, staff.
//
// The lock statement reads the reference version on the snapshot it
// started with, before it waited for the agency's intake lock: a request
// that waited behind the agency's deactivation (or an agreement's end, a
// staff member's departure) read the agency as it was before and was
// granted, and the authorization's insert cut the grant to nothing. The
// facts statement, which starts once the lock is held, reads the version
// again; when it moved, the snapshot is taken once more, on reference
// data that no change guarded by the lock can move while it is held.
func (s *Service) takeSnapshot(ctx context.Context, tx *sqlx.Tx, providerID int64, n *NewVoucherRequest) (*snapshot, error) {
	sn, err := s.snapshotAt(ctx, tx, providerID, n, false)
	if errors.Is(err, errReferenceMoved) {
		return s.snapshotAt(ctx, tx, providerID, n, true)
	}
	return sn, err
}

// errReferenceMoved says the reference version moved between the lock and
// facts statements of one snapshot (takeSnapshot).
var errReferenceMoved = errors.New("reference data changed while the snapshot was taken")

// snapshotAt is one attempt of takeSnapshot; the last one takes the
// reference data it read whatever the facts statement says.
func (s *Service) snapshotAt(ctx context.Context, tx *sqlx.Tx, providerID int64, n *NewVoucherRequest, last bool) (*snapshot, error) {
	today := s.Today()
	// The program picks the enrollment the lock statement takes; it is read
	// from the newest reference data at hand and checked against the
	// version the statement reads (an admin moving a service between
	// programs in between costs one more statement).
	program := n.ProgramCode
	if program == "" {
		if pre := s.refs.latest(); pre != nil && pre.Services[n.ServiceCode] != nil {
			program = pre.Services[n.ServiceCode].ProgramCode
		}
	}
	var lk struct {
		Version    int64      `db:"ref_version"`
		ClientOK   bool       `db:"client_ok"`
		Enrollment []byte     `db:"enrollment"`
		Cap        *rss.Money `db:"dollar_cap"`
		// Room is the room the episode keeps beside its cap for an
		// agency's earlier stay (migration 00118).
		Room decimal.Decimal `db:"readmission_room"`
		// Opener is the episode's first enrollment and its agency, and
		// the first other agency enrolled in it (the one that kept it
		// open across a stay of the requester's).
		Opener []byte `db:"episode_opener"`
		// JoinedCap is the program's cap when the request's enrollment
		// was made (migration 00080).
		JoinedCap []byte `db:"joined_cap"`
		// OthersCapBefore and OthersRaisedBy: the cap before the first
		// raise still standing of another agency's exception, and that
		// agency (ledger.RaisedByOthersSQL).
		OthersCapBefore *rss.Money `db:"others_cap_before"`
		OthersRaisedBy  *int64     `db:"others_raised_by"`
		// OwnCap, when an exception of the agency's own raised the
		// episode's cap during the request's stay: {"cap", "raised",
		// "kept"}, the agency's own cap, where its raises left it
		// (own_after, migration 00114: what its own authorizations held
		// at the raise, lowered by its own void alone, ledger.
		// ReleaseEpisodeCap), whether its exception still stands, and
		// whether its raises keep its own cap before them (own_before,
		// migration 00117). Such a raise stands while its own_after is
		// past its own_before; the cap is the highest own_after of those
		// that stand, else the own cap before the first, the one its own
		// episode opened with: a raise no longer standing keeps the own
		// cap before it, which a later raise of its own may have passed
		// and its own void taken back below. A raise recorded before
		// own_before was kept stands as it did (its own cap past the cap
		// before, or the episode's, as before own_after was kept), and one
		// recorded before own_after was kept counts while the episode's
		// cap stands above the cap before it, and reads that cap (raised
		// to what the agency holds, OwnDollarCap).
		OwnCap     []byte `db:"own_cap"`
		PlanMode   string `db:"plan_cache_mode"`
		IntakeLock string `db:"intake_lock"`
		pg.StoredAnswer
	}
	var ref *Reference
	lock, err := s.stmts.In(ctx, tx, lockStatement)
	if err != nil {
		return nil, err
	}
	keyID, key := pg.FoldedKey(ctx)
	for {
		if err := lock.GetContext(ctx, &lk, n.ClientID, providerID, n.EnrollmentID, program, keyID, key, n.StartDate); err != nil {
			return nil, fmt.Errorf("lock voucher facts: %w", err)
		}
		if err := lk.Replay(ctx); err != nil {
			return nil, err
		}
		var err error
		if ref, err = s.refs.get(ctx, tx, lk.Version); err != nil {
			return nil, err
		}
		if !lk.ClientOK {
			return nil, rss.Invalid("client_id", "unknown_id", "no client %d", n.ClientID)
		}
		svc := ref.Services[n.ServiceCode]
		if svc == nil {
			return nil, rss.Invalid("service_code", "unknown_id", "no service %q", n.ServiceCode)
		}
		if n.ProgramCode == "" {
			n.ProgramCode = svc.ProgramCode
		}
		if ref.Programs[n.ProgramCode] == nil {
			return nil, rss.Invalid("program_code", "unknown_id", "no program %q", n.ProgramCode)
		}
		if program == n.ProgramCode {
			break
		}
		program = n.ProgramCode
	}
	if n.StaffID != nil {
		if st := ref.Staff[*n.StaffID]; st == nil || st.ProviderID != providerID {
			return nil, rss.Invalid("staff_id", "unknown_id", "no staff %d at this agency", *n.StaffID)
		}
	}
	prog, _ := ref.RuleProgram(n.ProgramCode)
	svc, _ := ref.RuleService(n.ServiceCode)
	// A request is priced at the rate in force on its start date.
	rate, ok := ref.Services[n.ServiceCode].Rates.InForce(n.StartDate)
	if !ok {
		return nil, rss.Invalid("start_date", "no_rate_in_force", "service %s has no rate in force on %s", n.ServiceCode, n.StartDate)
	}
	svc.Rate = rate.Rate.Decimal
	sn := &snapshot{ref: ref, rateID: rate.ID, facts: &adjudication.VoucherFacts{
		Today: today.Time,
		Request: adjudication.VoucherRequest{ProviderID: providerID, ProgramCode: n.ProgramCode, ServiceCode: n.ServiceCode,
			Units: n.units(), Start: n.StartDate.Time, End: n.EndDate.Time},
		Program: prog, Service: svc, Settings: ref.Settings,
	}}
	f := sn.facts
	if p, ok := ref.RuleProvider(providerID); ok {
		f.Provider = p
	}
	var episode any
	if lk.Enrollment != nil {
		var e enrollmentJSON
		if err := json.Unmarshal(lk.Enrollment, &e); err != nil {
			return nil, fmt.Errorf("decode enrollment: %w", err)
		}
		// The enrollment named is one in the request's program: the
		// client's RCM enrollment named on an ATR request was judged as
		// the request's, and the request stored and denied for no ATR
		// enrollment and no intake with both on file (a black-box pass).
		// Left out, the request's program picks it (lockStatement).
		if e.ProgramCode != n.ProgramCode {
			return nil, rss.Invalid("enrollment_id", "wrong_program",
				"enrollment %d is in %s, not %s, the program of the request; name the client's %s enrollment, or leave enrollment_id out",
				e.ID, e.ProgramCode, n.ProgramCode, n.ProgramCode)
		}
		sn.enrollment = e.enrollment()
		f.Enrollment = RuleEnrollment(sn.enrollment)
		episode = e.EpisodeID
		// The episode's own cap governs: the program's when it opened,
		// raised only by a reviewer's recorded exception. Where that cap
		// is another agency's record, the agency's own records are judged
		// by the cap its own episode would carry (adjudication.Program.
		// AgencyCap): an episode another agency opened keeps the cap of
		// its day, and judged by it alone the agency told a person known
		// elsewhere from a stranger once the program's cap had changed (a
		// Part 2 black-box pass), the program's cap today standing in; a
		// cap another agency's exception raised was quoted to the agency
		// that opened the episode (its re-check), the cap before that
		// raise standing in.
		//
		// The same holds for an enrollment that did not open the episode
		// though the agency's did: discharged and enrolled again, a
		// stranger's stay opens an episode of its own, while a person
		// another agency kept enrolled stays in the old one, whose cap is
		// then that agency's record (a re-check of the Part 2 pass).
		var opener struct {
			Enrollment int64  `json:"enrollment"`
			Provider   int64  `json:"provider"`
			Keeper     *int64 `json:"keeper"`
		}
		if len(lk.Opener) > 0 {
			if err := json.Unmarshal(lk.Opener, &opener); err != nil {
				return nil, fmt.Errorf("decode episode opener: %w", err)
			}
		}
		var ownCap struct {
			Cap    *rss.Money `json:"cap"`
			Raised bool       `json:"raised"`
			Kept   bool       `json:"kept"`
		}
		if len(lk.OwnCap) > 0 {
			if err := json.Unmarshal(lk.OwnCap, &ownCap); err != nil {
				return nil, fmt.Errorf("decode own cap: %w", err)
			}
		}
		by := opener.Provider
		if by == providerID && opener.Keeper != nil {
			by = *opener.Keeper
		}
		switch {
		case opener.Enrollment != 0 && opener.Enrollment != e.ID && by != providerID:
			// The program's cap the day the agency's stay began (today's
			// for an enrollment made before it was recorded): judged by
			// today's, an agency that joined before the MSC lowered the
			// cap was pended where a stranger enrolled that day was
			// approved (a re-check).
			own := adjudication.ProgramCap{Has: f.Program.HasDollarCap, Cap: f.Program.EpisodeDollarCap, By: by}
			var joined struct {
				Cap      *rss.Money `json:"cap"`
				Recorded bool       `json:"recorded"`
			}
			if len(lk.JoinedCap) > 0 {
				if err := json.Unmarshal(lk.JoinedCap, &joined); err != nil {
					return nil, fmt.Errorf("decode joined cap: %w", err)
				}
			}
			if joined.Recorded {
				own.Has, own.Cap = joined.Cap != nil, decimal.Zero
				if joined.Cap != nil {
					own.Cap = joined.Cap.Decimal
				}
			}
			// Its own standing exception keeps its own cap where the raise
			// put it (own_after), as the opener's does (below): read only
			// from what its authorizations held today (OwnDollarCap), a
			// line paid under the fee lowered it, and the joiner's next
			// request inside its exception's room pended, and its
			// reactivation held the exception, where a stranger's did not
			// (a re-check of the thirty-sixth stop; 42 CFR Part 2).
			if own.Has && ownCap.Cap != nil && ownCap.Raised && ownCap.Cap.GreaterThan(own.Cap) {
				own.Cap = ownCap.Cap.Decimal
			}
			f.Program.AgencyCap = &own
		case ownCap.Cap != nil && (ownCap.Raised || ownCap.Kept) && opener.Keeper != nil,
			ownCap.Cap != nil && opener.Keeper != nil && (lk.OthersCapBefore == nil || lk.OthersRaisedBy == nil):
			// The agency's own exception raised the cap of an episode
			// another agency's stay shares: the raise went to what every
			// agency's authorizations held, the other's among them, while
			// a stranger's episode rose to what the agency's own held.
			// Judged by the episode's, the agency's next request past its
			// own raised cap read CONFLICT_ON_FILE where a stranger's read
			// the cap in clear (a black-box pass of the thirty-fourth
			// stop). Its own cap is where its raise put it, what its own
			// authorizations held then (own_after), as a stranger's
			// episode cap stays where its exception put it until its own
			// void lowers it; raised further only where its own hold more
			// (OwnDollarCap). Read from what they hold today, it followed
			// them down (a line paid under the fee) and the next request
			// pended where a stranger's was approved (a review). The cap
			// is its own history, no other agency's record (no By). A
			// standing own exception comes before another agency's later
			// raise: judged by the cap before that raise, which the
			// agency's own raise had taken to every agency's dollars, its
			// own reason quoted the other agency's dollars in clear ("…
			// left of 420.00" where a stranger's read 360.00: a white-box
			// review of the thirty-sixth stop). So does a raise of its own
			// that keeps its own cap before it (kept, migration 00117)
			// though it no longer stands: the own cap its raises read
			// (back to the one its episode opened with) is its own
			// history, where the cap before another agency's later raise
			// holds the dollars its own raise took the episode to.
			f.Program.AgencyCap = &adjudication.ProgramCap{Has: true, Cap: ownCap.Cap.Decimal}
		case lk.OthersCapBefore != nil && lk.OthersRaisedBy != nil:
			f.Program.AgencyCap = &adjudication.ProgramCap{Has: true, Cap: lk.OthersCapBefore.Decimal, By: *lk.OthersRaisedBy}
		}
		if f.Program.AgencyCap != nil {
			f.Program.AgencyCap.OwnRaised = ownCap.Raised
		}
		f.Program.HasDollarCap = lk.Cap != nil
		if lk.Cap != nil {
			f.Program.EpisodeDollarCap = lk.Cap.Decimal
			f.ReadmissionRoom = lk.Room
		}
	} else if n.EnrollmentID != nil {
		return nil, rss.Invalid("enrollment_id", "unknown_id", "no enrollment %d of this client with this agency", *n.EnrollmentID)
	}

	var staffID any
	switch {
	case n.StaffID != nil:
		staffID = *n.StaffID
	case sn.enrollment != nil && sn.enrollment.AssignedStaffID != nil:
		staffID = *sn.enrollment.AssignedStaffID
	}
	// The caseload is counted only where the program caps it for the
	// staff member's role (RCM): elsewhere it is a count nobody reads.
	var caseloadStaff any
	if id, ok := staffID.(int64); ok {
		f.Staff = ref.RuleStaff(id)
		if f.Staff != nil {
			if _, capped := f.Program.CaseloadCaps[f.Staff.Role]; capped {
				caseloadStaff = id
			}
		}
	}

	var q struct {
		Version        int64    `db:"ref_version"`
		Client         []byte   `db:"client"`
		Eligibility    []byte   `db:"eligibility"`
		Consenting     []byte   `db:"consenting"`
		Consents       []byte   `db:"consents"`
		Intake         []byte   `db:"intake"`
		FollowupBy     *int64   `db:"followup_provider"`
		GPRACounted    []byte   `db:"gpra_counted"`
		Caseload       int      `db:"caseload"`
		CarePlans      []byte   `db:"care_plans"`
		Authorizations []byte   `db:"authorizations"`
		Others         []byte   `db:"others"`
		Clinical       bool     `db:"clinical_enrollment"`
		PendedClinical bool     `db:"pended_clinical"`
		StayStart      rss.Date `db:"stay_start"`
		CapsStayStart  rss.Date `db:"caps_stay_start"`
		Designations   []byte   `db:"designations"`
		// OthersOwnCaps are the other agencies' own caps kept in the
		// episode (ledger.KeptOwnCapsSQL): the room each keeps is taken
		// from the episode's cap for this agency (V33). Read here, after
		// the lock statement has waited for the episode's and the
		// agencies' locks: read in it, as of its start, an exception
		// approved and a line paid under the fee while the request
		// waited were not seen, and the request was approved into that
		// room (a white-box review of the thirty-sixth stop).
		OthersOwnCaps []byte `db:"others_own_caps"`
	}
	facts, err := s.stmts.In(ctx, tx, factsStatement)
	if err != nil {
		return nil, err
	}
	var stay any
	if sn.enrollment != nil {
		stay = sn.enrollment.ID
	}
	if err := facts.GetContext(ctx, &q, n.ClientID, providerID, n.ProgramCode, caseloadStaff, episode, today, stay, rulesPurpose); err != nil {
		return nil, fmt.Errorf("voucher facts: %w", err)
	}
	if q.Version != lk.Version && !last {
		return nil, errReferenceMoved
	}
	if q.Client == nil {
		// Checked by the lock statement; gone since would be a broken record.
		return nil, fmt.Errorf("%w: client %d", rss.ErrNotFound, n.ClientID)
	}
	var c struct {
		ID                 int64    `json:"id"`
		PersonID           int64    `json:"person_id"`
		DateOfBirth        rss.Date `json:"date_of_birth"`
		MedicaidID         *string  `json:"medicaid_id"`
		CatchmentArea      string   `json:"catchment_area"`
		SubstanceUseStatus string   `json:"substance_use_status"`
	}
	var consents []struct {
		DisclosingProviderID int64    `json:"disclosing_provider_id"`
		RecipientType        string   `json:"recipient_type"`
		Purposes             []string `json:"purposes"`
		SignedOn             rss.Date `json:"signed_on"`
		ExpiresOn            rss.Date `json:"expires_on"`
		Revoked              bool     `json:"revoked"`
	}
	var plans []struct {
		Kind        string   `json:"kind"`
		ProgramCode string   `json:"program_code"`
		StartDate   rss.Date `json:"start_date"`
		EndDate     rss.Date `json:"end_date"`
		Closed      bool     `json:"closed"`
		Services    []string `json:"services"`
	}
	var auths []ledger.Authorization
	var others []enrollmentJSON
	var designated []designation
	var spans []EligibilitySpan
	for _, d := range []struct {
		raw []byte
		v   any
	}{{q.Client, &c}, {q.Eligibility, &spans}, {q.Consenting, &sn.consenting}, {q.GPRACounted, &sn.gpraCounted}, {q.Consents, &consents}, {q.CarePlans, &plans},
		{q.Authorizations, &auths}, {q.Others, &others}, {q.Designations, &designated}} {
		if err := json.Unmarshal(d.raw, d.v); err != nil {
			return nil, fmt.Errorf("decode voucher facts: %w", err)
		}
	}
	if len(q.OthersOwnCaps) > 0 {
		var kept []struct {
			ProviderID int64           `json:"provider_id"`
			Cap        decimal.Decimal `json:"cap"`
			Stay       int64           `json:"stay"`
			StayBegan  *rss.Date       `json:"stay_began"`
		}
		if err := json.Unmarshal(q.OthersOwnCaps, &kept); err != nil {
			return nil, fmt.Errorf("decode others' own caps: %w", err)
		}
		for _, k := range kept {
			c := adjudication.KeptOwnCap{ProviderID: k.ProviderID, Cap: k.Cap, Stay: k.Stay}
			if k.StayBegan != nil {
				c.StayBegan = k.StayBegan.Time
			}
			f.OthersOwnCaps = append(f.OthersOwnCaps, c)
		}
	}
	sn.client = Client{ID: c.ID, PersonID: c.PersonID, ProviderID: providerID, DateOfBirth: c.DateOfBirth, MedicaidID: c.MedicaidID,
		CatchmentArea: c.CatchmentArea, SubstanceUseStatus: c.SubstanceUseStatus}
	f.Client = RuleClient(&sn.client)
	f.Client.Eligibility = RuleEligibility(spans)
	for _, k := range consents {
		f.Consents = append(f.Consents, adjudication.Consent{DisclosingProviderID: k.DisclosingProviderID, RecipientType: k.RecipientType,
			Purposes: k.Purposes, SignedOn: k.SignedOn.Time, ExpiresOn: k.ExpiresOn.Time, Revoked: k.Revoked})
	}
	if f.Consents == nil {
		f.Consents = []adjudication.Consent{}
	}
	if sn.enrollment != nil && f.Program.GPRARequired {
		// The intake whose date is the episode's (the stay's own first on
		// a tie) and the follow-up (the stay's own first), each with its
		// agency: a date drawn from another agency's interview quotes it.
		if q.Intake != nil {
			var in struct {
				Date       rss.Date `json:"date"`
				ProviderID int64    `json:"provider_id"`
				CloseDays  *int     `json:"close_days"`
			}
			if err := json.Unmarshal(q.Intake, &in); err != nil {
				return nil, fmt.Errorf("decode intake: %w", err)
			}
			f.GPRA.IntakeCompleted, f.GPRA.IntakeDate, f.GPRA.IntakeProviderID = true, in.Date.Time, in.ProviderID
			// The follow-up window closes by the intake's stay's days, its
			// program's when it was enrolled (migration 00083), as its
			// schedule and the reports read it.
			if in.CloseDays != nil {
				f.Program.FollowupCloseDays = *in.CloseDays
			}
		}
		if q.FollowupBy != nil {
			f.GPRA.FollowupRecorded, f.GPRA.FollowupProviderID = true, *q.FollowupBy
		}
	}
	if f.Staff != nil {
		f.Caseload = q.Caseload
	}
	for _, p := range plans {
		f.CarePlans = append(f.CarePlans, adjudication.CarePlan{Kind: p.Kind, ProgramCode: p.ProgramCode, Start: p.StartDate.Time,
			End: p.EndDate.Time, Closed: p.Closed, Services: p.Services})
	}
	f.Authorizations = make([]adjudication.Authorization, len(auths))
	for i := range auths {
		a := auths[i].Rule(rss.NewDate(f.Today))
		// The days of its agency's suspensions in its span, which no
		// claim may bill (from the reference data, checked at the
		// version the lock statement read).
		if p, ok := ref.RuleProvider(a.ProviderID); ok {
			a.Suspended = p.SuspendedWithin(a.Start, a.End)
		}
		f.Authorizations[i] = a
	}
	for i := range others {
		o := RuleEnrollment(others[i].enrollment())
		// Whether its agency stands today (from the reference data, as the
		// authorizations' suspensions are): a lapsed agency's designation
		// does not stand (V10). Today, not the request's first day, as a
		// transfer and a designation read it: judged on the first day, a
		// provider moving its request's start learned the day another
		// agency's agreement or service ended, and so which agency held
		// the person's designation (a re-check).
		if p, ok := ref.RuleProvider(o.ProviderID); ok {
			o.Lapsed = !p.StandsOn(f.Today)
		}
		if i := slices.IndexFunc(designated, func(d designation) bool { return d.ID == o.ID }); i >= 0 {
			o.DesignatedAs = designated[i].As
			if designated[i].From.Time.Before(o.Start) {
				o.DesignatedFrom = designated[i].From.Time
			}
		}
		f.OtherEnrollments = append(f.OtherEnrollments, *o)
	}
	// The request's enrollment's rank is a fact of the person, not of the
	// agency's enrollment (VoucherFacts.DesignatedAs).
	if f.Enrollment != nil {
		if i := slices.IndexFunc(designated, func(d designation) bool { return d.ID == f.Enrollment.ID }); i >= 0 {
			f.DesignatedAs = designated[i].As
		}
	}
	f.EpisodeDollarsAuthorized = decimal.Zero
	if sn.enrollment != nil {
		f.EpisodeUnitsAuthorized, f.EpisodeDollarsAuthorized = ledger.EpisodeTotals(f.Authorizations, sn.enrollment.EpisodeID, n.ServiceCode, f.Today)
	}
	f.HasClinicalEnrollment, f.PendedClinicalRequest = q.Clinical, q.PendedClinical
	if f.Enrollment != nil && !q.StayStart.IsZero() && q.StayStart.Time.Before(f.Enrollment.Start) {
		f.Enrollment.StayStart = q.StayStart.Time
	}
	if f.Enrollment != nil && !q.CapsStayStart.IsZero() && q.CapsStayStart.Time.Before(f.Enrollment.Start) {
		f.Enrollment.CapsStayStart = q.CapsStayStart.Time
	}
	return sn, nil
}

// seen tests whether a detail quoting agency p's records of a kind may be
// shown to the requesting agency (its own, or those a consenting agency's
// consents disclose), as shownTo does.
func (sn *snapshot) seen(providerID int64) func(int64, string) bool {
	return func(p int64, records string) bool {
		return p == 0 || p == providerID || slices.Contains(sn.consenting[p], records)
	}
}
