package query

import (
	"os"
	"strings"
	"testing"
)

// TestDocUpToDate keeps the package documentation in step with the
// builtin table and the keywords: each is written in doc.go.
func TestDocUpToDate(t *testing.T) {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, f := range funcs {
		if !strings.Contains(doc, "\t"+f.name+"(") {
			t.Errorf("doc.go does not list the function %s", f.name)
		}
	}
	for k := keywordBeg + 1; k < keywordEnd; k++ {
		if !strings.Contains(doc, k.String()) {
			t.Errorf("doc.go does not mention the keyword %s", k)
		}
	}
}
