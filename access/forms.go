package access

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"

	"rss/pg"
)

// FormSent is the error of a console form posted a second time (a double
// click, a reload that posts again, the back button): nothing ran the
// second time. ID is the record the first post made; Changed says the
// form came back with other values than the first post's.
type FormSent struct {
	ID      int64
	Changed bool
}

func (e *FormSent) Error() string { return "this form was sent before" }

// FormOnce runs a console form's write under the form's one-time token,
// as the API runs a POST under its Idempotency-Key: the token is the key
// (of the signed-in key's, "console-form:" and the path before it, so a
// token is never an API client's key), the form's fields its request hash,
// and the answer stored with the work is the id of what it made. A second
// post of the form runs nothing (or, sent at the same time, has its work
// rolled back, pg.Do) and returns *FormSent: the console shows
// what the first made instead of a second key minted whose secret no one
// saw, or a bare conflict where a batch was closed or a rate added (the
// black-box passes). A refused write stores nothing, so its form may be
// sent again as corrected.
func FormOnce[T any](ctx context.Context, token, path string, fields []string, id func(T) int64,
	run func(ctx context.Context) (T, error)) (T, error) {
	var zero T
	a, err := ActorFrom(ctx)
	if err != nil {
		return zero, err
	}
	h := sha256.New()
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0})
	}
	answer := func(v any) pg.Answer {
		b, _ := json.Marshal(formAnswer{ID: id(v.(T))})
		return pg.Answer{Status: 201, ContentType: "application/json", Body: b}
	}
	req := &pg.Request{Scope: a.IdempotencyScope(), KeyID: a.KeyID, Key: "console-form:" + path + ":" + token, Hash: h.Sum(nil), Method: "POST", Path: path,
		Render: answer, Keep: answer}
	out, err := run(pg.WithRequest(ctx, req))
	var replayed *pg.Replayed
	switch {
	case errors.As(err, &replayed):
		var first formAnswer
		_ = json.Unmarshal(replayed.Body, &first)
		return zero, &FormSent{ID: first.ID}
	case errors.Is(err, pg.ErrKeyReused):
		return zero, &FormSent{Changed: true}
	}
	return out, err
}

// formAnswer is what a form's one-time token keeps: the id of what the
// first post made.
type formAnswer struct {
	ID int64 `json:"id"`
}
