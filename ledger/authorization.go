package ledger

import (
	"time"

	"rss"
	"rss/adjudication"
)

// Authorization is the units a provider may deliver and bill.
type Authorization struct {
	ID               int64      `json:"id" db:"id"`
	Number           string     `json:"number" db:"number"`
	VoucherRequestID int64      `json:"voucher_request_id" db:"voucher_request_id"`
	ClientID         int64      `json:"client_id" db:"client_id"`
	ProviderID       int64      `json:"provider_id" db:"provider_id"`
	ProgramCode      string     `json:"program_code" db:"program_code"`
	ServiceCode      string     `json:"service_code" db:"service_code"`
	EpisodeID        int64      `json:"episode_id,omitempty" db:"episode_id"` // MSC roles only
	EnrollmentID     int64      `json:"enrollment_id" db:"enrollment_id"`
	UnitsAuthorized  int        `json:"units_authorized" db:"units_authorized"`
	UnitsUsed        int        `json:"units_used" db:"units_used"`
	UnitsRemaining   int        `json:"units_remaining" db:"-"`
	Rate             rss.Money  `json:"rate" db:"rate"`
	StartDate        rss.Date   `json:"start_date" db:"start_date"`
	EndDate          rss.Date   `json:"end_date" db:"end_date"`
	Status           string     `json:"status" db:"-"`
	VoidedAt         *time.Time `json:"voided_at" db:"voided_at"`
	VoidReason       *string    `json:"void_reason" db:"void_reason"`
	CreatedAt        time.Time  `json:"created_at" db:"created_at"`
}

// Authorization statuses.
const (
	StatusActive    = "active"
	StatusExhausted = "exhausted"
	StatusExpired   = "expired"
	StatusVoid      = "void"
)

// Derive fills the computed fields: remaining units and the status on
// today (void, then exhausted, then expired, else active).
func (a *Authorization) Derive(today rss.Date) {
	a.UnitsRemaining = a.UnitsAuthorized - a.UnitsUsed
	switch {
	case a.VoidedAt != nil:
		a.Status = StatusVoid
	case a.UnitsRemaining <= 0:
		a.Status = StatusExhausted
	case a.EndDate.Before(today):
		a.Status = StatusExpired
	default:
		a.Status = StatusActive
	}
}

// Rule converts to the adjudicator's view; it is the one converter of an
// authorization, for voucher requests and claims alike.
func (a *Authorization) Rule() adjudication.Authorization {
	return adjudication.Authorization{ID: a.ID, Number: a.Number, ProviderID: a.ProviderID, ServiceCode: a.ServiceCode,
		EpisodeID: a.EpisodeID, Start: a.StartDate.Time, End: a.EndDate.Time, UnitsAuthorized: a.UnitsAuthorized,
		UnitsUsed: a.UnitsUsed, Rate: a.Rate.Decimal, Void: a.VoidedAt != nil}
}
