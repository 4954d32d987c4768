package vouchers

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"rss/access"
	"rss/adjudication"
	"rss/ledger"
)

// An agency that discharges a person and enrolls them again after a break,
// while another agency's stay keeps the person's episode open, is judged
// as a stranger's readmission is, whose new stay opens an episode of its
// own: the rules leave its earlier stay's authorizations out of the
// totals its request is judged by (adjudication.EarlierStaysHeld). Its
// grant may then leave the episode holding more than its limits, and the
// claims of both stays, each within its own authorization, are paid as a
// stranger's only once what the claims are paid within rises with it.

// raiseForEarlierStays, after a grant decided on facts f, raises what the
// episode's claims are paid within when f held the agency's earlier stays
// left out (the service's unit maximum, ledger.RaiseEpisodeUnits, and the
// room beside the dollar cap, raiseReadmissionRoom), each to what the
// episode then holds past it, and audits what rose.
func (s *Service) raiseForEarlierStays(ctx context.Context, tx *sqlx.Tx, f *adjudication.VoucherFacts, clientID, episodeID int64,
	service string, grant int64) error {
	if !adjudication.EarlierStaysHeld(f) {
		return nil
	}
	maxUnits, raised, err := ledger.RaiseEpisodeUnits(ctx, tx, episodeID, service, grant, s.Today(), s.now())
	if err != nil {
		return err
	}
	// Under the client and with the figure, as a cap exception is: an
	// admin reading a person's audit never saw the raise, nor by how much
	// (an episode-caps black-box pass of the forty-sixth stop).
	if raised {
		if err := access.Record(ctx, tx, access.Event{Action: "readmission_room", EntityType: "episode", EntityID: access.ID(episodeID),
			ClientID: clientID, Outcome: fmt.Sprintf("%s max_units %d", service, maxUnits)}); err != nil {
			return err
		}
	}
	return s.raiseReadmissionRoom(ctx, tx, clientID, episodeID, grant)
}

// raiseReadmissionRoom raises the room beside the episode's dollar cap to
// what its authorizations hold past the cap, the grant counted in full, and
// the room other agencies' standing exceptions keep
// (ledger.RaiseReadmissionRoom), and audits it when it rose. Only a grant
// judged without the agency's earlier stays leaves the episode holding
// more than its cap unacknowledged (an acknowledged exception raises the
// cap itself), so it is nothing to any other.
func (s *Service) raiseReadmissionRoom(ctx context.Context, tx *sqlx.Tx, clientID, episodeID, grant int64) error {
	room, raised, err := ledger.RaiseReadmissionRoom(ctx, tx, episodeID, grant, s.Today())
	if err != nil || !raised {
		return err
	}
	return access.Record(ctx, tx, access.Event{Action: "readmission_room", EntityType: "episode", EntityID: access.ID(episodeID),
		ClientID: clientID, Outcome: "dollars " + room.String()})
}
