package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// A posted digest quotes customers (complaints, praise, asks still waiting, an
// emerging theme's and a feature request's example, an at-risk account's
// evidence). Its record (docPosted, by run) keeps the digest as posted, so that
// forgetting a person, or retention, takes their quotes out of the record and, on
// the scheduler's next tick, out of the message in the chat (rerenderDigests), as
// it does for alerts.

// docDigestRedacted marks a run whose record lost quotes and whose message is
// still to be edited: the run alone, no content.
const docDigestRedacted = "digest-redacted"

// postedDigest is a posted digest's record: where it went and, since 2026-12-06,
// the digest as posted and whether a chart went with it. (An older record holds
// the reference alone; its message is not edited.)
type postedDigest struct {
	feedbackbot.PostRef
	Digest *feedbackbot.Digest `json:"digest,omitempty"`
	Chart  bool                `json:"chart,omitempty"`
	// Gone says the message was deleted from a channel that may not hold it any
	// more: it is not edited again, nor looked for when the channel changes again
	// (each later event deleted it again, a review found).
	Gone bool `json:"gone,omitempty"`
}

// digestRecordLease names the lease that keeps a record's erasures and its
// message's edit apart (not the run's lease, which a post holds for minutes).
func digestRecordLease(workspace, run string) string {
	return "digest-record:" + workspace + ":" + run
}

var (
	quoteType    = reflect.TypeFor[feedbackbot.Quote]()
	evidenceType = reflect.TypeFor[feedbackbot.Evidence]()
)

// dropDigestQuotes takes out of d every quote and every piece of evidence that
// drop selects, wherever the digest holds one (found by type, so that a quote a
// later section adds is not missed): a list's item is removed, a single quote (an
// emerging theme's, a feature request's) emptied, the section itself kept. It
// returns how many it took out.
func dropDigestQuotes(d *feedbackbot.Digest, drop func(q feedbackbot.Quote) bool, dropEv func(e feedbackbot.Evidence) bool) int {
	n := 0
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Struct:
			switch v.Type() {
			case quoteType:
				if q := v.Interface().(feedbackbot.Quote); q != (feedbackbot.Quote{}) && drop(q) {
					v.Set(reflect.Zero(quoteType))
					n++
				}
				return
			case evidenceType:
				return // (only in lists: see below)
			}
			for i := range v.NumField() {
				if v.Type().Field(i).IsExported() {
					walk(v.Field(i))
				}
			}
		case reflect.Slice:
			switch v.Type().Elem() {
			case quoteType:
				n += filterSlice(v, func(x reflect.Value) bool { return drop(x.Interface().(feedbackbot.Quote)) })
			case evidenceType:
				n += filterSlice(v, func(x reflect.Value) bool { return dropEv(x.Interface().(feedbackbot.Evidence)) })
			default:
				for i := range v.Len() {
					walk(v.Index(i))
				}
			}
		}
	}
	walk(reflect.ValueOf(d))
	return n
}

// filterSlice removes the items of the slice v that drop selects, in place, and
// returns how many it removed.
func filterSlice(v reflect.Value, drop func(reflect.Value) bool) int {
	kept := 0
	for i := range v.Len() {
		if drop(v.Index(i)) {
			continue
		}
		if kept != i {
			v.Index(kept).Set(v.Index(i))
		}
		kept++
	}
	removed := v.Len() - kept
	if removed > 0 {
		v.Set(v.Slice(0, kept))
	}
	return removed
}

// digestAuthors are the people a digest quotes (their user ids).
func digestAuthors(d *feedbackbot.Digest) []string {
	var ids []string
	dropDigestQuotes(d, func(q feedbackbot.Quote) bool {
		if q.AuthorID != "" {
			ids = append(ids, q.AuthorID)
		}
		return false
	}, func(e feedbackbot.Evidence) bool {
		if e.Author != "" {
			ids = append(ids, e.Author)
		}
		return false
	})
	slices.Sort(ids)
	return slices.Compact(ids)
}

// digestCut selects what an erasure takes out of a posted digest: the quotes
// and evidence it selects and, where account is set, every entry of an account it
// selects (forgetting a person whose account is themself: a Discord community
// member's account has their id and their display name).
type digestCut struct {
	quote    func(feedbackbot.Quote) bool
	evidence func(feedbackbot.Evidence) bool
	account  func(id string) bool
}

// apply takes out of d what c selects. It returns how many quotes and pieces of
// evidence it took out, and whether it changed d at all.
func (c digestCut) apply(d *feedbackbot.Digest) (quotes int, changed bool) {
	quotes = dropDigestQuotes(d, c.quote, c.evidence)
	accounts := 0
	if c.account != nil {
		accounts = dropDigestAccounts(d, c.account)
	}
	return quotes, quotes+accounts > 0
}

// dropDigestAccounts takes out of d every entry of an account that gone
// selects: its line among the accounts heard from, its health among those at
// risk or drifting, its asks waiting from before the period, its alerts in the follow-up, its name among a feature
// request's accounts (counted there as a customer of no account instead) and
// among a segment's. The totals stay as they were (they name no one). It returns
// how many entries it took out.
func dropDigestAccounts(d *feedbackbot.Digest, gone func(id string) bool) int {
	n := 0
	drop := func(id string) bool {
		if id == "" || !gone(id) {
			return false
		}
		n++
		return true
	}
	// Segments list the accounts heard from by name (or id), and names are not
	// unique (two members called Sam): each account taken out of those heard from
	// takes one entry of its name out of the segments, no more.
	names := map[string]int{}
	d.Accounts = slices.DeleteFunc(d.Accounts, func(g feedbackbot.GroupStat) bool {
		if drop(g.ID) {
			names[cmp.Or(g.Name, g.ID)]++
			return true
		}
		return false
	})
	health := func(h feedbackbot.Health) bool { return drop(h.Account.ID) }
	d.AtRisk = slices.DeleteFunc(d.AtRisk, health)
	d.Drifting = slices.DeleteFunc(d.Drifting, health)
	d.WaitingBefore = slices.DeleteFunc(d.WaitingBefore, func(a feedbackbot.AccountWaiting) bool { return drop(a.Account.ID) })
	if f := d.FollowUp; f != nil {
		brief := func(a feedbackbot.AlertBrief) bool { return drop(a.AccountID) }
		for _, l := range []*[]feedbackbot.AlertBrief{&f.Open, &f.Recovered, &f.WentSilent, &f.ChurnStands} {
			*l = slices.DeleteFunc(*l, brief)
		}
	}
	for i := range d.Requests {
		r := &d.Requests[i]
		r.Accounts = slices.DeleteFunc(r.Accounts, func(a feedbackbot.AccountRef) bool {
			if drop(a.ID) {
				r.People++
				return true
			}
			return false
		})
	}
	for i := range d.Segments {
		sg := &d.Segments[i]
		sg.Accounts = slices.DeleteFunc(sg.Accounts, func(name string) bool {
			if names[name] > 0 {
				names[name]--
				n++
				return true
			}
			return false
		})
	}
	d.Segments = slices.DeleteFunc(d.Segments, func(sg feedbackbot.Segment) bool { return len(sg.Accounts) == 0 })
	return n
}

// digestAccounts are the ids of the accounts a digest names.
func digestAccounts(d *feedbackbot.Digest) []string {
	var ids []string
	dropDigestAccounts(d, func(id string) bool {
		ids = append(ids, id)
		return false
	})
	slices.Sort(ids)
	return slices.Compact(ids)
}

// rewriteDigests takes out of every posted digest record of a workspace what cut
// selects, and marks each record it changed for its message to be edited
// (docDigestRedacted). It returns how many quotes it took out, and how many
// records it changed.
func rewriteDigests(ctx context.Context, st evidenceDocs, workspace string, cut digestCut) (total, changed int, err error) {
	runs, err := digestsTouched(ctx, st, workspace, cut)
	if err != nil {
		return 0, 0, err
	}
	for _, run := range runs {
		n, did, err := redactDigestRecord(ctx, st, workspace, run, cut)
		total += n
		if did {
			changed++
		}
		if err != nil {
			return total, changed, fmt.Errorf("posted digest %s: %w", run, err)
		}
	}
	return total, changed, nil
}

// digestsTouched lists, sorted, the runs of workspace's posted digest records
// that cut changes, tried on copies: a first look, without the leases (most
// records are not touched), for rewriteDigests and for PersonHeld's count.
func digestsTouched(ctx context.Context, st evidenceDocs, workspace string, cut digestCut) ([]string, error) {
	records, err := st.ListDocs(ctx, workspace, docPosted)
	if err != nil {
		return nil, fmt.Errorf("posted digests: %w", err)
	}
	var runs []string
	for _, run := range slices.Sorted(maps.Keys(records)) {
		var rec postedDigest
		if json.Unmarshal(records[run], &rec) != nil || rec.Digest == nil {
			continue
		}
		if _, changed := cut.apply(rec.Digest); changed {
			runs = append(runs, run)
		}
	}
	return runs, nil
}

// redactDigestRecord is rewriteDigests of one record, read again and written
// under its lease.
// It returns how many quotes it took out, and whether it changed the record.
func redactDigestRecord(ctx context.Context, st evidenceDocs, workspace, run string, cut digestCut) (n int, changed bool, err error) {
	err = withLease(ctx, st, digestRecordLease(workspace, run), "posted digest "+run, func() error {
		raw, err := st.GetDoc(ctx, workspace, docPosted, run)
		if feedbackbot.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var rec postedDigest
		if json.Unmarshal(raw, &rec) != nil || rec.Digest == nil {
			return nil
		}
		var did bool
		if n, did = cut.apply(rec.Digest); !did {
			return nil
		}
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		// The mark first: a record saved without its quotes but not marked would
		// leave them in the chat for good.
		if err := st.PutDoc(ctx, workspace, docDigestRedacted, run, []byte("1")); err != nil {
			return err
		}
		if err := st.PutDoc(ctx, workspace, docPosted, run, b); err != nil {
			return err
		}
		changed = true
		return nil
	})
	if err != nil {
		n, changed = 0, false
	}
	return n, changed, err
}

// postEditor edits and deletes posted messages (the platforms' adapters).
type postEditor interface {
	Update(ctx context.Context, ref feedbackbot.PostRef, doc feedbackbot.Document) error
	Delete(ctx context.Context, ref feedbackbot.PostRef) error
}

// replacePost edits the posted message ref to doc or, where its channel may not
// be posted to any more (shared with another organisation, open to the
// community, no longer internal since: EUNAUTHORIZED), deletes it: a deletion
// adds nothing for the channel to read. A message already gone is done with (no
// error). gone says the message is gone from its channel now: deleted here, or
// found gone already (deleted by hand, by another replica, or by an earlier try
// whose record of it failed: it was deleted again at each later channel event
// when only this call's own deletions counted, a review found).
func replacePost(ctx context.Context, ed postEditor, ref feedbackbot.PostRef, doc feedbackbot.Document) (gone bool, err error) {
	err = ed.Update(ctx, ref, doc)
	if feedbackbot.ErrorCode(err) == feedbackbot.EUNAUTHORIZED {
		err = ed.Delete(ctx, ref)
		gone = err == nil
	}
	if feedbackbot.IsNotFound(err) {
		gone, err = true, nil
	}
	return gone, err
}

// destinationChecker says whether a channel may hold customer analysis (the
// platforms' adapters: CheckDestination).
type destinationChecker interface {
	CheckDestination(ctx context.Context, channel string) error
}

// deleteWhereRefused deletes the posted message ref where its channel may not
// hold analysis any more (EUNAUTHORIZED), for a post with no document to edit it
// to; gone as replacePost's.
func deleteWhereRefused(ctx context.Context, ed postEditor, ref feedbackbot.PostRef) (gone bool, err error) {
	dc, ok := ed.(destinationChecker)
	if !ok {
		return false, nil
	}
	if err := dc.CheckDestination(ctx, ref.Destination); feedbackbot.ErrorCode(err) != feedbackbot.EUNAUTHORIZED {
		return false, err
	}
	err = ed.Delete(ctx, ref)
	if err == nil || feedbackbot.IsNotFound(err) {
		return true, nil
	}
	return false, err
}

// rerenderDigests edits the posted messages of the workspace's digests whose
// records lost quotes (docDigestRedacted), so that no erased quote stays in the
// chat. As for alerts: a message in a channel that may not be posted to any more
// (shared with another organisation since) is deleted instead, one already gone
// is done with, and one that could be neither edited nor deleted (an outage) is
// tried again on the next tick.
func (s *Scheduler) rerenderDigests(ctx context.Context, workspace string) error {
	marks, err := s.Store.ListDocs(ctx, workspace, docDigestRedacted)
	if err != nil {
		return fmt.Errorf("digests to edit: %w", err)
	}
	var firstErr error
	for _, run := range slices.Sorted(maps.Keys(marks)) {
		err := withLease(ctx, s.Store, digestRecordLease(workspace, run), "posted digest "+run, func() error {
			return s.rerenderDigest(ctx, workspace, run)
		})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			s.log().Warn("could not remove erased quotes from a posted digest (tried again on the next tick); edit or delete it by hand", "run", run, "err", err)
			firstErr = cmpErr(firstErr, fmt.Errorf("posted digest %s: %w", run, err))
		}
	}
	return firstErr
}

func (s *Scheduler) rerenderDigest(ctx context.Context, workspace, run string) error {
	raw, err := s.Store.GetDoc(ctx, workspace, docPosted, run)
	if err != nil && !feedbackbot.IsNotFound(err) {
		return err
	}
	var rec postedDigest
	if err == nil && json.Unmarshal(raw, &rec) == nil && rec.ID != "" && !rec.Gone {
		ed, ok := s.Posters[rec.Platform].(postEditor)
		if !ok {
			return fmt.Errorf("no %s connection that can edit the digest in %s", rec.Platform, rec.Destination)
		}
		var gone bool
		if rec.Digest != nil {
			gone, err = replacePost(ctx, ed, rec.PostRef, digestDocument(*rec.Digest, nil, rec.Chart))
		} else {
			// A record from before 2026-12-06 holds the post's reference alone: there
			// is nothing to edit it to, but a channel that may not hold it any more
			// has it deleted (it was left up, a review found).
			gone, err = deleteWhereRefused(ctx, ed, rec.PostRef)
		}
		if gone {
			s.log().Info("a posted digest is gone from its channel (deleted: the channel may not be posted to any more, or deleted there already)", "run", run, "channel", rec.Destination)
			rec.Gone = true
			b, merr := json.Marshal(rec)
			if merr == nil {
				merr = s.Store.PutDoc(ctx, workspace, docPosted, run, b)
			}
			if merr != nil {
				return fmt.Errorf("record the deleted digest as gone: %w", merr)
			}
		}
		if err != nil {
			return err
		}
	}
	return s.Store.DeleteDoc(ctx, workspace, docDigestRedacted, run)
}

// recordPost writes a posted digest's record (raw: a postedDigest), without the
// quotes of anyone forgotten since the digest read their messages: an erasure
// that ran while it was built or posted did not find the record. It looks before
// the write and again after it (an erasure between the two lists records after
// this one is written, or this look finds its mark); what it takes out, it marks
// for the next tick's edit. The record is created, never overwritten: it is the
// run's claim too (of two replicas' posts that both found no record, the one
// recorded first is the run's). recorded says whether this record was written,
// taken whether another replica's was there already (this post is then a copy);
// an error after the write is the second look's.
func (s *Scheduler) recordPost(ctx context.Context, workspace, run string, raw []byte) (recorded, taken bool, err error) {
	var rec postedDigest
	// everyone the digest quotes, and every account it names (a person may be
	// their own account), for both looks: the record found written may be an
	// earlier try's, which the first look's cut is not in
	var people []string
	if json.Unmarshal(raw, &rec) == nil && rec.Digest != nil {
		people = append(digestAuthors(rec.Digest), digestAccounts(rec.Digest)...)
		gone, err := forgottenOf(ctx, s.Store, workspace, people)
		if err != nil {
			return false, false, err
		}
		if len(gone) > 0 {
			forgottenCut(gone).apply(rec.Digest)
			if raw, err = json.Marshal(rec); err != nil {
				return false, false, err
			}
			// (a mark for a record that turns out to be another's costs an edit of
			// its message that changes nothing)
			if err := s.Store.PutDoc(ctx, workspace, docDigestRedacted, run, []byte("1")); err != nil {
				return false, false, err
			}
		}
	}
	created, err := s.Store.CreateDoc(ctx, workspace, docPosted, run, raw)
	if err != nil {
		return false, false, err
	}
	if !created {
		// Another replica's record, or this one's: a write whose answer was lost
		// (a client's retry of it then finds it), or an earlier try of this post's.
		cur, err := s.Store.GetDoc(ctx, workspace, docPosted, run)
		if err != nil {
			return false, false, fmt.Errorf("read the run's record, found written: %w", err)
		}
		var other postedDigest
		if json.Unmarshal(cur, &other) != nil || other.PostRef != rec.PostRef || rec.ID == "" {
			return false, true, nil
		}
	}
	if rec.Digest == nil {
		return true, false, nil
	}
	gone, err := forgottenOf(ctx, s.Store, workspace, people)
	if err == nil && len(gone) > 0 {
		_, _, err = redactDigestRecord(ctx, s.Store, workspace, run, forgottenCut(gone))
	}
	if err != nil {
		return true, false, fmt.Errorf("erase the quotes of people forgotten meanwhile: %w", err)
	}
	return true, false, nil
}

// forgottenCut selects the quotes and evidence of the people of gone
// (DocForgotten's ids), and the accounts that are one of them.
func forgottenCut(gone map[string][]byte) digestCut {
	in := func(id string) bool { _, g := gone[id]; return id != "" && g }
	return digestCut{
		quote:    func(q feedbackbot.Quote) bool { return in(q.AuthorID) },
		evidence: func(e feedbackbot.Evidence) bool { return in(e.Author) },
		account:  in,
	}
}

// quotesBefore selects what retention takes out of stored alerts and posted
// digests: the quotes and evidence of messages from before before.
func quotesBefore(before time.Time) (func(feedbackbot.Quote) bool, func(feedbackbot.Evidence) bool) {
	return func(q feedbackbot.Quote) bool { return !q.Time.IsZero() && q.Time.Before(before) },
		func(e feedbackbot.Evidence) bool { return e.Quote != "" && !e.Time.IsZero() && e.Time.Before(before) }
}
