package ledger

import (
	"time"

	"github.com/shopspring/decimal"

	"rss/adjudication"
)

// UnitsCounted is what an authorization holds of its episode on today as
// the agency viewer counts it (adjudication.Authorization.Holds: the rules
// name the agencies that hold a part of the totals by it; OthersView for
// the MSC's reviewer).
func UnitsCounted(a *adjudication.Authorization, today time.Time, viewer int64) int {
	return a.Holds(today, viewer)
}

// EpisodeTotals sums what the authorizations hold of one episode on today,
// as the agency viewer counts them: the units of one service and the
// dollars of all of them (what each was paid and its unused units that
// still hold at its rate, HoldsDollars). Voucher requests are judged on
// these totals (viewer: the requesting agency), and a reviewer's cap
// exception raises the cap to dollars (OthersView).
func EpisodeTotals(auths []adjudication.Authorization, episodeID int64, service string, today time.Time, viewer int64) (units int, dollars decimal.Decimal) {
	dollars = decimal.Zero
	for i := range auths {
		a := &auths[i]
		if a.EpisodeID != episodeID {
			continue
		}
		n := UnitsCounted(a, today, viewer)
		if a.ServiceCode == service {
			units += n
		}
		dollars = dollars.Add(a.HoldsDollars(today, viewer))
	}
	return units, dollars
}
