package access

import (
	"context"
	"fmt"

	"rss"
)

// Role is what an API key may do.
type Role string

const (
	RoleProvider Role = "provider"
	RoleReviewer Role = "reviewer"
	RoleFinance  Role = "finance"
	RoleAdmin    Role = "admin"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleProvider, RoleReviewer, RoleFinance, RoleAdmin:
		return true
	}
	return false
}

// Actor is who a request runs as.
type Actor struct {
	KeyID      int64
	Role       Role
	ProviderID int64 // set for provider keys only
	RequestID  string
	// Purpose is why the actor reads or writes client records (42 CFR 2.13:
	// a use is for a purpose); the audit log records it with every event
	// that does not state its own.
	Purpose string
}

// KeyArg is the actor's key id as a query argument for a nullable
// actor-key column: NULL for an actor with no key (the CLI, a job), never a
// zero that names no key.
func (a Actor) KeyArg() any {
	if a.KeyID == 0 {
		return nil
	}
	return a.KeyID
}

// IdempotencyScope is whose Idempotency-Keys the actor's are among: an
// agency's API keys share its (a retry sent with the key that replaced a
// revoked one is the same request: granted twice, a black-box pass), and
// each MSC staff key is its own, as each acts for one person. It is never
// zero: a provider's id, or the key's id negated.
func (a Actor) IdempotencyScope() int64 {
	if a.ProviderID != 0 {
		return a.ProviderID
	}
	return -a.KeyID
}

// Purposes of use an actor may state for a request.
var Purposes = []string{"treatment", "payment", "operations", "care_coordination", "audit"}

// DefaultPurpose is the purpose a role's requests serve unless it says
// otherwise: providers treat, reviewers and finance act for payment, admins
// run operations.
func DefaultPurpose(r Role) string {
	switch r {
	case RoleProvider:
		return "treatment"
	case RoleReviewer, RoleFinance:
		return "payment"
	}
	return "operations"
}

// ValidPurpose reports whether p is one of Purposes.
func ValidPurpose(p string) bool {
	for _, x := range Purposes {
		if x == p {
			return true
		}
	}
	return false
}

// IsProvider reports whether the actor is bound to one agency.
func (a Actor) IsProvider() bool { return a.Role == RoleProvider }

// SeesProvider reports whether the actor may see records of provider id:
// provider keys see their own agency only; the MSC roles see every agency.
func (a Actor) SeesProvider(id int64) bool { return !a.IsProvider() || a.ProviderID == id }

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx. Domain code calls it at the top of
// each operation; a missing actor is a programming error surfaced as forbidden.
func ActorFrom(ctx context.Context) (Actor, error) {
	a, ok := ctx.Value(actorKey{}).(Actor)
	if !ok || !a.Role.Valid() {
		return Actor{}, fmt.Errorf("%w: no authenticated actor", rss.ErrForbidden)
	}
	return a, nil
}

// Require returns the actor when its role is one of roles, else ErrForbidden.
func Require(ctx context.Context, roles ...Role) (Actor, error) {
	a, err := ActorFrom(ctx)
	if err != nil {
		return a, err
	}
	for _, r := range roles {
		if a.Role == r {
			return a, nil
		}
	}
	return a, fmt.Errorf("%w: role %s may not do this", rss.ErrForbidden, a.Role)
}
