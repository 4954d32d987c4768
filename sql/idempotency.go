package sql

import (
	"bytes"
	"context"
	"fmt"

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

// ClaimIdempotencyKey reserves (keyID, key) inside tx. When the key was
// already used it returns the stored response. When another transaction
// holds the key uncommitted, the insert waits for it, so two concurrent
// retries never both do the work.
func ClaimIdempotencyKey(ctx context.Context, tx *sqlx.Tx, keyID int64, key string, hash []byte, method, path string) (*IdempotentResponse, error) {
	res, err := tx.ExecContext(ctx, `
		INSERT INTO idempotency_keys (api_key_id, key, request_hash, method, path)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT ON CONSTRAINT idempotency_keys_pkey DO NOTHING`, keyID, key, hash, method, path)
	if err != nil {
		return nil, fmt.Errorf("claim idempotency key: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, nil
	}
	var prev IdempotentResponse
	err = tx.GetContext(ctx, &prev, `
		SELECT request_hash, status_code, content_type, response
		FROM idempotency_keys WHERE api_key_id = $1 AND key = $2`, keyID, key)
	if err != nil {
		return nil, fmt.Errorf("read idempotency key: %w", err)
	}
	return &prev, nil
}

// SaveIdempotentResponse stores the answer to the claimed key in tx.
func SaveIdempotentResponse(ctx context.Context, tx *sqlx.Tx, keyID int64, key string, status int, contentType string, body []byte) error {
	_, err := tx.ExecContext(ctx, `
		UPDATE idempotency_keys SET status_code = $3, content_type = $4, response = $5
		WHERE api_key_id = $1 AND key = $2`, keyID, key, status, contentType, string(body))
	if err != nil {
		return fmt.Errorf("save idempotent response: %w", err)
	}
	return nil
}
