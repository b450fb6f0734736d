// Package recent remembers the newest captured version of a bounded number of
// recent messages, for the adapters' events that change a message without
// carrying it whole (a reaction). Such an event must build on what was captured
// last: the store's copy is what analysis has applied so far, which misses an edit
// still waiting in the capture log (building on it would bring the old text back),
// an earlier reaction not yet analysed (whose count would be lost), and a message
// not analysed yet at all (whose reaction would be dropped).
package recent

import (
	"container/list"
	"maps"
	"sync"

	"github.com/feedbackbot/feedbackbot"
)

// Messages is a bounded cache of messages by key, the least recently captured
// forgotten first. It is safe for concurrent use.
type Messages struct {
	mu    sync.Mutex
	max   int
	byKey map[string]*list.Element
	order *list.List // of entry, the most recent in front
}

// entry is a remembered message, or the tombstone of a deleted one.
type entry struct {
	key     string
	m       feedbackbot.Message
	deleted bool
}

// New returns a cache of at most n messages (at least one).
func New(n int) *Messages {
	return &Messages{max: max(n, 1), byKey: map[string]*list.Element{}, order: list.New()}
}

// Get returns the newest captured version of the message with key, if remembered,
// and whether it was deleted since (then there is no message). The copy is the
// caller's: its reactions can be changed.
func (c *Messages) Get(key string) (m feedbackbot.Message, ok, deleted bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, found := c.byKey[key]
	if !found {
		return feedbackbot.Message{}, false, false
	}
	en := e.Value.(*entry)
	if en.deleted {
		return feedbackbot.Message{}, false, true
	}
	return clone(en.m), true, false
}

// Put remembers m as the newest captured version of its message.
func (c *Messages) Put(m feedbackbot.Message) {
	c.set(&entry{key: m.Key(), m: clone(m)})
}

// Forget remembers that the message with key was deleted: a reaction to it that
// arrives after the deletion must not bring it back.
func (c *Messages) Forget(key string) {
	c.set(&entry{key: key, deleted: true})
}

func (c *Messages) set(en *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[en.key]; ok {
		e.Value = en
		c.order.MoveToFront(e)
		return
	}
	c.byKey[en.key] = c.order.PushFront(en)
	for c.order.Len() > c.max {
		oldest := c.order.Back()
		delete(c.byKey, oldest.Value.(*entry).key)
		c.order.Remove(oldest)
	}
}

// Len is how many messages (and deletions) are remembered.
func (c *Messages) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// Apply records what a batch of capture events, once durable, says of the newest
// versions: a put is remembered, a delete forgotten.
func (c *Messages) Apply(events ...feedbackbot.Event) {
	for _, ev := range events {
		switch ev.Kind {
		case feedbackbot.EventPut:
			c.Put(ev.Message)
		case feedbackbot.EventDelete:
			m := ev.Message
			c.Forget(m.Key())
		}
	}
}

func clone(m feedbackbot.Message) feedbackbot.Message {
	m.Reactions = maps.Clone(m.Reactions)
	return m
}

// Matching returns copies of the remembered (not deleted) messages keep accepts,
// in no particular order.
func (c *Messages) Matching(keep func(feedbackbot.Message) bool) []feedbackbot.Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []feedbackbot.Message
	for e := c.order.Front(); e != nil; e = e.Next() {
		if en := e.Value.(*entry); !en.deleted && keep(en.m) {
			out = append(out, clone(en.m))
		}
	}
	return out
}
