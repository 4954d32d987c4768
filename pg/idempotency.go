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

const (
	claimKeySQL = `INSERT INTO idempotency_keys (api_key_id, key, request_hash, method, path)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING`
	readKeySQL = `SELECT request_hash, status_code, content_type, response
		FROM idempotency_keys WHERE api_key_id = $1 AND key = $2`
	saveKeySQL = `UPDATE idempotency_keys SET status_code = $3, content_type = $4, response = $5
		WHERE api_key_id = $1 AND key = $2`
)

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
		_ = p.Warm(ctx, claimKeySQL, readKeySQL, saveKeySQL)
	}
	return &Idempotency{db: db, stmts: p}
}

// AnsweredOtherwise reports whether (keyID, key) already holds the answer
// to another request than hash: a request that fails before its work
// begins (a body that does not decode, input the domain refuses) is still
// told that its key was used for something else.
func (i *Idempotency) AnsweredOtherwise(ctx context.Context, keyID int64, key string, hash []byte) (bool, error) {
	var prev []byte
	err := i.db.GetContext(ctx, &prev, `SELECT request_hash FROM idempotency_keys
		WHERE api_key_id = $1 AND key = $2 AND status_code IS NOT NULL`, keyID, key)
	if errors.Is(err, ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read idempotency key: %w", err)
	}
	return !bytes.Equal(prev, hash), nil
}

// Claim reserves (keyID, key) inside tx. When the key was already used it
// returns the stored response. When another transaction holds the key
// uncommitted, the insert waits for it, so two concurrent retries never
// both do the work.
func (i *Idempotency) Claim(ctx context.Context, tx *sqlx.Tx, keyID int64, key string, hash []byte, method, path string) (*IdempotentResponse, error) {
	st, err := i.stmts.In(ctx, tx, claimKeySQL)
	if err != nil {
		return nil, err
	}
	res, err := st.ExecContext(ctx, keyID, key, hash, method, path)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	if st, err = i.stmts.In(ctx, tx, readKeySQL); err != nil {
		return nil, err
	}
	var prev IdempotentResponse
	if err := st.GetContext(ctx, &prev, keyID, key); err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return &prev, nil
}

// Save stores the answer to the claimed key in tx.
func (i *Idempotency) Save(ctx context.Context, tx *sqlx.Tx, keyID int64, key string, status int, contentType string, body []byte) error {
	st, err := i.stmts.In(ctx, tx, saveKeySQL)
	if err != nil {
		return err
	}
	if _, err := st.ExecContext(ctx, keyID, key, status, contentType, string(body)); err != nil {
		return fmt.Errorf("save idempotent response: %w", err)
	}
	return nil
}

const (
	claimManySQL = `INSERT INTO idempotency_keys (api_key_id, key, request_hash, method, path)
		SELECT $1, k.key, k.hash, $4, $5 FROM unnest($2::text[], $3::bytea[]) AS k(key, hash)
		ORDER BY k.key
		ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING
		RETURNING key`
	readManySQL = `SELECT key, request_hash, status_code, content_type, response
		FROM idempotency_keys WHERE api_key_id = $1 AND key = ANY($2)`
	saveManySQL = `UPDATE idempotency_keys t SET status_code = x.status, content_type = x.ct, response = x.body
		FROM unnest($2::text[], $3::int[], $4::text[], $5::text[]) AS x(key, status, ct, body)
		WHERE t.api_key_id = $1 AND t.key = x.key`
	dropManySQL = `DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = ANY($2) AND status_code IS NULL`
)

// ClaimMany reserves several keys of one API key at once (group commit of
// separate requests) and returns the stored responses of the keys that were
// already used. Keys must be distinct.
func (i *Idempotency) ClaimMany(ctx context.Context, tx *sqlx.Tx, keyID int64, keys []string, hashes [][]byte, method, path string) (map[string]*IdempotentResponse, error) {
	var claimed []string
	if err := tx.SelectContext(ctx, &claimed, claimManySQL, keyID, pq.Array(keys), pq.ByteaArray(hashes), method, path); err != nil {
		return nil, fmt.Errorf("claim idempotency keys: %w", err)
	}
	if len(claimed) == len(keys) {
		return map[string]*IdempotentResponse{}, nil
	}
	fresh := make(map[string]bool, len(claimed))
	for _, k := range claimed {
		fresh[k] = true
	}
	var used []string
	for _, k := range keys {
		if !fresh[k] {
			used = append(used, k)
		}
	}
	var rows []struct {
		Key string `db:"key"`
		IdempotentResponse
	}
	if err := tx.SelectContext(ctx, &rows, readManySQL, keyID, pq.Array(used)); err != nil {
		return nil, fmt.Errorf("read idempotency keys: %w", err)
	}
	out := make(map[string]*IdempotentResponse, len(rows))
	for i := range rows {
		out[rows[i].Key] = &rows[i].IdempotentResponse
	}
	return out, nil
}

// SaveMany stores the answers of claimed keys.
func (i *Idempotency) SaveMany(ctx context.Context, tx *sqlx.Tx, keyID int64, keys []string, statuses []int64, contentTypes, bodies []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, saveManySQL, keyID, pq.Array(keys), pq.Array(statuses), pq.Array(contentTypes), pq.Array(bodies)); err != nil {
		return fmt.Errorf("save idempotent responses: %w", err)
	}
	return nil
}

// DropMany releases claimed keys whose requests failed: a failed request
// stores nothing, so the key may be used again.
func (i *Idempotency) DropMany(ctx context.Context, tx *sqlx.Tx, keyID int64, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, dropManySQL, keyID, pq.Array(keys)); err != nil {
		return fmt.Errorf("release idempotency keys: %w", err)
	}
	return nil
}
