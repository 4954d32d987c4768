package x12

import (
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Helpers shared by the reader tests of the payer's answers.

func readTestdata(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return string(b)
}

// edit replaces the one occurrence of old in s; a test editing text that
// is not there (or is there twice) would test nothing.
func edit(t testing.TB, s, old, new string) string {
	t.Helper()
	require.Equal(t, 1, strings.Count(s, old), "edit target %q", old)
	return strings.Replace(s, old, new, 1)
}

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// decEq compares amounts by value, so 0 equals 0.00.
func decEq(t testing.TB, want string, got decimal.Decimal, msg ...any) {
	t.Helper()
	assert.True(t, dec(want).Equal(got), "want %s, got %s %v", want, got, msg)
}

func readAllRemits(t testing.TB, s string) ([]Remittance, error) {
	t.Helper()
	r := NewRemittanceReader(strings.NewReader(s))
	var out []Remittance
	for {
		rem, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			_, again := r.Next()
			assert.Equal(t, err, again, "an error is sticky")
			return out, err
		}
		out = append(out, rem)
	}
}

func readAllClaimAcks(t testing.TB, s string) ([]ClaimAck, error) {
	t.Helper()
	r := NewClaimAckReader(strings.NewReader(s))
	var out []ClaimAck
	for {
		a, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
}

func readAllAcks(t testing.TB, s string) ([]FunctionalAck, error) {
	t.Helper()
	r := NewFunctionalAckReader(strings.NewReader(s))
	var out []FunctionalAck
	for {
		a, err := r.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
}

// requireRefused checks the error is a ReadError at the segment expected.
func requireRefused(t testing.TB, err error, seg int, id, reason string) {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, ErrInvalid)
	var re *ReadError
	require.True(t, errors.As(err, &re), "%v is a *ReadError", err)
	assert.Equal(t, seg, re.Segment, "%v", err)
	assert.Equal(t, id, re.SegmentID, "%v", err)
	assert.Contains(t, re.Reason, reason)
}

func TestEnvelopeOfAnswer(t *testing.T) {
	rems, err := readAllRemits(t, readTestdata(t, "835_paid_full.x12"))
	require.NoError(t, err)
	require.Len(t, rems, 1)
	assert.Equal(t, Envelope{
		SenderQual: "ZZ", SenderID: "STATEMCD", ReceiverQual: "ZZ", ReceiverID: "RSSMSO01",
		ISAControl: 101, Usage: "P", FunctionalID: "HP", AppSender: "STATEMCD", AppReceiver: "RSSMSO01",
		Created: time.Date(2024, 3, 20, 9, 0, 0, 0, time.UTC), GSControl: 101, Version: Version835,
		SetID: "835", STControl: "0001", Position: 3, ISAPosition: 1, GSPosition: 2, Interchange: 1, Group: 1,
	}, rems[0].Envelope)
}

func TestControlNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{{"0001", 1, true}, {"000000042", 42, true}, {"123456789", 123456789, true}, {"", 0, false}, {"12A4", 0, false}, {"1234567890", 0, false}, {"-001", 0, false}} {
		n, ok := ControlNumber(tc.in)
		assert.Equal(t, tc.want, n, tc.in)
		assert.Equal(t, tc.ok, ok, tc.in)
	}
}
