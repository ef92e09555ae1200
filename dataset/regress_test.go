package dataset

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestRegressions opens files found by mutating the corpus that once
// crashed the process. Each must fail with a clear error.
func TestRegressions(t *testing.T) {
	tests := []struct{ path, want string }{
		// A struct column whose chunk claims length -107: pqarrow opens a
		// struct's child readers in an errgroup goroutine, where the
		// makeslice panic killed the process.
		{"testdata/regress/struct-chunk-negative-length.parquet", "lies outside the 1324-byte file"},
	}
	for _, tt := range tests {
		_, _, err := openAndRead(tt.path, memory.DefaultAllocator)
		wantErr(t, err, tt.path, tt.want)
	}
}
