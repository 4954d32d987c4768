package pg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// IdempotentResponse is the first answer given to a key.
type IdempotentResponse struct {
	RequestHash []byte `db:"request_hash"`
	Status      int    `db:"status_code"`
	ContentType string `db:"content_type"`
	Body        []byte `db:"response"`
}

// SameRequest reports whether the stored answer was for the same request.
func (r *IdempotentResponse) SameRequest(hash []byte) bool { return bytes.Equal(r.RequestHash, hash) }

// The records are written once, with their answer, when the work is done:
// a retry that arrives first finds nothing and does the work too, and the
// second writer of a key finds the first's row on insert (ON CONFLICT DO
// NOTHING waits for the first to commit or roll back), rolls its own work
// back and answers with the stored one. One row written once, no update of
// a large answer, and no lock held from the start of the work.
const (
	lookupKeySQL = `SELECT request_hash, status_code, content_type, response
		FROM idempotency_keys WHERE scope = $1 AND key = $2 AND status_code IS NOT NULL`
	insertKeySQL = `INSERT INTO idempotency_keys (scope, api_key_id, key, request_hash, method, path, status_code, content_type, response)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING RETURNING true`
	insertManySQL = `INSERT INTO idempotency_keys (scope, api_key_id, key, request_hash, method, path, status_code, content_type, response)
		SELECT $1, $2, x.key, x.hash, $3, $4, x.status, x.ct, x.body
		FROM unnest($5::text[], $6::bytea[], $7::int[], $8::text[], $9::text[]) AS x(key, hash, status, ct, body)
		ORDER BY x.key
		ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING RETURNING key`
)

var lookupManySQL = StoredAnswersSQL("$1", "$2")

// Idempotency keeps the records that make a retried POST return its first
// answer. Every POST goes through it, so its statements are prepared once.
type Idempotency struct {
	db    *sqlx.DB
	stmts *Prepared
}

// NewIdempotency prepares the idempotency statements on db (falling back
// to per-transaction preparation when the schema is not there yet).
func NewIdempotency(db *sqlx.DB) *Idempotency {
	p := NewPrepared(db)
	if db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Warm(ctx, lookupKeySQL, insertKeySQL, lookupManySQL, insertManySQL)
	}
	return &Idempotency{db: db, stmts: p}
}

// AnsweredOtherwise reports whether (scope, key) already holds the answer
// to another request than hash: a request that fails before its work
// begins (a body that does not decode, input the domain refuses) is still
// told that its key was used for something else.
func (i *Idempotency) AnsweredOtherwise(ctx context.Context, scope int64, key string, hash []byte) (bool, error) {
	prev, err := i.Lookup(ctx, i.db, scope, key)
	if err != nil || prev == nil {
		return false, err
	}
	return !prev.SameRequest(hash), nil
}

// Lookup returns the stored answer of (scope, key), or nil.
func (i *Idempotency) Lookup(ctx context.Context, ext Ext, scope int64, key string) (*IdempotentResponse, error) {
	var prev IdempotentResponse
	var err error
	if tx, ok := ext.(*sqlx.Tx); ok {
		var st *sqlx.Stmt
		if st, err = i.stmts.In(ctx, tx, lookupKeySQL); err != nil {
			return nil, err
		}
		err = st.GetContext(ctx, &prev, scope, key)
	} else {
		err = sqlx.GetContext(ctx, ext, &prev, lookupKeySQL, scope, key)
	}
	if errors.Is(err, ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return &prev, nil
}

// Insert stores the answer to (scope, key), sent with API key keyID, in
// tx. It reports false when
// another transaction stored an answer to the key first (it waits for that
// one to commit): the caller rolls its own work back and answers with the
// stored one.
func (i *Idempotency) Insert(ctx context.Context, tx *sqlx.Tx, scope, keyID int64, key string, hash []byte, method, path string, a Answer) (bool, error) {
	st, err := i.stmts.In(ctx, tx, insertKeySQL)
	if err != nil {
		return false, err
	}
	var ok bool
	err = st.GetContext(ctx, &ok, scope, keyID, key, hash, method, path, a.Status, a.ContentType, string(a.Body))
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("save idempotent response: %w", err)
	}
	return true, nil
}

// LookupMany returns the stored answers of the keys of scope that have one.
func (i *Idempotency) LookupMany(ctx context.Context, tx *sqlx.Tx, scope int64, keys []string) (map[string]*IdempotentResponse, error) {
	var rows []KeyedAnswer
	st, err := i.stmts.In(ctx, tx, lookupManySQL)
	if err != nil {
		return nil, err
	}
	if err := st.SelectContext(ctx, &rows, scope, pq.Array(keys)); err != nil {
		return nil, fmt.Errorf("read idempotency keys: %w", err)
	}
	out := make(map[string]*IdempotentResponse, len(rows))
	for i := range rows {
		out[rows[i].Key] = &rows[i].IdempotentResponse
	}
	return out, nil
}

// Stored is one answer InsertMany stores.
type Stored struct {
	Key  string
	Hash []byte
	Answer
}

// InsertMany stores several answers of scope, sent with API key keyID (one
// method and path), and returns the keys another transaction had answered
// first.
func (i *Idempotency) InsertMany(ctx context.Context, tx *sqlx.Tx, scope, keyID int64, method, path string, rows []Stored) ([]string, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	keys, hashes := make([]string, len(rows)), make([][]byte, len(rows))
	statuses, types, bodies := make([]int64, len(rows)), make([]string, len(rows)), make([]string, len(rows))
	for k, r := range rows {
		keys[k], hashes[k], statuses[k], types[k], bodies[k] = r.Key, r.Hash, int64(r.Status), r.ContentType, string(r.Body)
	}
	st, err := i.stmts.In(ctx, tx, insertManySQL)
	if err != nil {
		return nil, err
	}
	var inserted []string
	if err := st.SelectContext(ctx, &inserted, scope, keyID, method, path, pq.Array(keys), pq.ByteaArray(hashes),
		pq.Array(statuses), pq.Array(types), pq.Array(bodies)); err != nil {
		return nil, fmt.Errorf("save idempotent responses: %w", err)
	}
	if len(inserted) == len(rows) {
		return nil, nil
	}
	done := make(map[string]bool, len(inserted))
	for _, k := range inserted {
		done[k] = true
	}
	var taken []string
	for _, k := range keys {
		if !done[k] {
			taken = append(taken, k)
		}
	}
	return taken, nil
}
