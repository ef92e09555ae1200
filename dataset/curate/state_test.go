package curate

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func ptr[T any](v T) *T { return &v }

func TestReplay(t *testing.T) {
	classes := []string{"cat", "dog"}
	must := func(e Entry, err error) Entry {
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	mk := func(id int64, e Entry) Entry {
		e.ID = id
		return e
	}
	undo := func(id, target int64) Entry { return Entry{ID: id, Action: ActionUndo, Args: Args{Undoes: target}} }
	mine := func(id int64, pool string, ms ...Mined) Entry {
		return Entry{ID: id, Action: ActionMine, Keys: []Key{IntKey(1)}, Args: Args{K: 2, Pool: pool, Mined: ms}}
	}
	for _, tc := range []struct {
		name    string
		entries []Entry
		want    map[Key]*Sample
		mined   int
	}{
		{"empty", nil, map[Key]*Sample{}, 0},
		{"tags", []Entry{
			mk(1, must(Tag(sel(1, 2), "b"))),
			mk(2, must(Tag(sel(1), "a"))),
			mk(3, must(Tag(sel(1), "a"))),
			mk(4, must(Untag(sel(2), "b"))),
			mk(5, must(Untag(sel(3), "old"))),
		}, map[Key]*Sample{
			IntKey(1): {Tags: []string{"a", "b"}, Entries: []int64{1, 2, 3}},
			IntKey(2): {Untagged: []string{"b"}, Entries: []int64{1, 4}},
			IntKey(3): {Untagged: []string{"old"}, Entries: []int64{5}},
		}, 0},
		{"last relabel wins; drop; weight", []Entry{
			mk(1, must(Relabel(sel(1), "dog", classes, false))),
			mk(2, must(Relabel(sel(1), "cat", classes, false))),
			mk(3, must(Drop(sel(2)))),
			mk(4, must(Weight(sel(3), 2.5))),
		}, map[Key]*Sample{
			IntKey(1): {Label: ptr("cat"), Reviewed: true, Entries: []int64{1, 2}},
			IntKey(2): {Dropped: true, Entries: []int64{3}},
			IntKey(3): {Weight: ptr(2.5), Entries: []int64{4}},
		}, 0},
		{"box relabels: the last of each box wins, sorted by box, undo reverts", []Entry{
			mk(1, must(RelabelBox(sel(1), BoxRef{Index: 3, From: "cat"}, "dog", classes, false))),
			mk(2, must(RelabelBox(sel(1), BoxRef{Index: 0, From: "dog"}, "cat", classes, false))),
			mk(3, must(RelabelBox(sel(1), BoxRef{Index: 3, From: "cat"}, "cat", classes, false))),
			mk(4, must(RelabelBox(sel(2), BoxRef{Index: 1, From: "cat"}, "dog", classes, false))),
			undo(5, 4),
		}, map[Key]*Sample{
			IntKey(1): {Boxes: []BoxLabel{{BoxRef{Index: 0, From: "dog"}, "cat"}, {BoxRef{Index: 3, From: "cat"}, "cat"}}, Entries: []int64{1, 2, 3}},
		}, 0},
		{"undo reverts one entry", []Entry{
			mk(1, must(Relabel(sel(1), "dog", classes, false))),
			mk(2, must(Drop(sel(1)))),
			undo(3, 2),
		}, map[Key]*Sample{
			IntKey(1): {Label: ptr("dog"), Reviewed: true, Entries: []int64{1}},
		}, 0},
		{"mined samples need review; first mine wins; relabel reviews", []Entry{
			mine(1, "/p.parquet", Mined{Key: IntKey(100), Source: IntKey(1), Score: 0.9, Pred: "dog"}, Mined{Key: IntKey(101), Source: IntKey(1), Score: 0.8}),
			mine(2, "/q.parquet", Mined{Key: IntKey(100), Source: IntKey(1), Score: 0.95, Pred: "cat"}),
			mk(3, must(Relabel(sel(101), "cat", classes, false))),
		}, map[Key]*Sample{
			IntKey(100): {Label: ptr("dog"), NeedsReview: true, Pool: "/p.parquet", Mined: &Mined{Key: IntKey(100), Source: IntKey(1), Score: 0.9, Pred: "dog"}, Entries: []int64{1, 2}},
			IntKey(101): {Label: ptr("cat"), Reviewed: true, Pool: "/p.parquet", Mined: &Mined{Key: IntKey(101), Source: IntKey(1), Score: 0.8}, Entries: []int64{1, 3}},
		}, 2},
		{"undone mine", []Entry{
			mine(1, "", Mined{Key: IntKey(100), Pred: "dog"}),
			undo(2, 1),
		}, map[Key]*Sample{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Replay(tc.entries)
			if diff := cmp.Diff(tc.want, s.Samples, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Replay (-want +got):\n%s", diff)
			}
			if len(s.Mined) != tc.mined {
				t.Errorf("%d mined, want %d", len(s.Mined), tc.mined)
			}
		})
	}
}

func TestActionErrors(t *testing.T) {
	classes := []string{"0", "1", "2"}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"class outside the list", second(Relabel(sel(1), "9", classes, false)), `relabel: "9" is not a class; the classes are "0", "1", "2"`},
		{"no samples", second(Drop(Selection{})), "drop: no samples chosen"},
		{"empty tag", second(Tag(sel(1), " ")), "tag: empty tag"},
		{"negative weight", second(Weight(sel(1), -1)), "weight: -1 is not a finite number >= 0"},
	} {
		if tc.err == nil || !strings.HasPrefix(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, tc.err, tc.want)
		}
	}
	e, err := Relabel(sel(1), "9", classes, true)
	if err != nil || !e.Args.NewClass {
		t.Errorf("relabel to a new class when allowed: %+v, %v", e, err)
	}
}

func second(_ Entry, err error) error { return err }
