package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"rss"
	"rss/access"
	"rss/billing"
	"rss/x12"
)

// exportBatch is `rss export batch ID --out FILE`: the same streaming export
// as the API, run by an operator on the database host.
func exportBatch(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	const synopsis = "rss export batch ID --out FILE"
	fs := flag.NewFlagSet("export batch", flag.ContinueOnError)
	out := fs.String("out", "", "file to write (- for stdout)")
	// -h in the place of "batch" or of the id is a help request (`export
	// batch -h` said "-h" was not a batch id: a black-box pass).
	if len(args) > 0 && isHelp(args[0]) || len(args) > 1 && args[0] == "batch" && isHelp(args[1]) {
		return parseFlags(fs, synopsis, []string{"-h"}, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "batch" {
		return errors.New("usage: " + synopsis)
	}
	args = args[1:]
	if len(args) == 0 {
		return errors.New("usage: " + synopsis)
	}
	// An id as the API reads one: "01" and "+1" are not batch 1 there (an
	// on-call pass found the CLI looser).
	id, err := strconv.ParseInt(args[0], 10, 64)
	if errors.Is(err, strconv.ErrRange) && args[0][0] != '-' && args[0][0] != '+' && args[0][0] != '0' {
		// Plainly written, past any id: no such batch, as the API answers
		// (it read "not a positive number": a black-box pass).
		return fmt.Errorf("%w: batch %s", rss.ErrNotFound, args[0])
	}
	if err != nil && strings.HasPrefix(args[0], "-") {
		// A flag where the id goes: "--out" is not a batch id said
		// nothing of the order (a CLI black-box pass of the forty-sixth
		// stop). With no id after the flags either, the id is missing (a
		// re-check of the forty-seventh stop).
		if !slices.ContainsFunc(args[1:], func(a string) bool { return a != "" && strings.Trim(a, "0123456789") == "" }) {
			return fmt.Errorf("the batch id is missing: %s", synopsis)
		}
		return fmt.Errorf("the batch id comes before the flags: %s", synopsis)
	}
	if err != nil || id <= 0 || strconv.FormatInt(id, 10) != args[0] {
		return fmt.Errorf("batch id %q is not a positive number written plainly (7, not 07 or +7)", args[0])
	}
	if err := parseFlags(fs, synopsis, args[1:], stdout, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// The first stray alone: the flag package stops reading at it, so
		// "1 --out x" after the id listed the flag as stray too (a CLI
		// black-box pass of the forty-sixth stop).
		return fmt.Errorf("export batch takes one batch id: %q follows %s, and nothing after it was read (%s)", fs.Arg(0), args[0], synopsis)
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	// A directory named as the file failed only at the end, the whole file
	// written, with a rename error naming the part file (a black-box pass).
	// Only a regular file is replaced: the rename put a regular file of
	// PHI, with the mode of what it replaced, in place of a FIFO or a
	// device (/dev/null became a world-readable 837P: a black-box pass).
	// Stat follows a link, as the write does.
	if st, err := os.Stat(*out); err == nil && *out != "-" {
		switch {
		case st.IsDir():
			return fmt.Errorf("--out %s is a directory: name the file to write, such as %s", *out, filepath.Join(*out, fmt.Sprintf("batch-%d", id)))
		case !st.Mode().IsRegular():
			return fmt.Errorf("--out %s is not a regular file (a device, pipe or socket): name a file, or write to stdout with --out -", *out)
		}
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	b := billing.New(db, time.Now, cfg.Location)
	ctx = access.WithActor(ctx, access.Actor{Role: access.RoleAdmin, RequestID: "cli-export", Purpose: access.DefaultPurpose(access.RoleAdmin)})
	meta, err := b.Batch(ctx, id)
	if err != nil {
		return err
	}
	// The file is written beside its name and renamed into place only once
	// whole and matching its digest: written in place, a good file already
	// there was truncated at the start and deleted on a failure or Ctrl-C,
	// and a half-written one sat under the final name meanwhile (a
	// black-box pass).
	var w io.Writer = stdout
	var f *os.File
	// The file holds PHI: made readable by its owner only (CreateTemp's
	// 0600), or with the mode of the file it replaces; a link is followed
	// to the file it names (forcing 0644, a black-box pass made a 0600 file
	// world-readable, and replaced a link with a file).
	mode := os.FileMode(0o600)
	if *out != "-" {
		target, err := linkTarget(*out)
		if err != nil {
			return err
		}
		*out = target
		if st, err := os.Stat(target); err == nil {
			mode = st.Mode().Perm()
		}
		if f, err = os.CreateTemp(filepath.Dir(*out), "."+filepath.Base(*out)+".*.part"); err != nil {
			// Named as the user named it: the error quoted the hidden part
			// file, a name never asked for (a black-box pass).
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return fmt.Errorf("cannot write --out %s in %s: %w", *out, filepath.Dir(*out), err)
		}
		defer os.Remove(f.Name()) // gone once renamed; the part file otherwise
		defer f.Close()
		w = f
	}
	progress := progressBar(stderr, meta.LineCount)
	start := time.Now()
	h := sha256.New()
	if _, err := b.Export(ctx, id, io.MultiWriter(w, h), progress); err != nil {
		return err
	}
	// The file the batch closed with is the one finance sends; a file that
	// differs from its recorded digest is not handed out.
	digest := hex.EncodeToString(h.Sum(nil))
	for _, rec := range meta.Files {
		if rec.Kind == billing.FileKind(meta.PayerRoute) && rec.SHA256 != digest {
			return fmt.Errorf("batch %d exports as %s, but its file was recorded as %s: not written", id, digest, rec.SHA256)
		}
	}
	if f != nil {
		if err := f.Sync(); err != nil {
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.Chmod(f.Name(), mode); err != nil {
			return err
		}
		if err := os.Rename(f.Name(), *out); err != nil {
			return err
		}
	}
	fmt.Fprintf(stderr, "exported batch %d (%s, %s, sha256 %s) in %s\n", id, billing.FileKind(meta.PayerRoute), counted(meta.LineCount, "line"),
		digest, time.Since(start).Round(time.Millisecond))
	return nil
}

// linkTarget follows the links p names, one at a time, to the file they
// name, whether or not that file exists yet: EvalSymlinks fails on a
// link to a file not yet written, and the rename then replaced the link
// with a file of PHI where the operator's link pointed elsewhere (an
// on-call black-box pass).
func linkTarget(p string) (string, error) {
	for range 40 {
		st, err := os.Lstat(p)
		if err != nil || st.Mode()&os.ModeSymlink == 0 {
			return p, nil
		}
		t, err := os.Readlink(p)
		if err != nil {
			return "", fmt.Errorf("--out %s: %w", p, err)
		}
		if !filepath.IsAbs(t) {
			t = filepath.Join(filepath.Dir(p), t)
		}
		p = t
	}
	return "", fmt.Errorf("--out %s: too many levels of links", p)
}

// progressBar draws on stderr when stderr is a terminal, and does nothing otherwise.
func progressBar(w io.Writer, total int) billing.Progress {
	f, ok := w.(*os.File)
	if !ok || total <= 0 {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	const width = 40
	return func(done int) {
		filled := width * done / total
		bar := make([]byte, width)
		for i := range bar {
			bar[i] = ' '
			if i < filled {
				bar[i] = '='
			}
		}
		fmt.Fprintf(f, "\r[%s] %3d%% %d/%d lines", bar, 100*done/total, done, total)
		if done >= total {
			fmt.Fprintln(f)
		}
	}
}

// x12Check is `rss x12 check FILE`: validates an 837P and exits non-zero
// when it finds a problem.
func x12Check(args []string, stdout io.Writer) error {
	if len(args) != 2 || args[0] != "check" {
		return errors.New("usage: rss x12 check FILE (- reads stdin)")
	}
	// "-" is stdin, as `export batch --out -` is stdout: a file piped
	// from another tool was refused as a file named "-" (an on-call pass).
	var in io.Reader = os.Stdin
	if args[1] != "-" {
		f, _, err := openRegular(args[1])
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	rep, err := x12.Check(in)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %s, %s, %s, %s, %s, %s, total charge %s\n", args[1], counted(rep.Segments, "segment"),
		counted(rep.Interchanges, "interchange"), counted(rep.Groups, "group"), counted(rep.TransactionSets, "transaction set"),
		counted(rep.Claims, "claim"), counted(rep.Lines, "line"), rep.TotalCharge.StringFixed(2))
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, p.String())
	}
	if !rep.OK() {
		return fmt.Errorf("%s found", counted(rep.ProblemCount, "problem"))
	}
	fmt.Fprintln(stdout, "ok: no problems found")
	return nil
}

// counted is n and what it counts, in the singular for one ("1 claims"
// and "1 problem(s)" read a CLI black-box pass of the forty-sixth stop).
func counted[N int | int64](n N, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
