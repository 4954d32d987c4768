package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"rss/pg"
)

// A POST is answered with what its domain call stored under the request's
// idempotency key: the api says how a result renders (status and body),
// the domain's transaction renders it and stores it with the work, and the
// very bytes stored are the bytes sent. A retry gets the stored answer.

// post runs a POST's domain call with the request's idempotency key and
// render in its context, and sends the answer. It returns the result and
// whether the call succeeded, for the handler's metrics.
func post[T any](c *gin.Context, render func(T) pg.Answer, call func(ctx context.Context) (T, error)) (T, bool) {
	req, _ := c.Get(ctxIdem)
	r, _ := req.(*pg.Request)
	if r == nil {
		r = &pg.Request{} // only in tests that build a handler without the middleware
	}
	r.Render = func(v any) pg.Answer { return render(v.(T)) }
	out, err := call(c.Request.Context())
	var replayed *pg.Replayed
	switch {
	case errors.As(err, &replayed):
		c.Header("Idempotent-Replayed", "true")
		send(c, replayed.Answer)
		return out, false
	case err != nil:
		fail(c, err)
		return out, false
	}
	a := r.Answered
	if a == nil {
		x := render(out)
		a = &x
	}
	send(c, *a)
	return out, a.Status < 400
}

// send writes an answer made in the domain's transaction (or stored, and
// replayed). A problem's code goes to the request's log line as fail's
// does: answers made in the transaction carried none there (an on-call
// black-box pass of the forty-seventh stop).
func send(c *gin.Context, a pg.Answer) {
	if a.Status >= 400 && a.ContentType == "application/problem+json" {
		var p struct {
			Code string `json:"code"`
		}
		if json.Unmarshal(a.Body, &p) == nil {
			c.Set(ctxProblem, p.Code)
		}
	}
	c.Data(a.Status, a.ContentType, a.Body)
}

// jsonAppender is a result that writes its own JSON, the bytes json.Marshal
// would give, for less (vouchers.VoucherRequest).
type jsonAppender interface {
	AppendJSON(b []byte) ([]byte, error)
}

// asJSON answers with status and the JSON of body, as gin's c.JSON would.
func asJSON(status int, body any) pg.Answer {
	var b []byte
	var err error
	if a, ok := body.(jsonAppender); ok {
		b, err = a.AppendJSON(make([]byte, 0, 4096))
	} else {
		b, err = json.Marshal(body)
	}
	if err != nil {
		return pg.Answer{Status: http.StatusInternalServerError, ContentType: "application/problem+json",
			Body: []byte(`{"type":"` + problemBase + `internal_error","title":"Internal error","status":500,"code":"internal_error","detail":"internal error"}`)}
	}
	return pg.Answer{Status: status, ContentType: "application/json; charset=utf-8", Body: b}
}

// createdJSON answers 201 with the result; okJSON answers 200.
func createdJSON[T any](v T) pg.Answer { return asJSON(http.StatusCreated, v) }
func okJSON[T any](v T) pg.Answer      { return asJSON(http.StatusOK, v) }

// problemAnswer renders a problem for the request of c: as fail would
// write it, for an answer produced inside the domain's transaction.
func problemAnswer(path, requestID string, p Problem) pg.Answer {
	p.Type, p.Instance, p.RequestID = problemBase+p.Code, path, requestID
	body, _ := json.Marshal(p)
	return pg.Answer{Status: p.Status, ContentType: "application/problem+json", Body: body}
}

// postReason answers a change of the record its path parameter names whose
// body is only the reason for it (a consent's revocation, an enrollment's
// or a voucher request's withdrawal, an authorization's void): 200 with
// the record as changed.
func postReason[T any](c *gin.Context, param string, change func(ctx context.Context, id int64, reason string) (T, error)) {
	id, ok := pathID(c, param)
	if !ok {
		return
	}
	var body struct {
		Reason string `json:"reason"`
	}
	if !decode(c, &body) {
		return
	}
	post(c, okJSON[T], func(ctx context.Context) (T, error) { return change(ctx, id, body.Reason) })
}
