package termimg

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
)

func key(s string) Key { return Key{Sample: s, Cols: 10, Rows: 5, Protocol: Blocks} }

func pic(n int) Picture { return Picture{Text: strings.Repeat("x", n)} }

func TestCacheEvictsLeastRecent(t *testing.T) {
	// Entries cost 128 bytes plus their text and key: 3 of 300 fit in 1000.
	c := NewCache(1000)
	for _, s := range []string{"a", "b", "c"} {
		c.Put(key(s), pic(170))
	}
	c.Get(key("a")) // a is now the most recent; b the least
	c.Put(key("d"), pic(170))
	for s, want := range map[string]bool{"a": true, "b": false, "c": true, "d": true} {
		if _, ok, _ := c.Get(key(s)); ok != want {
			t.Errorf("after evicting: Get(%s) found = %v, want %v", s, ok, want)
		}
	}
	if n, size := c.Len(); n != 3 || size > 1000 {
		t.Errorf("Len = %d entries, %d bytes; want 3 within 1000", n, size)
	}
	c.Put(key("huge"), pic(2000)) // larger than the cache: not kept
	if _, ok, _ := c.Get(key("huge")); ok {
		t.Error("a picture larger than the cache was kept")
	}
	c.Put(key("a"), pic(10)) // replacing an entry frees its old size
	if n, _ := c.Len(); n != 3 {
		t.Errorf("after replacing: %d entries, want 3", n)
	}
}

func TestCacheKeepsErrors(t *testing.T) {
	c := NewCache(1 << 20)
	calls := 0
	bad := errors.New("decode png image: unexpected EOF")
	for range 3 {
		_, err := c.Do(key("corrupt"), func() (Picture, error) { calls++; return Picture{}, bad })
		if !errors.Is(err, bad) {
			t.Errorf("Do error = %v, want %v", err, bad)
		}
	}
	if calls != 1 {
		t.Errorf("render called %d times for a failing image, want 1", calls)
	}
}

// TestCacheDoWaits checks that callers asking for a picture being rendered
// wait for that rendering rather than starting their own.
func TestCacheDoWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := NewCache(1 << 20)
		var calls atomic.Int32
		release := make(chan struct{})
		render := func() (Picture, error) {
			calls.Add(1)
			<-release
			return pic(5), nil
		}
		results := make(chan Picture, 4)
		for range 4 {
			go func() {
				p, _ := c.Do(key("a"), render)
				results <- p
			}()
		}
		synctest.Wait() // one goroutine renders; three wait for it
		if n := calls.Load(); n != 1 {
			t.Fatalf("%d renderings started, want 1", n)
		}
		close(release)
		for range 4 {
			if p := <-results; p.Text != "xxxxx" {
				t.Errorf("Do = %q, want the rendered picture", p.Text)
			}
		}
	})
}

func TestCacheConcurrent(t *testing.T) {
	c := NewCache(4000)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := key(fmt.Sprint((g + i) % 20))
				c.Do(k, func() (Picture, error) { return pic(100), nil })
				c.Get(k)
				c.NextID()
			}
		})
	}
	wg.Wait()
	if _, size := c.Len(); size > 4000 {
		t.Errorf("cache holds %d bytes, over its 4000", size)
	}
}

func TestNextID(t *testing.T) {
	c := NewCache(0)
	seen := map[uint32]bool{}
	for range 255 {
		id := c.NextID()
		if id == 0 || id > 255 || seen[id] {
			t.Fatalf("NextID = %d (seen %v)", id, seen[id])
		}
		seen[id] = true
	}
	if id := c.NextID(); id != 1 {
		t.Errorf("after 255 ids, NextID = %d, want 1 again", id)
	}
}
