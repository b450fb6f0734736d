package discordadapter

import (
	"bytes"
	"context"
	"encoding/json"
	"image/png"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestMarkedPostIsPostedOnce: a document with a mark (a digest run's, an
// alert's telling) is posted with a nonce derived from it and enforce_nonce, so
// that posting it again (its first post call failed after the message went out,
// and the next tick tries again) gets the message already in the channel back
// instead of a second one, with its chart attached or not. Two marks are two
// messages, and an unmarked document carries no nonce.
func TestMarkedPostIsPostedOnce(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	var chart bytes.Buffer
	if err := png.Encode(&chart, testImage()); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		image bool
	}{{"text only", false}, {"with its chart", true}} {
		t.Run(tc.name, func(t *testing.T) {
			doc := func(mark string) feedbackbot.Document {
				d := feedbackbot.Document{Fallback: "digest", Mark: mark, Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockText, Text: "digest"}}}
				if tc.image {
					d.Blocks = append(d.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockImage, Image: &feedbackbot.Image{Filename: "chart.png", Title: "chart", Data: chart.Bytes()}})
				}
				return d
			}
			mark := "digest/G1/daily:1762074000/" + tc.name
			if tc.image {
				// (rate limited first: the retry sends the chart whole again)
				f.fake.RateLimitNext("POST", "/channels/"+chInternal+"/messages", 50*time.Millisecond, false)
			}
			first, err := f.a.Post(ctx, chInternal, doc(mark))
			if err != nil {
				t.Fatal(err)
			}
			again, err := f.a.Post(ctx, chInternal, doc(mark))
			if err != nil {
				t.Fatal(err)
			}
			if again != first {
				t.Errorf("the same mark posted again gave message %s, want the first, %s", again.ID, first.ID)
			}
			other, err := f.a.Post(ctx, chInternal, doc(mark+"/another run"))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := f.a.Post(ctx, chInternal, doc(""))
			if err != nil {
				t.Fatal(err)
			}
			if other == first || plain == first || plain == other {
				t.Errorf("another mark and no mark gave %s and %s, want messages of their own (first %s)", other.ID, plain.ID, first.ID)
			}
			reqs := f.fake.Requests("/channels/" + chInternal + "/messages")
			last := reqs[len(reqs)-1]
			var sent map[string]any
			if err := json.Unmarshal(last.JSON, &sent); err != nil {
				t.Fatal(err)
			}
			if _, ok := sent["nonce"]; ok {
				t.Errorf("an unmarked post carried a nonce: %s", last.JSON)
			}
			if err := json.Unmarshal(reqs[len(reqs)-4].JSON, &sent); err != nil {
				t.Fatal(err)
			}
			if n, _ := sent["nonce"].(string); len(n) != 25 || sent["enforce_nonce"] != true || sent["embeds"] == nil {
				t.Errorf("a marked post sent %s; want its embeds, a 25-character nonce and enforce_nonce", reqs[len(reqs)-4].JSON)
			}
			if tc.image {
				for i, r := range reqs {
					if img, ok := r.Files["chart.png"]; ok && !bytes.Equal(img, chart.Bytes()) {
						t.Errorf("post request %d sent %d bytes of the %d-byte chart", i, len(img), chart.Len())
					}
				}
				if _, ok := reqs[len(reqs)-4].Files["chart.png"]; !ok {
					t.Errorf("the marked post's chart was not attached: %v", keys(reqs[len(reqs)-4].Files))
				}
			}
		})
	}
}
