package access

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/pg"
)

// An API key reads "rss_<prefix>_<secret>". The prefix finds the row; the
// secret is stored only as its SHA-256. Keys are 160 bits of randomness, so
// a fast hash is enough: there is nothing to brute-force the way there is
// with a password.
const keyScheme = "rss_"

// NewKey is a freshly minted key; Secret is shown once and never stored.
type NewKey struct {
	ID    int64  `json:"id"`
	Key   string `json:"key"`
	Role  Role   `json:"role"`
	Label string `json:"label"`
	// ProviderID is the agency a provider key is bound to (null for the
	// MSC roles): the answer said nothing of it, so whoever minted the
	// secret could not see which agency it opens (a new-user pass).
	ProviderID *int64 `json:"provider_id"`
	Prefix     string `json:"prefix"`
}

const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}

// CreateKey mints a key for role (and provider, for provider keys).
func CreateKey(ctx context.Context, ext pg.Ext, role Role, providerID int64, label string) (NewKey, error) {
	prefix, err := randomString(10)
	if err != nil {
		return NewKey{}, err
	}
	secret, err := randomString(32)
	if err != nil {
		return NewKey{}, err
	}
	return insertKey(ctx, ext, role, providerID, label, prefix, secret, false)
}

// CreateDemoKey stores a key with a fixed, published value: for demo
// fixtures only, marked demo so an operator can find and revoke them.
func CreateDemoKey(ctx context.Context, ext pg.Ext, role Role, providerID int64, label, key string) (NewKey, error) {
	prefix, secret, ok := splitKey(key)
	if !ok {
		return NewKey{}, fmt.Errorf("%w: demo key %q is not rss_<prefix>_<secret>", rss.ErrInvalid, key)
	}
	return insertKey(ctx, ext, role, providerID, label, prefix, secret, true)
}

func insertKey(ctx context.Context, ext pg.Ext, role Role, providerID int64, label, prefix, secret string, demo bool) (NewKey, error) {
	if !role.Valid() {
		return NewKey{}, rss.Invalid("role", "invalid_role", "role must be provider, reviewer, finance or admin")
	}
	// A negative id is out of range, as in the query filters (openapi's
	// minimum), not an agency that does not exist (an admin black-box
	// pass of the forty-sixth stop).
	if providerID < 0 {
		return NewKey{}, rss.Invalid("provider_id", "out_of_range", "provider_id is a positive agency id")
	}
	if (role == RoleProvider) != (providerID != 0) {
		return NewKey{}, rss.Invalid("provider_id", "provider_scope", "provider keys need a provider id; other roles must not have one")
	}
	var pid any
	if providerID != 0 {
		pid = providerID
	}
	h := sha256.Sum256([]byte(secret))
	var id int64
	err := sqlx.GetContext(ctx, ext, &id, `
		INSERT INTO api_keys (prefix, secret_hash, role, provider_id, label, demo)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, prefix, h[:], string(role), pid, label, demo)
	if pg.IsViolation(err, pg.CodeForeignKeyViolation, "api_keys_provider_fkey") {
		return NewKey{}, rss.Invalid("provider_id", "unknown_provider", "provider %d does not exist", providerID)
	}
	if err != nil {
		return NewKey{}, fmt.Errorf("create key: %w", err)
	}
	k := NewKey{ID: id, Key: keyScheme + prefix + "_" + secret, Role: role, Label: label, Prefix: prefix}
	if providerID != 0 {
		k.ProviderID = &providerID
	}
	return k, nil
}

// Revoked reports which of keys (whole keys, as `rss demo-keys` prints the
// demo ones) are revoked: printed as if they worked, one read 401
// everywhere with nothing said (an on-call pass).
func Revoked(ctx context.Context, ext pg.Ext, keys []string) (map[string]bool, error) {
	byPrefix := map[string]string{}
	prefixes := make([]string, 0, len(keys))
	for _, k := range keys {
		if p, _, ok := splitKey(k); ok {
			byPrefix[p] = k
			prefixes = append(prefixes, p)
		}
	}
	var revoked []string
	if err := sqlx.SelectContext(ctx, ext, &revoked, `SELECT prefix FROM api_keys WHERE prefix = ANY ($1) AND revoked_at IS NOT NULL`,
		pq.Array(prefixes)); err != nil {
		return nil, fmt.Errorf("read revoked keys: %w", err)
	}
	out := make(map[string]bool, len(revoked))
	for _, p := range revoked {
		out[byPrefix[p]] = true
	}
	return out, nil
}

func splitKey(key string) (prefix, secret string, ok bool) {
	rest, found := strings.CutPrefix(key, keyScheme)
	if !found {
		return "", "", false
	}
	prefix, secret, found = strings.Cut(rest, "_")
	if !found || len(prefix) < 8 || len(prefix) > 16 || len(secret) < 16 || len(secret) > 128 {
		return "", "", false
	}
	// The prefix is looked up in the database: only the alphabet keys are
	// minted from gets that far (a NUL or a stray byte is not a lookup).
	for i := 0; i < len(prefix); i++ {
		if !strings.ContainsRune(alphabet, rune(prefix[i])) {
			return "", "", false
		}
	}
	return prefix, secret, true
}

// ErrBadKey is returned for a missing, malformed, unknown or revoked key.
var ErrBadKey = errors.New("invalid or revoked API key")

// NotifyChannel is the PostgreSQL channel on which every change to a row of
// api_keys is announced (a trigger sends the key's id), so each process
// drops that key from its cache at once.
const NotifyChannel = "rss_api_keys"

// Keys authenticates bearer keys. Lookups are cached for a short TTL so
// the hot path does not hit the database on every request. A revocation
// through this process drops the key when its transaction commits; other
// processes drop it when the database's notification reaches their
// listener (Listen), and within the TTL when no listener is connected.
type Keys struct {
	db  *sqlx.DB
	ttl time.Duration
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cachedKey
	// gen moves on every invalidation. A lookup that read the database
	// before an invalidation does not cache what it read: the row may be
	// the one from before the revocation.
	gen uint64

	listening atomic.Bool
}

type cachedKey struct {
	hash    [32]byte
	actor   Actor
	revoked bool
	at      time.Time
}

// NewKeys returns an authenticator over db.
func NewKeys(db *sqlx.DB, ttl time.Duration, now func() time.Time) *Keys {
	return &Keys{db: db, ttl: ttl, now: now, cache: make(map[string]cachedKey)}
}

// keyLookupTimeout bounds reading a key that is not cached.
const keyLookupTimeout = 5 * time.Second

// Authenticate returns the actor for a bearer key.
func (k *Keys) Authenticate(ctx context.Context, key string) (Actor, error) {
	prefix, secret, ok := splitKey(key)
	if !ok {
		return Actor{}, ErrBadKey
	}
	h := sha256.Sum256([]byte(secret))
	k.mu.Lock()
	c, hit := k.cache[prefix]
	gen := k.gen
	k.mu.Unlock()
	if !hit || k.now().Sub(c.at) > k.ttl {
		var row struct {
			ID         int64      `db:"id"`
			Hash       []byte     `db:"secret_hash"`
			Role       string     `db:"role"`
			ProviderID *int64     `db:"provider_id"`
			RevokedAt  *time.Time `db:"revoked_at"`
		}
		// The lookup has a deadline of its own: it runs before a POST's
		// body is read, and until then net/http does not see its client
		// leave, so a database that stopped answering held such requests
		// (and the pool) until it came back, whoever waited for them (an
		// on-call black-box pass). A key is one indexed row: what takes
		// keyLookupTimeout is a database in trouble, answered 503.
		lctx, cancel := context.WithTimeout(ctx, keyLookupTimeout)
		err := k.db.GetContext(lctx, &row, `SELECT id, secret_hash, role, provider_id, revoked_at FROM api_keys WHERE prefix = $1`, prefix)
		timedOut := lctx.Err() != nil && ctx.Err() == nil
		cancel()
		if errors.Is(err, pg.ErrNoRows) {
			return Actor{}, ErrBadKey
		}
		if err != nil && timedOut {
			return Actor{}, fmt.Errorf("look up key: no answer within %s: %w", keyLookupTimeout, rss.ErrUnavailable)
		}
		if err != nil {
			return Actor{}, fmt.Errorf("look up key: %w", err)
		}
		c = cachedKey{actor: Actor{KeyID: row.ID, Role: Role(row.Role)}, revoked: row.RevokedAt != nil, at: k.now()}
		copy(c.hash[:], row.Hash)
		if row.ProviderID != nil {
			c.actor.ProviderID = *row.ProviderID
		}
		k.mu.Lock()
		if k.gen == gen {
			k.cache[prefix] = c
		}
		k.mu.Unlock()
	}
	if c.revoked || subtle.ConstantTimeCompare(c.hash[:], h[:]) != 1 {
		return Actor{}, ErrBadKey
	}
	return c.actor, nil
}

// Forget drops a key from the cache by its prefix.
func (k *Keys) Forget(prefix string) {
	k.mu.Lock()
	delete(k.cache, prefix)
	k.gen++
	k.mu.Unlock()
}

// ForgetID drops the key with database id id from the cache.
func (k *Keys) ForgetID(id int64) {
	k.mu.Lock()
	for prefix, c := range k.cache {
		if c.actor.KeyID == id {
			delete(k.cache, prefix)
		}
	}
	k.gen++
	k.mu.Unlock()
}

// ForgetAll empties the cache: after the listener lost its connection,
// notifications may have been missed.
func (k *Keys) ForgetAll() {
	k.mu.Lock()
	clear(k.cache)
	k.gen++
	k.mu.Unlock()
}

// RevokeKey marks a key revoked: 404 for a key never minted, 409
// already_revoked for one revoked before (it is listed, so it is not
// "not found"), and 409 last_admin_key for the last active admin key,
// whose revocation locked the MSC out of the API until an operator minted
// one on the server (a black-box pass revoked its own, the only one). The
// active admin keys are locked first, in id order, so two admins revoking
// the last two at once leave one: the second reads the first's revocation.
// ext must be a transaction for that lock to hold.
func RevokeKey(ctx context.Context, ext pg.Ext, id int64, at time.Time) error {
	var k struct {
		Role      Role       `db:"role"`
		RevokedAt *time.Time `db:"revoked_at"`
	}
	err := sqlx.GetContext(ctx, ext, &k, `SELECT role, revoked_at FROM api_keys WHERE id = $1`, id)
	if errors.Is(err, pg.ErrNoRows) {
		return fmt.Errorf("%w: api key %d", rss.ErrNotFound, id)
	}
	if err != nil {
		return fmt.Errorf("revoke key: %w", err)
	}
	if k.Role == RoleAdmin {
		var admins []int64
		if err := sqlx.SelectContext(ctx, ext, &admins, `SELECT id FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL
			ORDER BY id FOR UPDATE`); err != nil {
			return fmt.Errorf("admin keys: %w", err)
		}
		if len(admins) == 1 && admins[0] == id {
			return rss.Coded(rss.ErrConflict, "last_admin_key",
				"api key %d is the last active admin key: mint another admin key first, so the MSC keeps a way in", id)
		}
	}
	res, err := ext.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, at)
	if err != nil {
		return fmt.Errorf("revoke key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return rss.Coded(rss.ErrConflict, "already_revoked", "api key %d is already revoked", id)
	}
	return nil
}

// HoldKey holds the actor's API key for the rest of the transaction (FOR
// SHARE), refusing with 403 key_revoked, nothing written, once it is
// revoked: a revocation (RevokeKey's UPDATE) waits for the transaction,
// or the transaction reads it. A bulk claim upload in flight when its key
// was revoked as compromised committed its 1,000 claims after the
// revocation had answered, each dated before it (an operations black-box
// pass). ext must be a transaction.
func HoldKey(ctx context.Context, ext pg.Ext, a Actor) error {
	var held []bool
	if err := sqlx.SelectContext(ctx, ext, &held, `SELECT true FROM api_keys WHERE id = $1 AND revoked_at IS NULL FOR SHARE`,
		a.KeyID); err != nil {
		return fmt.Errorf("hold api key: %w", err)
	}
	if len(held) == 0 {
		return rss.Coded(rss.ErrForbidden, "key_revoked", "the API key was revoked while the request was sent; nothing was written")
	}
	return nil
}

// Listen keeps a connection of its own LISTENing on NotifyChannel until ctx
// ends, and drops each key the database announces from the cache. It
// returns once the LISTEN is in place (nil), or with ctx's error when ctx
// ends first; the listener goes on in the background either way until ctx
// ends, reconnecting after a lost connection. After a reconnection the
// whole cache is dropped, since notifications sent while it was down are
// lost; while it is down, cached keys live out their TTL.
func (k *Keys) Listen(ctx context.Context, dsn string, log *slog.Logger) error {
	if log == nil {
		log = slog.Default()
	}
	// pq reports the connection on its own goroutine after LISTEN can
	// already have returned, so Listen also waits for that event: a caller
	// that sees nil then sees Listening() true.
	up := make(chan struct{})
	var upOnce sync.Once
	l := pq.NewListener(dsn, 250*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnected:
			k.listening.Store(true)
			upOnce.Do(func() { close(up) })
		case pq.ListenerEventReconnected:
			k.ForgetAll()
			k.listening.Store(true)
			upOnce.Do(func() { close(up) })
			log.Info("api key listener reconnected; key cache dropped")
		case pq.ListenerEventDisconnected:
			k.listening.Store(false)
			log.Warn("api key listener disconnected; revocations in other processes apply within the cache TTL", "error", pg.LogText(err))
		case pq.ListenerEventConnectionAttemptFailed:
			log.Warn("api key listener cannot connect", "error", pg.LogText(err))
		}
	})
	listened := make(chan error, 1)
	go func() { listened <- l.Listen(NotifyChannel) }()
	go func() {
		defer func() {
			k.listening.Store(false)
			_ = l.Close()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-l.Notify:
				k.notified(n)
			}
		}
	}()
	select {
	case err := <-listened:
		if err != nil {
			return fmt.Errorf("listen %s: %w", NotifyChannel, err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-up:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// notified applies one notification; nil (sent after a reconnection) or an
// unreadable payload drops everything.
func (k *Keys) notified(n *pq.Notification) {
	if n == nil {
		k.ForgetAll()
		return
	}
	id, err := strconv.ParseInt(n.Extra, 10, 64)
	if err != nil {
		k.ForgetAll()
		return
	}
	k.ForgetID(id)
}

// Listening reports whether the listener's connection is up, so revocations
// made by other processes reach this one at once.
func (k *Keys) Listening() bool { return k.listening.Load() }

// KeyInfo is a key as an admin lists it: never its secret or hash.
type KeyInfo struct {
	ID         int64      `json:"id" db:"id"`
	Prefix     string     `json:"prefix" db:"prefix"`
	Role       Role       `json:"role" db:"role"`
	ProviderID *int64     `json:"provider_id" db:"provider_id"`
	Label      string     `json:"label" db:"label"`
	Demo       bool       `json:"demo" db:"demo"`
	CreatedAt  time.Time  `json:"created_at" db:"created_at"`
	RevokedAt  *time.Time `json:"revoked_at" db:"revoked_at"`
}

// ListKeys reads every key, newest first, at most limit of them.
func ListKeys(ctx context.Context, ext pg.Ext, limit int) ([]KeyInfo, error) {
	out := []KeyInfo{}
	err := sqlx.SelectContext(ctx, ext, &out, `SELECT id, prefix, role, provider_id, label, demo, created_at, revoked_at
		FROM api_keys ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return out, nil
}

// KeyFilter narrows KeysAfter: one agency's keys (ProviderID), the live or
// the revoked ones (Revoked).
type KeyFilter struct {
	ProviderID int64
	Revoked    *bool
}

// KeysAfter reads the keys f selects, oldest first, after id after, at
// most limit of them: the API's list, paged as every list is.
func KeysAfter(ctx context.Context, ext pg.Ext, f KeyFilter, after int64, limit int) ([]KeyInfo, error) {
	out := []KeyInfo{}
	err := sqlx.SelectContext(ctx, ext, &out, `SELECT id, prefix, role, provider_id, label, demo, created_at, revoked_at
		FROM api_keys
		WHERE id > $1 AND ($2::bigint = 0 OR provider_id = $2) AND ($3::boolean IS NULL OR (revoked_at IS NOT NULL) = $3)
		ORDER BY id LIMIT $4`, after, f.ProviderID, f.Revoked, limit)
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	return out, nil
}
