package access

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss/pg"
)

// Event is one audit record: who did what to which record, for which client, why.
// It holds ids and codes only, never PHI.
type Event struct {
	Action     string // create, read, update, revoke, decide, void, export, disclose...
	EntityType string
	EntityID   string
	ClientID   int64  // 0 when the record is not about one client
	Purpose    string // the actor's purpose of use when empty
	// Outcome is what the event decided or chose, when it did: a voucher
	// request's decision, a claim's status, a reviewer's action, a batch's
	// payer route, a file's format. It is not the purpose (the "why" of an
	// accounting of disclosures), which a black-box pass found overwritten
	// by these.
	Outcome string
	// Recipient is to whom a disclosure went ("provider:12", "payer:CTMCD");
	// empty for anything that is not a disclosure.
	Recipient string
}

// ID formats an int64 entity id.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

type unsentKey struct{}

// Unsent returns ctx for a read whose records are not sent: an HTTP HEAD,
// answered with the GET's status and headers and no body. Its reads are
// not recorded, as reads or as disclosures: a black-box pass found each
// HEAD of the state extract counted in every client's accounting of
// disclosures, though no record left the server.
func Unsent(ctx context.Context) context.Context { return context.WithValue(ctx, unsentKey{}, true) }

func unsent(ctx context.Context) bool { u, _ := ctx.Value(unsentKey{}).(bool); return u }

// Record appends events to the audit log in the caller's transaction, so
// the record and the change it describes commit or roll back together.
// Under Unsent, the events of what a body would have carried (a read, a
// disclosure of another agency's record shown under its consent, an
// export) are left out.
func Record(ctx context.Context, ext pg.Ext, events ...Event) error {
	if unsent(ctx) {
		events = slices.DeleteFunc(slices.Clone(events), func(e Event) bool {
			return e.Action == "read" || e.Action == "disclose" || e.Action == "export"
		})
	}
	// One showing of a record to one recipient is one disclosure, however
	// many parts of the answer name it: an enrollment and its designation
	// reason naming the same agency's record were accounted twice (a
	// Part 2 black-box pass).
	for i := 1; i < len(events); i++ {
		if events[i].Action == "disclose" && slices.Contains(events[:i], events[i]) {
			events = slices.Delete(slices.Clone(events), i, i+1)
			i--
		}
	}
	if len(events) == 0 {
		return nil
	}
	a, err := ActorFrom(ctx)
	if err != nil {
		return err
	}
	n := len(events)
	actions, types, ids, purposes, recipients := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	clients, outcomes := make([]int64, n), make([]string, n)
	for i, e := range events {
		actions[i], types[i], ids[i], purposes[i], clients[i], recipients[i] = e.Action, e.EntityType, e.EntityID, e.Purpose, e.ClientID, e.Recipient
		outcomes[i] = e.Outcome
		if purposes[i] == "" {
			purposes[i] = a.Purpose
		}
	}
	keyID := a.KeyArg()
	var providerID any
	if a.ProviderID != 0 {
		providerID = a.ProviderID
	}
	_, err = ext.ExecContext(ctx, `
		INSERT INTO audit_events (actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, client_id, purpose,
			request_id, recipient, outcome)
		SELECT $1, $2, $3, u.action, u.etype, u.eid, NULLIF(u.client, 0), NULLIF(u.purpose, ''), NULLIF($4, ''), NULLIF(u.recipient, ''),
			NULLIF(u.outcome, '')
		FROM unnest($5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::text[])
			AS u(action, etype, eid, client, purpose, recipient, outcome)`,
		keyID, string(a.Role), providerID, a.RequestID,
		pq.Array(actions), pq.Array(types), pq.Array(ids), pq.Array(clients), pq.Array(purposes), pq.Array(recipients), pq.Array(outcomes))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// Disclosure is one recorded disclosure of a client's record.
type Disclosure struct {
	ID         int64     `json:"id" db:"id"`
	OccurredAt time.Time `json:"occurred_at" db:"occurred_at"`
	ClientID   int64     `json:"client_id" db:"client_id"`
	Recipient  string    `json:"recipient" db:"recipient"`
	Purpose    *string   `json:"purpose" db:"purpose"`
	EntityType string    `json:"entity_type" db:"entity_type"`
	EntityID   string    `json:"entity_id" db:"entity_id"`
	ActorKeyID *int64    `json:"actor_key_id" db:"actor_key_id"`
	ActorRole  string    `json:"actor_role" db:"actor_role"`
	RequestID  *string   `json:"request_id" db:"request_id"`
}

// The client-level reports an MSC key pulls go on to the state: the RCM
// monthly report to DCF, the extract to the state's system. rss does not
// see them leave, so each pull by an MSC key is counted, for every client
// record it carried, as a disclosure to the report's recipient (a
// black-box pass found a person's accounting silent on fifty pulls). A
// provider's pull of its own agency's report discloses nothing.
const (
	ReportRCMMonthly   = "rcm_monthly_report"
	ReportStateExtract = "state_extract"
)

// ReportLengthOfService is the length-of-service report's read of the
// enrollments it lists, one row each: a read within the MSC (or of the
// agency's own), no disclosure.
const ReportLengthOfService = "length_of_service_report"

// ReportDaysPast24Hours is the days-past-24-hours report's read of the
// client records it lists: within the MSC, no disclosure.
const ReportDaysPast24Hours = "days_past_24_hours_report"

var reportRecipients = map[string]string{ReportRCMMonthly: "dcf", ReportStateExtract: "state"}

// Disclosures reads the disclosures recorded for any of the client
// records, oldest first, after event id after, at most limit of them: the
// disclose events, and the client-level reports an MSC key pulled that
// carried one of the records (their read sets, found by the records'
// index). A report's disclosure is for audit and evaluation (42 CFR
// 2.53), whoever pulled it and whatever purpose the pull stated: one
// disclosure read "operations", "payment" or "treatment" by the puller
// (a black-box pass). The read in the access audit keeps the stated one.
func Disclosures(ctx context.Context, ext pg.Ext, clientIDs []int64, after int64, limit int) ([]Disclosure, error) {
	var entities, recipients []string
	for e, r := range reportRecipients {
		entities, recipients = append(entities, e), append(recipients, r)
	}
	out := []Disclosure{}
	err := sqlx.SelectContext(ctx, ext, &out, `SELECT * FROM (
			SELECT id, occurred_at, client_id, recipient, purpose, entity_type, entity_id, actor_key_id, actor_role, request_id
			FROM audit_events WHERE action = 'disclose' AND client_id = ANY($1) AND id > $2
			UNION ALL
			SELECT e.id, e.occurred_at, (SELECT min(c) FROM unnest($1::bigint[]) c WHERE c = ANY(s.client_ids)), r.recipient, 'audit',
			       e.entity_type, e.entity_id, e.actor_key_id, e.actor_role, e.request_id
			FROM audit_read_sets s
			JOIN audit_events e ON e.id = s.event_id
			JOIN unnest($4::text[], $5::text[]) AS r(entity, recipient) ON r.entity = e.entity_type
			WHERE s.client_ids && $1::bigint[] AND s.event_id > $2 AND e.actor_role <> 'provider') d
		ORDER BY id LIMIT $3`, pq.Array(clientIDs), after, limit, pq.Array(entities), pq.Array(recipients))
	if err != nil {
		return nil, fmt.Errorf("disclosures: %w", err)
	}
	return out, nil
}

// EventSQL is the body of a data-modifying CTE that records, in the audit
// log, one event per row of a writer's own CTE: from is that CTE, and the
// other arguments are SQL expressions over its rows (aliased x) or
// parameters. It is Record, for a writer that stores a record and its
// event in one statement.
func EventSQL(from, keyID, role, providerID, action, entityType, entityID, clientID, purpose, outcome, requestID string) string {
	return `INSERT INTO audit_events (actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, client_id, purpose,
			outcome, request_id)
		SELECT ` + keyID + `, ` + role + `, ` + providerID + `, ` + action + `, ` + entityType + `, ` + entityID + `, ` + clientID + `, ` +
		`NULLIF(` + purpose + `, ''), ` + outcome + `, NULLIF(` + requestID + `, '') FROM ` + from + ` x`
}

// RecordReads records, as one read event of entityType, the records that
// query (over args) lists, one row each naming the record (entity_id) and
// its client (client_id): the event's entity_id is "read_set" and its
// records are listed in audit_read_sets under the event's id (the view
// audit_records shows them one row each, audit_client_records(client) by
// client). A query listing nothing records nothing. One statement, and the
// ids never come to this process: a client-level report audits every
// record it shows (96,000 of them for a year of a state's extract) at the
// cost of one row and its index entries, not 96,000 rows of the log.
func RecordReads(ctx context.Context, ext pg.Ext, entityType, query string, args ...any) error {
	if unsent(ctx) {
		return nil
	}
	a, err := ActorFrom(ctx)
	if err != nil {
		return err
	}
	keyID := a.KeyArg()
	var providerID any
	if a.ProviderID != 0 {
		providerID = a.ProviderID
	}
	p := func(i int) string { return "$" + strconv.Itoa(len(args)+i) }
	stmt := `WITH s AS (
			SELECT array_agg(x.entity_id ORDER BY x.entity_id, x.client_id) AS entity_ids,
			       array_agg(x.client_id ORDER BY x.entity_id, x.client_id) AS client_ids
			FROM (` + query + `) x
		), e AS (
			INSERT INTO audit_events (actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, purpose, request_id)
			SELECT ` + p(1) + `::bigint, ` + p(2) + `, ` + p(3) + `::bigint, 'read', ` + p(4) + `, 'read_set', NULLIF(` + p(5) + `, ''), NULLIF(` + p(6) + `, '')
			FROM s WHERE s.entity_ids IS NOT NULL
			RETURNING id
		)
		INSERT INTO audit_read_sets (event_id, entity_ids, client_ids) SELECT e.id, s.entity_ids, s.client_ids FROM e, s`
	args = append(args, keyID, string(a.Role), providerID, entityType, a.Purpose, a.RequestID)
	if _, err := ext.ExecContext(ctx, stmt, args...); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
