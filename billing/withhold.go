package billing

import "rss/adjudication"

// The figures a provider reads in place of a cap rule's: the episode's
// room is the person's, every agency's use of it included, so the amount
// or units left (the dollar cap's "333.50 left of the episode cap 4000.00",
// the unit maximum's "0 left of the episode maximum 50") told an agency,
// by subtracting its own, what another agency was paid or used for the
// person (a black-box pass). Every provider reads these, for a person it
// alone serves too, so the text says nothing of who else serves them; the
// MSC reads the figures. The line's adjustments still say what was cut.
const (
	withheldUnitMaximum = "billed past the episode's unit maximum; the MSC reads the figures"
	withheldDollarCap   = "billed past the episode's dollar cap; the MSC reads the figures"
)

// withholdCapFigures puts the withheld texts in place of the cap rules'
// details in the lines' traces, for a provider's read of a claim (a
// submission's answer carries no trace).
func withholdCapFigures(c *Claim) {
	for i := range c.Lines {
		for j := range c.Lines[i].Trace {
			t := &c.Lines[i].Trace[j]
			if t.Code != adjudication.CodeClaimCapReached || t.Detail == "" {
				continue
			}
			switch t.Rule {
			case "C10U":
				t.Detail = withheldUnitMaximum
			default:
				t.Detail = withheldDollarCap
			}
		}
	}
}
