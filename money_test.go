package rss

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// AppendFixed writes what StringFixed(2) writes, on its fast path (a small
// coefficient, exponent -2 to 0) and off it.
func TestMoneyAppendFixedIsStringFixed(t *testing.T) {
	t.Parallel()
	cases := []decimal.Decimal{{}, decimal.New(0, -2), decimal.New(-5, -1), decimal.New(5, -3), decimal.New(-1005, -3),
		decimal.New(123456789012345, 0), decimal.New(1234567890123456, -2), decimal.New(-999999999999, -2), decimal.New(7, 3),
		decimal.RequireFromString("99999999999999999999.99"), decimal.New(1, -30)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		cases = append(cases, decimal.New(r.Int64N(2e12)-1e12, -r.Int32N(5)), decimal.New(r.Int64()>>r.IntN(63), -r.Int32N(4)))
	}
	for _, d := range cases {
		assert.Equal(t, d.StringFixed(2), string(NewMoney(d).AppendFixed([]byte{})), "%s", d)
	}
}

// Amounts read from JSON are the decimals ParseMoney makes of the same
// text, and the text refused is what the wire form refuses.
func TestMoneyUnmarshalJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0.00", "-0.00", "40.00", "0.10", "-12.34", "999999999999.99", "1.05"} {
		var m Money
		require.NoError(t, m.UnmarshalJSON([]byte(`"`+s+`"`)), s)
		want, err := ParseMoney(s)
		require.NoError(t, err)
		assert.True(t, want.Decimal.Equal(m.Decimal), s)
		assert.Equal(t, want.Exponent(), m.Exponent(), s)
		assert.Equal(t, want.String(), m.String(), s)
		b, err := m.MarshalJSON()
		require.NoError(t, err)
		assert.Equal(t, `"`+want.StringFixed(2)+`"`, string(b))
	}
	for _, s := range []string{`40.00`, `"40"`, `"40.0"`, `"40.000"`, `".00"`, `"-.50"`, `"1e2.00"`, `"+1.00"`, `"1,00"`,
		`"1234567890123.00"`, `"007.10"`, `"00.50"`, `"-015.00"`, `"--1.00"`, `"1.0a"`, `"a1.00"`, `""`, `"`, `"  1.00"`, `"1. 00"`} {
		var m Money
		require.ErrorIs(t, m.UnmarshalJSON([]byte(s)), ErrInvalid, s)
	}
}

// ParseAmount takes what a form types by the API's rule, and nothing the
// lenient ParseMoney would also take.
func TestParseAmount(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"15.00", "0.50", "1250.00", "-12.34", "999999999999.99"} {
		m, err := ParseAmount(s)
		require.NoError(t, err, s)
		assert.Equal(t, s, m.String())
	}
	for _, s := range []string{"1250", "1e3", ".5", "15.0000", "15.0", "15", "", " 15.00", "15.00 ", "+1.00", "1,00"} {
		_, err := ParseAmount(s)
		require.ErrorIs(t, err, ErrInvalid, s)
	}
}

// fmt and templates write money with its two decimals: the decimal's own
// Format, promoted, wrote 300 for 300.00.
func TestMoneyFormatsWithTwoDecimals(t *testing.T) {
	m := MustMoney("300.00")
	for _, got := range []string{fmt.Sprintf("%s", m), fmt.Sprintf("%v", m), fmt.Sprint(m), fmt.Sprintf("%s", &m)} {
		if got != "300.00" {
			t.Errorf("got %q, want 300.00", got)
		}
	}
	if got := fmt.Sprintf("%.1f", m); got != "300.0" {
		t.Errorf("%%.1f: got %q", got)
	}
}

// A well-formed amount past twelve dollar digits is said to be too large,
// not malformed (it read "must be a string of dollars, a point and two
// decimals": a payer black-box pass).
func TestMoneyTooLargeSaysSo(t *testing.T) {
	t.Parallel()
	var m Money
	err := m.UnmarshalJSON([]byte(`"1234567890123.00"`))
	require.ErrorIs(t, err, ErrInvalid)
	assert.ErrorIs(t, err, ErrAmountRange)
	err = m.UnmarshalJSON([]byte(`"12345678901234567890.00"`))
	assert.ErrorIs(t, err, ErrAmountRange, "twenty digits")
	err = m.UnmarshalJSON([]byte(`"12a4567890123.00"`))
	assert.Contains(t, err.Error(), "a point and two decimals")
}

// A Total is a sum of amounts echoed back (a batch's preview totals,
// numeric(20,2)): Money's form, up to sixteen dollar digits, so a preview
// of more than a trillion dollars can be echoed in a close's expect (it
// was refused as a malformed amount: a payer black-box pass).
func TestTotalUnmarshalJSON(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"0.00", "-12.34", "999999999999.99", "1000000000000.00", "-9999999999999999.99"} {
		var tot Total
		require.NoError(t, tot.UnmarshalJSON([]byte(`"`+s+`"`)), s)
		assert.Equal(t, s, tot.StringFixed(2))
	}
	for _, s := range []string{`"10000000000000000.00"`, `"1.0"`, `"01.00"`, `12.00`} {
		var tot Total
		require.ErrorIs(t, tot.UnmarshalJSON([]byte(s)), ErrInvalid, s)
	}
}
