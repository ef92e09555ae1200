package jsonscan

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// decode is a slow reference use of the scanner: the value as encoding/json
// would decode it into an any (numbers as float64).
func decode(s *Scanner) any {
	switch s.Peek() {
	case Null:
		s.Null()
		return nil
	case Bool:
		return s.Bool()
	case Number:
		text, _ := s.Number()
		f, ok := ParseFloat(text)
		if !ok && s.Err() == nil {
			s.Fail("number out of range")
		}
		return f
	case String:
		return string(s.Str(nil))
	case Array:
		out := []any{}
		s.Enter('[')
		for first := true; s.Next(']', first); first = false {
			out = append(out, decode(s))
		}
		return out
	case Object:
		out := map[string]any{}
		s.Enter('{')
		for first := true; s.Next('}', first); first = false {
			raw, plain := s.Key()
			k := string(s.KeyString(raw, plain, nil))
			out[k] = decode(s)
		}
		return out
	}
	return nil
}

func scanAll(b []byte) (any, error) {
	var s Scanner
	s.Reset(b)
	v := decode(&s)
	if s.Err() == nil && !s.AtEnd() {
		s.Fail("more after the value")
	}
	return v, s.Err()
}

func TestAgainstEncodingJSON(t *testing.T) {
	inputs := []string{
		`{"a":1,"b":[1,2.5,-3e2],"c":{"d":null,"e":true,"f":false},"g":"x\"y\\z\n\u00e9\ud83d\ude00"}`,
		`[]`, `{}`, `  "s"  `, `0`, `-0.0`, `1E+2`, `"\ud800"`, "\"caf\xc3\xa9\"", "\"\xff\"",
		`[1,]`, `{"a"}`, `{"a":}`, `01`, `1.`, `-`, `"abc`, `[1 2]`, `{"a":1,}`, `nul`, `"\x"`,
		"\"a\tb\"", `{"a":1}{`, `[[[[]]]]`, `"\/"`, `"\u00zz"`, `{"a":1 "b":2}`,
	}
	for _, in := range inputs {
		check(t, []byte(in))
	}
}

func check(t *testing.T, in []byte) {
	t.Helper()
	var want any
	werr := json.Unmarshal(in, &want)
	got, gerr := scanAll(in)
	if (werr == nil) != (gerr == nil) {
		t.Errorf("scan(%q): error %v, encoding/json: %v", in, gerr, werr)
		return
	}
	if werr != nil {
		return
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) })); diff != "" {
		t.Errorf("scan(%q) (-encoding/json +scan):\n%s", in, diff)
	}
}

func FuzzAgainstEncodingJSON(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"c\u0041"}],"d":-1.5e3}`))
	f.Add([]byte(`"\ud83d\ude00\ud800x"`))
	f.Fuzz(func(t *testing.T, in []byte) {
		if bytes.Count(in, []byte("[")) > 500 {
			return // encoding/json's depth limit is 10000, ours 1000
		}
		check(t, in)
	})
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-0", 0, true}, {"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true}, {"9223372036854775808", 0, false},
		{"-9223372036854775809", 0, false}, {"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := ParseInt([]byte(tt.in))
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSkipAllocs(t *testing.T) {
	line := []byte(`{"id":1,"label":"cat","detections":[{"bbox":[1,2,3,4],"score":0.5,"label":"d\u00e9"}],"probs":[0.1,0.9]}`)
	var s Scanner
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		s.Reset(line)
		s.Enter('{')
		for first := true; s.Next('}', first); first = false {
			raw, plain := s.Key()
			if string(s.KeyString(raw, plain, buf)) == "label" {
				buf = s.Str(buf[:0])
				continue
			}
			s.Skip()
		}
	})
	if s.Err() != nil || allocs != 0 {
		t.Errorf("err %v, %v allocs per line, want 0", s.Err(), allocs)
	}
}

func TestParseFloatFastPath(t *testing.T) {
	for _, in := range []string{"0", "-0", "-0.0", "0.1", "0.9918178915977478", "0.633417010307312", "123456789012345.6",
		"9007199254740991", "9007199254740993", "+.5", "1.", ".5", "0.0000000000000000000001", "0.00000000000000000000001",
		"1e5", "inf", "1_0", "-", "+", ".", "00012.5000"} {
		want, werr := strconv.ParseFloat(in, 64)
		got, ok := ParseFloat([]byte(in))
		if ok != (werr == nil) || (ok && math.Float64bits(got) != math.Float64bits(want)) {
			t.Errorf("ParseFloat(%q) = %v, %v; strconv: %v, %v", in, got, ok, want, werr)
		}
	}
}

func FuzzParseFloat(f *testing.F) {
	f.Add("0.9918178915977478")
	f.Fuzz(func(t *testing.T, in string) {
		want, werr := strconv.ParseFloat(in, 64)
		got, ok := ParseFloat([]byte(in))
		if ok != (werr == nil) || (ok && math.Float64bits(got) != math.Float64bits(want) && !math.IsNaN(want)) {
			t.Errorf("ParseFloat(%q) = %v, %v; strconv: %v, %v", in, got, ok, want, werr)
		}
	})
}
