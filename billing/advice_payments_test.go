package billing_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss/billing"
)

type adviceWithPayments struct {
	Claims   []billing.AdviceClaim   `json:"claims"`
	Payments []billing.AdvicePayment `json:"payments"`
	Totals   billing.AdviceTotals    `json:"totals"`
}

// TestAdviceCarriesThePaymentsAndTheirPLB: a provider's remittance advice
// lists each Medicaid payment that paid or took back its claims, with the
// provider-level adjustments (PLB) the payment charged the agency, so the
// agency can balance its advice against its deposit. A payment that paid
// claims of two batches shows on both batches' advices, whole; another
// agency's payment and PLB never show.
func TestAdviceCarriesThePaymentsAndTheirPLB(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	w.mhwAuthorize(w.hvr(), "Yilmaz", 100, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("PA-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	w.submitAs(w.ecra(), w.mhwClaim("PA-2", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-9), 2, "14.50")))
	w.submitAs(w.hvr(), w.mhwClaim("PA-H", "Yilmaz", "Brandt", []string{"F20.9"}, line("MHW-RA", day(-8), 6, "43.50")))
	b1, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent1 := readSent(t, w.export(b1.ID))
	w.submitAs(w.ecra(), w.mhwClaim("PA-3", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-7), 8, "58.00")))
	b2, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent2 := readSent(t, w.export(b2.ID))

	// Before Medicaid answers, an advice lists no payment.
	var before adviceWithPayments
	require.NoError(t, json.Unmarshal(w.advice(b1.ID, "ECRA", "json"), &before))
	require.NotNil(t, before.Payments)
	assert.Empty(t, before.Payments)
	assert.Nil(t, before.Totals.ProviderAdjustments)

	// One payment to ECRA pays b1's two claims and b2's one (29.00 + 14.50 + 58.00 = 101.50) less a 5.00
	// recoupment: 96.50 deposited. HVR is paid 43.50 with 1.25 interest: 44.75.
	sim := newPayerSim()
	ecraNPI, hvrNPI := sent1.claim(t, "PA-1").NPI, sent1.claim(t, "PA-H").NPI
	w.importFile(sim.file835(
		remit{NPI: ecraNPI, Trace: "EFT-A", Claims: []clp{
			{CLM: sent1.claim(t, "PA-1"), Status: "1", CCN: "ICN1"},
			{CLM: sent1.claim(t, "PA-2"), Status: "1", CCN: "ICN2"},
			{CLM: sent2.claim(t, "PA-3"), Status: "1", CCN: "ICN3"},
		}, PLB: []plb{{NPI: ecraNPI, Reason: "WO", Ref: "OLD1", Amount: dec("5.00")}}},
		remit{NPI: hvrNPI, Trace: "EFT-H", Claims: []clp{{CLM: sent1.claim(t, "PA-H"), Status: "1", CCN: "ICNH"}},
			PLB: []plb{{NPI: hvrNPI, Reason: "L6", Ref: "INT1", Amount: dec("-1.25")}}}))

	var a1 adviceWithPayments
	require.NoError(t, json.Unmarshal(w.advice(b1.ID, "ECRA", "json"), &a1))
	require.Len(t, a1.Payments, 1, "HVR's payment is not ECRA's")
	p := a1.Payments[0]
	assert.Equal(t, "EFT-A", p.Trace)
	assert.Equal(t, "43.50", p.ClaimsPaid.String(), "what it paid this advice's claims")
	require.NotNil(t, p.ClaimsPaidTotal)
	assert.Equal(t, "101.50", p.ClaimsPaidTotal.String(), "b2's claim too")
	require.NotNil(t, p.Amount)
	assert.Equal(t, "96.50", p.Amount.String(), "BPR02 = Σ CLP04 − Σ PLB")
	require.Len(t, p.ProviderAdjustments, 1)
	assert.Equal(t, "WO", p.ProviderAdjustments[0].Reason)
	assert.Equal(t, "OLD1", *p.ProviderAdjustments[0].Reference)
	assert.Equal(t, "5.00", p.ProviderAdjustments[0].Amount.String())
	require.NotNil(t, a1.Totals.ProviderAdjustments)
	assert.Equal(t, "5.00", a1.Totals.ProviderAdjustments.String())

	var a2 adviceWithPayments
	require.NoError(t, json.Unmarshal(w.advice(b2.ID, "ECRA", "json"), &a2))
	require.Len(t, a2.Payments, 1, "the same payment, on the other batch's advice")
	assert.Equal(t, "EFT-A", a2.Payments[0].Trace)
	assert.Equal(t, "58.00", a2.Payments[0].ClaimsPaid.String())
	assert.Equal(t, "96.50", a2.Payments[0].Amount.String())

	var ah adviceWithPayments
	require.NoError(t, json.Unmarshal(w.advice(b1.ID, "HVR", "json"), &ah))
	require.Len(t, ah.Payments, 1)
	assert.Equal(t, "EFT-H", ah.Payments[0].Trace)
	assert.Equal(t, "44.75", ah.Payments[0].Amount.String(), "interest paid adds to the deposit")
	require.Len(t, ah.Payments[0].ProviderAdjustments, 1)
	assert.Equal(t, "-1.25", ah.Payments[0].ProviderAdjustments[0].Amount.String())

	// The agency's own key reads the same; the CSV carries a row per
	// payment and per PLB, and the PLB total on its TOTAL row.
	var own bytes.Buffer
	require.NoError(t, w.b.Advice(w.ecra(), b1.ID, w.demo.Providers["ECRA"], "csv", &own))
	r := csv.NewReader(strings.NewReader(own.String()))
	r.FieldsPerRecord = -1 // the first row is the Part 2 notice, a single cell
	rows, err := r.ReadAll()
	require.NoError(t, err)
	header := rows[1]
	col := func(row []string, name string) string {
		for i, h := range header {
			if h == name {
				return row[i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	var kinds []string
	for _, row := range rows[2:] {
		require.Len(t, row, len(header))
		switch kind := col(row, "claim_number"); kind {
		case "PAYMENT":
			kinds = append(kinds, kind)
			assert.Equal(t, "EFT-A", col(row, "payment_trace"))
			assert.Equal(t, "43.50", col(row, "payer_claim_paid"))
			assert.Equal(t, "96.50", col(row, "payment_amount"))
			assert.Equal(t, "101.50", col(row, "payment_claims_paid_total"))
		case "PROVIDER ADJUSTMENT":
			kinds = append(kinds, kind)
			assert.Equal(t, "EFT-A", col(row, "payment_trace"))
			assert.Equal(t, "WO", col(row, "plb_reason"))
			assert.Equal(t, "OLD1", col(row, "plb_reference"))
			assert.Equal(t, "5.00", col(row, "plb_amount"))
		case "TOTAL":
			kinds = append(kinds, kind)
			assert.Equal(t, "5.00", col(row, "plb_amount"))
		case "TOTAL IN FILE":
			kinds = append(kinds, kind)
		default:
			assert.Empty(t, col(row, "payment_trace"), "a claim's row")
		}
	}
	assert.Equal(t, []string{"PAYMENT", "PROVIDER ADJUSTMENT", "TOTAL IN FILE", "TOTAL"}, kinds)
	assert.NotContains(t, own.String(), "EFT-H")
	assert.NotContains(t, own.String(), "INT1")

	// A later payment that takes back PA-1 is listed on b1's advice too, negative.
	w.importFile(sim.file835(remit{NPI: ecraNPI, Trace: "EFT-B", Claims: []clp{{CLM: sent1.claim(t, "PA-1"), Status: "22", CCN: "ICN1"}}}))
	var again adviceWithPayments
	require.NoError(t, json.Unmarshal(w.advice(b1.ID, "ECRA", "json"), &again))
	require.Len(t, again.Payments, 2)
	assert.Equal(t, "EFT-B", again.Payments[1].Trace)
	assert.Equal(t, "-29.00", again.Payments[1].ClaimsPaid.String())
	assert.Equal(t, "-29.00", again.Payments[1].Amount.String(), "a debit")
	assert.Empty(t, again.Payments[1].ProviderAdjustments)
	assert.Equal(t, "5.00", again.Totals.ProviderAdjustments.String())

	// A PLB of ECRA's payment naming HVR's NPI is ECRA's money withheld,
	// shown with its reason and amount but not HVR's NPI nor the reference
	// (an agency read another's on its advice: a Part 2 black-box pass).
	w.importFile(sim.file835(remit{NPI: ecraNPI, Trace: "EFT-D", Claims: []clp{{CLM: sent1.claim(t, "PA-2"), Status: "22", CCN: "ICN2"}},
		PLB: []plb{{NPI: hvrNPI, Reason: "WO", Ref: "HVRSECRET", Amount: dec("2.00")}}}))
	var later adviceWithPayments
	raw := w.advice(b1.ID, "ECRA", "json")
	require.NoError(t, json.Unmarshal(raw, &later))
	require.Len(t, later.Payments, 3)
	d := later.Payments[2]
	assert.Equal(t, "EFT-D", d.Trace)
	require.Len(t, d.ProviderAdjustments, 1)
	assert.Equal(t, "2.00", d.ProviderAdjustments[0].Amount.String())
	assert.Equal(t, "", d.ProviderAdjustments[0].ProviderRef)
	assert.Nil(t, d.ProviderAdjustments[0].Reference)
	assert.Equal(t, "7.00", later.Totals.ProviderAdjustments.String())
	for _, format := range []string{"json", "csv"} {
		body := string(w.advice(b1.ID, "ECRA", format))
		assert.NotContains(t, body, "HVRSECRET", format)
		assert.NotContains(t, body, hvrNPI, format)
	}
}

// A payment rss kept aside (a second payment of a claim paid already)
// shows on the advice with its money kept aside: the advice's payments
// summed past payer_paid with nothing saying which were duplicates the
// payer will take back (a payer black-box pass of the forty-third stop).
func TestAdviceSaysWhatAPaymentKeptAside(t *testing.T) {
	w := newWorld(t)
	w.mhwAuthorize(w.ecra(), "Dubois", 200, day(-30), day(30))
	w.submitAs(w.ecra(), w.mhwClaim("KA-1", "Dubois", "Kowalski", []string{"F33.1"}, line("MHW-RA", day(-10), 4, "29.00")))
	b, err := w.b.CreateBatch(w.finance(), billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: day(0)})
	require.NoError(t, err)
	sent := readSent(t, w.export(b.ID))
	npi := sent.claim(t, "KA-1").NPI
	sim := newPayerSim()
	for _, trace := range []string{"EFT-1", "EFT-2"} {
		w.importFile(sim.file835(remit{NPI: npi, Trace: trace, Claims: []clp{{CLM: sent.claim(t, "KA-1"), Status: "1", CCN: "ICN-KA"}}}))
	}
	var a adviceWithPayments
	require.NoError(t, json.Unmarshal(w.advice(b.ID, "ECRA", "json"), &a))
	require.Len(t, a.Payments, 2)
	kept := map[string]string{}
	for _, p := range a.Payments {
		assert.Equal(t, "29.00", p.ClaimsPaid.String(), p.Trace)
		kept[p.Trace] = p.ClaimsKeptAside.String()
	}
	assert.Equal(t, map[string]string{"EFT-1": "0.00", "EFT-2": "29.00"}, kept, "the second is the duplicate")
	// And so does the CSV's PAYMENT row (it did not: the forty-fourth stop).
	csvKept := map[string]string{}
	for _, row := range adviceRows(t, w.advice(b.ID, "ECRA", "csv")) {
		if row["claim_number"] == "PAYMENT" {
			csvKept[row["payment_trace"]] = row["payment_claims_kept_aside"]
		}
	}
	assert.Equal(t, kept, csvKept)
	require.NotNil(t, a.Totals.PayerPaid)
	assert.Equal(t, "29.00", a.Totals.PayerPaid.String())
}

// adviceRows reads a CSV advice's rows after its notice and header, each
// by column name; every row has the header's columns.
func adviceRows(t *testing.T, body []byte) []map[string]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(body))
	r.FieldsPerRecord = -1 // the Part 2 notice is a row of one field
	all, err := r.ReadAll()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(all), 2)
	out := make([]map[string]string, 0, len(all)-2)
	for _, row := range all[2:] {
		require.Len(t, row, len(all[1]))
		m := map[string]string{}
		for i, h := range all[1] {
			m[h] = row[i]
		}
		out = append(out, m)
	}
	return out
}
