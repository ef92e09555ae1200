package dataset

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Format is a file format triage reads.
type Format int

const (
	FormatUnknown Format = iota
	FormatParquet
	FormatArrowFile   // Arrow IPC file ("ARROW1" magic, random access)
	FormatArrowStream // Arrow IPC stream
	FormatCSV
	FormatJSONL
	FormatCOCO // COCO annotation JSON (with results JSON as predictions)
)

func (f Format) String() string {
	switch f {
	case FormatParquet:
		return "parquet"
	case FormatArrowFile:
		return "arrow-file"
	case FormatArrowStream:
		return "arrow-stream"
	case FormatCSV:
		return "csv"
	case FormatJSONL:
		return "jsonl"
	case FormatCOCO:
		return "coco"
	}
	return "unknown"
}

// Sniff detects a file's format from its first bytes, falling back to the
// extension for the text formats, which have no magic number.
func Sniff(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return FormatUnknown, err
	}
	defer f.Close()
	head := make([]byte, 8)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return FormatUnknown, fmt.Errorf("%s: %w", path, err)
	}
	head = head[:n]
	if fmt := sniffBytes(head); fmt != FormatUnknown {
		return fmt, nil
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv", ".tsv":
		return FormatCSV, nil
	case ".jsonl", ".ndjson", ".json":
		return FormatJSONL, nil
	case ".parquet", ".pq":
		return FormatParquet, nil // not PAR1 at the start: the reader says why
	case ".arrow", ".feather", ".ipc", ".arrows":
		return FormatArrowFile, nil
	}
	if n == 0 {
		return FormatUnknown, fmt.Errorf("%s: empty file", path)
	}
	return FormatUnknown, fmt.Errorf("%s: unknown format (not Parquet, Arrow IPC, CSV or JSON Lines)", path)
}

func sniffBytes(head []byte) Format {
	switch {
	case bytes.HasPrefix(head, []byte("PAR1")), bytes.HasPrefix(head, []byte("PARE")):
		return FormatParquet
	case bytes.HasPrefix(head, []byte("ARROW1")):
		return FormatArrowFile
	case len(head) >= 8 && binary.LittleEndian.Uint32(head) == 0xFFFFFFFF:
		return FormatArrowStream
	case len(head) >= 8 && looksLikeLegacyStream(head):
		return FormatArrowStream
	}
	return FormatUnknown
}

// looksLikeLegacyStream recognises streams written before Arrow 0.15, which
// start directly with an int32 metadata length followed by a flatbuffer whose
// root offset is small. Text files start with printable bytes and fail this.
func looksLikeLegacyStream(head []byte) bool {
	length := binary.LittleEndian.Uint32(head)
	root := binary.LittleEndian.Uint32(head[4:])
	return length > 0 && length < 1<<24 && root < 64 && head[3] == 0 && head[7] == 0
}
