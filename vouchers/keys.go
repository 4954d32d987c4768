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
	if rss.Blank(label) {
		return access.NewKey{}, rss.Invalid("label", "required", "label is required")
	}
	// A label is one line of free text, held to the house's rule (a
	// black-box pass stored a BEL).
	v := &rss.ValidationError{}
	CheckOneLine(v, "label", label, maxNoteLen)
	if err := v.Err(); err != nil {
		return access.NewKey{}, err
	}
	// Stored trimmed, as every other free text is (the key list showed
	// a label padded: a new-user black-box pass).
	label = strings.TrimSpace(label)
	var out access.NewKey
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		var err error
		if out, err = access.CreateKey(ctx, tx, role, providerID, label); err != nil {
			return err
		}
		// What the key was given is the event's outcome: its role, and a
		// provider key's agency (a black-box pass found the log silent on
		// both).
		outcome := string(role)
		if providerID != 0 {
			outcome += ":" + access.ID(providerID)
		}
		return access.Record(ctx, tx, access.Event{Action: "create", EntityType: "api_key", EntityID: access.ID(out.ID), Outcome: outcome})
	})
	return out, err
}

// RevokedKey is the answer to a revocation.
type RevokedKey struct {
	ID      int64 `json:"id"`
	Revoked bool  `json:"revoked"`
}

// RevokeAPIKey revokes a key (admin only). Once it returns, the revocation
// has committed: the caller drops the key from its cache then (earlier, a
// request in between could cache the key as it was again).
// reason, which may be empty (a revocation needs none to be safe: a key
// thought leaked is revoked first and explained after), is one line kept as
// the audit event's outcome: the key list says when, the audit log why.
func (s *Service) RevokeAPIKey(ctx context.Context, id int64, reason string) (RevokedKey, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return RevokedKey{}, err
	}
	v := &rss.ValidationError{}
	CheckOneLine(v, "reason", reason, maxReasonLen)
	if err := v.Err(); err != nil {
		return RevokedKey{}, err
	}
	out := RevokedKey{ID: id, Revoked: true}
	err := write(ctx, s, &out, func(ctx context.Context, tx *sqlx.Tx) error {
		if err := access.RevokeKey(ctx, tx, id, s.now()); err != nil {
			return err
		}
		return access.Record(ctx, tx, access.Event{Action: "revoke", EntityType: "api_key", EntityID: access.ID(id), Outcome: strings.TrimSpace(reason)})
	})
	if err != nil {
		return RevokedKey{}, err
	}
	return out, nil
}

// APIKeys lists the keys (admin only), newest first, at most 500: the
// console's keys screen. Secrets are never stored, so never listed.
func (s *Service) APIKeys(ctx context.Context) ([]access.KeyInfo, error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return nil, err
	}
	var out []access.KeyInfo
	err := s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		var err error
		out, err = access.ListKeys(ctx, tx, 500)
		return err
	})
	return out, err
}

// APIKeyList is the API's list of keys (admin only), oldest first, a page
// at a time: an admin's tooling finds a departed agency's keys to revoke.
// Secrets are never stored, so never listed.
func (s *Service) APIKeyList(ctx context.Context, f access.KeyFilter, p Page) (List[access.KeyInfo], error) {
	if _, err := access.Require(ctx, access.RoleAdmin); err != nil {
		return List[access.KeyInfo]{}, err
	}
	after, limit, err := p.after()
	if err != nil {
		return List[access.KeyInfo]{}, err
	}
	var rows []access.KeyInfo
	err = s.transact(ctx, func(ctx context.Context, tx *sqlx.Tx) error {
		rows, err = access.KeysAfter(ctx, tx, f, after, limit+1)
		return err
	})
	if err != nil {
		return List[access.KeyInfo]{}, err
	}
	return page(rows, limit, func(k access.KeyInfo) int64 { return k.ID }), nil
}
