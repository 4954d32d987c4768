package staff

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"rss"
	"rss/access"
	"rss/vouchers"
)

// QueueItem is one record waiting for the department's verification.
type QueueItem struct {
	Kind    string `json:"kind" db:"kind"`
	ID      int64  `json:"id" db:"id"`
	StaffID int64  `json:"staff_id" db:"staff_id"`
	// Whose record it is, so the verifier checks that the document names
	// this person in this role (a black-box pass read only ids).
	StaffName       string          `json:"staff_name" db:"staff_name"`
	StaffRole       string          `json:"staff_role" db:"staff_role"`
	ProviderID      int64           `json:"provider_id" db:"provider_id"`
	ProviderCode    string          `json:"provider_code" db:"provider_code"`
	SubmittedAt     time.Time       `json:"submitted_at" db:"submitted_at"`
	SubmittedByRole *string         `json:"submitted_by_role" db:"submitted_by_role"`
	AgeDays         int             `json:"age_days" db:"-"`
	Record          json.RawMessage `json:"record" db:"record"`
}

// QueueFilter narrows the queue.
type QueueFilter struct {
	Kind       string
	ProviderID int64
}

// queueSQL lists pending records of the three kinds, oldest first, after
// the cursor's position ($1 submitted_at, $2 kind, $3 id; NULL for the
// first page), of one kind ($4) and agency ($5) when given.
const queueSQL = `WITH q AS (
		SELECT 'credentials' AS kind, c.id, c.staff_id, c.submitted_at, c.submitted_by_role,
		       json_build_object('type', c.type, 'issuer', c.issuer, 'number', c.number, 'valid_from', c.valid_from,
		           'valid_to', c.valid_to) AS record
		FROM staff_credentials c WHERE c.verification_status = 'pending'
		UNION ALL
		SELECT 'background-checks', b.id, b.staff_id, b.submitted_at, b.submitted_by_role,
		       json_build_object('checked_on', b.checked_on, 'result', b.result, 'agency', b.agency)
		FROM background_checks b WHERE b.verification_status = 'pending'
		UNION ALL
		SELECT 'experience', e.id, e.staff_id, e.submitted_at, e.submitted_by_role,
		       json_build_object('kind', e.kind, 'service_code', e.service_code, 'started_on', e.started_on, 'ended_on', e.ended_on)
		FROM staff_experience e WHERE e.verification_status = 'pending')
	SELECT q.kind, q.id, q.staff_id, st.first_name || ' ' || st.last_name AS staff_name, st.role AS staff_role,
	       st.provider_id, p.code AS provider_code, q.submitted_at, q.submitted_by_role, q.record
	FROM q JOIN staff st ON st.id = q.staff_id JOIN providers p ON p.id = st.provider_id
	WHERE ($1::timestamptz IS NULL OR (q.submitted_at, q.kind, q.id) > ($1::timestamptz, $2::text, $3::bigint))
	  AND ($4::text = '' OR q.kind = $4) AND ($5::bigint = 0 OR st.provider_id = $5)
	ORDER BY q.submitted_at, q.kind, q.id
	LIMIT $6`

// Queue lists what waits for verification, oldest first (admin only),
// one page at a time.
func (s *Service) Queue(ctx context.Context, f QueueFilter, p vouchers.Page) (vouchers.List[QueueItem], error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return vouchers.List[QueueItem]{}, err
	}
	if f.Kind != "" {
		if _, ok := kindTable[f.Kind]; !ok {
			return vouchers.List[QueueItem]{}, rss.Invalid("kind", "invalid_value", "kind must be credentials, background-checks or experience")
		}
	}
	limit, after, err := queueCursor(p)
	if err != nil {
		return vouchers.List[QueueItem]{}, err
	}
	var at any
	if !after.at.IsZero() {
		at = after.at
	}
	var items []QueueItem
	if err := s.db.SelectContext(ctx, &items, queueSQL, at, after.kind, after.id, f.Kind, f.ProviderID, limit+1); err != nil {
		return vouchers.List[QueueItem]{}, fmt.Errorf("verification queue: %w", err)
	}
	now := s.now()
	for i := range items {
		items[i].AgeDays = max(0, int(now.Sub(items[i].SubmittedAt).Hours()/24))
	}
	out := vouchers.List[QueueItem]{Items: items}
	if out.Items == nil {
		out.Items = []QueueItem{}
	}
	if len(items) > limit {
		out.Items = items[:limit]
		last := out.Items[limit-1]
		out.NextCursor = queuePos{at: last.SubmittedAt, kind: last.Kind, id: last.ID}.cursor()
	}
	return out, nil
}

type queuePos struct {
	at   time.Time
	kind string
	id   int64
}

// cursor is the position as the list issues it.
func (q queuePos) cursor() string {
	return base64.RawURLEncoding.EncodeToString([]byte("q:" + q.at.UTC().Format(time.RFC3339Nano) + "|" + q.kind + "|" +
		strconv.FormatInt(q.id, 10)))
}

// queueCursor reads the page: the limit as every list takes it, and the
// position of the last item of the previous page.
func queueCursor(p vouchers.Page) (int, queuePos, error) {
	_, limit, err := vouchers.Page{Limit: p.Limit}.After()
	if err != nil || p.Cursor == "" {
		return limit, queuePos{}, err
	}
	bad := rss.Invalid("cursor", "invalid_cursor", "cursor is not one this API issued")
	raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
	if err != nil || !strings.HasPrefix(string(raw), "q:") {
		return 0, queuePos{}, bad
	}
	parts := strings.Split(strings.TrimPrefix(string(raw), "q:"), "|")
	if len(parts) != 3 {
		return 0, queuePos{}, bad
	}
	at, err := time.Parse(time.RFC3339Nano, parts[0])
	if err != nil {
		return 0, queuePos{}, bad
	}
	id, err := strconv.ParseInt(parts[2], 10, 64)
	if _, ok := kindTable[parts[1]]; !ok || err != nil || id <= 0 {
		return 0, queuePos{}, bad
	}
	// Only the form issued, as every list's cursor: another spelling of
	// the same position (an offset for Z, a leading zero) was taken (a
	// black-box pass).
	pos := queuePos{at: at, kind: parts[1], id: id}
	if pos.cursor() != p.Cursor {
		return 0, queuePos{}, bad
	}
	return limit, pos, nil
}
