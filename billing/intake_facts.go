package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/ledger"
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
	held        []ledger.Held // the clients' live authorizations, locked
	counted     []ledger.Key  // counted lines the submission's lines repeat
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
	Batched      bool            `db:"-"`
}

// entry is what the line holds on the ledger.
func (l *originalLine) entry(client int64) ledger.Entry {
	return ledger.Entry{Key: ledger.Key{Client: client, Service: l.ServiceCode, DOS: l.DOS.Time, Units: l.Units},
		AuthorizationID: l.AuthID, EpisodeID: l.EpisodeID, UnitsAllowed: l.UnitsAllowed, Allowed: l.Allowed.Decimal, Paid: l.Paid.Decimal}
}

// snapshot takes the submission's locks in one global order, originals
// (claims, then their lines, by id) and then the clients' live
// authorizations with their episodes (by authorization id), and then
// reads every other fact in one statement. That statement starts after
// the locks are held, so it sees everything whoever held them committed:
// above all the counted lines a new line would duplicate.
func (s *Service) snapshot(ctx context.Context, tx *sqlx.Tx, in *submission) (*facts, error) {
	provider := in.actor.ProviderID
	f := &facts{existing: map[string]existingClaim{}, originals: map[int64]*original{}}
	var numbers []string
	clientSet, origSet := map[int64]bool{}, map[int64]bool{}
	for i := range in.claims {
		if in.errs[i] != nil {
			continue
		}
		numbers = append(numbers, in.claims[i].ClaimNumber)
		clientSet[in.claims[i].ClientID] = true
		if in.claims[i].OriginalClaimID != nil {
			origSet[*in.claims[i].OriginalClaimID] = true
		}
	}
	origIDs := sortedKeys(origSet)
	if len(origIDs) > 0 {
		if err := f.lockOriginals(ctx, tx, provider, origIDs); err != nil {
			return nil, err
		}
		for _, o := range f.originals {
			clientSet[o.ClientID] = true
		}
	}
	clients := sortedKeys(clientSet)
	var err error
	if f.held, err = ledger.LockForClaims(ctx, s.prepared(tx), provider, clients); err != nil {
		return nil, ledgerError(err)
	}

	var keys lineKeys
	for i := range in.claims {
		if in.errs[i] == nil {
			for _, l := range in.claims[i].Lines {
				keys.add(in.claims[i].ClientID, l.ServiceCode, l.DateOfService.String(), l.Units)
			}
		}
	}
	var q struct {
		Version     int64  `db:"ref_version"`
		Existing    []byte `db:"existing"`
		Clients     []byte `db:"clients"`
		Enrollments []byte `db:"enrollments"`
		Counted     []byte `db:"counted"`
	}
	st, err := s.stmts.In(ctx, tx, factsQuery)
	if err != nil {
		return nil, err
	}
	if err := st.GetContext(ctx, &q, provider, pq.Array(numbers), pq.Array(clients), pq.Array(keys.clients),
		pq.Array(keys.services), pq.Array(keys.dates), pq.Array(keys.units)); err != nil {
		return nil, fmt.Errorf("claim facts: %w", err)
	}
	if f.ref, err = s.ref.get(ctx, tx, q.Version); err != nil {
		return nil, err
	}
	var ok bool
	if f.provider, ok = f.ref.providers[provider]; !ok {
		return nil, fmt.Errorf("%w: provider %d", rss.ErrNotFound, provider)
	}
	f.address = f.ref.addresses[provider]
	return f, f.decode(&q.Existing, &q.Clients, &q.Enrollments, &q.Counted)
}

// lockOriginals locks the claims being voided or replaced, then their
// lines, by id, and then reads which lines are batched: a batch being
// created is waited for, never half-seen.
func (f *facts) lockOriginals(ctx context.Context, tx *sqlx.Tx, provider int64, ids []int64) error {
	var rows []Claim
	if err := tx.SelectContext(ctx, &rows, `SELECT `+claimColumns+` FROM claims c
		WHERE c.id = ANY($1) AND c.provider_id = $2 ORDER BY c.id FOR UPDATE`, pq.Array(ids), provider); err != nil {
		return fmt.Errorf("originals: %w", err)
	}
	for i := range rows {
		f.originals[rows[i].ID] = &original{Claim: rows[i]}
	}
	var lines []originalLine
	if err := tx.SelectContext(ctx, &lines, `SELECT l.id, l.claim_id, l.line_number, l.service_code, l.date_of_service, l.units,
			l.charge, l.authorization_number, l.authorization_id, l.episode_id, l.units_allowed, l.allowed, l.paid, l.rate,
			l.adjustments, l.counted
		FROM claim_lines l WHERE l.claim_id = ANY($1) ORDER BY l.id FOR UPDATE`, pq.Array(ids)); err != nil {
		return fmt.Errorf("original lines: %w", err)
	}
	sort.Slice(lines, func(i, j int) bool {
		if lines[i].ClaimID != lines[j].ClaimID {
			return lines[i].ClaimID < lines[j].ClaimID
		}
		return lines[i].LineNumber < lines[j].LineNumber
	})
	var batched []int64
	if err := tx.SelectContext(ctx, &batched, `SELECT bl.line_id FROM claim_lines l JOIN batch_lines bl ON bl.line_id = l.id
		WHERE l.claim_id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("original lines: %w", err)
	}
	inBatch := make(map[int64]bool, len(batched))
	for _, id := range batched {
		inBatch[id] = true
	}
	for _, l := range lines {
		if o := f.originals[l.ClaimID]; o != nil {
			l.Batched = inBatch[l.ID]
			o.lines = append(o.lines, l)
		}
	}
	return nil
}

// decode unpacks the facts statement's columns into the shared types and
// converts them to the adjudicator's once, with the converters voucher
// requests use (vouchers.RuleClient, vouchers.RuleEnrollment).
func (f *facts) decode(existing, clients, enrollments, counted *[]byte) error {
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
		Client  int64    `json:"c"`
		Service string   `json:"s"`
		DOS     rss.Date `json:"d"`
		Units   int      `json:"u"`
	}
	if err := json.Unmarshal(*counted, &ks); err != nil {
		return fmt.Errorf("decode counted lines: %w", err)
	}
	f.counted = make([]ledger.Key, len(ks))
	for i, k := range ks {
		f.counted[i] = ledger.Key{Client: k.Client, Service: k.Service, DOS: k.DOS.Time, Units: k.Units}
	}
	return nil
}

// lineKeys are the submission's lines as duplicate keys, one array per
// column.
type lineKeys struct {
	clients  []int64
	services []string
	dates    []string
	units    []int64
}

func (k *lineKeys) add(client int64, service, date string, units int) {
	k.clients, k.services = append(k.clients, client), append(k.services, service)
	k.dates, k.units = append(k.dates, date), append(k.units, int64(units))
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
// the ledger: the reference version, the claims already on file under its
// numbers, the clients the agency serves with their enrollments, and the
// counted lines its lines would repeat. Each is looked up key by key, so
// its cost follows the submission, not the size of a table or of a
// client's history. Its plans stay custom: a generic plan made while a
// table was small picks an index that only fits a small table (claims by
// provider, say) and keeps it as the table grows.
const factsQuery = `SELECT
	(SELECT version FROM reference_version WHERE id = 1) AS ref_version,
	COALESCE((SELECT json_agg(x.j) FROM unnest($2::text[]) AS n(number), LATERAL (
	          SELECT json_build_object('number', c.claim_number, 'id', c.id, 'hash', encode(c.request_hash, 'hex')) AS j
	          FROM claims c WHERE c.provider_id = $1 AND c.claim_number = n.number) x), '[]') AS existing,
	COALESCE((SELECT json_agg(x.j) FROM unnest($3::bigint[]) AS k(id), LATERAL (
	          SELECT json_build_object('id', c.id, 'date_of_birth', c.date_of_birth, 'medicaid_id', c.medicaid_id,
	                 'catchment_area', c.catchment_area, 'substance_use_status', c.substance_use_status,
	                 'address_line1', c.address_line1, 'city', c.city, 'state', c.state, 'zip', c.zip) AS j
	          FROM clients c WHERE c.id = k.id AND c.provider_id = $1) x), '[]') AS clients,
	COALESCE((SELECT json_agg(x.j) FROM unnest($3::bigint[]) AS k(id), LATERAL (
	          SELECT json_build_object('id', e.id, 'client_id', e.client_id, 'provider_id', e.provider_id,
	                 'program_code', e.program_code, 'episode_id', e.episode_id, 'start_date', e.start_date,
	                 'planned_end_date', e.planned_end_date, 'discharge_date', e.discharge_date,
	                 'primary_case_manager', e.primary_case_manager, 'assigned_staff_id', e.assigned_staff_id) AS j
	          FROM enrollments e WHERE e.client_id = k.id AND e.provider_id = $1) x), '[]') AS enrollments,
	COALESCE((SELECT json_agg(x.j) FROM (SELECT DISTINCT * FROM unnest($4::bigint[], $5::text[], $6::date[], $7::int[])) AS k(client, service, dos, units),
	          LATERAL (
	          SELECT json_build_object('c', l.client_id, 's', l.service_code, 'd', l.date_of_service, 'u', l.units) AS j
	          FROM claim_lines l WHERE l.counted AND l.client_id = k.client AND l.provider_id = $1
	           AND l.service_code = k.service AND l.date_of_service = k.dos AND l.units = k.units) x), '[]') AS counted`
