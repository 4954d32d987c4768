package adjudication

import (
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var screamingSnake = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

func TestCatalogue(t *testing.T) {
	t.Parallel()
	cat := Catalogue()
	require.Len(t, cat, len(voucherReasons)+len(claimReasons))
	validActions := []Action{ActionDeny, ActionPend, ActionReduce, ActionGrant, ActionAdjust}
	seen := map[string]bool{}
	for _, r := range cat {
		t.Run(r.Code, func(t *testing.T) {
			assert.Regexp(t, screamingSnake, r.Code)
			assert.False(t, seen[r.Code], "duplicate code")
			seen[r.Code] = true
			assert.NotEmpty(t, r.Text)
			assert.NotEmpty(t, r.NextStep)
			assert.Contains(t, validActions, r.Action)
			assert.Contains(t, []string{"voucher", "claim"}, r.Kind)
			switch r.Kind {
			case "claim":
				assert.NotEmpty(t, r.CARC, "claim codes map to a CARC")
				assert.NotContains(t, []Action{ActionReduce, ActionGrant, ActionPend}, r.Action, "claim lines are paid, adjusted or denied")
				if r.CARC == "16" || r.CARC == "96" {
					assert.NotEmpty(t, r.RARC, "CAQH CORE requires a remark code with CARC %s", r.CARC)
				}
				if r.RARC != "" {
					assert.Regexp(t, `^(M|MA|N)[0-9]+$`, r.RARC)
				}
			case "voucher":
				assert.Empty(t, r.CARC, "voucher codes are not claim adjustments")
				assert.Empty(t, r.RARC)
				assert.NotEqual(t, ActionAdjust, r.Action)
			}
			got, ok := Lookup(r.Code)
			require.True(t, ok)
			assert.Equal(t, r, got, "Lookup and Catalogue agree")
		})
	}
	t.Run("sorted voucher first, then by code", func(t *testing.T) {
		assert.True(t, slices.IsSortedFunc(cat, func(a, b Reason) int {
			if a.Kind != b.Kind {
				if a.Kind == "voucher" {
					return -1
				}
				return 1
			}
			if a.Code < b.Code {
				return -1
			}
			return 1
		}))
		assert.Equal(t, "voucher", cat[0].Kind)
		assert.Equal(t, "claim", cat[len(cat)-1].Kind)
	})
	t.Run("unknown code", func(t *testing.T) {
		_, ok := Lookup("NO_SUCH_CODE")
		assert.False(t, ok)
	})
	t.Run("callers cannot corrupt the catalogue", func(t *testing.T) {
		c := Catalogue()
		c[0].Text = "changed"
		assert.NotEqual(t, "changed", Catalogue()[0].Text)
	})
}

// TestRulesUseCatalogueCodes ties the rule tables to the catalogue: every
// code a rule can emit has an entry, so the API never shows a bare code.
func TestRulesUseCatalogueCodes(t *testing.T) {
	t.Parallel()
	ids := map[string]bool{}
	for _, r := range voucherRules {
		assert.False(t, ids[r.id], "rule id %s reused", r.id)
		ids[r.id] = true
		rr, ok := Lookup(r.code)
		if assert.True(t, ok, "rule %s code %s", r.id, r.code) {
			assert.Equal(t, "voucher", rr.Kind)
			assert.Equal(t, r.action, rr.Action, "rule %s action vs catalogue", r.id)
		}
		assert.NotEmpty(t, r.facts, "rule %s", r.id)
		assert.NotNil(t, r.eval, "rule %s", r.id)
	}
	for _, r := range lineDenials {
		rr, ok := Lookup(r.code)
		if assert.True(t, ok, "rule %s code %s", r.id, r.code) {
			assert.Equal(t, "claim", rr.Kind)
		}
	}
	for _, code := range []string{CodeClaimNoMedicaidID, CodeClaimAfterCoverage, CodeClaimAuthMismatch, CodeClaimUnitsExceeded, CodeClaimCapReached, CodeClaimChargeOverFee} {
		_, ok := Lookup(code)
		assert.True(t, ok, code)
	}
}

// codesNotProduced lists catalogue codes no function of this package emits,
// with the reason; every other code must have a row below that produces it.
var codesNotProduced = map[string]string{
	CodeConflictOnFile: "Withhold puts it in place of reasons a provider may not see; no rule fires it",
}

// voucherProducers make each voucher code appear in the hits (or, for
// GRANTED, as the fired granting rule).
var voucherProducers = map[string]func() *VoucherFacts{
	CodeServiceNotInCatalog: func() *VoucherFacts { f := approvedATR(); f.Service.Active = false; return f },
	CodeAgreementInactive:   func() *VoucherFacts { f := approvedATR(); f.Provider.AgreementStart = time.Time{}; return f },
	CodeProviderNotEnrolled: func() *VoucherFacts { f := approvedATR(); f.Provider.Services = nil; return f },
	CodeEnrollmentNotActive: func() *VoucherFacts { f := approvedATR(); f.Enrollment.Discharge = addDays(spanStart, 5); return f },
	CodeCatchmentNotServed:  func() *VoucherFacts { f := approvedRCM(); f.Client.CatchmentArea = "Stamford"; return f },
	CodeAgencyAreaNotServed: func() *VoucherFacts {
		f := approvedATR()
		f.Client.CatchmentArea, f.Provider.CatchmentAreas = "norwich", []string{"hartford"}
		return f
	},
	CodeConsentMissing:    func() *VoucherFacts { f := approvedATR(); f.Consents[0].Revoked = true; return f },
	CodeMedicaidIDMissing: func() *VoucherFacts { f := approvedMHW(); f.Client.HasMedicaidID = false; return f },
	CodeWaiverPlanMissing: func() *VoucherFacts { f := approvedMHW(); f.CarePlans = nil; return f },
	CodeMedicaidNotEligible: func() *VoucherFacts {
		f := approvedMHW()
		f.Client.Eligibility = []EligibilitySpan{{MedicaidID: "CT1", Start: addDays(spanStart, 1)}}
		return f
	},
	CodeSpanPastWaiverPlan: func() *VoucherFacts {
		f := approvedMHW()
		f.CarePlans[0].End = addDays(spanEnd, -3)
		return f
	},
	CodeOwnAuthorizationOverlap: func() *VoucherFacts { f := approvedATR(); f.Request.Units = 96; return f },
	CodeOwnAuthorizationAtMax: func() *VoucherFacts {
		f := approvedATR()
		f.Authorizations[0].UnitsAuthorized = 96
		return f
	},
	CodeSpanPastCarePlan: func() *VoucherFacts {
		f := approvedATR()
		f.CarePlans[0].End = addDays(spanEnd, -3)
		return f
	},
	CodeSpanPastEligibility: func() *VoucherFacts {
		f := approvedMHW()
		f.Client.Eligibility = []EligibilitySpan{{MedicaidID: "CT1", Start: spanStart, End: addDays(spanEnd, -3)}}
		return f
	},
	CodeGPRAIntakeMissing: func() *VoucherFacts { f := approvedATR(); f.GPRA.IntakeCompleted = false; return f },
	CodeNotPrimaryCaseManager: func() *VoucherFacts {
		f := approvedATR()
		f.Enrollment.PrimaryCaseManager = false
		return f
	},
	CodeStaffNotQualified: func() *VoucherFacts { f := approvedRCM(); f.Staff.Role = "peer"; return f },
	CodeBackgroundCheckMissing: func() *VoucherFacts {
		f := approvedMHW()
		f.Client.DateOfBirth = day(2010, time.January, 1)
		f.Staff.BackgroundChecks = nil
		return f
	},
	CodeSpanOverValidity: func() *VoucherFacts { f := approvedATR(); f.Request.End = addDays(spanEnd, 30); return f },
	CodeSpanPastLengthOfService: func() *VoucherFacts {
		f := approvedATR()
		f.Program.LOSMaxDays = 120
		return f
	},
	CodeSpanAfterLengthOfService: func() *VoucherFacts {
		f := approvedATR()
		f.Program.LOSMaxDays = daysInclusive(f.Enrollment.Start, spanStart) - 1
		return f
	},
	CodeUnitsOverVoucherMax: func() *VoucherFacts { f := approvedRSVP(); f.Request.Units = 100; return f },
	CodeSpanPastEmployment: func() *VoucherFacts {
		f := approvedATR()
		st := *f.Staff
		st.EmployedTo = addDays(spanEnd, -3)
		f.Staff = &st
		return f
	},
	CodeSpanPastQualification: func() *VoucherFacts {
		f := approvedATR()
		st := *f.Staff
		st.Credentials = []Credential{{Type: CredCADC, ValidFrom: day(2024, time.January, 1), ValidTo: addDays(spanStart, 5)}}
		f.Staff = &st
		return f
	},
	CodeUnitsOverSpanDays: func() *VoucherFacts {
		f := approvedATR()
		f.Service.Unit = "day"
		f.Request.End = addDays(f.Request.Start, 9)
		ownAfterSpan(f) // the request alone: ours over the days would leave none
		return f
	},
	CodeSpanPastBackgroundCheck: func() *VoucherFacts {
		f := approvedMHW()
		f.Client.DateOfBirth = day(2010, time.January, 1)
		st := *f.Staff
		st.BackgroundChecks = []BackgroundCheck{{CheckedOn: addDays(spanStart, -30), Passed: true}, {CheckedOn: addDays(spanStart, 5), Passed: false}}
		f.Staff = &st
		return f
	},
	CodeGPRAFollowupOverdue: func() *VoucherFacts { f := approvedATR(); f.GPRA.IntakeDate = day(2025, time.June, 1); return f },
	CodeLengthOfServiceReview: func() *VoucherFacts {
		f := approvedRCM()
		f.Enrollment.Start = day(2025, time.July, 1)
		return f
	},
	CodeEpisodeUnitsExceeded:   func() *VoucherFacts { f := approvedATR(); f.EpisodeUnitsAuthorized = 450; return f },
	CodeEpisodeDollarsExceeded: func() *VoucherFacts { f := approvedATR(); f.EpisodeDollarsAuthorized = dec("3500.00"); return f },
	CodeDuplicateOtherProvider: func() *VoucherFacts {
		f := approvedATR()
		f.Authorizations[0].ProviderID = otherProvID
		return f
	},
	CodeCaseloadAtCap: func() *VoucherFacts { f := approvedRCM(); f.Caseload = 12; return f },
	CodeNotInCarePlan: func() *VoucherFacts { f := approvedMHW(); f.CarePlans[0].Services = nil; return f },
	CodeSpanPastFilingLimit: func() *VoucherFacts {
		f := approvedATR()
		f.Request.Start, f.Request.End = addDays(today, -120), addDays(today, -100)
		return f
	},
	CodeRetroAuthorization: func() *VoucherFacts { f := approvedEMP(); f.Request.Start = addDays(today, -21); return f },
	CodeGranted:            approvedATR,
	CodeNoGrantingRule:     func() *VoucherFacts { return reviewOnly(withProgramCode(approvedEMP(), "HOUSING")) },
	CodeProviderDeactivated: func() *VoucherFacts {
		f := approvedEMP()
		f.Provider.DeactivatedOn = f.Today
		return f
	},
}

var lineProducers = map[string]func() *LineFacts{
	CodeClaimInvalidUnits:      func() *LineFacts { f := paidATRLine(); f.Line.Units = 0; return f },
	CodeClaimServiceNotCovered: func() *LineFacts { f := paidATRLine(); f.Service.ProgramCode = "EMP"; return f },
	CodeClaimInfoMissing:       func() *LineFacts { f := paidMHWLine(); f.Diagnoses = 0; return f },
	CodeClaimFilingLimit:       func() *LineFacts { f := paidATRLine(); f.ReceivedOn = day(2026, time.August, 1); return f },
	CodeClaimBeforeCoverage:    func() *LineFacts { f := paidATRLine(); f.Enrollments[0].Start = day(2026, time.April, 2); return f },
	CodeClaimAfterCoverage: func() *LineFacts {
		f := paidATRLine()
		f.Enrollments[0].Discharge = day(2026, time.March, 20)
		return f
	},
	CodeClaimNoMedicaidID:       func() *LineFacts { f := paidMHWLine(); f.Client.HasMedicaidID = false; return f },
	CodeClaimProviderIneligible: func() *LineFacts { f := paidATRLine(); f.Provider.Programs = nil; return f },
	CodeClaimBeforeEligibility: func() *LineFacts {
		f := paidMHWLine()
		f.Client.Eligibility = []EligibilitySpan{{MedicaidID: "CT1", Start: day(2026, time.April, 2)}}
		return f
	},
	CodeClaimAfterEligibility: func() *LineFacts {
		f := paidMHWLine()
		f.Client.Eligibility = []EligibilitySpan{{MedicaidID: "CT1", Start: day(2026, time.January, 1), End: day(2026, time.March, 31)}}
		return f
	},
	CodeClaimMedicaidIDChanged: func() *LineFacts {
		f := paidMHWLine()
		f.Client.Eligibility = []EligibilitySpan{{MedicaidID: "CT1", Start: day(2026, time.January, 1), End: day(2026, time.March, 31)},
			{MedicaidID: "CT2", Start: day(2026, time.April, 1)}}
		f.ClaimMedicaidID = "CT1"
		return f
	},
	CodeClaimStaffNotQualified: func() *LineFacts { f := paidMHWLine(); f.Staff.DateOfBirth = day(2010, time.January, 1); return f },
	CodeClaimDuplicate:         func() *LineFacts { f := paidATRLine(); f.Duplicate = true; return f },
	CodeClaimNoAuthorization:   func() *LineFacts { f := paidATRLine(); f.Authorization = nil; return f },
	CodeClaimAuthMismatch: func() *LineFacts {
		f := paidATRLine()
		f.Line.AuthorizationNumber, f.Authorization, f.AuthorizationMismatch = "X-1", nil, true
		return f
	},
	CodeClaimUnitsExceeded: func() *LineFacts { f := paidATRLine(); f.Authorization.UnitsUsed = 38; return f },
	CodeClaimCapReached:    func() *LineFacts { f := paidATRLine(); f.EpisodeDollarsPaid = dec("3999.99"); return f },
	CodeClaimChargeOverFee: func() *LineFacts { f := paidATRLine(); f.Line.Charge = dec("64.00"); return f },
	CodeClaimClientAddress: func() *LineFacts { f := medicaidLine(); f.PayerFile.SubscriberAddress.City = ""; return f },
	CodeClaimBillingAddress: func() *LineFacts {
		f := medicaidLine()
		f.PayerFile.BillingProviderAddress.Zip = "06360"
		return f
	},
}

func TestEveryReasonCodeIsProduced(t *testing.T) {
	t.Parallel()
	for _, r := range Catalogue() {
		t.Run(r.Code, func(t *testing.T) {
			t.Parallel()
			if why, ok := codesNotProduced[r.Code]; ok {
				assert.NotEmpty(t, why)
				return
			}
			switch r.Kind {
			case "voucher":
				build, ok := voucherProducers[r.Code]
				require.True(t, ok, "no row produces voucher code %s", r.Code)
				d := DecideVoucher(build())
				if r.Code == CodeGranted {
					assert.Equal(t, Approved, d.Decision)
					assert.Equal(t, ResultFired, traceEntry(t, d, "V90").Result)
					return
				}
				h, ok := findHit(d.Hits, r.Code)
				require.True(t, ok, "hits %v", d.Hits)
				assert.Equal(t, r.Action, h.Action, "the hit's action matches the catalogue")
				assert.NotEmpty(t, h.Detail)
				switch r.Action {
				case ActionDeny:
					assert.Equal(t, Denied, d.Decision)
				case ActionPend:
					assert.Equal(t, Pended, d.Decision)
				case ActionReduce:
					assert.Equal(t, Partial, d.Decision)
				}
			case "claim":
				build, ok := lineProducers[r.Code]
				require.True(t, ok, "no row produces claim code %s", r.Code)
				f := build()
				d := DecideLine(f)
				_, hit := findHit(d.Hits, r.Code)
				assert.True(t, hit, "hits %v", d.Hits)
				i := slices.IndexFunc(d.Adjustments, func(a Adjustment) bool { return a.Code == r.Code })
				require.GreaterOrEqual(t, i, 0, "adjustments %+v", d.Adjustments)
				a := d.Adjustments[i]
				assert.Equal(t, r.CARC, a.CARC)
				assert.Equal(t, r.RARC, a.RARC)
				assert.True(t, a.Amount.IsPositive(), "amount %s", a.Amount)
				assertBalanced(t, f.Line, d)
			}
		})
	}
	t.Run("no stale rows", func(t *testing.T) {
		for code := range voucherProducers {
			r, ok := Lookup(code)
			assert.True(t, ok && r.Kind == "voucher", code)
		}
		for code := range lineProducers {
			r, ok := Lookup(code)
			assert.True(t, ok && r.Kind == "claim", code)
		}
		for code := range codesNotProduced {
			_, ok := Lookup(code)
			assert.True(t, ok, code)
		}
	})
}
