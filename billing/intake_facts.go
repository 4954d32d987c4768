package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/jmoiron/sqlx/reflectx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
	"rss/pg"
	"rss/vouchers"
)

// submission is what was sent: the claims, each one's validation error,
// and who sent them when.
type submission struct {
	actor      access.Actor
	claims     []NewClaim
	errs       []error  // per claim, from validate
	requestIDs []string // per claim, when claims came as separate requests
	today      rss.Date
	now        time.Time
	// keys are the requests' idempotency keys (of scope: pg.Request) whose
	// stored answers the snapshot reads beside the facts, when the caller
	// folds that lookup in (one round trip fewer a request): a bulk
	// request's own key (pg.DoFolded), or a group's keys.
	scope int64
	keys  []string
}

func newSubmission(a access.Actor, claims []NewClaim, requestIDs []string, today rss.Date, now time.Time) *submission {
	in := &submission{actor: a, claims: claims, errs: make([]error, len(claims)), requestIDs: requestIDs, today: today, now: now}
	for i := range claims {
		in.errs[i] = claims[i].validate(today)
	}
	return in
}

// facts is the read-only snapshot one submission is decided on, read with
// every lock it needs already held.
type facts struct {
	ref       *reference
	provider  adjudication.Provider
	address   adjudication.PostalAddress // the provider's, for the 837P
	existing  map[string]existingClaim   // by claim number, already on file
	originals map[int64]*original        // claims voided or replaced, locked
	clients   map[int64]servedClient     // served by this agency
	// enrollments of the clients with this agency, by client
	enrollments map[int64][]adjudication.Enrollment
	held        []ledger.Held      // the clients' authorizations with the agency (void ones too), locked
	counted     []ledger.Key       // counted lines the submission's lines repeat
	days        map[ledger.Day]int // the units the counted lines of its lines' days hold
	// minutes are the minutes the counted lines of the services counted by
	// time hold of its lines' clients' dates (C00's day across services).
	minutes map[ledger.ClientDay]int
	// holdings are what the locked authorizations' episodes hold of each
	// service, every agency's (ledger.EpisodeHoldingsSQL).
	holdings ledger.Holdings
	// stems are the claims on file numbered X for a submitted X-k, with
	// their lines; parts the claims on file numbered as the parts of a
	// submitted claim of more than 50 lines, id by number (partsFree).
	stems map[string]numberedClaim
	parts map[string]int64
	// sent are the loops the agency's batches sent under a submitted
	// number X-k as CLM01, with the claim each carried (partsFree).
	sent map[string]loopSentAs
}

// servedClient is a client of the agency as the rules and the 837P see them.
type servedClient struct {
	rule    adjudication.Client
	address adjudication.PostalAddress
}

// existingClaim is a claim already on file with the number a submission uses.
type existingClaim struct {
	ID   int64  `json:"id"`
	Hash string `json:"hash"`
	// What names a void: its client and the claim it voids (sameVoid).
	ClientID  int64  `json:"client_id"`
	Frequency string `json:"frequency"`
	Original  *int64 `json:"original_claim_id"`
}

// sameVoid reports whether n, a void, is the void e on file: a void is
// what it voids (its lines, staff, place of service and diagnoses are the
// original's), so one that names the same client and original under the
// number is the same claim whatever form it was sent in. A void taken in
// another form (its lines [] for none, or before the fields a void does
// not carry were refused) and sent again read 409 claim_number_reused, as
// if another claim held its number, where openapi promises 200 (a
// black-box pass).
func (e existingClaim) sameVoid(n *NewClaim) bool {
	return n.Frequency == FreqVoid && e.Frequency == FreqVoid && e.ClientID == n.ClientID &&
		e.Original != nil && n.OriginalClaimID != nil && *e.Original == *n.OriginalClaimID
}

type original struct {
	Claim
	lines []originalLine
}

// originalLine is a line of a claim being voided or replaced.
type originalLine struct {
	ID           int64           `db:"id"`
	ClaimID      int64           `db:"claim_id"`
	LineNumber   int             `db:"line_number"`
	ServiceCode  string          `db:"service_code"`
	DOS          rss.Date        `db:"date_of_service"`
	Units        int             `db:"units"`
	Charge       rss.Money       `db:"charge"`
	AuthNumber   *string         `db:"authorization_number"`
	AuthID       *int64          `db:"authorization_id"`
	EpisodeID    *int64          `db:"episode_id"`
	UnitsAllowed int             `db:"units_allowed"`
	Allowed      rss.Money       `db:"allowed"`
	Paid         rss.Money       `db:"paid"`
	Rate         *rss.Money      `db:"rate"`
	Adjustments  json.RawMessage `db:"adjustments"`
	Counted      bool            `db:"counted"`
	// Billable: the line goes to the payer in a batch (a void's reversal
	// of a line no batch took is on the record only).
	Billable bool `db:"billable"`
	Batched  bool `db:"-"`
	// Rejected: a line of a void that went out in a CLM loop the payer
	// turned away (loopRejectedX), which a resend sends again.
	Rejected bool `db:"-"`
	// TakenBack: a Rejected line whose original's loop the payer has since
	// taken back itself (takenBackY): nothing of it is left to void.
	TakenBack bool `db:"-"`
}

// entry is what the line holds on the ledger.
func (l *originalLine) entry(client int64) ledger.Entry {
	return ledger.Entry{Key: ledger.Key{Client: client, Service: l.ServiceCode, DOS: l.DOS.Time, Units: l.Units},
		AuthorizationID: l.AuthID, EpisodeID: l.EpisodeID, UnitsAllowed: l.UnitsAllowed, Allowed: l.Allowed.Decimal, Paid: l.Paid.Decimal}
}

// snapshot takes the submission's savepoint and its locks in one global
// order, the agency's intake lock shared (pg.IntakeLockSQL), originals
// (claims, then their lines, by id), the agency's claim
// parts lock when a number of it concerns another claim's parts
// (partsLockSQL), and then the clients' authorizations with the agency and
// their episodes (by authorization id), and then reads every other fact.
// Those reads start after the locks are held, so they see everything
// whoever held them committed: above all the counted lines a new line
// would duplicate, and the claims a number would collide with.
//
// It takes three round trips. The first goes as one simple query, its
// arguments quoted as literals, and Postgres runs its statements in order,
// each on a snapshot of its own taken when it starts: the savepoint, the
// stored answers, the intake lock, the originals, the parts lock, the
// ledger's lock (planned every time: ledger.LockForClaimsSQL), and the
// settings the facts run with (genericPlans). The facts (factsQuery) run
// prepared, on a generic plan: planning them as a custom plan every time
// took longer than running them (1.0-1.3 ms of a single claim's 4-5,
// December 2026). The claims on file under the submission's numbers
// (existingSQL, stemsSQL, partsSQL) are read last, as a simple query
// planned every time: a generic plan made while the claims table was
// small looks claims up by agency rather than by number (the two indexes
// cost the same on a table the planner has not seen grow) and keeps that
// as the table grows.
func (s *Service) snapshot(ctx context.Context, tx *sqlx.Tx, in *submission) (*facts, error) {
	provider := in.actor.ProviderID
	f := &facts{existing: map[string]existingClaim{}, originals: map[int64]*original{}}
	numbers := newColumn(len(in.claims), 12)
	clientSet, origSet := map[int64]bool{}, map[int64]bool{}
	var keys lineKeys
	// The numbers X of submitted X-k, and the claims that may have more
	// than 50 lines (more than 50 of their own, or reversals to come):
	// each with its lines and its original.
	stems, partNumbers, big, bigLines, bigOrigs := newColumn(0, 12), newColumn(0, 12), newColumn(0, 12), newColumn(0, 3), newColumn(0, 8)
	for i := range in.claims {
		if in.errs[i] != nil {
			continue
		}
		n := &in.claims[i]
		numbers.text(n.ClaimNumber)
		if stem, _, ok := partOf(n.ClaimNumber); ok {
			stems.text(stem)
			partNumbers.text(n.ClaimNumber)
		}
		if len(n.Lines) > maxLinesPerCLM || n.OriginalClaimID != nil {
			big.text(n.ClaimNumber)
			bigLines.int(int64(len(n.Lines)))
			bigOrigs.intOrNull(n.OriginalClaimID)
		}
		clientSet[n.ClientID] = true
		if n.OriginalClaimID != nil {
			origSet[*n.OriginalClaimID] = true
		}
		for _, l := range n.Lines {
			keys.add(n.ClientID, l.ServiceCode, l.DateOfService.String(), l.Units)
		}
	}
	// A void or replacement bills its original's client (decide refuses it
	// otherwise), so the clients named are all the ledger needs locked.
	clientIDs := sortedKeys(clientSet)
	clients, origIDs := intColumn(clientIDs), intColumn(sortedKeys(origSet))
	prov := strconv.FormatInt(provider, 10)

	var q strings.Builder
	q.WriteString("SAVEPOINT claim_intake;\n")
	if len(in.keys) > 0 {
		ks := newColumn(len(in.keys), 16)
		for _, k := range in.keys {
			ks.text(k)
		}
		q.WriteString(pg.StoredAnswersSQL(strconv.FormatInt(in.scope, 10), literal(ks, "text[]")))
		q.WriteString(";\n")
	}
	// The agency's intake lock, shared, before any fact is read: a change
	// that takes days away from the agency's claims (a deactivation, an
	// agreement's end, a departure, an eligibility end) takes it alone
	// before it looks for paid lines on them, so either it sees this
	// submission's lines or this submission's facts see it.
	q.WriteString(pg.IntakeLockSQL(provider))
	q.WriteString(";\n")
	if len(origSet) > 0 {
		for _, st := range []string{originalsQuery, originalLinesQuery, batchedQuery, rejectedVoidLinesQuery} {
			q.WriteString(bind(st, prov, literal(origIDs, "bigint[]")))
			q.WriteString(";\n")
		}
	}
	// After the originals, whose lines the lock's choice counts, and before
	// the ledger's locks, which every submission takes.
	partsLock := len(stems.b) > 0 || len(big.b) > 0
	if partsLock {
		q.WriteString(bind(partsLockSQL, prov, literal(bigLines, "int[]"), literal(bigOrigs, "bigint[]")))
		q.WriteString(";\n")
	}
	q.WriteString(ledger.LockForClaimsSQL(provider, clientIDs))
	q.WriteString(";\n")
	// The plans the facts run on (and the write's): see factsQuery.
	q.WriteString(genericPlans)

	rows, err := tx.QueryContext(ctx, q.String())
	if err != nil {
		return nil, ledgerError(fmt.Errorf("claim facts: %w", err))
	}
	defer rows.Close()
	r := results{rows: rows, mapper: tx.Mapper}
	if len(in.keys) > 0 {
		var stored []pg.KeyedAnswer
		if r.all(&stored); r.err == nil && len(stored) > 0 {
			return nil, answered(ctx, stored)
		}
	}
	r.skip() // the intake lock
	if len(origSet) > 0 {
		var claims []Claim
		var lines []originalLine
		var batched []int64
		var rejected []rejectedVoidLine
		r.all(&claims)
		r.all(&lines)
		r.ids(&batched)
		r.all(&rejected)
		f.addOriginals(claims, lines, batched, rejected)
	}
	if partsLock {
		r.skip()
	}
	r.all(&f.held)
	if r.err == nil {
		r.err = rows.Close()
	}
	if r.err != nil {
		return nil, ledgerError(fmt.Errorf("claim facts: %w", r.err))
	}

	// The facts, read after the locks.
	read, err := s.stmts.In(ctx, tx, factsQuery)
	if err != nil {
		return nil, err
	}
	var fq struct {
		Version     int64  `db:"ref_version"`
		Clients     []byte `db:"clients"`
		Enrollments []byte `db:"enrollments"`
		Counted     []byte `db:"counted"`
		Holdings    []byte `db:"holdings"`
	}
	if err := read.GetContext(ctx, &fq, provider, clients.String(), keys.clients.String(), keys.services.String(),
		keys.dates.String(), keys.units.String(), in.today.String()); err != nil {
		return nil, ledgerError(fmt.Errorf("claim facts: %w", err))
	}
	// The claims on file under the submission's numbers, planned every
	// time (existingSQL), in a simple query that also sets back what
	// genericPlans set for the facts alone (afterFacts). The claims a
	// number concerns as another's part are read only for a submission
	// that has such a number (few do): planning the two lookups took three
	// times as long as the rest of the statement.
	stemsCol, sentCol, partsCol := noClaims, noClaims, noClaims
	if len(stems.b) > 0 {
		stemsCol = bind(stemsSQL, prov, literal(stems, "text[]"))
		sentCol = bind(sentSQL, prov, literal(partNumbers, "text[]"))
	}
	if len(big.b) > 0 {
		partsCol = bind(partsSQL, prov, literal(big, "text[]"), literal(bigLines, "int[]"), literal(bigOrigs, "bigint[]"))
	}
	var on struct {
		Existing []byte `db:"existing"`
		Stems    []byte `db:"stems"`
		Sent     []byte `db:"sent"`
		Parts    []byte `db:"parts"`
	}
	if err := tx.GetContext(ctx, &on, "SELECT "+bind(existingSQL, prov, literal(numbers, "text[]"))+" AS existing,\n\t"+
		stemsCol+" AS stems,\n\t"+sentCol+" AS sent,\n\t"+partsCol+" AS parts;\n"+afterFacts); err != nil {
		return nil, ledgerError(fmt.Errorf("claim facts: claims on file: %w", err))
	}
	if f.ref, err = s.ref.get(ctx, tx, fq.Version); err != nil {
		return nil, err
	}
	var ok bool
	if f.provider, ok = f.ref.providers[provider]; !ok {
		return nil, fmt.Errorf("%w: provider %d", rss.ErrNotFound, provider)
	}
	f.address = f.ref.addresses[provider]
	if err := f.decodeHoldings(fq.Holdings); err != nil {
		return nil, err
	}
	return f, f.decode(&on.Existing, &fq.Clients, &fq.Enrollments, &fq.Counted, &on.Stems, &on.Sent, &on.Parts)
}

// decodeHoldings reads what the episodes of the locked authorizations
// hold of each service (ledger.EpisodeHoldingsSQL).
func (f *facts) decodeHoldings(raw []byte) error {
	var hs []struct {
		Episode int64           `json:"e"`
		Service string          `json:"s"`
		Held    int             `json:"held"`
		Used    int             `json:"used"`
		Dollars decimal.Decimal `json:"dollars"`
		Max     *int            `json:"max"`
	}
	if err := json.Unmarshal(raw, &hs); err != nil {
		return fmt.Errorf("decode episode holdings: %w", err)
	}
	f.holdings = make(ledger.Holdings, len(hs))
	for _, h := range hs {
		x := ledger.Holding{Held: h.Held, Used: h.Used, Dollars: h.Dollars}
		if h.Max != nil {
			x.Max = *h.Max
		}
		f.holdings[ledger.EpisodeService{Episode: h.Episode, Service: h.Service}] = x
	}
	return nil
}

// answered is the error of a submission some of whose keys hold an
// answer already: a bulk request's replay (pg.DoFolded), or, for a group,
// errKeysAnswered, which has the group read its keys first and decide
// only the requests not answered.
func answered(ctx context.Context, stored []pg.KeyedAnswer) error {
	for _, a := range stored {
		if err := a.Replay(ctx); err != nil {
			return err
		}
	}
	return errKeysAnswered
}

// errKeysAnswered: a group's snapshot found answers stored under some of
// its keys.
var errKeysAnswered = errors.New("idempotency keys answered before")

// results reads the result sets of a simple query one after the other.
type results struct {
	rows   *sql.Rows
	mapper *reflectx.Mapper
	n      int
	err    error
}

// next moves to the next result set; false when there is none or an
// error was met before.
func (r *results) next() bool {
	if r.err != nil {
		return false
	}
	if r.n > 0 && !r.rows.NextResultSet() {
		r.err = fmt.Errorf("result set %d missing: %w", r.n+1, r.rows.Err())
		return false
	}
	r.n++
	return true
}

// all scans the next result set into dest, a pointer to a slice of structs.
func (r *results) all(dest any) {
	if r.next() {
		// sqlx maps columns to fields once per Rows: each result set gets its own.
		r.err = sqlx.StructScan(&sqlx.Rows{Rows: r.rows, Mapper: r.mapper}, dest)
	}
}

// skip reads past the next result set, whatever it holds.
func (r *results) skip() {
	if !r.next() {
		return
	}
	for r.rows.Next() {
	}
	r.err = r.rows.Err()
}

// ids scans the next result set, of one bigint column, into dest.
func (r *results) ids(dest *[]int64) {
	if !r.next() {
		return
	}
	for r.rows.Next() {
		var id int64
		if r.err = r.rows.Scan(&id); r.err != nil {
			return
		}
		*dest = append(*dest, id)
	}
	r.err = r.rows.Err()
}

// rejectedVoidLine is a row of rejectedVoidLinesQuery.
type rejectedVoidLine struct {
	ID        int64 `db:"id"`
	TakenBack bool  `db:"taken_back"`
}

// addOriginals files the locked originals with their lines, in order, each
// marked batched or not, and rejected or not.
func (f *facts) addOriginals(claims []Claim, lines []originalLine, batched []int64, rejected []rejectedVoidLine) {
	for i := range claims {
		f.originals[claims[i].ID] = &original{Claim: claims[i]}
	}
	inBatch := make(map[int64]bool, len(batched))
	for _, id := range batched {
		inBatch[id] = true
	}
	turnedAway, takenBack := make(map[int64]bool, len(rejected)), map[int64]bool{}
	for _, r := range rejected {
		turnedAway[r.ID] = true
		if r.TakenBack {
			takenBack[r.ID] = true
		}
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].ClaimID != lines[j].ClaimID {
			return lines[i].ClaimID < lines[j].ClaimID
		}
		return lines[i].LineNumber < lines[j].LineNumber
	})
	for _, l := range lines {
		if o := f.originals[l.ClaimID]; o != nil {
			l.Batched, l.Rejected, l.TakenBack = inBatch[l.ID], turnedAway[l.ID], takenBack[l.ID]
			o.lines = append(o.lines, l)
		}
	}
}

// The originals a void or replacement names are locked first, then their
// lines, by id; which lines are batched is read after, so a batch being
// created is waited for, never half-seen.
const (
	originalsQuery = `SELECT ` + claimColumns + ` FROM claims c
		WHERE c.id = ANY($2) AND c.provider_id = $1 ORDER BY c.id FOR UPDATE`
	originalLinesQuery = `SELECT l.id, l.claim_id, l.line_number, l.service_code, l.date_of_service, l.units,
			l.charge, l.authorization_number, l.authorization_id, l.episode_id, l.units_allowed, l.allowed, l.paid, l.rate,
			l.adjustments, l.counted, l.billable
		FROM claim_lines l JOIN claims c ON c.id = l.claim_id AND c.provider_id = $1
		WHERE l.claim_id = ANY($2) ORDER BY l.id FOR UPDATE OF l`
	batchedQuery = `SELECT l.id FROM claim_lines l JOIN claims c ON c.id = l.claim_id AND c.provider_id = $1
		WHERE l.claim_id = ANY($2) AND l.billable
		  AND EXISTS (SELECT 1 FROM batch_claims b WHERE b.claim_id = l.claim_id AND b.lines > 0)`
	// rejectedVoidLinesQuery: the lines of a void (only a resend names
	// one), or of a replacement's void loops (a void or replacement of it
	// takes them again: voidLoopsTurnedAway), that its batch sent in a CLM
	// loop the payer turned away, nothing posted to it since, each with
	// whether the payer has since taken back the original's loop it voids
	// itself (takenBackY), through any resends before it (rootLineSQL).
	// Read after batchedQuery, under the same locks.
	rejectedVoidLinesQuery = `SELECT l.id, COALESCE(g.taken_back, false) AS taken_back FROM claim_lines l
		JOIN claims c ON c.id = l.claim_id AND c.provider_id = $1 AND c.frequency IN ('7', '8')
		JOIN batch_claims b ON b.claim_id = l.claim_id AND b.lines > 0
		JOIN batch_x12_claims x ON x.batch_id = b.batch_id AND x.claim_id = l.claim_id AND l.id = ANY (x.line_ids)
			AND (c.frequency = '8' OR x.frequency = '8')
		LEFT JOIN LATERAL (` + rootLineSQL + `) rt ON true
		LEFT JOIN LATERAL (SELECT ` + takenBackY + ` AS taken_back FROM batch_claims yb
			JOIN batch_x12_claims y ON y.batch_id = yb.batch_id AND y.claim_id = yb.claim_id
			WHERE yb.claim_id = rt.claim_id AND yb.lines > 0 AND rt.line_id = ANY (y.line_ids)) g ON true
		WHERE l.claim_id = ANY($2) AND l.billable AND ` + loopRejectedX
)

// bind puts literal arguments in the place of a statement's $1, $2, ...
func bind(query string, args ...string) string {
	return placeholder.ReplaceAllStringFunc(query, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return args[n-1]
	})
}

var placeholder = regexp.MustCompile(`\$[0-9]+`)

// literal quotes an array built by column as a typed SQL literal.
func literal(c *column, typ string) string { return pq.QuoteLiteral(c.String()) + "::" + typ }

func intColumn(ids []int64) *column {
	c := newColumn(len(ids), 8)
	for _, id := range ids {
		c.int(id)
	}
	return c
}

// decode unpacks the facts statement's columns into the shared types and
// converts them to the adjudicator's once, with the converters voucher
// requests use (vouchers.RuleClient, vouchers.RuleEnrollment).
func (f *facts) decode(existing, clients, enrollments, counted, stems, sent, parts *[]byte) error {
	var ex []struct {
		Number string `json:"number"`
		existingClaim
	}
	if err := json.Unmarshal(*existing, &ex); err != nil {
		return fmt.Errorf("decode claims on file: %w", err)
	}
	for _, e := range ex {
		f.existing[e.Number] = e.existingClaim
	}
	var cs []vouchers.Client
	if err := json.Unmarshal(*clients, &cs); err != nil {
		return fmt.Errorf("decode clients: %w", err)
	}
	f.clients = make(map[int64]servedClient, len(cs))
	for i := range cs {
		f.clients[cs[i].ID] = servedClient{rule: vouchers.RuleClient(&cs[i]), address: vouchers.ClientAddress(&cs[i])}
	}
	var es []vouchers.Enrollment
	if err := json.Unmarshal(*enrollments, &es); err != nil {
		return fmt.Errorf("decode enrollments: %w", err)
	}
	f.enrollments = make(map[int64][]adjudication.Enrollment, len(cs))
	for i := range es {
		f.enrollments[es[i].ClientID] = append(f.enrollments[es[i].ClientID], *vouchers.RuleEnrollment(&es[i]))
	}
	var ks []struct {
		Client int64    `json:"c"`
		DOS    rss.Date `json:"d"`
		// Services are the day's counted lines by service: their units,
		// and those the submission's lines of the service repeat.
		Services []struct {
			Code  string `json:"s"`
			Sum   int    `json:"n"`
			Units []int  `json:"u"`
		} `json:"l"`
	}
	if err := json.Unmarshal(*counted, &ks); err != nil {
		return fmt.Errorf("decode counted lines: %w", err)
	}
	f.counted, f.days, f.minutes = nil, make(map[ledger.Day]int, len(ks)), make(map[ledger.ClientDay]int, len(ks))
	for _, k := range ks {
		for _, s := range k.Services {
			f.days[ledger.Day{Client: k.Client, Service: s.Code, DOS: k.DOS.Time}] = s.Sum
			f.minutes[ledger.ClientDay{Client: k.Client, DOS: k.DOS.Time}] += s.Sum * f.ref.minutesPerUnit(s.Code)
			for _, u := range s.Units {
				f.counted = append(f.counted, ledger.Key{Client: k.Client, Service: s.Code, DOS: k.DOS.Time, Units: u})
			}
		}
	}
	var ss, ps []numberedClaim
	if err := json.Unmarshal(*stems, &ss); err != nil {
		return fmt.Errorf("decode claims numbered as stems: %w", err)
	}
	if err := json.Unmarshal(*parts, &ps); err != nil {
		return fmt.Errorf("decode claims numbered as parts: %w", err)
	}
	f.stems, f.parts = make(map[string]numberedClaim, len(ss)), make(map[string]int64, len(ps))
	for _, c := range ss {
		f.stems[c.Number] = c
	}
	for _, c := range ps {
		f.parts[c.Number] = c.ID
	}
	var sl []loopSentAs
	if err := json.Unmarshal(*sent, &sl); err != nil {
		return fmt.Errorf("decode loops sent under the numbers: %w", err)
	}
	f.sent = make(map[string]loopSentAs, len(sl))
	for _, l := range sl {
		f.sent[l.CLM01] = l
	}
	return nil
}

// lineKeys are the submission's lines as duplicate keys (client, service,
// date, units), one array per column.
type lineKeys struct {
	clients, services, dates, units *column
}

func (k *lineKeys) add(client int64, service, date string, units int) {
	if k.clients == nil {
		k.clients, k.services, k.dates, k.units = newColumn(0, 8), newColumn(0, 8), newColumn(0, 10), newColumn(0, 2)
	}
	k.clients.int(client)
	k.services.text(service)
	k.dates.token(date)
	k.units.int(int64(units))
}

func sortedKeys(m map[int64]bool) []int64 {
	out := make([]int64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// factsQuery reads, after the locks, every fact a submission needs beyond
// the ledger and the claims on file (existingSQL): the reference version,
// the clients the agency serves with their enrollments, and the
// counted lines of each client's date its lines name: what they hold of a
// service's day (a day holds its units once, however lines split them), of
// the client's day across the services counted by time (24 hours), and
// the lines they repeat (duplicates), and what the locked authorizations'
// episodes hold. Each is looked up key by key, so its cost follows the
// submission, not the size of a table or of a client's history.
//
// It runs prepared, on a generic plan made once per connection with
// sequential scans, bitmap scans, hash and merge joins ruled out
// (genericPlans): every row it reads it reads by an index probe from a
// key of the submission, whatever the tables held when the plan was made.
// Made with them allowed, on the empty tables of a new database, the
// generic plan hashed every client of the agency (tried in December 2026);
// and the agency is checked, not looked up by (provider_id + 0, which no
// index takes), where an index leads with it: made on the unanalyzed
// tables of a new database, the plan read every client and every
// enrollment of the agency by their agency indexes for each client (each
// cost there the same as the client's own index; the agency's counted
// lines have no index of their own, claim_lines_no_duplicate leads with
// the client);
// a custom plan trusts the table's statistics, and those lag a table that
// grows by ten thousand lines a request: estimating a few hundred counted
// lines for the agency, the planner joined the submission's keys by
// hashing every counted line of the agency, a read that grew with the
// table (130 ms a request at 100,000 lines). The counted lines' lookup
// ends in an aggregate, which keeps it a subquery of its own, run key by
// key on claim_lines_no_duplicate's leading columns (client, agency and
// date since migration 00111, a day's few lines). One scan a client's
// day, not one for the duplicates and one for the day's units: the two
// cost the bulk bench 40% more of PostgreSQL's time a request; nor one a
// service counted by time for the day across services, which cost it half
// as much again (December 2026). A line's key is its service and units in
// one text (a service code holds no space: services_code_format).
var factsQuery = `SELECT
	(SELECT version FROM reference_version WHERE id = 1) AS ref_version,
	COALESCE((SELECT json_agg(x.j) FROM unnest($2::bigint[]) AS k(id), LATERAL (
	          SELECT json_build_object('id', c.id, 'date_of_birth', c.date_of_birth, 'medicaid_id', c.medicaid_id,
	                 'catchment_area', c.catchment_area, 'substance_use_status', c.substance_use_status,
	                 'address_line1', c.address_line1, 'city', c.city, 'state', c.state, 'zip', c.zip,
	                 'eligibility', ` + vouchers.EligibilityJSON("c.id") + `) AS j
	          FROM clients c WHERE c.id = k.id AND c.provider_id + 0 = $1 LIMIT 1) x), '[]') AS clients,
	COALESCE((SELECT json_agg(x.j) FROM unnest($2::bigint[]) AS k(id), LATERAL (
	          SELECT json_build_object('id', e.id, 'client_id', e.client_id, 'provider_id', e.provider_id,
	                 'program_code', e.program_code, 'episode_id', e.episode_id, 'start_date', e.start_date,
	                 'planned_end_date', e.planned_end_date, 'discharge_date', e.discharge_date,
	                 'primary_case_manager', e.primary_case_manager, 'assigned_staff_id', e.assigned_staff_id) AS j
	          FROM enrollments e WHERE e.client_id = k.id AND e.provider_id + 0 = $1 OFFSET 0) x), '[]') AS enrollments,
	COALESCE((SELECT json_agg(json_build_object('c', k.client, 'd', k.dos, 'l', x.l))
	          FROM (SELECT client, dos, array_agg(service || ' ' || units) AS keys
	                FROM unnest($3::bigint[], $4::text[], $5::date[], $6::int[]) AS u(client, service, dos, units) GROUP BY 1, 2) k,
	          LATERAL (SELECT json_agg(json_build_object('s', g.s, 'n', g.n, 'u', g.dups)) AS l
	           FROM (SELECT l.service_code AS s, sum(l.units) AS n,
	                        array_agg(l.units) FILTER (WHERE l.service_code || ' ' || l.units = ANY (k.keys)) AS dups
	                 FROM claim_lines l WHERE l.counted AND l.client_id = k.client AND l.provider_id = $1
	                 AND l.date_of_service = k.dos GROUP BY 1) g) x
	          WHERE x.l IS NOT NULL), '[]') AS counted,
	` + ledger.EpisodeHoldingsSQL("$1", "$2::bigint[]", "$7::date") + ` AS holdings`

// existingSQL reads the claims on file of agency $1 under the submitted
// numbers $2, each looked up on claims_number_unique (LIMIT 1 keeps it a
// subquery of its own, run number by number).
const existingSQL = `COALESCE((SELECT json_agg(x.j) FROM unnest($2::text[]) AS n(number), LATERAL (
	          SELECT json_build_object('number', c.claim_number, 'id', c.id, 'hash', encode(c.request_hash, 'hex'),
	                 'client_id', c.client_id, 'frequency', c.frequency, 'original_claim_id', c.original_claim_id) AS j
	          FROM claims c WHERE c.provider_id = $1 AND c.claim_number = n.number LIMIT 1) x), '[]')`

// genericPlans asks for generic plans made with index probes only for the
// statements that follow it in the submission's transaction: factsQuery
// and the write (writeQuery, which sets plan_cache_mode and enable_seqscan
// back itself); afterFacts sets the rest back before the write. The statement-level settings are
// LOCAL: a rollback to the savepoint undoes them with the rest.
const genericPlans = `SET LOCAL plan_cache_mode = force_generic_plan;
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SET LOCAL enable_hashjoin = off;
SET LOCAL enable_mergejoin = off`

// afterFacts sets back what genericPlans set for the facts alone, so the
// write's plan is made as it was.
const afterFacts = `SET LOCAL enable_bitmapscan TO DEFAULT;
SET LOCAL enable_hashjoin TO DEFAULT;
SET LOCAL enable_mergejoin TO DEFAULT`

// noClaims stands for the stems or parts of a submission that has none.
const noClaims = "'[]'::json"

// stemsSQL reads the claims on file numbered X for the submitted numbers
// X-k ($2) of agency $1, each with its count of lines.
const stemsSQL = `COALESCE((SELECT json_agg(x.j) FROM (SELECT DISTINCT unnest($2::text[])) AS s(number), LATERAL (
	          SELECT json_build_object('number', c.claim_number, 'id', c.id,
	                 'lines', (SELECT count(*) FROM claim_lines l WHERE l.claim_id = c.id)) AS j
	          FROM claims c WHERE c.provider_id = $1 AND c.claim_number = s.number LIMIT 1) x), '[]')`

// sentSQL reads a loop agency $1's batches sent under each submitted
// number X-k ($2) as its CLM01, with the claim it carried and that
// claim's number: a void or replacement of a claim the payer split goes
// out in as many loops as the payer holds parts, X-1, X-2, however few
// its lines, so only what was sent tells those numbers (one probe of
// batch_x12_claims_clm01_idx a number).
const sentSQL = `COALESCE((SELECT json_agg(x.j) FROM (SELECT DISTINCT unnest($2::text[])) AS s(number), LATERAL (
	          SELECT json_build_object('clm01', b.clm01, 'claim', b.claim_id, 'number', c.claim_number, 'part', b.part, 'batch', b.batch_id) AS j
	          FROM batch_x12_claims b JOIN claims c ON c.id = b.claim_id
	          WHERE b.clm01 = s.number AND b.provider_id = $1 ORDER BY b.batch_id DESC LIMIT 1) x), '[]')`

// partsSQL reads the claims on file of agency $1 numbered as the parts of
// the submitted claims $2 that may have more than 50 lines (lines $3,
// originals $4), id by number.
var partsSQL = `COALESCE((SELECT json_agg(x.j) FROM unnest($2::text[], $3::int[], $4::bigint[]) AS s(number, lines, original),
	          LATERAL (SELECT ` + mostLinesSQL + ` AS most) m,
	          LATERAL generate_series(1, CASE WHEN m.most > ` + strconv.Itoa(maxLinesPerCLM) + ` THEN (m.most + ` +
	strconv.Itoa(maxLinesPerCLM-1) + `) / ` + strconv.Itoa(maxLinesPerCLM) + ` ELSE 0 END) AS k(part), LATERAL (
	          SELECT json_build_object('number', c.claim_number, 'id', c.id) AS j
	          FROM claims c WHERE c.provider_id = $1 AND c.claim_number = s.number || '-' || k.part LIMIT 1) x), '[]')`
