package api

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"

	"rss/access"
	"rss/billing"
	"rss/pg"
)

// Single claims are committed in groups. Each POST /v1/claims is queued
// per API key; one worker per key takes everything queued while the
// previous group was being written and adjudicates it in one transaction
// (one set of reads, one write statement, one fsync), then answers each
// request on its own: its own status, body, idempotency record and audit
// request id. Nothing waits for a group to fill: at low load a group is one
// claim, and under load the groups grow by themselves. A group that fails
// as a whole is retried claim by claim, so one bad request never sinks
// another.

const (
	maxClaimGroup = 128
	// Two groups of one key may be in flight at once, so one is being
	// adjudicated while the other waits on its commit. They lock what they
	// share (keys, claim numbers, a client's authorizations) in one sorted
	// order, so they queue behind each other rather than deadlock.
	groupWorkers = 2
)

type claimJob struct {
	actor access.Actor
	key   string
	hash  []byte
	path  string
	claim billing.NewClaim
	done  chan claimAnswer
}

type claimAnswer struct {
	status      int
	contentType string
	body        []byte
	replayed    bool
	claim       *billing.Claim
}

type claimGroups struct {
	db      *sqlx.DB
	billing *billing.Service
	records *pg.Idempotency
	log     *slog.Logger

	mu    sync.Mutex
	queue map[int64][]*claimJob
	busy  map[int64]int
}

func newClaimGroups(db *sqlx.DB, b *billing.Service, records *pg.Idempotency, log *slog.Logger) *claimGroups {
	return &claimGroups{db: db, billing: b, records: records, log: log, queue: map[int64][]*claimJob{}, busy: map[int64]int{}}
}

// submit queues a job; its answer arrives on job.done.
func (g *claimGroups) submit(j *claimJob) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := j.actor.KeyID
	g.queue[k] = append(g.queue[k], j)
	if g.busy[k] < groupWorkers {
		g.busy[k]++
		go g.work(k)
	}
}

func (g *claimGroups) work(key int64) {
	for {
		g.mu.Lock()
		jobs := g.queue[key]
		if len(jobs) == 0 {
			if g.busy[key]--; g.busy[key] == 0 {
				delete(g.busy, key)
				delete(g.queue, key)
			}
			g.mu.Unlock()
			return
		}
		// One job per idempotency key per group: a retry racing its first
		// attempt waits for the next group and is answered from the record.
		var group, later []*claimJob
		seen := map[string]bool{}
		for _, j := range jobs {
			if len(group) < maxClaimGroup && !seen[j.key] {
				seen[j.key] = true
				group = append(group, j)
			} else {
				later = append(later, j)
			}
		}
		g.queue[key] = later
		g.mu.Unlock()
		sort.Slice(group, func(a, b int) bool {
			if group[a].claim.ClaimNumber != group[b].claim.ClaimNumber {
				return group[a].claim.ClaimNumber < group[b].claim.ClaimNumber
			}
			return group[a].key < group[b].key
		})
		g.process(group)
	}
}

func (g *claimGroups) process(jobs []*claimJob) {
	answers, err := g.commit(jobs)
	if err != nil && len(jobs) > 1 {
		// Isolate whatever failed: each claim in its own transaction.
		for _, j := range jobs {
			g.process([]*claimJob{j})
		}
		return
	}
	if err != nil {
		// A claim failing alone is answered through the error table like
		// any request: a domain error is its 4xx, anything else a 500.
		p := problemFor(err)
		logFailure(context.Background(), g.log, jobs[0].actor.RequestID, "/v1/claims", p, err)
		answers = []claimAnswer{problemAnswer(jobs[0], p)}
	}
	for i, j := range jobs {
		j.done <- answers[i]
	}
}

// commit adjudicates one group in one transaction and returns each job's answer.
func (g *claimGroups) commit(jobs []*claimJob) ([]claimAnswer, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	tx, err := g.db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	first := jobs[0]
	keys, hashes := make([]string, len(jobs)), make([][]byte, len(jobs))
	for i, j := range jobs {
		keys[i], hashes[i] = j.key, j.hash
	}
	used, err := g.records.ClaimMany(ctx, tx, first.actor.KeyID, keys, hashes, http.MethodPost, first.path)
	if err != nil {
		return nil, err
	}
	answers := make([]claimAnswer, len(jobs))
	var work []int
	for i, j := range jobs {
		prev, ok := used[j.key]
		switch {
		case !ok:
			work = append(work, i)
		case prev.SameRequest(j.hash):
			answers[i] = claimAnswer{status: prev.Status, contentType: prev.ContentType, body: prev.Body, replayed: true}
		default:
			answers[i] = problemAnswer(j, Problem{Status: http.StatusUnprocessableEntity, Code: "idempotency_key_reused",
				Title: "Idempotency-Key reused", Detail: "this Idempotency-Key was used with a different request; use a new key for a new request"})
		}
	}
	if len(work) > 0 {
		claims, ids := make([]billing.NewClaim, len(work)), make([]string, len(work))
		for k, i := range work {
			claims[k], ids[k] = jobs[i].claim, jobs[i].actor.RequestID
		}
		actx := access.WithActor(pg.WithTx(ctx, tx), first.actor)
		outs, err := g.billing.SubmitEach(actx, claims, ids)
		if err != nil {
			return nil, err
		}
		var okKeys, failedKeys, types, bodies []string
		var statuses []int64
		for k, i := range work {
			a := outcomeAnswer(jobs[i], outs[k])
			answers[i] = a
			if a.status >= 400 {
				failedKeys = append(failedKeys, jobs[i].key)
				continue
			}
			okKeys, statuses = append(okKeys, jobs[i].key), append(statuses, int64(a.status))
			types, bodies = append(types, a.contentType), append(bodies, string(a.body))
		}
		if err := g.records.SaveMany(ctx, tx, first.actor.KeyID, okKeys, statuses, types, bodies); err != nil {
			return nil, err
		}
		if err := g.records.DropMany(ctx, tx, first.actor.KeyID, failedKeys); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return answers, nil
}

func outcomeAnswer(j *claimJob, o billing.Outcome) claimAnswer {
	if o.Err != nil {
		return problemAnswer(j, problemFor(o.Err))
	}
	status := http.StatusOK
	if o.Created {
		status = http.StatusCreated
	}
	// The answer carries each line's outcome and adjustments; the per-rule
	// traces are read with GET /v1/claims/{id}.
	for i := range o.Claim.Lines {
		o.Claim.Lines[i].Trace = nil
	}
	body, err := json.Marshal(o.Claim)
	if err != nil {
		return problemAnswer(j, Problem{Status: http.StatusInternalServerError, Code: "internal_error", Title: "Internal error", Detail: "internal error"})
	}
	return claimAnswer{status: status, contentType: "application/json; charset=utf-8", body: body, claim: o.Claim}
}

func problemAnswer(j *claimJob, p Problem) claimAnswer {
	p.Type, p.Instance, p.RequestID = problemBase+p.Code, j.path, j.actor.RequestID
	body, _ := json.Marshal(p)
	return claimAnswer{status: p.Status, contentType: "application/problem+json", body: body}
}

// submitClaim is POST /v1/claims: checked and decoded here, adjudicated in
// a group commit, answered alone.
func (s *Server) submitClaim(c *gin.Context) {
	key := c.GetHeader("Idempotency-Key")
	if key == "" || len(key) > 255 {
		problem(c, http.StatusBadRequest, "idempotency_key_required", "Idempotency-Key required",
			"every POST carries an Idempotency-Key header of 1-255 characters")
		return
	}
	actor, err := access.Require(c.Request.Context(), access.RoleProvider)
	if err != nil {
		fail(c, err)
		return
	}
	// Decode with the answer held back: a body that fails to decode under a
	// key already used for another request is answered as a reused key,
	// as every other POST answers it.
	var n billing.NewClaim
	orig := c.Writer
	held := &captureWriter{ResponseWriter: orig}
	c.Writer = held
	ok := decode(c, &n)
	c.Writer = orig
	raw, read := c.Get(ctxBody)
	if !read {
		// The body could not be read at all (too large, broken): answer that.
		orig.WriteHeader(held.Status())
		_, _ = orig.Write(held.body.Bytes())
		return
	}
	body := raw.([]byte)
	h := sha256.New()
	h.Write([]byte(c.Request.Method + " " + c.Request.URL.Path + "\n"))
	h.Write(body)
	hash := h.Sum(nil)
	if !ok {
		if s.claims.usedForAnother(c.Request.Context(), actor.KeyID, key, hash) {
			problem(c, http.StatusUnprocessableEntity, "idempotency_key_reused", "Idempotency-Key reused",
				"this Idempotency-Key was used with a different request; use a new key for a new request")
			return
		}
		orig.WriteHeader(held.Status())
		_, _ = orig.Write(held.body.Bytes())
		return
	}
	j := &claimJob{actor: actor, key: key, hash: hash, path: c.Request.URL.Path, claim: n, done: make(chan claimAnswer, 1)}
	s.claims.submit(j)
	select {
	case a := <-j.done:
		if a.replayed {
			c.Header("Idempotent-Replayed", "true")
		}
		if a.status >= 500 {
			c.Header("Content-Type", a.contentType)
		}
		if a.claim != nil && a.status == http.StatusCreated {
			s.countLines(a.claim)
		}
		c.Data(a.status, a.contentType, a.body)
	case <-c.Request.Context().Done():
		// The caller left; the claim is still decided and recorded, and a
		// retry with the same key gets the answer.
	}
}

// usedForAnother reports whether the key already answered a different request.
func (g *claimGroups) usedForAnother(ctx context.Context, keyID int64, key string, hash []byte) bool {
	var prev []byte
	err := g.db.GetContext(ctx, &prev, `SELECT request_hash FROM idempotency_keys
		WHERE api_key_id = $1 AND key = $2 AND status_code IS NOT NULL`, keyID, key)
	return err == nil && string(prev) != string(hash)
}
