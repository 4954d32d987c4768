package access_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/pg"
	"rss/pg/pgtest"
)

func TestKeyArgIsNullWithoutAKey(t *testing.T) {
	t.Parallel()
	assert.Nil(t, access.Actor{Role: access.RoleAdmin}.KeyArg(), "an actor with no key writes NULL, not key 0")
	assert.Equal(t, int64(7), access.Actor{KeyID: 7}.KeyArg())
}

func TestRequireAndPurposes(t *testing.T) {
	t.Parallel()
	_, err := access.ActorFrom(context.Background())
	require.ErrorIs(t, err, rss.ErrForbidden, "no actor is forbidden, never a default one")

	ctx := access.WithActor(context.Background(), access.Actor{KeyID: 1, Role: access.RoleFinance})
	a, err := access.Require(ctx, access.RoleReviewer, access.RoleFinance)
	require.NoError(t, err)
	assert.Equal(t, int64(1), a.KeyID)
	_, err = access.Require(ctx, access.RoleProvider)
	require.ErrorIs(t, err, rss.ErrForbidden)

	assert.True(t, access.Actor{Role: access.RoleReviewer}.SeesProvider(9))
	assert.True(t, access.Actor{Role: access.RoleProvider, ProviderID: 9}.SeesProvider(9))
	assert.False(t, access.Actor{Role: access.RoleProvider, ProviderID: 9}.SeesProvider(8))

	for role, want := range map[access.Role]string{access.RoleProvider: "treatment", access.RoleReviewer: "payment",
		access.RoleFinance: "payment", access.RoleAdmin: "operations"} {
		assert.Equal(t, want, access.DefaultPurpose(role), role)
		assert.True(t, access.ValidPurpose(access.DefaultPurpose(role)))
	}
	assert.False(t, access.ValidPurpose("marketing"))
	assert.False(t, access.ValidPurpose(""))
}

// clock is a settable clock for the key cache.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestKeysAuthenticateCacheAndRevoke(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := t.Context()
	var providerID int64
	require.NoError(t, db.Get(&providerID, `SELECT id FROM providers ORDER BY id LIMIT 1`))

	_, err := access.CreateKey(ctx, db, access.RoleProvider, 0, "no agency")
	require.ErrorIs(t, err, rss.ErrInvalid, "a provider key names its agency")
	_, err = access.CreateKey(ctx, db, access.RoleAdmin, providerID, "admin of an agency")
	require.ErrorIs(t, err, rss.ErrInvalid, "only provider keys name an agency")
	_, err = access.CreateKey(ctx, db, access.Role("root"), 0, "x")
	require.ErrorIs(t, err, rss.ErrInvalid)

	k, err := access.CreateKey(ctx, db, access.RoleProvider, providerID, "front desk")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(k.Key, "rss_"+k.Prefix+"_"))
	var stored []byte
	require.NoError(t, db.Get(&stored, `SELECT secret_hash FROM api_keys WHERE id = $1`, k.ID))
	assert.NotContains(t, string(stored), k.Key[len("rss_"+k.Prefix+"_"):], "the secret is stored only as its hash")

	c := &clock{t: time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)}
	keys := access.NewKeys(db, time.Minute, c.now)
	a, err := keys.Authenticate(ctx, k.Key)
	require.NoError(t, err)
	assert.Equal(t, access.Actor{KeyID: k.ID, Role: access.RoleProvider, ProviderID: providerID}, a)

	for _, bad := range []string{"", "rss_", "Bearer " + k.Key, k.Key + "x", "rss_" + k.Prefix + "_wrongsecretwrongsecret",
		"rss_ABC\x00DEFGH_" + strings.Repeat("s", 32), "rss_zzzzzzzzzz_" + strings.Repeat("s", 32)} {
		_, err := keys.Authenticate(ctx, bad)
		assert.ErrorIs(t, err, access.ErrBadKey, "%q", bad)
	}

	// Revoked in the database by another process: the cached key lives out
	// its TTL here, then is refused; Forget makes it immediate.
	require.NoError(t, access.RevokeKey(ctx, db, k.ID, c.now()))
	require.ErrorIs(t, access.RevokeKey(ctx, db, k.ID, c.now()), rss.ErrConflict, "revoked once: already_revoked")
	_, err = keys.Authenticate(ctx, k.Key)
	require.NoError(t, err, "still cached within the TTL")
	c.add(time.Minute + time.Second)
	_, err = keys.Authenticate(ctx, k.Key)
	require.ErrorIs(t, err, access.ErrBadKey, "after the TTL the revocation is read")

	k2, err := access.CreateKey(ctx, db, access.RoleReviewer, 0, "reviewer")
	require.NoError(t, err)
	_, err = keys.Authenticate(ctx, k2.Key)
	require.NoError(t, err)
	require.NoError(t, access.RevokeKey(ctx, db, k2.ID, c.now()))
	keys.ForgetID(k2.ID)
	_, err = keys.Authenticate(ctx, k2.Key)
	require.ErrorIs(t, err, access.ErrBadKey, "forgotten: refused at once")
}

// The audit log takes events in the caller's transaction, with the
// actor's purpose when an event states none, and refuses to be changed.
func TestAuditRecordIsAppendOnly(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := access.WithActor(t.Context(), access.Actor{KeyID: 0, Role: access.RoleAdmin, Purpose: "operations", RequestID: "req-1"})
	require.NoError(t, access.Record(ctx, db,
		access.Event{Action: "read", EntityType: "client", EntityID: "1", ClientID: 1},
		access.Event{Action: "disclose", EntityType: "batch", EntityID: "7", ClientID: 1, Purpose: "payment", Recipient: "payer:CTMCD"}))
	var rows []struct {
		Action    string  `db:"action"`
		Purpose   *string `db:"purpose"`
		Recipient *string `db:"recipient"`
		RequestID *string `db:"request_id"`
	}
	require.NoError(t, db.Select(&rows, `SELECT action, purpose, recipient, request_id FROM audit_events WHERE request_id = 'req-1' ORDER BY id`))
	require.Len(t, rows, 2)
	assert.Equal(t, "operations", *rows[0].Purpose, "the actor's purpose")
	assert.Nil(t, rows[0].Recipient)
	assert.Equal(t, "payment", *rows[1].Purpose)
	assert.Equal(t, "payer:CTMCD", *rows[1].Recipient)

	d, err := access.Disclosures(t.Context(), db, []int64{1}, 0, 10)
	require.NoError(t, err)
	require.Len(t, d, 1)
	assert.Equal(t, "payer:CTMCD", d[0].Recipient)

	_, err = db.Exec(`UPDATE audit_events SET purpose = 'x'`)
	require.Error(t, err, "append-only")
	_, err = db.Exec(`DELETE FROM audit_events`)
	require.Error(t, err, "append-only")
	err = access.Record(ctx, db, access.Event{Action: "disclose", EntityType: "batch", EntityID: "8", ClientID: 1})
	require.Error(t, err, "a disclosure names its recipient")
	_, err = access.ActorFrom(context.Background())
	require.Error(t, err)
	require.Error(t, access.Record(context.Background(), db, access.Event{Action: "read", EntityType: "client", EntityID: "1"}),
		"no actor, no event")
}

// One showing of a record to one recipient is one disclosure, however many
// parts of the answer name it: an enrollment read and its designation
// reason naming the same agency's record were accounted twice (a Part 2
// black-box pass). Other events are kept as given.
func TestRecordAccountsADisclosureOnce(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := access.WithActor(t.Context(), access.Actor{Role: access.RoleAdmin, Purpose: "treatment", RequestID: "req-d"})
	d := access.Event{Action: "disclose", EntityType: "enrollment", EntityID: "9", ClientID: 1, Recipient: "provider:2"}
	other := d
	other.Recipient = "provider:3"
	read := access.Event{Action: "read", EntityType: "enrollment", EntityID: "9", ClientID: 1}
	require.NoError(t, access.Record(ctx, db, d, d, other, read, read))
	var actions []string
	require.NoError(t, db.Select(&actions, `SELECT action || ':' || COALESCE(recipient, '') FROM audit_events WHERE request_id = 'req-d' ORDER BY id`))
	assert.Equal(t, []string{"disclose:provider:2", "disclose:provider:3", "read:", "read:"}, actions)
}

// A bulk read is one event listing its records (a read set): the records in
// entity order, each with its client, seen one row each through
// audit_records and by client through audit_client_records; a query
// listing nothing records nothing; the set is as append-only as the log,
// and its two lists cannot disagree in length.
func TestRecordReadsIsOneEventListingEveryRecord(t *testing.T) {
	t.Parallel()
	db := pgtest.NewDB(t)
	ctx := access.WithActor(t.Context(), access.Actor{KeyID: 0, Role: access.RoleReviewer, Purpose: "payment", RequestID: "req-rs"})
	list := `SELECT v.e AS entity_id, v.c AS client_id FROM (VALUES (30::bigint, 7::bigint), (10, 5), (20, 7)) v(e, c) WHERE v.c <> $1`
	require.NoError(t, access.RecordReads(ctx, db, "state_extract", list, 0))
	require.NoError(t, access.RecordReads(ctx, db, "state_extract", list, 5))
	require.NoError(t, access.RecordReads(ctx, db, "state_extract", `SELECT 1::bigint AS entity_id, 1::bigint AS client_id WHERE $1`, false),
		"nothing listed")

	var events []struct {
		ID       int64   `db:"id"`
		EntityID string  `db:"entity_id"`
		ClientID *int64  `db:"client_id"`
		Purpose  *string `db:"purpose"`
	}
	require.NoError(t, db.Select(&events, `SELECT id, entity_id, client_id, purpose FROM audit_events
		WHERE request_id = 'req-rs' AND action = 'read' AND entity_type = 'state_extract' ORDER BY id`))
	require.Len(t, events, 2, "one event per call that listed records")
	assert.Equal(t, "read_set", events[0].EntityID)
	assert.Nil(t, events[0].ClientID)
	assert.Equal(t, "payment", *events[0].Purpose)

	type rec struct {
		Event  int64  `db:"event_id"`
		Entity string `db:"entity_id"`
		Client int64  `db:"client_id"`
	}
	var all []rec
	require.NoError(t, db.Select(&all, `SELECT event_id, entity_id, client_id FROM audit_records
		WHERE request_id = 'req-rs' ORDER BY event_id, entity_id`))
	first, second := events[0].ID, events[1].ID
	assert.Equal(t, []rec{{first, "10", 5}, {first, "20", 7}, {first, "30", 7}, {second, "20", 7}, {second, "30", 7}}, all)
	var sets []struct {
		Entities string `db:"entity_ids"`
		Clients  string `db:"client_ids"`
	}
	require.NoError(t, db.Select(&sets, `SELECT entity_ids::text, client_ids::text FROM audit_read_sets WHERE event_id = $1`, first))
	require.Len(t, sets, 1)
	assert.Equal(t, "{10,20,30}", sets[0].Entities, "in entity order")
	assert.Equal(t, "{5,7,7}", sets[0].Clients, "each record's own client")

	require.NoError(t, access.Record(ctx, db, access.Event{Action: "read", EntityType: "client", EntityID: "7", ClientID: 7}))
	var of7 []rec
	require.NoError(t, db.Select(&of7, `SELECT event_id, entity_id, client_id FROM audit_client_records(7) WHERE request_id = 'req-rs'`))
	require.Len(t, of7, 5)
	assert.Equal(t, []rec{{first, "20", 7}, {first, "30", 7}, {second, "20", 7}, {second, "30", 7}}, of7[:4])
	assert.Equal(t, "7", of7[4].Entity, "and the event naming client 7, oldest first")
	var of5 []rec
	require.NoError(t, db.Select(&of5, `SELECT event_id, entity_id, client_id FROM audit_client_records(5) WHERE request_id = 'req-rs'`))
	assert.Equal(t, []rec{{first, "10", 5}}, of5)

	for _, stmt := range []string{
		`UPDATE audit_read_sets SET client_ids = '{1,1,1}'`,
		`DELETE FROM audit_read_sets`,
		`TRUNCATE audit_read_sets`,
		`INSERT INTO audit_read_sets VALUES ((SELECT max(id) FROM audit_events), '{1,2}', '{1}')`,
		`INSERT INTO audit_read_sets VALUES ((SELECT max(id) FROM audit_events), '{1,NULL}', '{1,2}')`,
		// An empty set lists nothing; a set on an event not written to
		// carry one (here "read client 7") would rewrite what it says.
		`INSERT INTO audit_read_sets VALUES ((SELECT max(id) FROM audit_events), '{}', '{}')`,
		`INSERT INTO audit_read_sets VALUES ((SELECT max(id) FROM audit_events), '{55}', '{8}')`,
	} {
		_, err := db.Exec(stmt)
		require.Error(t, err, stmt)
	}
	var n int
	require.NoError(t, db.Get(&n, `SELECT count(*) FROM audit_records WHERE request_id = 'req-rs'`))
	assert.Equal(t, 6, n, "nothing changed")

	// A client's records come by id, not as text: 9, 20, 100.
	require.NoError(t, access.RecordReads(ctx, db, "state_extract",
		`SELECT v.e AS entity_id, 9::bigint AS client_id FROM unnest('{100,9,20}'::bigint[]) v(e) WHERE $1`, true))
	var of9 []string
	require.NoError(t, db.Select(&of9, `SELECT entity_id FROM audit_client_records(9)`))
	assert.Equal(t, []string{"9", "20", "100"}, of9)

	// Migrating down past 00038 keeps every read: each set's records
	// become audit_events rows again, with their event's actor and time.
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, pg.MigrationsFS())
	require.NoError(t, err)
	_, err = p.DownTo(t.Context(), 37)
	require.NoError(t, err)
	var back []struct {
		Entity   string `db:"entity_id"`
		Client   int64  `db:"client_id"`
		Purpose  string `db:"purpose"`
		Same     bool   `db:"same_time"`
		Reviewer bool   `db:"reviewer"`
	}
	require.NoError(t, db.Select(&back, `SELECT entity_id, client_id, purpose,
			occurred_at = (SELECT occurred_at FROM audit_events WHERE id = $1) AS same_time, actor_role = 'reviewer' AS reviewer
		FROM audit_events WHERE request_id = 'req-rs' AND entity_type = 'state_extract' AND entity_id <> 'read_set'
		ORDER BY id`, first))
	require.Len(t, back, 8, "3 + 2 + 3 records")
	assert.Equal(t, "10", back[0].Entity)
	assert.Equal(t, int64(5), back[0].Client)
	assert.Equal(t, "payment", back[0].Purpose)
	assert.True(t, back[0].Same && back[0].Reviewer)
	_, err = p.Up(t.Context())
	require.NoError(t, err)
}
