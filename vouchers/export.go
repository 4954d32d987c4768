package vouchers

import (
	"context"

	"rss/pg"
)

// LoadPrograms reads every program with its catchment areas and caseload
// caps (billing loads the catalog once per intake).
func LoadPrograms(ctx context.Context, ext pg.Ext) ([]Program, error) {
	return loadPrograms(ctx, ext, "")
}

// CanSeeClient returns ErrNotFound unless the actor in ctx may see the client.
func CanSeeClient(ctx context.Context, ext pg.Ext, clientID int64) error {
	a, err := actorFrom(ctx)
	if err != nil {
		return err
	}
	return canSeeClient(ctx, ext, a, clientID)
}
