package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jmoiron/sqlx"

	"rss/access"
	"rss/pg"
)

// Single claims are committed in groups. Each claim that arrives on its
// own request (POST /v1/claims) is queued per API key; a worker per key
// takes everything queued while the previous group was being written and
// adjudicates it in one transaction (one set of reads, one write
// statement, one fsync), then answers each request on its own: its own
// outcome, its own idempotency record and audit request id. Nothing waits
// for a group to fill: at low load a group is one claim, and under load the
// groups grow by themselves. A group that fails as a whole is retried claim
// by claim, so one bad request never sinks another.

const (
	maxClaimGroup = 128
	// Two groups of one key may be in flight at once, so one is being
	// adjudicated while the other waits on its commit. They lock what they
	// share (keys, claim numbers, a client's authorizations) in one sorted
	// order, so they queue behind each other rather than deadlock.
	groupWorkers = 2
)

type claimJob struct {
	ctx   context.Context // the request's: done once its client has left
	actor access.Actor
	req   *pg.Request
	claim NewClaim
	done  chan claimResult
}

// left reports whether the job's client has gone.
func (j *claimJob) left() bool { return j.ctx.Err() != nil }

type claimResult struct {
	out Outcome
	err error // *pg.Replayed for a retry; the group's failure otherwise
}

type claimGroups struct {
	mu    sync.Mutex
	queue map[int64][]*claimJob
	busy  map[int64]int
}

// SubmitClaim adjudicates one claim that came on a request of its own,
// committed with whatever other claims of the same API key arrive at the
// same time (group commit). ctx carries the request's idempotency key
// (pg.WithRequest): the claim's answer is stored with it in the group's
// transaction, and a retry returns *pg.Replayed. A refused claim is an
// Outcome with Err; the error return is for a group that could not be
// written at all.
func (s *Service) SubmitClaim(ctx context.Context, n NewClaim) (Outcome, error) {
	a, err := access.Require(ctx, access.RoleProvider)
	if err != nil {
		return Outcome{}, err
	}
	req := pg.RequestFrom(ctx)
	if req == nil {
		c, created, err := s.Submit(ctx, n)
		return Outcome{Claim: c, Created: created, Err: err}, nil
	}
	j := &claimJob{ctx: ctx, actor: a, req: req, claim: n, done: make(chan claimResult, 1)}
	s.groups.submit(s, j)
	select {
	case r := <-j.done:
		return r.out, r.err
	case <-ctx.Done():
		// The caller left. A claim not yet in a group is dropped; one in a
		// group is decided and recorded with it, unless every request of
		// the group has left (whenAllLeft); a retry with the same key gets
		// the answer either way.
		return Outcome{}, ctx.Err()
	}
}

func (g *claimGroups) submit(s *Service, j *claimJob) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.queue == nil {
		g.queue, g.busy = map[int64][]*claimJob{}, map[int64]int{}
	}
	k := j.actor.KeyID
	g.queue[k] = append(g.queue[k], j)
	if g.busy[k] < groupWorkers {
		g.busy[k]++
		go g.work(s, k)
	}
}

func (g *claimGroups) work(s *Service, key int64) {
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
			if len(group) < maxClaimGroup && !seen[j.req.Key] {
				seen[j.req.Key] = true
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
			return group[a].req.Key < group[b].req.Key
		})
		s.process(group)
	}
}

func (s *Service) process(jobs []*claimJob) {
	// A request whose client has left before its group began is not
	// decided: nobody waits for it (a retry with its key decides it).
	jobs = slices.DeleteFunc(jobs, func(j *claimJob) bool {
		if j.left() {
			j.done <- claimResult{err: j.ctx.Err()}
			return true
		}
		return false
	})
	if len(jobs) == 0 {
		return
	}
	results, err := s.commitGroup(jobs)
	if err != nil && len(jobs) > 1 {
		// Isolate whatever failed: each claim in its own transaction.
		for _, j := range jobs {
			s.process([]*claimJob{j})
		}
		return
	}
	if errors.Is(err, errKeysTaken) {
		// A retry of this very request committed first: answer with its answer.
		results, err = s.commitGroup(jobs)
	}
	if err != nil {
		results = []claimResult{{err: err}}
	}
	for i, j := range jobs {
		j.done <- results[i]
	}
}

// commitGroup adjudicates one group in one transaction: the fresh claims
// decided together, and each answer stored under its own key before the
// one commit. The keys' stored answers are read by the snapshot's round
// trip; when one holds an answer (a retry), the group goes again with its
// keys read first and only the requests not answered decided. When
// another transaction answered one of the keys meanwhile, the whole group
// is rolled back (errKeysTaken) and its claims go again, each on its own.
func (s *Service) commitGroup(jobs []*claimJob) ([]claimResult, error) {
	results, err := s.commitGroupKeys(jobs, false)
	if errors.Is(err, errKeysAnswered) {
		results, err = s.commitGroupKeys(jobs, true)
	}
	return results, err
}

// commitGroupKeys is commitGroup, its keys read by the snapshot
// (lookFirst false) or in a statement of their own before the work.
func (s *Service) commitGroupKeys(jobs []*claimJob, lookFirst bool) ([]claimResult, error) {
	// The group outlives each of its requests (one leaving does not undo
	// the others' claims) but not all of them: when every client has left
	// it is given up, as a single request's transaction is, where it was
	// written when a database that had stopped answering came back (an
	// on-call black-box pass). It is given up at groupTimeout in any case.
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	defer whenAllLeft(jobs, cancel)()
	first := jobs[0]
	results := make([]claimResult, len(jobs))
	err := pg.Transact(access.WithActor(ctx, first.actor), s.db, func(ctx context.Context, tx *sqlx.Tx) error {
		// Afresh when the transaction runs again (pg.Transact).
		clear(results)
		for _, j := range jobs {
			j.req.Answered = nil
		}
		keys := make([]string, len(jobs))
		for i, j := range jobs {
			keys[i] = j.req.Key
		}
		work := make([]int, 0, len(jobs))
		if lookFirst {
			used, err := s.ids.LookupMany(ctx, tx, first.req.Scope, keys)
			if err != nil {
				return err
			}
			for i, j := range jobs {
				prev, ok := used[j.req.Key]
				switch {
				case !ok:
					work = append(work, i)
				case prev.SameRequest(j.req.Hash):
					results[i].err = &pg.Replayed{Answer: pg.Answer{Status: prev.Status, ContentType: prev.ContentType, Body: prev.Body}}
				default:
					results[i].err = pg.ErrKeyReused
				}
			}
			if len(work) == 0 {
				return nil
			}
		} else {
			for i := range jobs {
				work = append(work, i)
			}
		}
		claims, ids, workKeys := make([]NewClaim, len(work)), make([]string, len(work)), make([]string, len(work))
		for k, i := range work {
			claims[k], ids[k], workKeys[k] = jobs[i].claim, jobs[i].actor.RequestID, keys[i]
		}
		if lookFirst {
			workKeys = nil // read above
		}
		outs, err := s.SubmitEach(ctx, claims, ids, workKeys)
		if err != nil {
			return err
		}
		// A refused claim stores nothing: its key may be used again.
		var stored []pg.Stored
		for k, i := range work {
			j := jobs[i]
			results[i].out = outs[k]
			a := j.req.Render(outs[k])
			j.req.Answered = &a
			if a.Status < 400 {
				stored = append(stored, pg.Stored{Key: j.req.Key, Hash: j.req.Hash, Answer: a})
			}
		}
		taken, err := s.ids.InsertMany(ctx, tx, first.req.Scope, first.actor.KeyID, first.req.Method, first.req.Path, stored)
		if err != nil {
			return err
		}
		if len(taken) > 0 {
			return errKeysTaken
		}
		return nil
	})
	if err != nil {
		for _, j := range jobs {
			j.req.Answered = nil
		}
		if ctx.Err() != nil {
			// Counts only: the claims are the clients'.
			// requests_ended: their clients left, or the server is
			// shutting down (a re-check read "clients_left" for those).
			slog.Warn("claim group given up", "claims", len(jobs), "requests_ended", countLeft(jobs),
				"timed_out", errors.Is(ctx.Err(), context.DeadlineExceeded))
		}
		return nil, fmt.Errorf("claim group: %w", err)
	}
	return results, nil
}

// groupTimeout bounds a claim group's transaction.
const groupTimeout = 2 * time.Minute

// whenAllLeft calls cancel once every job's client has left; the returned
// func stops watching.
func whenAllLeft(jobs []*claimJob, cancel func()) (stop func()) {
	var waiting atomic.Int64
	waiting.Store(int64(len(jobs)))
	stops := make([]func() bool, len(jobs))
	for i, j := range jobs {
		stops[i] = context.AfterFunc(j.ctx, func() {
			if waiting.Add(-1) == 0 {
				cancel()
			}
		})
	}
	return func() {
		for _, stop := range stops {
			stop()
		}
	}
}

func countLeft(jobs []*claimJob) (n int) {
	for _, j := range jobs {
		if j.left() {
			n++
		}
	}
	return n
}

// errKeysTaken rolls a group back whose keys another transaction answered
// first.
var errKeysTaken = errors.New("idempotency keys answered meanwhile")
