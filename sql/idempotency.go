package sql

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
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
type Idempotency struct{ stmts *Prepared }

// NewIdempotency prepares the idempotency statements on db (falling back
// to per-transaction preparation when the schema is not there yet).
func NewIdempotency(db *sqlx.DB) *Idempotency {
	p := NewPrepared(db)
	if db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Warm(ctx, claimKeySQL, readKeySQL, saveKeySQL)
	}
	return &Idempotency{stmts: p}
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
