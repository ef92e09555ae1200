package curate

import (
	"slices"
)

// State is the effect of a journal: what each sample it names becomes.
type State struct {
	// Samples maps each key some live entry names (chosen or mined) to its
	// final state.
	Samples map[Key]*Sample
	// Mined lists the mined samples in the order they were first found.
	Mined []Mined
	// Live is the entries in effect: neither undo entries nor undone.
	Live []Entry
	// Undone counts the entries an undo reverted.
	Undone int
}

// Sample is one sample's final state. A zero Sample means unchanged.
type Sample struct {
	// Label is the class it is relabeled to, nil when its label stands.
	// A mined sample's label starts as the model's prediction.
	Label *string `json:"label"`
	// Boxes are its ground-truth boxes relabeled (detection), by index.
	Boxes []BoxLabel `json:"boxes,omitempty"`
	Tags  []string   `json:"tags,omitempty"` // tags added, sorted
	// Untagged are tags removed (from earlier versions too), sorted.
	Untagged []string `json:"untagged,omitempty"`
	// Dropped samples are left out of the new version.
	Dropped bool `json:"dropped"`
	// Weight is the sample weight set, nil when none was.
	Weight *float64 `json:"weight,omitempty"`
	// Mined is set for a sample mine added, and Pool is the file it came
	// from ("" for the dataset's own unlabeled rows).
	Mined *Mined `json:"mined,omitempty"`
	Pool  string `json:"pool,omitempty"`
	// Reviewed is set by an explicit relabel: a person chose the label.
	Reviewed bool `json:"reviewed"`
	// NeedsReview marks a mined sample whose label is the model's guess;
	// an explicit relabel clears it.
	NeedsReview bool `json:"needs_review"`
	// Entries are the ids of the live entries that touched the sample.
	Entries []int64 `json:"entries"`
}

// Replay computes the effective state of a journal: entries in order,
// undone ones (and undo entries) skipped. Later entries win: a second
// relabel of a sample (or of the same box) replaces the first; untag
// removes a tag tagged before; mining a sample mined already keeps the
// first.
func Replay(entries []Entry) *State {
	s := &State{Samples: map[Key]*Sample{}}
	undone := undoneIDs(entries)
	for _, e := range entries {
		if e.Action == ActionUndo {
			continue
		}
		if undone[e.ID] {
			s.Undone++
			continue
		}
		s.Live = append(s.Live, e)
		if e.Action == ActionMine {
			for _, m := range e.Args.Mined {
				if smp := s.sample(m.Key, e.ID); smp.Mined == nil {
					m := m
					smp.Mined = &m
					smp.Pool = e.Args.Pool
					smp.NeedsReview = true
					if m.Pred != "" && smp.Label == nil {
						pred := m.Pred
						smp.Label = &pred
					}
					s.Mined = append(s.Mined, m)
				}
			}
			continue
		}
		for _, k := range e.Keys {
			smp := s.sample(k, e.ID)
			switch e.Action {
			case ActionTag:
				smp.Tags = insertSorted(smp.Tags, e.Args.Tag)
				smp.Untagged = deleteSorted(smp.Untagged, e.Args.Tag)
			case ActionUntag:
				smp.Tags = deleteSorted(smp.Tags, e.Args.Tag)
				smp.Untagged = insertSorted(smp.Untagged, e.Args.Tag)
			case ActionRelabel:
				if b := e.Args.Box; b != nil {
					smp.Boxes = setBoxLabel(smp.Boxes, BoxLabel{BoxRef: *b, Label: e.Args.Label})
					continue
				}
				label := e.Args.Label
				smp.Label = &label
				smp.NeedsReview = false
				smp.Reviewed = true
			case ActionDrop:
				smp.Dropped = true
			case ActionWeight:
				if e.Args.Weight != nil {
					w := *e.Args.Weight
					smp.Weight = &w
				}
			}
		}
	}
	return s
}

func (s *State) sample(k Key, id int64) *Sample {
	smp := s.Samples[k]
	if smp == nil {
		smp = &Sample{}
		s.Samples[k] = smp
	}
	if n := len(smp.Entries); n == 0 || smp.Entries[n-1] != id {
		smp.Entries = append(smp.Entries, id)
	}
	return smp
}

// IsMined reports whether k was mined.
func (s *State) IsMined(k Key) bool {
	smp := s.Samples[k]
	return smp != nil && smp.Mined != nil
}

func insertSorted(list []string, s string) []string {
	if i, found := slices.BinarySearch(list, s); !found {
		return slices.Insert(list, i, s)
	}
	return list
}

func deleteSorted(list []string, s string) []string {
	if i, found := slices.BinarySearch(list, s); found {
		return slices.Delete(list, i, i+1)
	}
	return list
}
