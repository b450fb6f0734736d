package main

import (
	"context"
	"errors"
	"maps"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// deleteAnswers is a poster whose deletions answer, in turn, what answers holds.
type deleteAnswers struct {
	answers []error
}

func (p *deleteAnswers) Post(context.Context, string, feedbackbot.Document) (feedbackbot.PostRef, error) {
	return feedbackbot.PostRef{ID: "1"}, nil
}

func (p *deleteAnswers) Update(context.Context, feedbackbot.PostRef, feedbackbot.Document) error {
	return nil
}

func (p *deleteAnswers) Delete(context.Context, feedbackbot.PostRef) error {
	err := p.answers[0]
	p.answers = p.answers[1:]
	return err
}

// TestDeletionsCountedApartFromPosts: /metrics counts the messages the bot
// deleted (a replica's copy of a post another replica made too, an erasure's
// deletion) in feedbackbot_posts_deleted_total, not as posts; a message found
// gone already is neither a deletion nor an error, and a deletion that fails is
// an error.
func TestDeletionsCountedApartFromPosts(t *testing.T) {
	posts, errs, deletes := prometheus.NewCounter(prometheus.CounterOpts{Name: "p"}), prometheus.NewCounter(prometheus.CounterOpts{Name: "e"}),
		prometheus.NewCounter(prometheus.CounterOpts{Name: "d"})
	p := &countingPoster{AlertPoster: &deleteAnswers{answers: []error{nil, feedbackbot.Errorf(feedbackbot.ENOTFOUND, "gone"), errors.New("slack is down"), nil}},
		posts: posts, errors: errs, deletes: deletes}
	ctx := context.Background()
	if _, err := p.Post(ctx, "C1", feedbackbot.Document{}); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		_ = p.Delete(ctx, feedbackbot.PostRef{ID: "1"})
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(posts, errs, deletes)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		got[mf.GetName()] = mf.GetMetric()[0].GetCounter().GetValue()
	}
	if want := map[string]float64{"p": 1, "e": 1, "d": 2}; !maps.Equal(got, want) {
		t.Errorf("posts (p), errors (e), deletions (d) = %v, want %v", got, want)
	}
}

// finds is a poster that can search for its posts.
type finds struct{ deleteAnswers }

func (finds) FindPost(context.Context, string, string, time.Time) (feedbackbot.PostRef, error) {
	return feedbackbot.PostRef{ID: "found"}, nil
}

// TestCountedPosterKeepsTheSearchForItsPosts: the /metrics wrapper round a
// platform's poster keeps its FindPost (the scheduler and the alerter look for
// it to find a dead replica's post), and adds none to a poster without one.
func TestCountedPosterKeepsTheSearchForItsPosts(t *testing.T) {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "c"})
	for _, tc := range []struct {
		name   string
		poster bot.AlertPoster
		want   bool
	}{{"with a search", &finds{}, true}, {"without one", &deleteAnswers{}, false}} {
		p := countPosts(&countingPoster{AlertPoster: tc.poster, posts: c, errors: c, deletes: c})
		f, ok := p.(postFinder)
		if ok != tc.want {
			t.Errorf("%s: the counted poster has FindPost %v, want %v", tc.name, ok, tc.want)
		}
		if ok {
			if ref, err := f.FindPost(context.Background(), "C1", "m", time.Time{}); err != nil || ref.ID != "found" {
				t.Errorf("%s: FindPost = %+v, %v; want the poster's answer", tc.name, ref, err)
			}
		}
	}
}
