package termimg

import (
	"container/list"
	"sync"
)

// Key names one rendering of a sample's picture.
type Key struct {
	Sample     string // the sample's key, as text
	Cols, Rows int    // the cell box asked for
	Protocol   Protocol
	// Variant tells apart renderings of the same sample and size that
	// differ otherwise, such as which box is highlighted; often "".
	Variant string
}

// Cache holds encoded pictures up to a total size, dropping the least
// recently used first. It is safe for concurrent use: the TUI fills it from
// tea.Cmd goroutines (the picture on screen and its neighbours, fetched
// ahead) and reads it from Update.
type Cache struct {
	mu       sync.Mutex
	maxBytes int
	bytes    int
	order    *list.List // of *entry, most recent first
	entries  map[Key]*list.Element
	pending  map[Key]*call
	nextID   uint32
}

type entry struct {
	key Key
	pic Picture
	err error
}

// call is a rendering in progress that others asking for the same key wait
// for.
type call struct {
	done chan struct{}
	pic  Picture
	err  error
}

// NewCache returns a cache that holds up to maxBytes of encoded pictures
// (Text plus Raw). A picture larger than maxBytes is returned but not kept.
func NewCache(maxBytes int) *Cache {
	return &Cache{maxBytes: maxBytes, order: list.New(), entries: map[Key]*list.Element{}, pending: map[Key]*call{}}
}

// Get returns the picture cached for k, whether there was one, and the
// error rendering it gave.
func (c *Cache) Get(k Key) (p Picture, ok bool, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[k]
	if !ok {
		return Picture{}, false, nil
	}
	c.order.MoveToFront(el)
	e := el.Value.(*entry)
	return e.pic, true, e.err
}

// Do returns the picture cached for k, or calls render to make it and
// caches the result, error included (a corrupt image fails the same way
// every time). Callers asking for a key that is being rendered wait for
// that rendering instead of starting another.
func (c *Cache) Do(k Key, render func() (Picture, error)) (Picture, error) {
	c.mu.Lock()
	if el, ok := c.entries[k]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*entry)
		c.mu.Unlock()
		return e.pic, e.err
	}
	if cl, ok := c.pending[k]; ok {
		c.mu.Unlock()
		<-cl.done
		return cl.pic, cl.err
	}
	cl := &call{done: make(chan struct{})}
	c.pending[k] = cl
	c.mu.Unlock()

	defer func() {
		c.mu.Lock()
		delete(c.pending, k)
		c.mu.Unlock()
		close(cl.done)
	}()
	cl.pic, cl.err = render()
	c.put(k, cl.pic, cl.err)
	return cl.pic, cl.err
}

// Put caches p for k.
func (c *Cache) Put(k Key, p Picture) { c.put(k, p, nil) }

func (c *Cache) put(k Key, p Picture, err error) {
	size := entrySize(k, p, err)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.entries[k]; ok {
		c.bytes -= entrySize(k, el.Value.(*entry).pic, el.Value.(*entry).err)
		c.order.Remove(el)
		delete(c.entries, k)
	}
	if size > c.maxBytes {
		return
	}
	c.entries[k] = c.order.PushFront(&entry{k, p, err})
	c.bytes += size
	for c.bytes > c.maxBytes {
		last := c.order.Back()
		e := last.Value.(*entry)
		c.bytes -= entrySize(e.key, e.pic, e.err)
		c.order.Remove(last)
		delete(c.entries, e.key)
	}
}

func entrySize(k Key, p Picture, err error) int {
	n := 128 + len(k.Sample) + len(k.Variant) + len(p.Text) + len(p.Raw)
	if err != nil {
		n += len(err.Error())
	}
	return n
}

// Len returns the number of pictures cached, and their size in bytes.
func (c *Cache) Len() (n, bytes int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

// NextID returns a kitty image id, cycling through 1 to 255: ids of one
// byte travel as 256-colour indexes, which survive tmux and renderers that
// reduce colours to 256. An id is reused after 255 others, so a program
// showing a cached kitty picture again must transmit it again if its id has
// been given to another picture since.
func (c *Cache) NextID() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.nextID = c.nextID%255 + 1
	return c.nextID
}
