package pg

import (
	"context"
	"errors"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// A retried POST returns its first answer and does nothing again
// (SPEC §11). The api puts the request's Idempotency-Key into the context
// (Request); the domain's write runs through Do, which claims the key, does
// the work and stores the answer in one transaction, the domain method's
// own. So the key, the work and the answer commit or roll back together,
// and a retry after a lost answer gets the stored one.

// Request is one POST's idempotency key, scoped to the API key that sent
// it, with a hash of the request (method, path, body).
type Request struct {
	KeyID  int64
	Key    string
	Hash   []byte
	Method string
	Path   string
	// Render is how the caller will answer the operation's result (its
	// status, content type and body), for the record a retry replays. It is
	// called inside the transaction once the work succeeded; an answer of
	// 400 or more is not stored, so the key may be used again.
	Render func(result any) Answer
	// Answered is the answer Render gave, once it has: the caller sends it
	// as it was stored rather than render the result a second time.
	Answered *Answer
}

// Answer is a stored answer to a request.
type Answer struct {
	Status      int
	ContentType string
	Body        []byte
}

// Replayed is the error Do returns for a retry: the request was answered
// before, and this is that answer. Nothing ran.
type Replayed struct{ Answer }

func (r *Replayed) Error() string { return "the request was answered before" }

// ErrKeyReused is a key sent again with another request.
var ErrKeyReused = errors.New("this Idempotency-Key was used with a different request; use a new key for a new request")

type requestKey struct{}

// WithRequest returns ctx carrying the POST's idempotency request.
func WithRequest(ctx context.Context, r *Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the idempotency request ctx carries, or nil.
func RequestFrom(ctx context.Context) *Request {
	r, _ := ctx.Value(requestKey{}).(*Request)
	return r
}

// Do runs a write in a transaction (the caller's, when ctx carries one) and
// returns fn's result. When ctx carries an idempotency Request and Do owns
// the transaction, the key is claimed first: a retry of the same request
// returns *Replayed with the first answer and runs nothing; the key sent
// with another request is ErrKeyReused; otherwise fn runs, and its answer
// (Request.Render) is stored in the same transaction before it commits.
// A claimed key whose work fails is rolled back with it.
func Do[T any](ctx context.Context, db *sqlx.DB, ids *Idempotency, fn func(ctx context.Context, tx *sqlx.Tx) (T, error)) (T, error) {
	var out T
	req := RequestFrom(ctx)
	if _, joined := ctx.Value(txKey{}).(*txState); joined || req == nil {
		err := Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
			var err error
			out, err = fn(ctx, tx)
			return err
		})
		return out, err
	}
	err := Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		prev, err := ids.Claim(ctx, tx, req.KeyID, req.Key, req.Hash, req.Method, req.Path)
		if err != nil {
			return err
		}
		if prev != nil {
			if !prev.SameRequest(req.Hash) {
				return ErrKeyReused
			}
			if prev.Body == nil {
				// Only a committed claim is visible here, and it always
				// carries its answer; a missing one is a broken record.
				return fmt.Errorf("idempotency key %d/%q has no stored answer", req.KeyID, req.Key)
			}
			return &Replayed{Answer{Status: prev.Status, ContentType: prev.ContentType, Body: prev.Body}}
		}
		if out, err = fn(ctx, tx); err != nil {
			return err
		}
		a := req.Render(out)
		req.Answered = &a
		if a.Status >= 400 {
			return errNotKept
		}
		return ids.Save(ctx, tx, req.KeyID, req.Key, a.Status, a.ContentType, a.Body)
	})
	if errors.Is(err, errNotKept) {
		return out, nil
	}
	return out, err
}

// errNotKept rolls back work whose answer is a failure: a failed request
// stores nothing, key included.
var errNotKept = errors.New("answer not kept")
