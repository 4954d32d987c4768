package x12

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFunctionalAckAccepted(t *testing.T) {
	acks, err := readAllAcks(t, readTestdata(t, "999_accepted.x12"))
	require.NoError(t, err)
	require.Len(t, acks, 1)
	a := acks[0]
	assert.Equal(t, "FA", a.FunctionalID)
	assert.Equal(t, "HC", a.GroupID)
	assert.Equal(t, int64(1), a.GroupControl)
	assert.Equal(t, "005010X222A1", a.GroupVersion)
	assert.True(t, a.GroupAccepted())
	assert.Equal(t, []SetAck{
		{SetID: "837", Control: "0001", Version: "005010X222A1", Status: "A"},
		{SetID: "837", Control: "0002", Version: "005010X222A1", Status: "A"},
	}, a.Sets)
	assert.Equal(t, [3]int{2, 2, 2}, [3]int{a.SetsIncluded, a.SetsReceived, a.SetsAccepted})
}

// 999_partial (CRLF line endings): of group 7, set 0013 accepted and set
// 0014 rejected for an invalid code in NM109 of 2010BA (position 8).
func TestFunctionalAckPartial(t *testing.T) {
	acks, err := readAllAcks(t, readTestdata(t, "999_partial.x12"))
	require.NoError(t, err)
	a := acks[0]
	assert.Equal(t, int64(7), a.GroupControl)
	assert.Equal(t, "P", a.GroupStatus)
	assert.True(t, a.GroupAccepted())
	require.Len(t, a.Sets, 2)
	assert.True(t, a.Sets[0].Accepted())
	rej := a.Sets[1]
	assert.False(t, rej.Accepted())
	assert.Equal(t, "0014", rej.Control)
	n, ok := ControlNumber(rej.Control)
	assert.True(t, ok)
	assert.Equal(t, int64(14), n)
	assert.Equal(t, "R", rej.Status)
	assert.Equal(t, []string{"5"}, rej.Errors)
	assert.Equal(t, []SegmentIssue{{
		SegmentID: "NM1", Position: 8, Loop: "2010", Code: "8",
		Context: []string{"CLM01:RSS-2003"}, CLM01: "RSS-2003",
		Elements: []ElementIssue{{Position: 9, Reference: "67", Code: "7", Bad: "MC555"}},
	}}, rej.Issues)
	assert.Equal(t, [3]int{2, 2, 1}, [3]int{a.SetsIncluded, a.SetsReceived, a.SetsAccepted})

	// IK303 is four characters in the guide; front ends that send the
	// whole loop name are read too.
	acks, err = readAllAcks(t, edit(t, readTestdata(t, "999_partial.x12"), "IK3*NM1*8*2010*8", "IK3*NM1*8*2010BA*8"))
	require.NoError(t, err)
	assert.Equal(t, "2010BA", acks[0].Sets[1].Issues[0].Loop)
}

// Positions in 999_partial: AK1 4, AK2 5, IK5 6, AK2 7, IK3 8, CTX 9,
// IK4 10, IK5 11, AK9 12, SE 13.
func TestFunctionalAckRefused(t *testing.T) {
	p := readTestdata(t, "999_partial.x12")
	for _, tc := range []struct {
		name, old, new string
		seg            int
		id, reason     string
	}{
		{"AK9 accepts more than the sets", "AK9*P*2*2*1", "AK9*E*2*2*2", 12, "AK9", "AK9 says 0 sets rejected, the AK2 loops reject 1"},
		// The verdict agrees with the counts (AK9*A after a rejected set was taken).
		{"AK9 accepts the group, some sets rejected", "AK9*P*2*2*1", "AK9*A*2*2*1", 12, "AK9", "AK901 A accepts the group, but AK904 accepts 1 of the 2"},
		{"AK9 partial, every set accepted", "AK9*P*2*2*1", "AK9*P*2*2*2", 12, "AK9", "AK901 P accepts part of the group"},
		{"AK9 rejects the group, a set accepted", "AK9*P*2*2*1", "AK9*R*2*2*1", 12, "AK9", "AK901 R rejects the group"},
		// Which sets a partial verdict accepted is told only by AK2 loops
		// naming every set it rejected (with none, every set was read
		// rejected: a review).
		{"AK9 partial, the rejected set not named", "AK2*837*0014*005010X222A1~\r\nIK3*NM1*8*2010*8~\r\nCTX*CLM01:RSS-2003~\r\nIK4*9*67*7*MC555~\r\nIK5*R*5~\r\n", "",
			7, "AK9", "AK901 P accepts part of the group, but the AK2 loops name 0 of the 1 sets it rejected"},
		{"AK9 counts inconsistent", "AK9*P*2*2*1", "AK9*P*1*2*1", 12, "AK9", "do not add up"},
		{"AK9 unknown code", "AK9*P*", "AK9*Q*", 12, "AK9", "AK901"},
		{"IK5 unknown code", "IK5*R*5", "IK5*Q*5", 11, "IK5", "IK501"},
		{"set without IK5", "IK5*R*5~\r\n", "", 11, "AK9", "expecting IK5"},
		{"AK2 before AK1", "AK1*HC*7*005010X222A1~\r\n", "", 4, "AK2", "starts with AK1"},
		{"IK4 before IK3", "IK3*NM1*8*2010*8~\r\nCTX*CLM01:RSS-2003~\r\n", "", 8, "IK4", "IK4 outside an IK3 loop"},
		{"IK4 position not a number", "IK4*9*", "IK4*X*", 10, "IK4", "IK401 component 1"},
		{"IK3 position not a number", "IK3*NM1*8*", "IK3*NM1*A*", 8, "IK3", "IK302 is not an integer"},
		{"bad SE count", "SE*11*", "SE*12*", 13, "SE", "SE01 is 12"},
		{"no AK9", "AK9*P*2*2*1~\r\nSE*11*", "SE*10*", 12, "SE", "ends before its AK9"},
		// AK103, the version the group was sent under, is required: the
		// set is matched by it (a payer black-box pass).
		{"AK1 without version", "AK1*HC*7*005010X222A1~", "AK1*HC*7~", 4, "AK1", "AK103 is required"},
		{"ST of a 997", "ST*999*0002*005010X231A1", "ST*997*0002*005010X231A1", 3, "ST", "ST01 is \"997\", this reader reads 999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := readAllAcks(t, edit(t, p, tc.old, tc.new))
			requireRefused(t, err, tc.seg, tc.id, tc.reason)
		})
	}
}
