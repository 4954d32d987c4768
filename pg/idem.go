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

// Request is one POST's idempotency key, scoped to whom the API key that
// sent it acts for, with a hash of the request (method, path, body).
type Request struct {
	// Scope is whose keys it is among (access.Actor.IdempotencyScope): an
	// agency's, whichever of its API keys sent it, or one MSC staff key's.
	Scope  int64
	KeyID  int64 // the API key that sent it
	Key    string
	Hash   []byte
	Method string
	Path   string
	// Render is how the caller will answer the operation's result (its
	// status, content type and body), for the record a retry replays. It is
	// called inside the transaction once the work succeeded; an answer of
	// 400 or more is not stored, so the key may be used again.
	Render func(result any) Answer
	// Keep, when set, is the answer a retry replays where it must differ
	// from the one sent: an API key's secret is shown once and is stored
	// nowhere in clear, the idempotency record included (a black-box pass
	// read a minted key's secret back from it, and replayed it after the
	// key was revoked).
	Keep func(result any) Answer
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
// the transaction, a retry of an answered request returns *Replayed with
// the first answer and runs nothing, and the key sent with another request
// is ErrKeyReused; otherwise fn runs, and its answer (Request.Render) is
// stored in the same transaction before it commits. Two at once with one
// key both run; the first to commit keeps its work and answer, the other
// is rolled back and answered with the first's, also when the first's work
// made its own fail. A write that fails stores nothing, so its key may be
// used again.
func Do[T any](ctx context.Context, db *sqlx.DB, ids *Idempotency, fn func(ctx context.Context, tx *sqlx.Tx) (T, error)) (T, error) {
	return do(ctx, db, ids, false, fn)
}

// DoFolded is Do for a write whose first statement reads the stored answer
// of the request's key itself, instead of Do reading it in a statement of
// its own before fn: one round trip fewer, on the POSTs that are sent most
// (a voucher request). fn passes FoldedKey's parameters to that statement,
// which joins StoredAnswerSQL, and returns at once the error its
// StoredAnswer.Replay gives; nothing fn did before it may outlive the
// transaction (a replay rolls it back). Everything else is as in Do.
func DoFolded[T any](ctx context.Context, db *sqlx.DB, ids *Idempotency, fn func(ctx context.Context, tx *sqlx.Tx) (T, error)) (T, error) {
	return do(ctx, db, ids, true, fn)
}

func do[T any](ctx context.Context, db *sqlx.DB, ids *Idempotency, folded bool, fn func(ctx context.Context, tx *sqlx.Tx) (T, error)) (T, error) {
	var out T
	req := RequestFrom(ctx)
	if _, joined := ctx.Value(txKey{}).(*txState); joined || req == nil {
		if ctx.Value(foldedKey{}) != nil {
			// A write joined to a caller's does not read the key: the
			// caller's did.
			ctx = context.WithValue(ctx, foldedKey{}, (*Request)(nil))
		}
		err := Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
			var err error
			out, err = fn(ctx, tx)
			return err
		})
		return out, err
	}
	err := Transact(ctx, db, func(ctx context.Context, tx *sqlx.Tx) error {
		req.Answered = nil // afresh when the transaction runs again
		if folded {
			ctx = context.WithValue(ctx, foldedKey{}, req)
		} else {
			prev, err := ids.Lookup(ctx, tx, req.Scope, req.Key)
			if err != nil {
				return err
			}
			if prev != nil {
				return replayOf(prev, req)
			}
		}
		var err error
		if out, err = fn(ctx, tx); err != nil {
			return err
		}
		a := req.Render(out)
		req.Answered = &a
		if a.Status >= 400 {
			return errNotKept
		}
		kept := a
		if req.Keep != nil {
			kept = req.Keep(out)
		}
		stored, err := ids.Insert(ctx, tx, req.Scope, req.KeyID, req.Key, req.Hash, req.Method, req.Path, kept)
		if err != nil {
			return err
		}
		if !stored {
			return errAnsweredMeanwhile
		}
		return nil
	})
	switch {
	case errors.Is(err, errNotKept):
		return out, nil
	case errors.Is(err, errAnsweredMeanwhile):
		// A retry that ran at the same time committed first: this work is
		// rolled back, and its answer is the one stored.
		req.Answered = nil
		prev, lerr := ids.Lookup(ctx, db, req.Scope, req.Key)
		if lerr != nil {
			return out, lerr
		}
		if prev == nil {
			return out, fmt.Errorf("idempotency key %d/%q answered and gone", req.Scope, req.Key)
		}
		return out, replayOf(prev, req)
	case err != nil && !errors.As(err, new(*Replayed)) && !errors.Is(err, ErrKeyReused):
		// A retry that ran at the same time committed first, and its work
		// made this one's fail (waiting behind it on a lock, it found the
		// batch closed, the rate's day taken): the first's answer, as when
		// this work got as far as storing its own. It is the failure still
		// when the key holds no answer: the failure was this request's own.
		// (Answered with its failure, a double click on the console's close
		// form read "nothing to batch" for the batch the first post closed.)
		if prev, lerr := ids.Lookup(ctx, db, req.Scope, req.Key); lerr == nil && prev != nil {
			req.Answered = nil
			return out, replayOf(prev, req)
		}
	}
	return out, err
}

// replayOf is the error a retry gets: the stored answer, or ErrKeyReused
// when it answered another request.
func replayOf(prev *IdempotentResponse, req *Request) error {
	if !prev.SameRequest(req.Hash) {
		return ErrKeyReused
	}
	return &Replayed{Answer{Status: prev.Status, ContentType: prev.ContentType, Body: prev.Body}}
}

// errAnsweredMeanwhile rolls back work whose key another transaction
// answered first.
var errAnsweredMeanwhile = errors.New("answered meanwhile")

// errNotKept rolls back work whose answer is a failure: a failed request
// stores nothing, key included.
var errNotKept = errors.New("answer not kept")

type foldedKey struct{}

// FoldedKey returns the parameters (scope, Idempotency-Key) with which
// the first statement of a write run by DoFolded reads its key's stored
// answer (StoredAnswerSQL), or two NULLs, which read none, when the write
// runs otherwise (no key, or joined to a caller's transaction, which
// checked the key itself).
func FoldedKey(ctx context.Context) (scope, key any) {
	if r, _ := ctx.Value(foldedKey{}).(*Request); r != nil {
		return r.Scope, r.Key
	}
	return nil, nil
}

// StoredAnswerSQL selects the stored answer of the key whose parameters
// are scope and key, in the columns a StoredAnswer scans: at most one row,
// which a statement joins (LEFT JOIN (...) ON true) to read it beside its
// own work.
func StoredAnswerSQL(scope, key string) string {
	return `SELECT request_hash AS idem_hash, status_code AS idem_status, content_type AS idem_content_type, response AS idem_response
		FROM idempotency_keys WHERE scope = ` + scope + ` AND key = ` + key + ` AND status_code IS NOT NULL`
}

// FoldedRequest returns the scope and Idempotency-Key whose stored
// answer the first statement of a write run by DoFolded reads, and false
// when the write runs otherwise (see FoldedKey).
func FoldedRequest(ctx context.Context) (scope int64, key string, ok bool) {
	if r, _ := ctx.Value(foldedKey{}).(*Request); r != nil {
		return r.Scope, r.Key, true
	}
	return 0, "", false
}

// StoredAnswersSQL selects the stored answers of the keys of scope listed
// in the text[] keys, in the columns a KeyedAnswer scans: the lookup of a
// group of requests that a write reads beside its own work, as
// StoredAnswerSQL is one request's.
func StoredAnswersSQL(scope, keys string) string {
	return `SELECT key, request_hash, status_code, content_type, response
		FROM idempotency_keys WHERE scope = ` + scope + ` AND key = ANY(` + keys + `) AND status_code IS NOT NULL`
}

// KeyedAnswer is one row StoredAnswersSQL read.
type KeyedAnswer struct {
	Key string `db:"key"`
	IdempotentResponse
}

// Replay is StoredAnswer.Replay for a write run by DoFolded that read its
// key's answer with StoredAnswersSQL: the error to return at once when the
// key holds an answer, nil when it holds none or the write runs otherwise.
func (a KeyedAnswer) Replay(ctx context.Context) error {
	req, _ := ctx.Value(foldedKey{}).(*Request)
	if req == nil || req.Key != a.Key {
		return nil
	}
	return replayOf(&a.IdempotentResponse, req)
}

// StoredAnswer is what StoredAnswerSQL read: all NULL when the key holds
// no answer.
type StoredAnswer struct {
	Hash        []byte  `db:"idem_hash"`
	Status      *int    `db:"idem_status"`
	ContentType *string `db:"idem_content_type"`
	Body        []byte  `db:"idem_response"`
}

// Replay is the error a write run by DoFolded returns, before it does
// anything more, when its key was answered before: *Replayed with that
// answer, or ErrKeyReused when the answer was to another request. It is
// nil when the key holds no answer, or the write runs otherwise.
func (a StoredAnswer) Replay(ctx context.Context) error {
	req, _ := ctx.Value(foldedKey{}).(*Request)
	if req == nil || a.Status == nil {
		return nil
	}
	var ct string
	if a.ContentType != nil {
		ct = *a.ContentType
	}
	return replayOf(&IdempotentResponse{RequestHash: a.Hash, Status: *a.Status, ContentType: ct, Body: a.Body}, req)
}

// DoInto is Do for a domain write that fills *out as it works: the answer
// stored under the request's key is rendered from *out once fn returns.
func DoInto[T any](ctx context.Context, db *sqlx.DB, ids *Idempotency, out *T, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	_, err := Do(ctx, db, ids, func(ctx context.Context, tx *sqlx.Tx) (T, error) {
		err := fn(ctx, tx)
		return *out, err
	})
	return err
}

// DoIntoFolded is DoInto for a write that reads its key's stored answer
// itself, as DoFolded says.
func DoIntoFolded[T any](ctx context.Context, db *sqlx.DB, ids *Idempotency, out *T, fn func(ctx context.Context, tx *sqlx.Tx) error) error {
	_, err := DoFolded(ctx, db, ids, func(ctx context.Context, tx *sqlx.Tx) (T, error) {
		err := fn(ctx, tx)
		return *out, err
	})
	return err
}
