package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"testing"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

// BenchmarkChannelChanged times one channel event (a Slack member_joined_channel
// in a customer channel, where the bot posted nothing) in a workspace holding two
// years of daily digests (730 records of the demo's digest, testdata/digest.json,
// 13 KB) and 300 alerts, all posted in other channels: "marked", as each event is
// handled now (the channel's mark looked up); "every record", each event reading
// and decoding every record, as each did before the marks (the marks' completion
// taken back before each, so each marks the channels again).
func BenchmarkChannelChanged(b *testing.B) {
	raw, err := os.ReadFile("testdata/digest.json")
	if err != nil {
		b.Fatal(err)
	}
	var d feedbackbot.Digest
	if err := json.Unmarshal(raw, &d); err != nil {
		b.Fatal(err)
	}
	ok := func(context.Context) error { return nil }
	for _, name := range []string{"bolt", "redis"} {
		ctx := context.Background()
		st := benchStore(b, name)
		for i := range 730 {
			rec, _ := json.Marshal(map[string]any{"platform": "test", "destination": "CSTAFF", "id": fmt.Sprintf("m%d", i), "digest": d})
			if err := st.PutDoc(ctx, "T1", "digest-posted", fmt.Sprintf("daily:%d", i), rec); err != nil {
				b.Fatal(err)
			}
		}
		for i := range 300 {
			al, _ := json.Marshal(feedbackbot.Alert{Fingerprint: fmt.Sprint(i), Workspace: "T1", Status: feedbackbot.AlertResolved,
				Posts: []feedbackbot.PostRef{{Platform: "test", Destination: "CALERTS", ID: fmt.Sprintf("a%d", i)}}})
			if err := st.PutDoc(ctx, "T1", bot.DocAlert, fmt.Sprint(i), al); err != nil {
				b.Fatal(err)
			}
		}
		bt := &bot.Bot{Store: st}
		for _, mode := range []string{"marked", "every record"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				// (the first event marks the records' channels: not timed)
				if _, _, err := bt.ChannelChanged(ctx, "test", "T1", "CCUSTOMER", ok); err != nil {
					b.Fatal(err)
				}
				for b.Loop() {
					if mode == "every record" {
						if err := st.DeleteDoc(ctx, "T1", "posted-in-index", "complete"); err != nil && !feedbackbot.IsNotFound(err) {
							b.Fatal(err)
						}
					}
					if dg, al, err := bt.ChannelChanged(ctx, "test", "T1", "CCUSTOMER", ok); err != nil || dg+al != 0 {
						b.Fatal(dg, al, err)
					}
				}
			})
		}
	}
}
