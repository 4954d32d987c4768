package access

import (
	"context"
	"fmt"
	"strconv"

	"github.com/lib/pq"

	"rss/sql"
)

// Event is one audit record: who did what to which record, for which client, why.
// It holds ids and codes only, never PHI.
type Event struct {
	Action     string // create, read, update, revoke, decide, void, export...
	EntityType string
	EntityID   string
	ClientID   int64 // 0 when the record is not about one client
	Purpose    string
}

// ID formats an int64 entity id.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// Record appends events to the audit log in the caller's transaction, so
// the record and the change it describes commit or roll back together.
func Record(ctx context.Context, ext sql.Ext, events ...Event) error {
	if len(events) == 0 {
		return nil
	}
	a, err := ActorFrom(ctx)
	if err != nil {
		return err
	}
	n := len(events)
	actions, types, ids, purposes := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	clients := make([]int64, n)
	for i, e := range events {
		actions[i], types[i], ids[i], purposes[i], clients[i] = e.Action, e.EntityType, e.EntityID, e.Purpose, e.ClientID
	}
	var keyID, providerID any
	if a.KeyID != 0 {
		keyID = a.KeyID
	}
	if a.ProviderID != 0 {
		providerID = a.ProviderID
	}
	_, err = ext.ExecContext(ctx, `
		INSERT INTO audit_events (actor_key_id, actor_role, actor_provider_id, action, entity_type, entity_id, client_id, purpose, request_id)
		SELECT $1, $2, $3, u.action, u.etype, u.eid, NULLIF(u.client, 0), NULLIF(u.purpose, ''), NULLIF($4, '')
		FROM unnest($5::text[], $6::text[], $7::text[], $8::bigint[], $9::text[]) AS u(action, etype, eid, client, purpose)`,
		keyID, string(a.Role), providerID, a.RequestID,
		pq.Array(actions), pq.Array(types), pq.Array(ids), pq.Array(clients), pq.Array(purposes))
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}
