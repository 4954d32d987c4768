package access

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"rss/pg"
)

// LoggedEvent is one entry of the audit log as the MSC reads it back.
type LoggedEvent struct {
	ID              int64     `json:"id" db:"id"`
	OccurredAt      time.Time `json:"occurred_at" db:"occurred_at"`
	ActorKeyID      *int64    `json:"actor_key_id" db:"actor_key_id"`
	ActorRole       string    `json:"actor_role" db:"actor_role"`
	ActorProviderID *int64    `json:"actor_provider_id" db:"actor_provider_id"`
	Action          string    `json:"action" db:"action"`
	EntityType      string    `json:"entity_type" db:"entity_type"`
	EntityID        string    `json:"entity_id" db:"entity_id"`
	ClientID        *int64    `json:"client_id" db:"client_id"`
	Purpose         *string   `json:"purpose" db:"purpose"`
	RequestID       *string   `json:"request_id" db:"request_id"`
	Recipient       *string   `json:"recipient" db:"recipient"`
	Outcome         *string   `json:"outcome" db:"outcome"`
	// Records is, for a client-level report's read (entity_id read_set),
	// how many records it listed; nil for one record's event (a list reads
	// one event a record).
	Records *int `json:"records" db:"records"`
}

// EventFilter narrows a read of the audit log; a zero field does not.
type EventFilter struct {
	ClientID   int64 // the client record's events, and the reads that listed it
	EntityType string
	EntityID   string
	Action     string
	ActorKeyID int64
	From, To   *time.Time // occurred at or after From, before To
}

// Events reads the audit log, oldest first, after event id after, at most
// limit entries. A read of many records names the client record filtered
// on when its set listed it (found by the read sets' index).
func Events(ctx context.Context, ext pg.Ext, f EventFilter, after int64, limit int) ([]LoggedEvent, error) {
	out := []LoggedEvent{}
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	nullID := func(id int64) any {
		if id == 0 {
			return nil
		}
		return id
	}
	err := sqlx.SelectContext(ctx, ext, &out, `
		WITH of_client AS (
			SELECT id FROM audit_events WHERE $2::bigint IS NOT NULL AND client_id = $2 AND id > $1
			UNION
			SELECT event_id FROM audit_read_sets WHERE $2::bigint IS NOT NULL AND client_ids && ARRAY[$2::bigint] AND event_id > $1
		)
		SELECT e.id, e.occurred_at, e.actor_key_id, e.actor_role, e.actor_provider_id, e.action, e.entity_type, e.entity_id,
		       CASE WHEN r.event_id IS NOT NULL AND $2::bigint IS NOT NULL THEN $2::bigint ELSE e.client_id END AS client_id,
		       e.purpose, e.request_id, e.recipient, e.outcome, cardinality(r.entity_ids) AS records
		FROM audit_events e LEFT JOIN audit_read_sets r ON r.event_id = e.id
		WHERE e.id > $1
		  AND ($2::bigint IS NULL OR e.id IN (SELECT id FROM of_client))
		  AND ($3::text IS NULL OR e.entity_type = $3) AND ($4::text IS NULL OR e.entity_id = $4)
		  AND ($5::text IS NULL OR e.action = $5) AND ($6::bigint IS NULL OR e.actor_key_id = $6)
		  AND ($7::timestamptz IS NULL OR e.occurred_at >= $7) AND ($8::timestamptz IS NULL OR e.occurred_at < $8)
		ORDER BY e.id LIMIT $9`,
		after, nullID(f.ClientID), null(f.EntityType), null(f.EntityID), null(f.Action), nullID(f.ActorKeyID), f.From, f.To, limit)
	if err != nil {
		return nil, fmt.Errorf("audit events: %w", err)
	}
	return out, nil
}
