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

// Change is one change to a provider's or a staff member's row (migration
// 00061 keeps them): the columns it changed, before and after, when, and
// who made it, read from the audit event its transaction wrote for the
// record (none for a change made outside the API, by hand in SQL).
type Change struct {
	ChangedAt  time.Time       `json:"changed_at" db:"changed_at"`
	Before     json.RawMessage `json:"before" db:"before"`
	After      json.RawMessage `json:"after" db:"after"`
	Action     *string         `json:"action" db:"action"`
	ActorRole  *string         `json:"actor_role" db:"actor_role"`
	ActorKeyID *int64          `json:"actor_key_id,omitempty" db:"actor_key_id"`
	RequestID  *string         `json:"request_id,omitempty" db:"request_id"`
}

// Change tables: the rows whose changes are kept.
const (
	ChangesOfProviders = "providers"
	ChangesOfStaff     = "staff"
)

// Changes lists the changes to row id of table (ChangesOfProviders,
// ChangesOfStaff), oldest first, each with the audit event its transaction
// wrote (the same now()): the record's own (entity type entity), else one
// of a record whose change moved the row (related: an agreement's, whose
// period the provider's row shows; a black-box pass read such a change
// with no one named). A provider reader is not shown which MSC key or
// request made a change, as elsewhere.
func Changes(ctx context.Context, ext pg.Ext, a Actor, table, entity string, related []string, id int64) ([]Change, error) {
	out := []Change{}
	err := sqlx.SelectContext(ctx, ext, &out, `SELECT c.changed_at, c.before, c.after, e.action, e.actor_role, e.actor_key_id, e.request_id
		FROM record_changes c
		LEFT JOIN LATERAL (SELECT y.action, y.actor_role, y.actor_key_id, y.request_id FROM (
		    (SELECT 0 AS rank, x.action, x.actor_role, x.actor_key_id, x.request_id FROM audit_events x
		     WHERE x.entity_type = $3 AND x.entity_id = $4 AND x.occurred_at = c.changed_at ORDER BY x.id LIMIT 1)
		    UNION ALL
		    (SELECT 1, x.action, x.actor_role, x.actor_key_id, x.request_id FROM audit_events x
		     WHERE x.entity_type = ANY($5) AND x.occurred_at = c.changed_at ORDER BY x.id LIMIT 1)) y
		  ORDER BY y.rank LIMIT 1) e ON true
		WHERE c.table_name = $1 AND c.row_id = $2 ORDER BY c.id`, table, id, entity, ID(id), pq.Array(related))
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
