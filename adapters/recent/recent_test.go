package recent

import (
	"fmt"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

func msg(id, text string) feedbackbot.Message {
	return feedbackbot.Message{ID: id, Platform: feedbackbot.PlatformSlack, Workspace: "T1", Text: text}
}

func key(id string) string {
	m := msg(id, "")
	return m.Key()
}

func TestMessages(t *testing.T) {
	c := New(2)
	a := msg("C1:1", "first")
	a.Reactions = map[string]int{"eyes": 1}
	c.Put(a)
	a.Reactions["eyes"] = 5 // the cache holds its own copy
	got, ok, _ := c.Get(key("C1:1"))
	if !ok || got.Reactions["eyes"] != 1 {
		t.Fatalf("Get = %+v, %v", got, ok)
	}
	got.Reactions["eyes"] = 9 // and hands out copies
	if again, _, _ := c.Get(key("C1:1")); again.Reactions["eyes"] != 1 {
		t.Errorf("a Get's copy changed the cache: %v", again.Reactions)
	}
	// The newest version replaces the older; the least recent goes first.
	c.Apply(feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg("C1:1", "first, edited")},
		feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg("C1:2", "second")},
		feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg("C1:3", "third")})
	if _, ok, _ := c.Get(key("C1:1")); ok || c.Len() != 2 {
		t.Errorf("the least recent message is still remembered (%d remembered)", c.Len())
	}
	c.Apply(feedbackbot.Event{Kind: feedbackbot.EventPut, Message: msg("C1:2", "second, edited")},
		feedbackbot.Event{Kind: feedbackbot.EventDelete, Message: msg("C1:3", "")})
	if m, ok, _ := c.Get(key("C1:2")); !ok || m.Text != "second, edited" {
		t.Errorf("newest of C1:2 = %q, %v", m.Text, ok)
	}
	if _, ok, deleted := c.Get(key("C1:3")); ok || !deleted {
		t.Errorf("a deleted message: found %v, known deleted %v", ok, deleted)
	}
	for i := range 10 {
		c.Put(msg(fmt.Sprintf("C2:%d", i), "x"))
	}
	if c.Len() != 2 {
		t.Errorf("%d remembered, want at most 2", c.Len())
	}
}
