package x12

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// makeNPI appends the check digit to nine digits. It is written
// independently of ValidNPI (plain Luhn over the 15-digit 80840 form) so
// that a bug in one does not hide in the other.
func makeNPI(nine string) string {
	if len(nine) != 9 {
		panic("makeNPI needs nine digits")
	}
	full := "80840" + nine
	sum := 0
	// The check digit will be appended on the right, so the rightmost
	// digit of full is in an even position from the right: doubled.
	for i := len(full) - 1; i >= 0; i-- {
		d := int(full[i] - '0')
		if (len(full)-1-i)%2 == 0 {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return nine + fmt.Sprint((10-sum%10)%10)
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func testHeader() Header {
	return Header{
		SenderQual: "ZZ", SenderID: "RSSMSO01",
		ReceiverQual: "ZZ", ReceiverID: "STATEMCD",
		AppSenderCode: "RSSMSO01", AppReceiverCode: "STATEMCD",
		Created:    time.Date(2024, 3, 5, 14, 30, 0, 0, time.UTC),
		ISAControl: 1, GSControl: 1,
		STControl: func(i int) (int64, error) { return int64(i + 1), nil },
		BatchRef:  "BATCH0001",
		Submitter: Submitter{Name: "RECOVERY SUPPORT MSO", ETIN: "MSO123456", ContactName: "CLAIMS DESK", Phone: "5035550100"},
		Receiver:  Receiver{Name: "STATE MEDICAID", ID: "SMCD01"},
		Payer:     Payer{Name: "STATE MEDICAID", ID: "SMCD01"},
	}
}

func testProvider(n int) BillingProvider {
	return BillingProvider{
		Name:    fmt.Sprintf("COMMUNITY AGENCY %d", n),
		NPI:     makeNPI(fmt.Sprintf("1%08d", 23456780+n)),
		TaxID:   fmt.Sprintf("93%07d", 1000000+n),
		Address: Address{Line1: fmt.Sprintf("%d MAIN ST", 100+n), City: "PORTLAND", State: "OR", Zip: "972011234"},
	}
}

func testLines(n int, from time.Time, prefix string) []Line {
	ls := make([]Line, n)
	for i := range ls {
		ls[i] = Line{
			ControlNumber: fmt.Sprintf("%s-%d", prefix, i+1),
			Procedure:     "S5125",
			Modifiers:     []string{"U1"},
			Charge:        decimal.RequireFromString("40.00").Mul(decimal.NewFromInt(int64(i%4 + 1))),
			Units:         int64(4 * (i%4 + 1)),
			ServiceDate:   from.AddDate(0, 0, i),
		}
	}
	return ls
}

func testClaim(id string, lines int) Claim {
	return Claim{
		ClaimID:        id,
		PlaceOfService: "12",
		Frequency:      "1",
		Diagnoses:      []string{"F1120"},
		Subscriber: Subscriber{
			Last: "DOE", First: "JANE", MedicaidID: "OR1234567",
			DOB: day(1985, 7, 14), Gender: "F",
			Address: &Address{Line1: "12 OAK AVE", Line2: "APT 3", City: "SALEM", State: "OR", Zip: "97301"},
		},
		Lines: testLines(lines, day(2024, 2, 1), id),
	}
}

type provClaims struct {
	p      BillingProvider
	claims []Claim
}

// render writes the batches and returns the bytes and the writer's stats.
func render(t testing.TB, h Header, opt Options, batches []provClaims, tune func(*Writer)) ([]byte, Stats) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, h, opt)
	if err != nil {
		t.Fatalf("NewWriter: %v", err)
	}
	if tune != nil {
		tune(w)
	}
	for _, b := range batches {
		for _, c := range b.claims {
			if err := w.WriteClaim(b.p, c); err != nil {
				t.Fatalf("WriteClaim %s: %v", c.ClaimID, err)
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return buf.Bytes(), w.Stats()
}

// mustCheck runs Check and fails the test on any problem.
func mustCheck(t testing.TB, data []byte) Report {
	t.Helper()
	rep, err := Check(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if !rep.OK() {
		var sb strings.Builder
		for _, p := range rep.Problems {
			sb.WriteString("\n  " + p.String())
		}
		t.Fatalf("Check found %d problems:%s", rep.ProblemCount, sb.String())
	}
	return rep
}

func sameStats(t testing.TB, rep Report, st Stats) {
	t.Helper()
	if rep.TransactionSets != st.TransactionSets || rep.Claims != st.Claims || rep.Lines != st.Lines || !rep.TotalCharge.Equal(st.TotalCharge) {
		t.Fatalf("Check counted sets=%d claims=%d lines=%d total=%s; writer wrote sets=%d claims=%d lines=%d total=%s",
			rep.TransactionSets, rep.Claims, rep.Lines, rep.TotalCharge, st.TransactionSets, st.Claims, st.Lines, st.TotalCharge)
	}
	if rep.Interchanges != 1 || rep.Groups != 1 {
		t.Fatalf("Check counted %d interchanges, %d groups; want 1, 1", rep.Interchanges, rep.Groups)
	}
}
