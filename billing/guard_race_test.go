package billing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/adjudication"
	"rss/billing"
	"rss/fixtures"
	"rss/pg"
	"rss/registry"
	"rss/staff"
	"rss/vouchers"
)

// guardRace is one of the changes that refuse to leave a paid claim line
// on a day they take away (409 code), with a claim that pays a line on
// such a day.
type guardRace struct {
	name  string
	code  string
	claim func(w *world) (context.Context, billing.NewClaim)
	// guard sets the change up and returns who makes it and how.
	guard func(t *testing.T, w *world) (context.Context, func(ctx context.Context) error)
}

func (w *world) registry() *registry.Service { return registry.New(w.db, testNow, loc, w.v) }

func testNow() time.Time { return fixtures.TestToday.Add(10 * time.Hour) }

func guardRaces() []guardRace {
	kim := func(w *world) (context.Context, billing.NewClaim) {
		n := w.claim("RACE-1", "Kim", "Okafor", line("ATR-TR", day(-1), 1, "12.00"))
		return w.hra(), n
	}
	return []guardRace{
		{name: "deactivation", code: "claims_after_deactivation", claim: kim,
			guard: func(t *testing.T, w *world) (context.Context, func(ctx context.Context) error) {
				r := w.registry()
				return w.as(access.RoleAdmin, ""), func(ctx context.Context) error {
					_, err := r.Deactivate(ctx, w.demo.Providers["HRA"], registry.Deactivation{Reason: "race", EffectiveOn: day(-1)})
					return err
				}
			}},
		{name: "agreement end", code: "claims_outside_agreement", claim: kim,
			guard: func(t *testing.T, w *world) (context.Context, func(ctx context.Context) error) {
				r := w.registry()
				hra := w.demo.Providers["HRA"]
				ags, err := r.Agreements(w.as(access.RoleAdmin, ""), hra)
				require.NoError(t, err)
				require.Len(t, ags, 1)
				return w.as(access.RoleAdmin, ""), func(ctx context.Context) error {
					_, err := r.UpdateAgreement(ctx, hra, ags[0].ID, registry.AgreementPatch{EndDate: rss.Optional[rss.Date]{Set: true, Value: day(-2)}})
					return err
				}
			}},
		{name: "staff departure", code: "claims_outside_employment", claim: kim,
			guard: func(t *testing.T, w *world) (context.Context, func(ctx context.Context) error) {
				s := staff.New(w.db, testNow, loc)
				return w.hra(), func(ctx context.Context) error {
					_, err := s.Update(ctx, w.demo.Staff["Okafor"], staff.Patch{EmploymentEnd: rss.Optional[rss.Date]{Set: true, Value: day(-2)}})
					return err
				}
			}},
		{name: "medicaid eligibility end", code: "claims_outside_eligibility",
			claim: func(w *world) (context.Context, billing.NewClaim) {
				return w.ecra(), billing.NewClaim{ClaimNumber: "RACE-M", ClientID: w.demo.Clients["Dubois"], RenderingStaffID: w.demo.Staff["Kowalski"],
					PlaceOfService: "12", Diagnoses: []string{"F331"}, Lines: []billing.NewLine{line("MHW-RA", day(-2), 2, "14.50")}}
			},
			guard: func(t *testing.T, w *world) (context.Context, func(ctx context.Context) error) {
				dubois := w.demo.Clients["Dubois"]
				vr, err := w.v.Submit(w.ecra(), vouchers.NewVoucherRequest{ClientID: dubois, ServiceCode: "MHW-RA", Units: ptr(40),
					StartDate: day(-10), EndDate: day(20)})
				require.NoError(t, err)
				require.Equal(t, "approved", vr.Decision, "%+v", vr.Reasons)
				spans, err := w.v.ClientEligibility(w.ecra(), dubois)
				require.NoError(t, err)
				require.Len(t, spans, 1)
				return w.ecra(), func(ctx context.Context) error {
					_, err := w.v.EndEligibility(ctx, dubois, spans[0].ID, day(-3))
					return err
				}
			}},
	}
}

// A change that takes days away from an agency's claims (its deactivation,
// an agreement's end, a staff member's departure, a client's Medicaid
// eligibility end) and a claim paying a line on one of those days never
// both succeed, whichever of the two starts first: the change waits for
// the claim in flight and is refused (409), or the claim waits for the
// change and is denied. Each checked alone while the other was in flight,
// and both committed: a black-box pass left an agency deactivated from a
// day it held paid lines on, which the next batch took. Each side is held
// open in a transaction of the test's while the other runs.
func TestGuardsAndClaimsNeverBothSucceed(t *testing.T) {
	t.Parallel()
	for _, g := range guardRaces() {
		t.Run(g.name+", claim first", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx, n := g.claim(w)
			gctx, guard := g.guard(t, w)
			tx, err := w.db.BeginTxx(t.Context(), nil)
			require.NoError(t, err)
			defer tx.Rollback() //nolint:errcheck // committed below
			c, _, err := w.b.Submit(pg.WithTx(ctx, tx), n)
			require.NoError(t, err)
			require.Equal(t, "paid", c.Status, "%+v", c.Lines)

			done := make(chan error, 1)
			go func() { done <- guard(gctx) }()
			awaitLockWait(t, w, done)
			require.NoError(t, tx.Commit())
			err = <-done
			var ce *rss.CodedError
			require.True(t, errors.As(err, &ce), "the change succeeded beside a paid line it takes away: %v", err)
			assert.Equal(t, g.code, ce.Code)
		})
		t.Run(g.name+", change first", func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			ctx, n := g.claim(w)
			gctx, guard := g.guard(t, w)
			tx, err := w.db.BeginTxx(t.Context(), nil)
			require.NoError(t, err)
			defer tx.Rollback() //nolint:errcheck // committed below
			require.NoError(t, guard(pg.WithTx(gctx, tx)))

			type result struct {
				status string
				err    error
			}
			done := make(chan result, 1)
			go func() {
				c, _, err := w.b.Submit(ctx, n)
				if err != nil {
					done <- result{"", err}
					return
				}
				done <- result{c.Status, nil}
			}()
			awaitLockWait(t, w, done)
			require.NoError(t, tx.Commit())
			r := <-done
			require.NoError(t, r.err)
			assert.Equal(t, "denied", r.status, "the claim paid a day the committed change took away")
		})
	}
}

// A revocation of a client's consent to the payer and an 837P close never
// pass each other: a revocation sent while a close runs waits for it (the
// close judged the consent when it picked its claims, and the claim goes
// out), and a close that starts while a revocation is under way waits for
// it and holds the claim. A black-box pass had the revocation answered
// while the close ran, and the claim went out in an 837P created after the
// revocation.
func TestConsentRevocationAndBatchCloseNeverPass(t *testing.T) {
	t.Parallel()
	setup := func(t *testing.T) (*world, int64) {
		w := newWorld(t)
		w.mhwAuthorize(w.ecra(), "Dubois", 40, day(-30), day(30))
		c := w.submitAs(w.ecra(), w.mhwClaim("RACE-P", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-5), 2, "14.50")))
		require.Equal(t, "paid", c.Status)
		var consent int64
		require.NoError(t, w.db.GetContext(t.Context(), &consent, `SELECT id FROM consents
			WHERE client_id = $1 AND recipient_type = 'payer' AND revoked_at IS NULL`, w.demo.Clients["Dubois"]))
		return w, consent
	}
	close837P := func(w *world, ctx context.Context) (billing.Batch, error) {
		return w.b.CreateBatch(ctx, billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	}

	t.Run("close first", func(t *testing.T) {
		t.Parallel()
		w, consent := setup(t)
		tx, err := w.db.BeginTxx(t.Context(), nil)
		require.NoError(t, err)
		defer tx.Rollback() //nolint:errcheck // committed below
		b, err := close837P(w, pg.WithTx(w.finance(), tx))
		require.NoError(t, err)
		require.Equal(t, 1, b.ClaimCount)

		done := make(chan error, 1)
		go func() {
			_, err := w.v.RevokeConsent(w.ecra(), consent, "withdrawn")
			done <- err
		}()
		awaitLockWait(t, w, done)
		require.NoError(t, tx.Commit())
		require.NoError(t, <-done, "revoked once the close committed")
	})
	t.Run("revocation first", func(t *testing.T) {
		t.Parallel()
		w, consent := setup(t)
		tx, err := w.db.BeginTxx(t.Context(), nil)
		require.NoError(t, err)
		defer tx.Rollback() //nolint:errcheck // committed below
		_, err = w.v.RevokeConsent(pg.WithTx(w.ecra(), tx), consent, "withdrawn")
		require.NoError(t, err)

		type result struct {
			claims int
			err    error
		}
		done := make(chan result, 1)
		go func() {
			b, err := close837P(w, w.finance())
			done <- result{b.ClaimCount, err}
		}()
		awaitLockWait(t, w, done)
		require.NoError(t, tx.Commit())
		r := <-done
		var ce *rss.CodedError
		require.True(t, errors.As(r.err, &ce), "the close sent %d claims, the client's consent revoked: %v", r.claims, r.err)
		assert.Equal(t, "nothing_to_batch", ce.Code)
	})
}

// A voucher grant and the agency's deactivation never pass each other
// either: the reports count a grant the deactivation cuts to nothing as
// authorizing nothing (migration 00056), which the grant's insert and the
// deactivation each work out from what the other has committed. Neither
// waited for the other, so a grant made while the deactivation ran kept
// its units counted in the reports' units authorized.
func TestVoucherGrantAndDeactivationNeverPass(t *testing.T) {
	t.Parallel()
	voucher := func(w *world, ctx context.Context) (vouchers.VoucherRequest, error) {
		return w.v.Submit(ctx, vouchers.NewVoucherRequest{ClientID: w.demo.Clients["Rivera"], ServiceCode: "ATR-CM", Units: ptr(8),
			StartDate: day(2), EndDate: day(30)})
	}
	deactivate := func(w *world, ctx context.Context) error {
		_, err := w.registry().Deactivate(ctx, w.demo.Providers["HRA"], registry.Deactivation{Reason: "race", EffectiveOn: day(1)})
		return err
	}
	// The reports' units authorized of Rivera's enrollments with HRA, as
	// rolled up and as the authorizations read now.
	reported := func(t *testing.T, w *world) (rolled, now int) {
		require.NoError(t, w.db.QueryRowxContext(t.Context(), `SELECT
			(SELECT COALESCE(sum(r.units_authorized), 0) FROM report_enrollment_use r JOIN enrollments e ON e.id = r.enrollment_id
			 WHERE e.client_id = $1),
			(SELECT COALESCE(sum(a.units_authorized), 0) FROM authorizations a JOIN providers p ON p.id = a.provider_id
			 WHERE a.client_id = $1 AND a.voided_at IS NULL AND NOT coalesce(p.deactivated_on <= a.start_date, false))`,
			w.demo.Clients["Rivera"]).Scan(&rolled, &now))
		return rolled, now
	}

	t.Run("grant first", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		tx, err := w.db.BeginTxx(t.Context(), nil)
		require.NoError(t, err)
		defer tx.Rollback() //nolint:errcheck // committed below
		vr, err := voucher(w, pg.WithTx(w.hra(), tx))
		require.NoError(t, err)
		require.Equal(t, "approved", vr.Decision, "%+v", vr.Reasons)

		done := make(chan error, 1)
		go func() { done <- deactivate(w, w.as(access.RoleAdmin, "")) }()
		awaitLockWait(t, w, done)
		require.NoError(t, tx.Commit())
		require.NoError(t, <-done)
		rolled, now := reported(t, w)
		assert.Equal(t, now, rolled, "the grant the deactivation cut to nothing still counted")
	})
	t.Run("deactivation first", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t)
		// The service's reference data read before the deactivation (a
		// request refused for a service that does not exist reads it), as
		// a running server has it.
		_, err := w.v.Submit(w.hra(), vouchers.NewVoucherRequest{ClientID: w.demo.Clients["Rivera"], ServiceCode: "NO-SUCH",
			Units: ptr(1), StartDate: day(2), EndDate: day(3)})
		require.ErrorIs(t, err, rss.ErrInvalid)
		tx, err := w.db.BeginTxx(t.Context(), nil)
		require.NoError(t, err)
		defer tx.Rollback() //nolint:errcheck // committed below
		require.NoError(t, deactivate(w, pg.WithTx(w.as(access.RoleAdmin, ""), tx)))

		type result struct {
			decision string
			codes    []string
			err      error
		}
		done := make(chan result, 1)
		go func() {
			vr, err := voucher(w, w.hra())
			done <- result{vr.Decision, vr.ReasonCodes, err}
		}()
		awaitLockWait(t, w, done)
		require.NoError(t, tx.Commit())
		r := <-done
		require.NoError(t, r.err)
		// The request waited for the deactivation and is judged on it: a
		// denial, not a grant the deactivation's trigger cut to nothing.
		assert.Equal(t, "denied", r.decision, "a request that waited behind the deactivation")
		assert.Contains(t, r.codes, adjudication.CodeProviderDeactivated)
		rolled, now := reported(t, w)
		assert.Equal(t, now, rolled, "a grant made during the deactivation, cut to nothing, counted")
	})
}

// A staff member's departure and voucher requests naming them, sent
// together, never deadlock: the request takes the agency's intake lock and
// then a share lock on the member's row (its foreign key), so the
// departure takes the intake lock before the row, not after.
func TestDepartureAndVoucherRequestsNamingTheMemberDoNotDeadlock(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := staff.New(w.db, testNow, loc)
	okafor := w.demo.Staff["Okafor"]
	for round := range 15 {
		errs := make(chan error, 4)
		for range 3 {
			go func() {
				_, err := w.v.Submit(w.hra(), vouchers.NewVoucherRequest{ClientID: w.demo.Clients["Rivera"], ServiceCode: "ATR-CM", Units: ptr(1),
					StaffID: &okafor, StartDate: day(1), EndDate: day(20)})
				errs <- err
			}()
		}
		go func() {
			_, err := s.Update(w.hra(), okafor, staff.Patch{EmploymentEnd: rss.Optional[rss.Date]{Set: true, Value: day(60 + round)}})
			errs <- err
		}()
		for range 4 {
			require.NoError(t, <-errs, "round %d", round)
		}
	}
}
