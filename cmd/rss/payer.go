package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/x12"
)

// openRegular opens path for reading when it is a regular file: a device,
// pipe or socket may never end (/dev/zero grew the import's memory until
// the process died, a FIFO with no writer hung it past Ctrl-C: a black-box
// pass), and a payer file is a file.
func openRegular(path string) (*os.File, os.FileInfo, error) {
	// Opened first, without waiting (a FIFO opens at once, where a plain
	// open waits for a writer), and the file opened is the one judged: a
	// path judged and then opened could be swapped for a pipe in between
	// (a black-box pass).
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%s is not a regular file (a directory, device, pipe or socket): name the file itself", path)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, st, nil
}

// readPayerFile reads a payer file of at most limit bytes, the body
// POST /v1/payer-files takes (RSS_MAX_BULK_BODY_BYTES); "-" is stdin, as
// `x12 check -` reads it (import refused it as a file named "-": an
// on-call pass).
func readPayerFile(path string, limit int64) ([]byte, error) {
	var in io.Reader = os.Stdin
	if path != "-" {
		f, st, err := openRegular(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		if st.Size() > limit {
			return nil, fmt.Errorf("%s is %d bytes, more than the %d a payer file may be (RSS_MAX_BULK_BODY_BYTES, as POST /v1/payer-files takes); nothing was written",
				path, st.Size(), limit)
		}
		in = f
	}
	body, err := io.ReadAll(io.LimitReader(in, limit+1))
	switch {
	case err != nil:
	case int64(len(body)) > limit && path == "-":
		err = fmt.Errorf("standard input holds more than the %d bytes a payer file may be (RSS_MAX_BULK_BODY_BYTES, as POST /v1/payer-files takes); nothing was written", limit)
	case int64(len(body)) > limit:
		err = fmt.Errorf("%s grew past the %d bytes a payer file may be while it was read; nothing was written", path, limit)
	case len(bytes.TrimSpace(body)) == 0:
		// The API's words ("the body is ...") were the CLI's too (an
		// on-call pass).
		err = fmt.Errorf("%s is empty: rss x12 import takes the payer's X12 file (999, 277CA, 835 or TA1); nothing was written", path)
	}
	return body, err
}

// x12Import is `rss x12 import FILE`: the same import as
// POST /v1/payer-files, run by finance's operator on the database host.
// It acts as finance with no API key (the file's imported_by stays empty,
// the audit log says cli-x12-import).
func x12Import(ctx context.Context, cfg config, args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "import" {
		return errors.New("usage: rss x12 import FILE (- reads stdin)")
	}
	body, err := readPayerFile(args[1], cfg.MaxBulkBody)
	if err != nil {
		return err
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	b := billing.New(db, time.Now, cfg.Location)
	// A file may be addressed as rss is configured now, as the server
	// judges it: the demo parties judged every file the CLI read.
	b.SetParties(cfg.Parties)
	ctx = access.WithActor(ctx, access.Actor{Role: access.RoleFinance, Purpose: "payment", RequestID: "cli-x12-import"})
	f, err := b.ImportPayerFile(ctx, body)
	var ve *rss.ValidationError
	if errors.As(err, &ve) {
		for _, fe := range ve.Fields {
			// The reader's reason, without the package's prefix the
			// problem's file name already stands in for.
			fmt.Fprintf(stdout, "%s: %s\n", args[1], strings.TrimPrefix(fe.Message, x12.ErrInvalid.Error()+": "))
		}
		return fmt.Errorf("%s was not imported; nothing was written", args[1])
	}
	if err != nil {
		return err
	}
	verb := "imported"
	if f.AlreadyImported {
		verb = "already imported; nothing posted again"
	}
	sum := f.Summary
	fmt.Fprintf(stdout, "%s: %s %s as payer file %d: %s, %d matched, %d unmatched", args[1], f.Kind, verb, f.ID,
		counted(sum.Items, "item"), sum.Matched, sum.Unmatched)
	switch f.Kind {
	case billing.PayerFile835:
		fmt.Fprintf(stdout, ", %s totalling %s, %s posted, provider adjustments %s\n", counted(sum.Payments, "payment"), sum.Total.String(), sum.Posted.String(),
			sum.ProviderAdjustments.String())
	default:
		fmt.Fprintf(stdout, ", %d accepted, %d rejected\n", sum.Accepted, sum.Rejected)
	}
	// What matched nothing of ours, each by the payer's own reference (an
	// ST02, CLM01 or line id: no name or member id), why and for how much:
	// the counts alone said which to look for nowhere (a black-box pass).
	// Every item, not only when the summary counts one: it counts claim
	// payments, and a line payment of a claim that posted (a line id the
	// payer garbled, or a line paid twice) was never printed (a re-check).
	d, err := b.PayerFile(ctx, f.ID)
	if err != nil {
		return err
	}
	for _, u := range d.Unmatched {
		printUnmatched(stdout, u)
	}
	return nil
}

// printUnmatched writes one unmatched item: a line payment within a claim
// payment that posted says so, its amount being in what posted, not money
// left unposted.
func printUnmatched(w io.Writer, u billing.UnmatchedItem) {
	fmt.Fprintf(w, "  unmatched %s %s: %s", u.Kind, u.Reference, u.Reason)
	if u.Amount != nil {
		fmt.Fprintf(w, ", %s", u.Amount.StringFixed(2))
	}
	if u.WithinPosted {
		fmt.Fprint(w, " (within a claim payment that posted)")
	}
	fmt.Fprintln(w)
}
