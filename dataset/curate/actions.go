package curate

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Selection is the samples an action applies to and how they were chosen.
type Selection struct {
	KeyColumn string
	Keys      []Key
	Query     string // the query or view that chose them
}

func (s Selection) entry(a Action, args Args) (Entry, error) {
	if len(s.Keys) == 0 {
		return Entry{}, fmt.Errorf("%s: no samples chosen", a)
	}
	return Entry{Action: a, Args: args, KeyColumn: s.KeyColumn, Keys: s.Keys, Query: s.Query}, nil
}

// Tag and Untag add and remove a free-form tag.
func Tag(s Selection, tag string) (Entry, error)   { return tagEntry(ActionTag, s, tag) }
func Untag(s Selection, tag string) (Entry, error) { return tagEntry(ActionUntag, s, tag) }

func tagEntry(a Action, s Selection, tag string) (Entry, error) {
	if strings.TrimSpace(tag) == "" {
		return Entry{}, fmt.Errorf("%s: empty tag", a)
	}
	return s.entry(a, Args{Tag: tag})
}

// Relabel sets the samples' label to class. The class must be one of
// classes unless newClass is set; the error names the valid classes.
func Relabel(s Selection, class string, classes []string, newClass bool) (Entry, error) {
	if class == "" {
		return Entry{}, errors.New("relabel: empty class")
	}
	if !newClass && !slices.Contains(classes, class) {
		return Entry{}, fmt.Errorf("relabel: %q is not a class; the classes are %s (or allow a new class)", class, quoteList(classes))
	}
	return s.entry(ActionRelabel, Args{Label: class, NewClass: newClass && !slices.Contains(classes, class)})
}

// Drop leaves the samples out of the new version.
func Drop(s Selection) (Entry, error) { return s.entry(ActionDrop, Args{}) }

// Weight sets the samples' weight, a finite number >= 0.
func Weight(s Selection, w float64) (Entry, error) {
	if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
		return Entry{}, fmt.Errorf("weight: %v is not a finite number >= 0", w)
	}
	return s.entry(ActionWeight, Args{Weight: &w})
}

// quoteList prints names for a message, the first 20 of them.
func quoteList(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	var b strings.Builder
	for i, n := range names {
		if i == 20 {
			fmt.Fprintf(&b, ", ... (%d in all)", len(names))
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", n)
	}
	return b.String()
}
