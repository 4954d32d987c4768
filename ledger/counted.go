package ledger

import (
	"time"

	"github.com/shopspring/decimal"

	"rss/adjudication"
)

// UnitsCounted is what an authorization holds of its episode on today: all
// it authorizes while it runs, and once it has lapsed, been voided or gone
// inactive only the units it used (the rest can no longer be billed; used
// units stay used).
func UnitsCounted(a *adjudication.Authorization, today time.Time) int {
	switch {
	case !a.Live(), a.End.Before(today):
		return a.UnitsUsed
	default:
		return a.UnitsAuthorized
	}
}

// EpisodeTotals sums what the authorizations hold of one episode on today:
// the units of one service and the dollars of all of them (rate × counted
// units, each rounded as a line would be). Voucher requests are judged on
// these totals, and a reviewer's cap exception raises the cap to dollars.
func EpisodeTotals(auths []adjudication.Authorization, episodeID int64, service string, today time.Time) (units int, dollars decimal.Decimal) {
	dollars = decimal.Zero
	for i := range auths {
		a := &auths[i]
		if a.EpisodeID != episodeID {
			continue
		}
		n := UnitsCounted(a, today)
		if a.ServiceCode == service {
			units += n
		}
		dollars = dollars.Add(adjudication.Amount(a.Rate, n))
	}
	return units, dollars
}
