package query

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestComplete(t *testing.T) {
	tests := []struct {
		src  string // the cursor is at "‸", or at the end
		want string
	}{
		{`lab‸`, `column:label`},
		{`i‸`, `column:i32 column:id function:is_null`},
		{`st.‸`, `field:a field:t`},
		{`st.t‸ == 1`, `field:t`},
		{`dets.s‸`, `field:score`},
		{`len(dets[ev‸`, `field:eval`},
		{`len(dets[eval == "fp" and s‸`, `field:score`},
		{`len(dets[eval == "fp"]) > 0 and s‸`, `column:s column:st function:startswith function:sum`},
		{`label == "c‸`, `class:cat`},
		{`any(probs[‸`, "field:_ keyword:false keyword:not keyword:null keyword:true"},
		{`fp("‸`, `class:bird class:cat class:dog`},
		{`b | s‸`, `keyword:select keyword:sort`},
		{`b a‸`, `keyword:and keyword:asc`},
		{"`odd‸", "column:`odd name`"},
		{`a.‸`, `column:b`},
		{`nothing.‸`, ``},
		{`3‸`, ``},
	}
	for _, tc := range tests {
		cursor := strings.Index(tc.src, "‸")
		src := strings.Replace(tc.src, "‸", "", 1)
		var parts []string
		for _, c := range Complete(src, cursor, testEnv) {
			parts = append(parts, c.Kind+":"+c.Text)
		}
		if diff := cmp.Diff(tc.want, strings.Join(parts, " ")); diff != "" {
			t.Errorf("Complete(%q) (-want +got):\n%s", tc.src, diff)
		}
	}
}
