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

// AgencyDollars is EpisodeTotals' dollars of the agency provider's
// authorizations alone: what its own hold of the episode's dollar cap,
// counted as the episode's total counts them. An exception of its own
// raises its own cap to it (episode_cap_raises.own_after, RaiseEpisodeCap)
// and its own void lowers that cap back to it (ReleaseEpisodeCap).
func AgencyDollars(auths []adjudication.Authorization, episodeID, provider int64, today time.Time) decimal.Decimal {
	dollars := decimal.Zero
	for i := range auths {
		if a := &auths[i]; a.EpisodeID == episodeID && a.ProviderID == provider {
			dollars = dollars.Add(a.HoldsDollars(today))
		}
	}
	return dollars
}
