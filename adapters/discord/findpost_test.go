package discordadapter

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"
	"github.com/robfig/cron/v3"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// refPattern is a marked post's ref (markRef) as the fake Discord got it.
var refPattern = regexp.MustCompile(`ref [0-9a-f]{12}`)

// markedDoc is a digest-like document posted with mark.
func markedDoc(mark, text string) feedbackbot.Document {
	return feedbackbot.Document{Fallback: text, Mark: mark, Blocks: []feedbackbot.Block{
		{Kind: feedbackbot.BlockHeader, Text: "Customer satisfaction"}, {Kind: feedbackbot.BlockText, Text: text}}}
}

// botMessage is a message of the bot's (user id bot) in chInternal as the channel's history
// serves it, with id, posted at, showing footer (none when "").
func botMessage(bot, id string, at time.Time, footer string) map[string]any {
	m := map[string]any{"id": id, "channel_id": chInternal, "content": "",
		"author":    map[string]any{"id": bot, "username": "feedbackbot", "bot": true},
		"timestamp": at.UTC().Format(time.RFC3339Nano)}
	if footer != "" {
		m["embeds"] = []map[string]any{{"description": "a digest", "footer": map[string]any{"text": footer}}}
	}
	return m
}

// TestFindPostFindsTheBotsMarkedPost: Discord keeps no hidden field a read of
// the channel returns, so a marked post shows its mark's ref at the end of its
// last embed's footer, and FindPost reads the channel's history forward from
// since, page by page, for the bot's own message showing it: found however many
// messages came after it (read newest first, a thousand later ones hid it). A
// member's message showing the same ref does not count; a mark never posted,
// or posted before since, is ENOTFOUND; a history that cannot be read, or
// more than it reads between since and the post, is an error that says so
// (not "none"); a rate limit is waited out.
func TestFindPostFindsTheBotsMarkedPost(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	first, err := f.a.Post(ctx, chInternal, markedDoc("digest/G1/run-1", "first run"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Post(ctx, chInternal, markedDoc("digest/G1/run-2", "second run")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.a.Post(ctx, chInternal, markedDoc("", "unmarked")); err != nil {
		t.Fatal(err)
	}
	// a member quoting the ref of a run never posted, then 150 messages of the
	// bot's without a ref (ids of a later time)
	member := botMessage(f.fake.BotID, "2000000000000000000", time.Now(), markRef("digest/G1/run-3"))
	member["author"] = map[string]any{"id": userStaff, "username": "staffer"}
	f.fake.AddMessage(member)
	for i := range 150 {
		f.fake.AddMessage(botMessage(f.fake.BotID, itoa(2000000000000000001+int64(i)), time.Now(), ""))
	}

	got, err := f.a.FindPost(ctx, chInternal, "digest/G1/run-1", start)
	if err != nil || got != first {
		t.Fatalf("FindPost of the first run = %+v, %v; want %+v", got, err, first)
	}
	for _, tc := range []struct {
		name, mark string
		since      time.Time
	}{
		{"a member's message showing the ref", "digest/G1/run-3", start},
		{"a mark never posted", "digest/G1/run-4", start},
		{"posted before since", "digest/G1/run-1", time.Now().Add(time.Minute)},
	} {
		if got, err := f.a.FindPost(ctx, chInternal, tc.mark, tc.since); !feedbackbot.IsNotFound(err) {
			t.Errorf("%s: FindPost = %+v, %v; want ENOTFOUND", tc.name, got, err)
		}
	}

	// a rate limit is waited out
	f.fake.RateLimitNext("GET", "/channels/"+chInternal+"/messages", 50*time.Millisecond, false)
	if got, err := f.a.FindPost(ctx, chInternal, "digest/G1/run-2", start); err != nil || got.ID == "" || got == first {
		t.Errorf("FindPost after a 429 = %+v, %v; want the second run's post", got, err)
	}
	// a history the bot may not read says nothing
	f.fake.FailNext("GET", "/channels/"+chInternal+"/messages", 403, 1)
	if got, err := f.a.FindPost(ctx, chInternal, "digest/G1/run-4", start); err == nil || feedbackbot.IsNotFound(err) {
		t.Errorf("FindPost of an unreadable history = %+v, %v; want an error other than ENOTFOUND", got, err)
	}
	// a thousand messages after the post do not hide it
	for i := range maxFindPages * findPage {
		f.fake.AddMessage(botMessage(f.fake.BotID, itoa(2100000000000000000+int64(i)), time.Now(), ""))
	}
	if got, err := f.a.FindPost(ctx, chInternal, "digest/G1/run-1", start); err != nil || got != first {
		t.Errorf("FindPost behind %d pages of later messages = %+v, %v; want the first run's post", maxFindPages, got, err)
	}
	// more than maxFindPages pages between since and the post are an error
	since := time.Now()
	base, _ := strconv.ParseInt(snowflakeAt(since), 10, 64)
	for i := range maxFindPages * findPage {
		f.fake.AddMessage(botMessage(f.fake.BotID, itoa(base+1+int64(i)), since, ""))
	}
	time.Sleep(2 * time.Millisecond) // (the post's id is of a later millisecond)
	if _, err := f.a.Post(ctx, chInternal, markedDoc("digest/G1/run-5", "after a busy hour")); err != nil {
		t.Fatal(err)
	}
	if got, err := f.a.FindPost(ctx, chInternal, "digest/G1/run-5", since); err == nil || feedbackbot.IsNotFound(err) || !strings.Contains(err.Error(), "pages") {
		t.Errorf("FindPost past %d pages = %+v, %v; want an error saying it did not look everywhere", maxFindPages, got, err)
	}
}

// TestFindPostInAnEmptyHistoryAsksWhetherItMayRead: Discord answers a bot
// without Read Message History with no messages, not an error, so an empty
// first page says "none" only where the bot may read the history; otherwise
// the search failed (the caller waits, and does not post again or drop a
// sweep's announcement).
func TestFindPostInAnEmptyHistoryAsksWhetherItMayRead(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	ctx := context.Background()
	since := time.Now().Add(-time.Hour)
	mark := "digest/G1/run-1"
	f.fake.AddMessage(botMessage(f.fake.BotID, "2000000000000000000", time.Now(), markRef(mark)))
	// (the fixture's bot holds no role: @everyone's View Channel and Send
	// Messages, and Discord then hides the history)
	f.fake.HideHistory(chInternal, true)
	if got, err := f.a.FindPost(ctx, chInternal, mark, since); err == nil || feedbackbot.IsNotFound(err) || !strings.Contains(err.Error(), "Read Message History") {
		t.Errorf("FindPost in a history the bot may not read = %+v, %v; want an error naming Read Message History", got, err)
	}
	// the bot's role given the history (and the channel let it see)
	g, chans := fakeGuild()
	for _, c := range chans {
		if c.ID == chInternal {
			c.PermissionOverwrites = append(c.PermissionOverwrites, &discordgo.PermissionOverwrite{ID: roleBot, Type: discordgo.PermissionOverwriteTypeRole, Allow: discordgo.PermissionViewChannel})
		}
	}
	for _, r := range g.Roles {
		if r.ID == roleBot {
			r.Permissions = allPost
		}
	}
	f.fake.AddGuild(g, chans...)
	f.fake.AddMember(guild, &discordgo.Member{User: &discordgo.User{ID: f.fake.BotID, Bot: true}, Roles: []string{roleBot}})
	f.fake.HideHistory(chInternal, false)
	if got, err := f.a.FindPost(ctx, chInternal, mark, since); err != nil || got.ID != "2000000000000000000" {
		t.Errorf("FindPost once the bot may read = %+v, %v; want the message", got, err)
	}
	if got, err := f.a.FindPost(ctx, chAcme, mark, since); !feedbackbot.IsNotFound(err) {
		t.Errorf("FindPost in an empty history the bot may read = %+v, %v; want ENOTFOUND", got, err)
	}
}

// TestRenderShowsTheMarksRef: a marked document's last embed ends its footer
// with the mark's ref, after the note of a message cut to fit if it has one, the
// whole within Discord's 6,000 characters; an unmarked one shows none.
func TestRenderShowsTheMarksRef(t *testing.T) {
	long := strings.Repeat("every customer said something worth reading here. ", 120)
	for _, tc := range []struct {
		name      string
		doc       feedbackbot.Document
		wantFoot  string
		wantNoRef bool
	}{
		{name: "marked", doc: markedDoc("alert/G1/fp/1", "short"), wantFoot: markRef("alert/G1/fp/1")},
		{name: "unmarked", doc: markedDoc("", "short"), wantNoRef: true},
		{name: "marked and cut to fit", doc: func() feedbackbot.Document {
			d := markedDoc("digest/G1/run", long)
			for range 3 {
				d.Blocks = append(d.Blocks, feedbackbot.Block{Kind: feedbackbot.BlockHeader, Text: "More"}, feedbackbot.Block{Kind: feedbackbot.BlockText, Text: long})
			}
			return d
		}(), wantFoot: shortened + footnoteSep + markRef("digest/G1/run")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Render(tc.doc)
			total := 0
			for _, e := range r.Embeds {
				total += embedSize(e)
			}
			if total > maxEmbedTotal {
				t.Errorf("embeds hold %d characters, over Discord's %d", total, maxEmbedTotal)
			}
			last := r.Embeds[len(r.Embeds)-1]
			if tc.wantNoRef {
				if last.Footer != nil && strings.Contains(last.Footer.Text, "ref ") {
					t.Errorf("an unmarked document shows %q", last.Footer.Text)
				}
				return
			}
			if last.Footer == nil || last.Footer.Text != tc.wantFoot {
				t.Errorf("last footer = %+v, want %q", last.Footer, tc.wantFoot)
			}
			if n := utf8.RuneCountInString(markRef("x")); n != 16 {
				t.Errorf("a ref is %d characters, want 16 (\"ref \" and 12 hex digits)", n)
			}
		})
	}
}

// diesAfterPost is a replica whose poster is the Discord adapter and that dies
// (SIGKILL) right after its post went out: its post call returns only when dead
// is closed, with nothing (nothing after it counts: the run's record).
type diesAfterPost struct {
	*Adapter
	posted chan feedbackbot.PostRef
	dead   chan struct{}
}

func (p *diesAfterPost) Post(ctx context.Context, channel string, doc feedbackbot.Document) (feedbackbot.PostRef, error) {
	ref, err := p.Adapter.Post(ctx, channel, doc)
	if err != nil {
		return ref, err
	}
	p.posted <- ref
	<-p.dead
	return feedbackbot.PostRef{}, errors.New("the replica died after its post")
}

// killedReplica is replica A, killed after its post (pa), beside B, on a
// store whose clock the test moves on past A's leases.
type killedReplica struct {
	st    *boltstore.Store
	skew  atomic.Int64
	pa    *diesAfterPost
	doneA chan error
}

func newKilledReplica(t *testing.T, f *fixture) *killedReplica {
	k := &killedReplica{pa: &diesAfterPost{Adapter: f.a, posted: make(chan feedbackbot.PostRef, 1), dead: make(chan struct{})}, doneA: make(chan error, 1)}
	st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{
		Now: func() time.Time { return time.Now().Add(time.Duration(k.skew.Load())) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	k.st = st
	return k
}

// runUntilPosted runs A's work (what) until its post went out and A died, and
// then lets A's leases expire: B takes over. It returns A's post.
func (k *killedReplica) runUntilPosted(t *testing.T, what string, work func() error) feedbackbot.PostRef {
	t.Helper()
	go func() { k.doneA <- work() }()
	select {
	case posted := <-k.pa.posted:
		k.skew.Add(int64(16 * time.Minute))
		return posted
	case err := <-k.doneA:
		t.Fatalf("%s ended (%v) without posting", what, err)
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never posted", what)
	}
	return feedbackbot.PostRef{}
}

// bury lets A's post call return, as nothing (it died), and waits for A.
func (k *killedReplica) bury() {
	close(k.pa.dead)
	<-k.doneA
}

// postsAndEdits counts the posts to chInternal and the edits of posted.
func postsAndEdits(f *fixture, posted feedbackbot.PostRef) (posts, edits int) {
	for _, r := range f.fake.Requests("/channels/" + chInternal + "/messages") {
		switch {
		case r.Method == "POST":
			posts++
		case r.Method == "PATCH" && r.Path == "/channels/"+chInternal+"/messages/"+posted.ID:
			edits++
		}
	}
	return posts, edits
}

// TestDigestOfAReplicaKilledAfterItsDiscordPostIsNotPostedAgain: replica A
// posts a digest run on Discord and dies before recording it. B takes the run
// over once the lease has expired, finds A's announcement, finds A's message in
// the channel by its ref and records it (editing it into the digest recorded)
// instead of posting a second digest.
func TestDigestOfAReplicaKilledAfterItsDiscordPostIsNotPostedAgain(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	k := newKilledReplica(t, f)
	sched, err := cron.ParseStandard("0 9 * * *")
	if err != nil {
		t.Fatal(err)
	}
	j := bot.Job{Name: "daily", Platform: feedbackbot.PlatformDiscord, Channel: chInternal, Workspace: guild, Schedule: sched, Location: time.UTC, Period: 24 * time.Hour}
	now := time.Date(2026, 11, 2, 9, 0, 30, 0, time.UTC)
	a := &bot.Scheduler{Store: k.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: k.pa}, Jobs: []bot.Job{j}, Holder: "replica-a", Settle: -1, Logger: f.a.log}
	b := &bot.Scheduler{Store: k.st, Posters: map[feedbackbot.Platform]bot.Poster{feedbackbot.PlatformDiscord: f.a}, Jobs: []bot.Job{j}, Holder: "replica-b", Settle: -1, Logger: f.a.log}
	posted := k.runUntilPosted(t, "A's tick", func() error { _, err := a.Tick(context.Background(), now); return err })
	sent, err := b.Tick(context.Background(), now.Add(30*time.Second))
	k.bury()
	if err != nil {
		t.Fatalf("B's tick: %v", err)
	}
	posts, edits := postsAndEdits(f, posted)
	if sent != 0 || posts != 1 {
		t.Errorf("B posted %d digests, %d posts in all; want none of B's (A's post found) and A's alone", sent, posts)
	}
	if edits != 1 {
		t.Errorf("A's message was edited %d times, want once (into the digest B recorded)", edits)
	}
	// the run is recorded: B's next tick posts nothing
	if sent, err := b.Tick(context.Background(), now.Add(time.Minute)); err != nil || sent != 0 {
		t.Errorf("B's next tick: %d posted, %v; want none (the run recorded)", sent, err)
	}
	var ours int
	msgs, err := f.a.s.ChannelMessages(chInternal, 100, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Author != nil && m.Author.ID == f.fake.BotID && m.Type == discordgo.MessageTypeDefault {
			ours++
		}
	}
	if ours != 1 {
		t.Errorf("the channel shows %d messages of the bot's, want the one digest", ours)
	}
}

// TestAlertOfAPassKilledAfterItsDiscordPostIsNotPostedAgain: replica A's alert
// pass posts a raise on Discord and dies before saving it. B's pass, once A's
// leases have expired, finds A's announcement and A's message by its ref, and
// saves that message as the alert's (editing it into B's alert) instead of
// posting a second one.
func TestAlertOfAPassKilledAfterItsDiscordPostIsNotPostedAgain(t *testing.T) {
	f := newFixture(t, testConfig(), nil)
	k := newKilledReplica(t, f)
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	hs := []feedbackbot.Health{{Account: feedbackbot.Account{ID: "acme", Name: "Acme Corp"}, Score: 30, AtRisk: true,
		Reasons: []feedbackbot.Reason{{Code: "churn_signal", Text: "1 churn signal", Impact: -30,
			Evidence: []feedbackbot.Evidence{{MessageKey: "discord/" + guild + "/1", Quote: "we are evaluating alternatives"}}}}}}
	a := &bot.Alerter{Store: k.st, Poster: k.pa, Channel: chInternal, RepeatInterval: 24 * time.Hour, Holder: "replica-a", Logger: f.a.log}
	b := &bot.Alerter{Store: k.st, Poster: f.a, Channel: chInternal, RepeatInterval: 24 * time.Hour, Holder: "replica-b", Logger: f.a.log}
	posted := k.runUntilPosted(t, "A's pass", func() error { _, err := a.Evaluate(context.Background(), guild, hs, t0); return err })
	out, err := b.Evaluate(context.Background(), guild, hs, t0.Add(time.Minute))
	k.bury()
	if err != nil || out.Raised != 1 {
		t.Fatalf("B's pass: %+v, %v; want the alert raised (with A's message)", out, err)
	}
	posts, edits := postsAndEdits(f, posted)
	if posts != 1 || edits != 1 {
		t.Errorf("%d posts and %d edits of A's message; want A's post alone, edited once into B's alert", posts, edits)
	}
	// B's edit keeps the ref: B may die before its save, and the next pass
	// searches for the same announcement's message
	var ref string
	for _, r := range f.fake.Requests("/channels/" + chInternal + "/messages") {
		if m := refPattern.FindString(string(r.JSON)); r.Method == "POST" && m != "" {
			ref = m
		} else if r.Method == "PATCH" && (ref == "" || !strings.Contains(string(r.JSON), ref)) {
			t.Errorf("B's edit of A's message does not show A's ref %q: %s", ref, r.JSON)
		}
	}
	msgs, err := f.a.s.ChannelMessages(chInternal, 100, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].ID != posted.ID {
		t.Errorf("the channel shows %d messages, want A's alone (%s)", len(msgs), posted.ID)
	}
}
