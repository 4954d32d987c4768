package ledger

import (
	"time"

	"github.com/shopspring/decimal"

	"rss/adjudication"
)

// UnitsCounted is what an authorization holds of its episode on today
// (adjudication.Authorization.Holds: the rules name the agencies that hold
// a part of the totals by it).
func UnitsCounted(a *adjudication.Authorization, today time.Time) int { return a.Holds(today) }

// EpisodeTotals sums what the authorizations hold of one episode on today:
// the units of one service and the dollars of all of them (what each was
// paid and its unused units that still hold at its rate, HoldsDollars). Voucher requests are judged on
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
		dollars = dollars.Add(a.HoldsDollars(today))
	}
	return units, dollars
}
