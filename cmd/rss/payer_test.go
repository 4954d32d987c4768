package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/fixtures"
	"rss/pg/pgtest"
	"rss/x12/x12test"
)

// closedMedicaidBatch is a database (DATABASE_URL names it) holding one
// ECRA claim line closed into an 837P batch, with finance's billing
// service and context.
func closedMedicaidBatch(t *testing.T) (*billing.Service, context.Context, billing.Batch) {
	t.Helper()
	db, url := pgtest.NewDBURL(t)
	t.Setenv("DATABASE_URL", url)
	ctx := t.Context()
	today := fixtures.TestToday
	demo, err := fixtures.DemoIDs(ctx, db)
	require.NoError(t, err)
	require.NoError(t, fillLines(ctx, db, demo.Providers["ECRA"], demo.Staff["Kowalski"], "MHW", "MHW-RA", "7.25", 1, today))
	b := billing.New(db, func() time.Time { return today.Add(10 * time.Hour) }, time.UTC)
	fin := access.WithActor(ctx, access.Actor{Role: access.RoleFinance, KeyID: keyOf(ctx, db, access.RoleFinance)})
	bt, err := b.CreateBatch(fin, billing.NewBatch{PayerRoute: billing.RouteMedicaid837P, ThroughDate: today})
	require.NoError(t, err)
	return b, fin, bt
}

// `rss x12 import` prints each unmatched item of the file, line payments
// too, saying when one is within a claim payment that posted. It printed
// the list only when a claim payment was unmatched, so a line whose REF*6R
// named no line of ours under a claim that posted was never shown (a
// black-box re-check; the API listed it).
func TestX12ImportPrintsEveryUnmatchedItem(t *testing.T) {
	b, fin, bt := closedMedicaidBatch(t)
	ctx := t.Context()
	var file bytes.Buffer
	_, err := b.Export(fin, bt.ID, &file, nil)
	require.NoError(t, err)
	ans, err := x12test.Answer(file.Bytes(), x12test.Scenario{Control: 940})
	require.NoError(t, err)
	// The payer garbles one line's REF*6R: the claim still balances and
	// posts; the line matches nothing.
	at := regexp.MustCompile(`REF\*6R\*[0-9]+`).FindIndex(ans.Remit835)
	require.NotNil(t, at)
	garbled := append(append(bytes.Clone(ans.Remit835[:at[0]]), "REF*6R*77777"...), ans.Remit835[at[1]:]...)
	path := filepath.Join(t.TempDir(), "remit.835")
	require.NoError(t, os.WriteFile(path, garbled, 0o600))

	var out, errOut bytes.Buffer
	require.NoError(t, run(ctx, []string{"x12", "import", path}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "1 matched, 0 unmatched")
	assert.Contains(t, out.String(), "\n  unmatched line_payment 77777: unknown_line, 14.50 (within a claim payment that posted)\n")
	assert.Equal(t, 2, bytes.Count(out.Bytes(), []byte("\n")), "one unmatched item: %s", out.String())

	// A claim payment that matched nothing is listed, with its amount.
	ans, err = x12test.Answer(file.Bytes(), x12test.Scenario{Control: 950})
	require.NoError(t, err)
	other := bytes.ReplaceAll(ans.Remit835, []byte("CLP*BX-MHW-1*"), []byte("CLP*NOPE-1*"))
	other = bytes.ReplaceAll(other, []byte("TRN*1*"), []byte("TRN*1*9"))
	require.NoError(t, os.WriteFile(path, other, 0o600))
	out.Reset()
	require.NoError(t, run(ctx, []string{"x12", "import", path}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "0 matched, 1 unmatched")
	assert.Contains(t, out.String(), "\n  unmatched claim_payment NOPE-1: unknown_claim, 725.00\n")
}

// `rss x12 import` and `x12 check` read a regular file, and an import at
// most the body POST /v1/payer-files takes: /dev/zero grew the import's
// memory until the process died, and a FIFO with no writer hung both past
// Ctrl-C (a black-box pass). Refused before any database is opened.
func TestX12ReadsOnlyARegularFileOfBoundedSize(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=1")
	t.Setenv("RSS_MAX_BULK_BODY_BYTES", "100")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	big := filepath.Join(dir, "big.835")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("x"), 101), 0o600))
	empty := filepath.Join(dir, "empty.835")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	blank := filepath.Join(dir, "blank.835")
	require.NoError(t, os.WriteFile(blank, []byte(" \r\n\t\n"), 0o600))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"x12", "import", fifo}, "is not a regular file"},
		{[]string{"x12", "check", fifo}, "is not a regular file"},
		{[]string{"x12", "import", "/dev/zero"}, "is not a regular file"},
		{[]string{"x12", "import", dir}, "is not a regular file"},
		{[]string{"x12", "import", big}, "is 101 bytes, more than the 100 a payer file may be"},
		// The file's words, not the API's ("the body is ..."), before any
		// database is asked.
		{[]string{"x12", "import", empty}, "empty.835 is empty: rss x12 import takes the payer's X12 file"},
		{[]string{"x12", "import", blank}, "blank.835 is empty: rss x12 import takes the payer's X12 file"},
	} {
		var out, errOut bytes.Buffer
		err := run(t.Context(), c.args, &out, &errOut)
		require.Error(t, err, "%v", c.args)
		assert.Contains(t, err.Error(), c.want, "%v", c.args)
	}
}

// `rss export --out` into a directory that does not exist names the file
// asked for, not the hidden part file written beside it (a black-box
// pass read ".x.out.2200524570.part").
func TestExportNamesTheFileAskedFor(t *testing.T) {
	_, _, bt := closedMedicaidBatch(t)
	ctx := t.Context()
	target := filepath.Join(t.TempDir(), "missing", "x.out")
	var out, errOut bytes.Buffer
	err := run(ctx, []string{"export", "batch", strconv.FormatInt(bt.ID, 10), "--out", target}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot write --out "+target)
	assert.NotContains(t, err.Error(), ".part")
}

// `rss export --out` naming a link to a file not yet written writes that
// file and keeps the link: the link was replaced by a file of PHI (an
// on-call black-box pass). A batch id is read as the API reads one: 01
// was batch 1.
func TestExportFollowsALinkToANewFile(t *testing.T) {
	_, _, bt := closedMedicaidBatch(t)
	ctx := t.Context()
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "tgt"), 0o700))
	link := filepath.Join(dir, "link")
	require.NoError(t, os.Symlink(filepath.Join("tgt", "new.837"), link))
	var out, errOut bytes.Buffer
	require.NoError(t, run(ctx, []string{"export", "batch", strconv.FormatInt(bt.ID, 10), "--out", link}, &out, &errOut))
	st, err := os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, st.Mode().Type(), "the link is kept")
	body, err := os.ReadFile(filepath.Join(dir, "tgt", "new.837"))
	require.NoError(t, err)
	assert.True(t, bytes.HasPrefix(body, []byte("ISA*")), "%.40s", body)
	st, err = os.Stat(filepath.Join(dir, "tgt", "new.837"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	// A link into a directory that does not exist is refused, the link kept.
	dangling := filepath.Join(dir, "dangling")
	require.NoError(t, os.Symlink(filepath.Join(dir, "nowhere", "x.837"), dangling))
	err = run(ctx, []string{"export", "batch", strconv.FormatInt(bt.ID, 10), "--out", dangling}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot write --out "+filepath.Join(dir, "nowhere", "x.837"))
	st, err = os.Lstat(dangling)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, st.Mode().Type())
	for _, id := range []string{"0" + strconv.FormatInt(bt.ID, 10), "+" + strconv.FormatInt(bt.ID, 10)} {
		err = run(ctx, []string{"export", "batch", id, "--out", filepath.Join(dir, "x")}, &out, &errOut)
		require.Error(t, err, id)
		assert.Contains(t, err.Error(), "is not a positive number written plainly", id)
	}
	// Past any id, plainly written: no such batch, as the API answers.
	err = run(ctx, []string{"export", "batch", "99999999999999999999", "--out", filepath.Join(dir, "x")}, &out, &errOut)
	require.ErrorIs(t, err, rss.ErrNotFound)
	assert.Contains(t, err.Error(), "batch 99999999999999999999")
}

// `rss x12 check -` reads stdin, as `export batch --out -` writes stdout:
// a file piped from another tool was refused as a file named "-" (an
// on-call pass).
func TestX12CheckReadsStdin(t *testing.T) {
	// It reads no configuration: a malformed DATABASE_URL, never used,
	// refused the check (an on-call pass).
	t.Setenv("DATABASE_URL", "garbage://x")
	withStdin(t, "hello world")
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"x12", "check", "-"}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "1 problem found")
	assert.Contains(t, out.String(), "segment 1: SYNTAX: input does not start with an ISA segment")
}

// `rss x12 import -` reads stdin too (it was refused as a file named "-":
// an on-call pass); the reader's words come back for a file that is not
// X12, and nothing is written.
func TestX12ImportReadsStdin(t *testing.T) {
	_, url := pgtest.NewDBURL(t)
	t.Setenv("DATABASE_URL", url)
	withStdin(t, "hello world")
	var out, errOut bytes.Buffer
	err := run(t.Context(), []string{"x12", "import", "-"}, &out, &errOut)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "- was not imported; nothing was written")
	assert.Contains(t, out.String(), "segment")
	assert.NotContains(t, err.Error(), "no such file")
}

// withStdin makes os.Stdin read text for the rest of the test.
func withStdin(t *testing.T, text string) {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "in")
	require.NoError(t, err)
	_, err = f.WriteString(text)
	require.NoError(t, err)
	_, err = f.Seek(0, 0)
	require.NoError(t, err)
	stdin := os.Stdin
	os.Stdin = f
	t.Cleanup(func() { os.Stdin = stdin; f.Close() })
}

// `rss x12 import` judges a file as POST /v1/payer-files does: addressed
// as the configured RSS_X12_* parties or as a batch went out. It judged
// every file against the demo parties whatever the configuration, so a
// file addressed to the MSC's configured id was refused (a fix helper
// found it beside a black-box pass's finding on payer-file addressing).
func TestX12ImportTakesTheConfiguredParties(t *testing.T) {
	b, fin, bt := closedMedicaidBatch(t) // sent as RSSMSC, test usage
	ctx := t.Context()
	t.Setenv("RSS_X12_SENDER_ID", "CLISENDER")
	t.Setenv("RSS_X12_USAGE", "P")
	var file bytes.Buffer
	_, err := b.Export(fin, bt.ID, &file, nil)
	require.NoError(t, err)
	ans, err := x12test.Answer(file.Bytes(), x12test.Scenario{Control: 960})
	require.NoError(t, err)
	dir := t.TempDir()
	// The batch's 999, addressed as the batch went out.
	asSent := filepath.Join(dir, "sent.999")
	require.NoError(t, os.WriteFile(asSent, ans.Ack999, 0o600))
	// A 999 of a group rss never sent, addressed as rss is configured now.
	now := bytes.Replace(ans.Ack999, []byte("*ZZ*RSSMSC         *"), []byte("*ZZ*CLISENDER      *"), 1)
	now = bytes.Replace(now, []byte("*0*T*:~"), []byte("*0*P*:~"), 1)
	now = regexp.MustCompile(`AK1\*HC\*[0-9]+\*`).ReplaceAll(now, []byte("AK1*HC*987654*"))
	now = regexp.MustCompile(`(ISA\*(?:[^*]*\*){12})[0-9]{9}`).ReplaceAll(now, []byte("${1}000000961"))
	now = regexp.MustCompile(`(IEA\*[0-9]+\*)[0-9]{9}`).ReplaceAll(now, []byte("${1}000000961"))
	require.Contains(t, string(now), "CLISENDER")
	configured := filepath.Join(dir, "now.999")
	require.NoError(t, os.WriteFile(configured, now, 0o600))
	for path, want := range map[string]string{asSent: "1 matched, 0 unmatched", configured: "0 matched, 1 unmatched"} {
		var out, errOut bytes.Buffer
		require.NoError(t, run(ctx, []string{"x12", "import", path}, &out, &errOut), "%s: %s %s", path, out.String(), errOut.String())
		assert.Contains(t, out.String(), want, path)
	}
}

// The check's counts read in the singular for one ("1 claims" and
// "1 interchange(s)": a CLI black-box pass of the forty-sixth stop).
func TestX12CheckCountsInWords(t *testing.T) {
	var out, errOut bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"x12", "check", "../../x12/testdata/one_provider_one_claim.golden"}, &out, &errOut))
	assert.Contains(t, out.String(), ", 1 interchange, 1 group, 1 transaction set, 1 claim, ")
	assert.Contains(t, out.String(), "ok: no problems found")
}
