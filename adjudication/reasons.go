package adjudication

import "sort"

// Action is what a rule does when it fires.
type Action string

const (
	ActionDeny   Action = "deny"
	ActionPend   Action = "pend"
	ActionReduce Action = "reduce"
	ActionGrant  Action = "grant"
	ActionAdjust Action = "adjust" // claim lines: pay less than billed
)

// Reason is one entry of the reason-code catalogue served at /v1/reason-codes.
type Reason struct {
	Code     string `json:"code"`
	Kind     string `json:"kind"` // "voucher" or "claim"
	Action   Action `json:"action"`
	Text     string `json:"text"`
	NextStep string `json:"next_step"`
	// NextStepOthers, when set, is the next step where the hit reads
	// another agency's records (Hit.Source, shown under a consent):
	// GPRA_FOLLOWUP_OVERDUE told an agency to record a follow-up that
	// was the other agency's, which it cannot (a GPRA black-box pass).
	NextStepOthers string `json:"-"`
	CARC           string `json:"carc,omitempty"`
	RARC           string `json:"rarc,omitempty"`
}

// Voucher reason codes. They are stable: stored with decisions, shown to
// providers, and never renamed.
const (
	CodeEnrollmentNotActive      = "ENROLLMENT_NOT_ACTIVE"
	CodeAgreementInactive        = "PROVIDER_AGREEMENT_INACTIVE"
	CodeProviderDeactivated      = "PROVIDER_DEACTIVATED"
	CodeProviderNotEnrolled      = "PROVIDER_NOT_ENROLLED_FOR_SERVICE"
	CodeServiceNotInCatalog      = "SERVICE_NOT_IN_PROGRAM_CATALOG"
	CodeConsentMissing           = "PART2_CONSENT_MISSING"
	CodeGPRAIntakeMissing        = "GPRA_INTAKE_MISSING"
	CodeGPRAFollowupOverdue      = "GPRA_FOLLOWUP_OVERDUE"
	CodeUnitsOverVoucherMax      = "UNITS_OVER_VOUCHER_MAX"
	CodeEpisodeUnitsExceeded     = "EPISODE_UNITS_EXCEEDED"
	CodeEpisodeDollarsExceeded   = "EPISODE_DOLLAR_CAP_EXCEEDED"
	CodeSpanOverValidity         = "SPAN_OVER_VOUCHER_VALIDITY"
	CodeSpanPastLengthOfService  = "SPAN_PAST_LENGTH_OF_SERVICE"
	CodeSpanAfterLengthOfService = "SPAN_AFTER_LENGTH_OF_SERVICE"
	CodeLengthOfServiceReview    = "LENGTH_OF_SERVICE_REVIEW"
	CodeDuplicateOtherProvider   = "DUPLICATE_SERVICE_OTHER_PROVIDER"
	CodeNotPrimaryCaseManager    = "NOT_PRIMARY_CASE_MANAGER"
	CodeStaffNotQualified        = "STAFF_NOT_QUALIFIED"
	CodeBackgroundCheckMissing   = "BACKGROUND_CHECK_MISSING"
	CodeCaseloadAtCap            = "CASELOAD_AT_CAP"
	CodeCatchmentNotServed       = "CATCHMENT_AREA_NOT_SERVED"
	CodeAgencyAreaNotServed      = "CATCHMENT_AREA_NOT_SERVED_BY_AGENCY"
	CodeSpanPastFilingLimit      = "SPAN_PAST_FILING_LIMIT"
	CodeNotInCarePlan            = "SERVICE_NOT_IN_CARE_PLAN"
	CodeRetroAuthorization       = "RETRO_AUTHORIZATION"
	CodeMedicaidIDMissing        = "MEDICAID_ID_MISSING"
	CodeWaiverPlanMissing        = "WAIVER_PLAN_NOT_ACTIVE"
	CodeMedicaidNotEligible      = "MEDICAID_NOT_ELIGIBLE"
	CodeSpanPastEligibility      = "SPAN_PAST_MEDICAID_ELIGIBILITY"
	CodeSpanPastWaiverPlan       = "SPAN_PAST_WAIVER_PLAN"
	CodeSpanPastCarePlan         = "SPAN_PAST_CARE_PLAN"
	CodeSpanPastEmployment       = "SPAN_PAST_EMPLOYMENT"
	CodeSpanPastBackgroundCheck  = "SPAN_PAST_BACKGROUND_CHECK"
	CodeUnitsOverSpanDays        = "UNITS_OVER_SPAN_DAYS"
	CodeSpanPastQualification    = "SPAN_PAST_QUALIFICATION"
	CodeOwnAuthorizationOverlap  = "OWN_AUTHORIZATION_OVERLAP"
	CodeOwnAuthorizationAtMax    = "OWN_AUTHORIZATION_AT_VOUCHER_MAX"
	CodeGranted                  = "GRANTED"
	CodeNoGrantingRule           = "NO_GRANTING_RULE"
	// CodeConflictOnFile is no rule's: it is what a provider reads in place
	// of the reasons drawn from another agency's records (see Withhold).
	CodeConflictOnFile = "CONFLICT_ON_FILE"
)

var voucherReasons = []Reason{
	{Code: CodeEnrollmentNotActive, Action: ActionDeny,
		Text:     "The client is not enrolled in the program with this provider for the whole span requested.",
		NextStep: "Record or correct the enrollment (start, discharge) and submit a new request inside it."},
	{Code: CodeAgreementInactive, Action: ActionDeny,
		Text:     "The provider has no recovery support services agreement in force over the span requested.",
		NextStep: "Contact the MSC provider relations team to renew the agreement; request only dates it covers."},
	{Code: CodeProviderDeactivated, Action: ActionDeny,
		Text:     "The MSC has deactivated the provider, or had it out of service on days of the span requested: a deactivated agency receives no new voucher, also while the deactivation's first day is ahead, and one back in service none for days it was out.",
		NextStep: "Refer the client to an active provider, or, for an agency back in service, request only the days after its return; contact MSC provider relations about the deactivation."},
	{Code: CodeProviderNotEnrolled, Action: ActionDeny,
		Text:     "The provider is not enrolled to deliver this program or service.",
		NextStep: "Ask the MSC to add the service to the provider's enrollment, or refer the client to an enrolled provider."},
	{Code: CodeServiceNotInCatalog, Action: ActionDeny,
		Text:     "The service is not in this program's catalog (or is no longer offered on some day of the span).",
		NextStep: "Choose a service listed for the program in GET /v1/reference/services; for a retired one, request only the days before its retired_on."},
	{Code: CodeConsentMissing, Action: ActionDeny,
		Text:     "No current 42 CFR Part 2 consent lets this provider disclose to the MSC for payment.",
		NextStep: "Obtain the client's signed consent naming the MSC and payment, record it, then resubmit."},
	{Code: CodeGPRAIntakeMissing, Action: ActionDeny,
		Text:     "The program requires a completed intake GPRA interview before any voucher.",
		NextStep: "Conduct and record the intake GPRA for this episode, then resubmit."},
	{Code: CodeGPRAFollowupOverdue, Action: ActionPend,
		Text:           "The follow-up GPRA window has closed and no follow-up interview is recorded.",
		NextStep:       "Record the follow-up GPRA (completed or not conducted, with the reason); a reviewer will decide the request.",
		NextStepOthers: "The overdue follow-up is of the other agency's stay (source_provider_id), which records it; a reviewer will decide the request."},
	{Code: CodeUnitsOverVoucherMax, Action: ActionReduce,
		Text:     "More units were asked for than one voucher may carry; the units were reduced to the per-voucher maximum.",
		NextStep: "Use the units granted; request more in a later voucher if the care plan needs them."},
	{Code: CodeEpisodeUnitsExceeded, Action: ActionPend,
		Text:     "The units would pass what is left of the service's per-episode maximum.",
		NextStep: "A reviewer will consider an exception; attach the care plan justification to the note."},
	{Code: CodeEpisodeDollarsExceeded, Action: ActionPend,
		Text:     "The request would pass what is left of the client's dollar cap for the episode.",
		NextStep: "A reviewer will consider an exception; consider a smaller request that fits the cap."},
	{Code: CodeSpanOverValidity, Action: ActionReduce,
		Text:     "The span is longer than a voucher may run; it was cut to the program's voucher validity.",
		NextStep: "Use the dates granted; request a new voucher for the later period."},
	{Code: CodeSpanPastLengthOfService, Action: ActionReduce,
		Text:     "The span runs past the program's maximum length of service; it was cut at the limit.",
		NextStep: "Plan the client's transition or discharge before the length-of-service limit."},
	{Code: CodeSpanAfterLengthOfService, Action: ActionDeny,
		Text:     "The span starts after the program's maximum length of service, which no review lifts.",
		NextStep: "Plan the client's transition or discharge; a new enrollment starts a new length of service."},
	{Code: CodeLengthOfServiceReview, Action: ActionPend,
		Text:     "The span runs past the program's maximum length of service, which needs a review.",
		NextStep: "A reviewer will decide; note why service beyond the limit is needed."},
	{Code: CodeDuplicateOtherProvider, Action: ActionPend,
		Text:     "Another provider holds an authorization for the same client and service over these dates that it can still bill.",
		NextStep: "Coordinate with the other provider; a reviewer will decide to avoid duplication of services."},
	{Code: CodeNotPrimaryCaseManager, Action: ActionDeny,
		Text:     "Only the client's primary case manager may request this service.",
		NextStep: "If your agency is the client's primary case manager, ask the MSC to designate this enrollment primary; otherwise the primary case manager's agency requests it."},
	{Code: CodeStaffNotQualified, Action: ActionDeny,
		Text:     "The staff member who would deliver the service does not hold a qualification for it on the dates requested.",
		NextStep: "Assign qualified staff (or update the credentials on file) and resubmit."},
	{Code: CodeBackgroundCheckMissing, Action: ActionDeny,
		Text:     "The client is a minor and the staff member's latest criminal background check dated before the service did not pass (or there is none).",
		NextStep: "Complete the background check before services start, or assign staff who have passed one."},
	{Code: CodeCaseloadAtCap, Action: ActionPend,
		Text:     "The assigned specialist's caseload is already at the program's cap.",
		NextStep: "Assign a specialist with room on their caseload, or a reviewer will decide."},
	{Code: CodeCatchmentNotServed, Action: ActionDeny,
		Text:     "The program does not serve the client's catchment area.",
		NextStep: "Refer the client to a program that serves their area, or correct the client's catchment area."},
	{Code: CodeAgencyAreaNotServed, Action: ActionDeny,
		Text:     "The agency's enrollment with the MSC does not include the client's catchment area.",
		NextStep: "Refer the client to an agency that serves their area, correct the client's catchment area, or ask the MSC to add the area to the agency's enrollment."},
	{Code: CodeSpanPastFilingLimit, Action: ActionDeny,
		Text:     "Every day of the span is past the program's filing limit: no claim for it could be paid.",
		NextStep: "Check the dates (a mistyped year?); services this old cannot be billed."},
	{Code: CodeNotInCarePlan, Action: ActionPend,
		Text:     "The service is not in the client's active care plan for the program.",
		NextStep: "Record a care plan listing the service (POST /v1/care-plans; a plan is not edited, a new one replaces it); a reviewer will decide the request."},
	{Code: CodeRetroAuthorization, Action: ActionPend,
		Text:     "The span starts further in the past than the program allows without review (retro authorization).",
		NextStep: "A reviewer will decide; note why the request is late."},
	{Code: CodeMedicaidIDMissing, Action: ActionDeny,
		Text:     "The program is billed to Medicaid and the client has no Medicaid ID on file.",
		NextStep: "Record the client's Medicaid ID, then resubmit."},
	{Code: CodeWaiverPlanMissing, Action: ActionDeny,
		Text:     "The program requires an active Waiver Recovery Plan and none is in force at the start of the span.",
		NextStep: "Record the client's active Waiver Recovery Plan, then resubmit."},
	{Code: CodeMedicaidNotEligible, Action: ActionDeny,
		Text:     "The program is billed to Medicaid and the client has no Medicaid eligibility on the first day of the span.",
		NextStep: "Record the client's Medicaid eligibility span (POST /v1/clients/{id}/eligibility), or request only dates it covers."},
	{Code: CodeSpanPastEligibility, Action: ActionReduce,
		Text:     "The span runs past the end of the client's Medicaid eligibility; it was cut at the last day covered.",
		NextStep: "Use the dates granted; once renewed eligibility is recorded, request a new voucher for the later period."},
	{Code: CodeSpanPastWaiverPlan, Action: ActionReduce,
		Text:     "The span runs past the end of the client's waiver recovery plan; it was cut at the plan's last day.",
		NextStep: "Use the dates granted; once the plan is renewed, request a new voucher for the later period."},
	{Code: CodeOwnAuthorizationOverlap, Action: ActionReduce,
		Text:     "The agency's own authorizations for the same client and service over some of these dates hold part of the per-voucher maximum; the units were reduced to what the maximum leaves.",
		NextStep: "Use the units granted; request the days after your authorization ends in a new voucher."},
	{Code: CodeOwnAuthorizationAtMax, Action: ActionDeny,
		Text:     "The agency's own authorizations for the same client and service over some of these dates already hold the per-voucher maximum; a second voucher over those days would pass it.",
		NextStep: "Bill on the authorization you hold; request the days after it ends in a new voucher (or ask the MSC to void it if it was granted in error)."},
	{Code: CodeSpanPastCarePlan, Action: ActionReduce,
		Text:     "The span runs past the last day a care plan lists the service; it was cut at that day.",
		NextStep: "Use the dates granted; once a care plan listing the service covers the later period, request a new voucher for it."},
	{Code: CodeSpanPastEmployment, Action: ActionReduce,
		Text:     "The span runs past the staff member's last day of employment; it was cut at that day.",
		NextStep: "Use the dates granted; request a new voucher naming another staff member for the later period."},
	{Code: CodeSpanPastBackgroundCheck, Action: ActionReduce,
		Text:     "The client is a minor and the staff member's background check dated inside the span did not pass; the span was cut to end on that check's day.",
		NextStep: "Use the dates granted; request a new voucher naming a staff member cleared to serve minors for the later period."},
	{Code: CodeSpanPastQualification, Action: ActionReduce,
		Text:     "The staff member's qualification for the service lapses inside the span (a credential ends or is withdrawn); it was cut at the last qualified day.",
		NextStep: "Use the dates granted; renew the credential or request a new voucher naming a qualified staff member for the later period."},
	{Code: CodeUnitsOverSpanDays, Action: ActionReduce,
		Text:     "More units were asked than the span's days hold for a service counted by the day, hour or quarter hour, beside what the agency's own authorizations of the service over those days hold of them; the units were cut to what is left, and a request nothing is left to is denied.",
		NextStep: "Use the units granted (bill on the authorization you hold for days it covers); request a longer span if the service continues."},
	{Code: CodeGranted, Action: ActionGrant,
		Text:     "The program's rule set grants requests that pass every rule.",
		NextStep: "Deliver the service within the units and dates authorized."},
	{Code: CodeNoGrantingRule, Action: ActionPend,
		Text:     "The program's rule set grants nothing by rule (its granting rule is switched off), so a reviewer must decide.",
		NextStep: "Wait for the reviewer's decision."},
	// The words name no agency, no rule and no record: a provider reads the
	// same answer whichever withheld reason it stands for.
	{Code: CodeConflictOnFile, Action: ActionPend,
		Text:     "Something on file for this client conflicts with this request; the MSC can say what.",
		NextStep: "Contact the MSC about this request; a reviewer decides it if it is pended."},
}

// Catalogue returns every reason code, voucher and claim, sorted by kind and code.
func Catalogue() []Reason {
	out := make([]Reason, 0, len(voucherReasons)+len(claimReasons))
	for _, r := range voucherReasons {
		r.Kind = "voucher"
		out = append(out, r)
	}
	for _, r := range claimReasons {
		r.Kind = "claim"
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind > out[j].Kind
		}
		return out[i].Code < out[j].Code
	})
	return out
}

var reasonIndex = func() map[string]Reason {
	m := make(map[string]Reason)
	for _, r := range voucherReasons {
		r.Kind = "voucher"
		m[r.Code] = r
	}
	for _, r := range claimReasons {
		r.Kind = "claim"
		m[r.Code] = r
	}
	return m
}()

// Lookup returns the catalogue entry for code.
func Lookup(code string) (Reason, bool) {
	r, ok := reasonIndex[code]
	return r, ok
}
