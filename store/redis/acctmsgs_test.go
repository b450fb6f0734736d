package redisstore_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/store"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
	"github.com/feedbackbot/feedbackbot/store/redis/redistest"
	"github.com/feedbackbot/feedbackbot/store/storetest"
)

// TestAccountsMessagesAsMessages: several accounts' messages of a period read at
// once are, account by account, what Messages reads of each (a first page): over
// weeks, to the nanosecond at both bounds, without a deleted message, with an
// edited one where it moved; an account of a page or more is left out, one with
// nothing is there and empty; a period longer than one round of weeks, or a
// workspace whose account weeks are not built, says to read each with Messages.
func TestAccountsMessagesAsMessages(t *testing.T) {
	s, client, prefix := newStore(t, redisstore.Options{ClaimIdle: storetest.ClaimIdle})
	ctx := t.Context()
	from := storetest.Base.Add(90 * time.Minute)
	to := from.Add(17 * 24 * time.Hour) // three weeks or four, as account health reads
	var msgs []feedbackbot.Message
	add := func(acct string, at time.Time) {
		msgs = append(msgs, storetest.Msg("W1", fmt.Sprintf("m%d", len(msgs)), fmt.Sprintf("message %d of %s", len(msgs), acct),
			feedbackbot.RoleCustomer, acct, "C1", at))
	}
	for i := range 60 { // A1..A3 through the period and just outside it
		for _, a := range []string{"A1", "A2", "A3"} {
			add(a, from.Add(-2*time.Hour).Add(time.Duration(i)*7*time.Hour))
		}
	}
	add("A1", from)                       // on the lower bound: in
	add("A1", to.Add(-time.Nanosecond))   // just before the upper bound: in
	add("A2", to)                         // on the upper bound: out
	add("A2", from.Add(-time.Nanosecond)) // just before the lower bound: out
	for i := range store.MaxQueryLimit {  // BIG: a page's worth in the period
		add("BIG", from.Add(time.Duration(i)*time.Minute))
	}
	events := make([]feedbackbot.Event, len(msgs))
	for i, m := range msgs {
		events[i] = storetest.Put(m)
	}
	storetest.AppendApplyAll(ctx, t, s, events, func(i int) feedbackbot.Tags { return storetest.Tags(float64(i%5)/4-0.5, "v1") })
	moved := msgs[4] // an A2 message edited into another week
	moved.Text, moved.Time = "moved", moved.Time.Add(9*24*time.Hour)
	storetest.AppendApplyAll(ctx, t, s, []feedbackbot.Event{storetest.Put(moved), storetest.Delete(msgs[7])}, func(int) feedbackbot.Tags { return storetest.Tags(-0.75, "v1") })

	accounts := []string{"A1", "A2", "A3", "BIG", "NONE"}
	got, ok, err := s.AccountsMessages(ctx, "W1", accounts, from, to)
	if err != nil || !ok {
		t.Fatalf("AccountsMessages: ok %v, %v", ok, err)
	}
	if _, in := got["BIG"]; in {
		t.Errorf("an account of a page or more was read: %d messages", len(got["BIG"]))
	}
	if rows, in := got["NONE"]; !in || len(rows) != 0 {
		t.Errorf("an account with nothing: %v, %v; want there and empty", rows, in)
	}
	for _, a := range []string{"A1", "A2", "A3", "NONE"} {
		want, err := s.Messages(ctx, store.Query{Workspace: "W1", Account: a, From: from, To: to, Limit: store.MaxQueryLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 && a != "NONE" {
			t.Fatalf("Messages of %s read nothing", a)
		}
		if !reflect.DeepEqual(got[a], want) && !(len(got[a]) == 0 && len(want) == 0) {
			t.Errorf("%s: AccountsMessages read %d messages, Messages %d, or not the same", a, len(got[a]), len(want))
		}
	}
	if n := len(got["A1"]); n < 40 || !got["A1"][0].Message.Time.Equal(to.Add(-time.Nanosecond)) || !got["A1"][n-1].Message.Time.Equal(from) {
		t.Errorf("A1: %d messages, newest %v, oldest %v; want both bounds' messages in", n, got["A1"][0].Message.Time, got["A1"][n-1].Message.Time)
	}
	for _, r := range got["A2"] {
		if r.Message.ID == msgs[7].ID || (r.Message.ID == moved.ID && r.Message.Text != "moved") {
			t.Errorf("A2 holds %s %q: a deleted message, or an edit's old text", r.Message.ID, r.Message.Text)
		}
	}

	if m, ok, err := s.AccountsMessages(ctx, "W1", accounts, from.Add(-70*24*time.Hour), to); err != nil || ok || m != nil {
		t.Errorf("a period of eleven weeks: %d accounts, ok %v, %v; want none, false", len(m), ok, err)
	}
	if err := redistest.DropAccountWeeks(ctx, client, prefix); err != nil {
		t.Fatal(err)
	}
	if m, ok, err := s.AccountsMessages(ctx, "W1", accounts, from, to); err != nil || ok || m != nil {
		t.Errorf("account weeks not built: %d accounts, ok %v, %v; want none, false", len(m), ok, err)
	}
}
