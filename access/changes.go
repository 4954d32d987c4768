package access

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss/pg"
)

// Change is one change to a record of reference data (migrations 00061,
// 00070, 00115 keep them: a provider, a staff member, a program, a service,
// a setting, a catchment area, a discharge reason, a GPRA instrument): the columns or sets it changed, before and
// after, when, why when the writer said, and who made it, read from the
// audit event its transaction wrote for the record (none for a change made
// outside the API, by hand in SQL).
type Change struct {
	ChangedAt  time.Time       `json:"changed_at" db:"changed_at"`
	Before     json.RawMessage `json:"before" db:"before"`
	After      json.RawMessage `json:"after" db:"after"`
	Reason     *string         `json:"reason" db:"reason"`
	Action     *string         `json:"action" db:"action"`
	ActorRole  *string         `json:"actor_role" db:"actor_role"`
	ActorKeyID *int64          `json:"actor_key_id,omitempty" db:"actor_key_id"`
	RequestID  *string         `json:"request_id,omitempty" db:"request_id"`
}

// Change tables: the rows whose changes are kept. Providers and staff are
// named by id, the rest by code (or key).
const (
	ChangesOfProviders        = "providers"
	ChangesOfStaff            = "staff"
	ChangesOfPrograms         = "programs"
	ChangesOfServices         = "services"
	ChangesOfSettings         = "settings"
	ChangesOfCatchmentAreas   = "catchment_areas"
	ChangesOfDischargeReasons = "discharge_reasons"
	ChangesOfGPRAInstruments  = "gpra_instruments"
)

// ChangeReason is the reason the transaction's changes are made for: the
// trigger that keeps a row's change and RecordSetChange store it with
// each (the transaction's setting rss.change_reason, migration 00070).
// Empty, none is stored.
func ChangeReason(ctx context.Context, ext pg.Ext, reason string) error {
	if _, err := ext.ExecContext(ctx, `SELECT set_config('rss.change_reason', $1, true)`, reason); err != nil {
		return fmt.Errorf("change reason: %w", err)
	}
	return nil
}

// RecordSetChange keeps a change to a set a record holds (a program's
// catchment areas or caseload caps, an agency's programs, services or
// areas), written as rows of a link table the trigger on the record's own
// row does not see: field before and after, as a row's columns are kept.
// key names the row of table (its id for providers). Nothing is kept when
// the set did not change.
func RecordSetChange(ctx context.Context, ext pg.Ext, table, key, field string, before, after any) error {
	b, err := json.Marshal(map[string]any{field: before})
	if err != nil {
		return err
	}
	a, err := json.Marshal(map[string]any{field: after})
	if err != nil {
		return err
	}
	if string(a) == string(b) {
		return nil
	}
	var rowID, rowKey any = nil, key
	if table == ChangesOfProviders || table == ChangesOfStaff {
		rowID, rowKey = key, nil
	}
	if _, err := ext.ExecContext(ctx, `INSERT INTO record_changes (table_name, row_id, row_key, before, after)
		VALUES ($1, $2::bigint, $3, $4, $5)`, table, rowID, rowKey, string(b), string(a)); err != nil {
		return fmt.Errorf("record set change: %w", err)
	}
	return nil
}

// Changes lists the changes to row id of table (ChangesOfProviders,
// ChangesOfStaff), oldest first, each with the audit event its transaction
// wrote (the same now()): the record's own (entity type entity), else one
// of a record whose change moved the row (related: an agreement's, whose
// period the provider's row shows; a black-box pass read such a change
// with no one named). A provider reader is not shown which MSC key or
// request made a change, as elsewhere.
func Changes(ctx context.Context, ext pg.Ext, a Actor, table, entity string, related []string, id int64) ([]Change, error) {
	return changes(ctx, ext, a, table, entity, related, ID(id), "c.row_id = $2::bigint")
}

// ChangesByKey lists the changes to the row of table (ChangesOfPrograms,
// ChangesOfServices, ChangesOfSettings, ChangesOfCatchmentAreas,
// ChangesOfDischargeReasons, ChangesOfGPRAInstruments) named
// key, as Changes does.
func ChangesByKey(ctx context.Context, ext pg.Ext, a Actor, table, entity string, related []string, key string) ([]Change, error) {
	return changes(ctx, ext, a, table, entity, related, key, "c.row_key = $2")
}

// moneyAsText is the jsonb expression x with its money fields (the
// schema's NUMERIC(12,2) columns a change keeps: a program's
// episode_dollar_cap, a rate) as the API writes money, strings of two
// decimals: the row's jsonb held them as numbers, so a history read
// 4000.00 where the record reads "4000.00" (a reference-data black-box
// pass). jsonb keeps a numeric's scale, so the text is the amount as
// stored.
func moneyAsText(x string) string {
	return `COALESCE((SELECT jsonb_object_agg(k, CASE WHEN k IN ('episode_dollar_cap', 'rate') AND jsonb_typeof(v) = 'number'
		THEN to_jsonb(v #>> '{}') ELSE v END) FROM jsonb_each(` + x + `) AS m(k, v)), ` + x + `)`
}

func changes(ctx context.Context, ext pg.Ext, a Actor, table, entity string, related []string, key, row string) ([]Change, error) {
	out := []Change{}
	err := sqlx.SelectContext(ctx, ext, &out, `SELECT c.changed_at, `+moneyAsText("c.before")+` AS before, `+moneyAsText("c.after")+` AS after,
		c.reason, e.action, e.actor_role, e.actor_key_id, e.request_id
		FROM record_changes c
		LEFT JOIN LATERAL (SELECT y.action, y.actor_role, y.actor_key_id, y.request_id FROM (
		    (SELECT 0 AS rank, x.action, x.actor_role, x.actor_key_id, x.request_id FROM audit_events x
		     WHERE x.entity_type = $3 AND x.entity_id = $4 AND x.occurred_at = c.changed_at ORDER BY x.id LIMIT 1)
		    UNION ALL
		    (SELECT 1, x.action, x.actor_role, x.actor_key_id, x.request_id FROM audit_events x
		     WHERE x.entity_type = ANY($5) AND x.occurred_at = c.changed_at ORDER BY x.id LIMIT 1)) y
		  ORDER BY y.rank LIMIT 1) e ON true
		WHERE c.table_name = $1 AND `+row+` ORDER BY c.id`, table, key, entity, key, pq.Array(related))
	if err != nil {
		return nil, fmt.Errorf("record changes: %w", err)
	}
	if a.IsProvider() {
		for i := range out {
			out[i].ActorKeyID, out[i].RequestID = nil, nil
		}
	}
	return out, nil
}
