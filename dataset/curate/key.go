package curate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Key is a sample key: an integer or a string, as the key column holds it.
// In JSON it is a number or a string.
type Key struct {
	Int   int64
	Str   string
	IsStr bool
}

// IntKey and StrKey make keys.
func IntKey(i int64) Key  { return Key{Int: i} }
func StrKey(s string) Key { return Key{Str: s, IsStr: true} }

func (k Key) String() string {
	if k.IsStr {
		return strconv.Quote(k.Str)
	}
	return strconv.FormatInt(k.Int, 10)
}

func (k Key) MarshalJSON() ([]byte, error) {
	if k.IsStr {
		return json.Marshal(k.Str)
	}
	return strconv.AppendInt(nil, k.Int, 10), nil
}

func (k *Key) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*k = StrKey(s)
		return nil
	}
	i, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("sample key %s: want an integer or a string", b)
	}
	*k = IntKey(i)
	return nil
}
