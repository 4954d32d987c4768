package vouchers

import (
	"rss/adjudication"
)

// RuleClient converts a client to the adjudicator's view.
func RuleClient(c *Client) adjudication.Client {
	return adjudication.Client{ID: c.ID, DateOfBirth: c.DateOfBirth.Time, HasMedicaidID: c.MedicaidID != nil,
		CatchmentArea: c.CatchmentArea, SubstanceUse: c.SubstanceUseStatus, Eligibility: RuleEligibility(c.Eligibility)}
}

// ClientAddress is the client's postal address as the 837P checks see it.
func ClientAddress(c *Client) adjudication.PostalAddress {
	return adjudication.PostalAddress{Line1: deref(c.AddressLine1), City: deref(c.City), State: deref(c.State), Zip: deref(c.Zip)}
}

// ProviderAddress is the agency's postal address as the 837P checks see it.
func ProviderAddress(p *Provider) adjudication.PostalAddress {
	return adjudication.PostalAddress{Line1: p.AddressLine1, Line2: deref(p.AddressLine2), City: p.City, State: p.State, Zip: p.Zip}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// RuleEnrollment converts an enrollment to the adjudicator's view.
func RuleEnrollment(e *Enrollment) *adjudication.Enrollment {
	if e == nil {
		return nil
	}
	out := &adjudication.Enrollment{ID: e.ID, ProviderID: e.ProviderID, ProgramCode: e.ProgramCode, EpisodeID: e.EpisodeID,
		Start: e.StartDate.Time, PlannedEnd: e.PlannedEndDate.Time, Discharge: e.DischargeDate.Time, PrimaryCaseManager: e.PrimaryCaseManager}
	if e.AssignedStaffID != nil {
		out.AssignedStaffID = *e.AssignedStaffID
	}
	return out
}
