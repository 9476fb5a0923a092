package tree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/acrgen/acrgen/pkg/finding"
)

// recover finishes or undoes a write that a killed run left: a committed journal is rolled
// forward, one that is not is rolled back. A target that changed since (neither its old nor
// its new bytes) is left as it is, with a warning. What the rename guard left beside the targets
// goes first: its temporary files, the originals it kept aside (put back in place if someone
// saved into them meanwhile), its probes of the filesystem. The roll forward writes under the
// same guards as a run. (A writer also removes the temporary files of acrgen versions without a
// journal: sweep.)
func (l *Lock) recover() error {
	os.Remove(l.journalPath() + ".new")
	b, err := os.ReadFile(l.journalPath())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading the journal of an interrupted run: %w", err)
	}
	var j journal
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("the journal %s of an interrupted run is damaged (%v): check the files it names, then remove it", l.journalPath(), err)
	}
	// The journal is a file in the tree (outside git), which a tarball or a copied package
	// can bring: every target must be a file of the locked tree before anything is written.
	for _, e := range j.Entries {
		if err := l.journalTarget(e.Target); err != nil {
			return fmt.Errorf("the journal %s of an interrupted run names %s, %v: acrgen wrote no such journal for this tree; nothing was written: check it, then remove it", l.journalPath(), e.Target, err)
		}
	}
	if err := l.clearAsides(j.Entries); err != nil {
		return fmt.Errorf("finishing an interrupted run: %w", err)
	}
	ds := openDurable(j.Entries)
	defer ds.close()
	kept := make([]bool, len(j.Entries)) // changed after the kill: kept as it is
	errs := forEachFile(len(j.Entries), func() {}, func(i int) error {
		e := j.Entries[i]
		_, err := os.Lstat(e.Target)
		create := e.Old == "" && errors.Is(err, fs.ErrNotExist) // not created yet
		err = replaceSettled(&l.guarding, e.Target, e.Target, e.Data, e.Mode, create, int64(max(len(e.Data), DefaultMaxFileSize)), func(cur []byte) verdict {
			switch {
			case sum(cur) == e.New:
				return leaveIt // written before the kill
			case sum(cur) == e.Old || bytes.HasPrefix(e.Data, cur):
				return writeIt // not written yet, or cut short by the kill (truncated, then partly written)
			}
			return keepTheirs
		})
		var ce *ConflictError
		if errors.As(err, &ce) && !ce.Open {
			kept[i] = true
			return nil
		}
		return wrapWrite(e.Target, err)
	})
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("finishing an interrupted run: %w", err)
	}
	for i, e := range j.Entries {
		if kept[i] {
			l.Warnings = append(l.Warnings, finding.New(finding.InterruptedWriteKept).At(e.Target, 0))
		}
	}
	if err := ds.sync(); err != nil {
		return fmt.Errorf("finishing an interrupted run: writing the files to disk: %w", err)
	}
	l.Warnings = append(l.Warnings, finding.New(finding.InterruptedWriteFinished, strconv.Itoa(len(j.Entries))).At(l.root, 0))
	l.Warnings = append(l.Warnings, l.guarding.note(l.root)...)
	return l.removeJournal()
}

// clearAsides removes what the rename guard of a killed run left beside the journal's targets,
// keeping (and warning about) what holds a user's save.
func (l *Lock) clearAsides(es []journalEntry) error {
	seen := map[string]bool{}
	for _, e := range es {
		if d := filepath.Dir(e.Target); !seen[d] {
			seen[d] = true
			removeProbes(d)
		}
		kept, err := clearAside(e)
		if err != nil {
			return err
		}
		if kept != "" {
			l.Warnings = append(l.Warnings, finding.New(finding.InterruptedWriteBothSaved, kept).At(e.Target, 0))
		}
	}
	return nil
}

// journalTarget checks a journal's target: an absolute path, in a directory inside the locked
// tree (its symlinks resolved), and not a symlink itself.
func (l *Lock) journalTarget(target string) error {
	if !filepath.IsAbs(target) || filepath.Clean(target) != target {
		return errors.New("not a clean absolute path")
	}
	dir, err := resolveExisting(filepath.Dir(target))
	if err != nil || !Within(l.root, dir) {
		return fmt.Errorf("outside %s", l.root)
	}
	if fi, err := os.Lstat(target); err == nil && !fi.Mode().IsRegular() {
		return errors.New("not a regular file")
	}
	return nil
}
