package query

import (
	"testing"
)

// TestCheckErrors reads testdata/check_errors.txt: queries that parse but
// must not compile against testEnv, with every message expected.
func TestCheckErrors(t *testing.T) {
	for _, tc := range readExpectFile(t, "testdata/check_errors.txt") {
		_, err := Compile(tc.src, testEnv)
		if err == nil {
			t.Errorf("Compile(%q) succeeded, want errors %q", tc.src, tc.want)
			continue
		}
		if got := errorSummary(tc.src, err); got != tc.want {
			t.Errorf("Compile(%q) errors:\n got  %s\n want %s", tc.src, got, tc.want)
		}
	}
}
