package vouchers

import (
	"context"
	"strings"

	"github.com/jmoiron/sqlx"

	"rss"
	"rss/access"
)

// CreateAPIKey mints a key (admin only); the key is shown once.
func (s *Service) CreateAPIKey(ctx context.Context, role access.Role, providerID int64, label string) (access.NewKey, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return access.NewKey{}, err
	}
	if strings.TrimSpace(label) == "" {
		return access.NewKey{}, rss.Invalid("label", "required", "label is required")
	}
	var out access.NewKey
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var err error
		if out, err = access.CreateKey(ctx, tx, role, providerID, label); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "api_key", EntityID: access.ID(out.ID)})
	})
	return out, err
}

// RevokeAPIKey revokes a key (admin only).
func (s *Service) RevokeAPIKey(ctx context.Context, id int64) error {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return err
	}
	return s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.RevokeKey(ctx, tx, id, s.now()); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "revoke", EntityType: "api_key", EntityID: access.ID(id)})
	})
}
