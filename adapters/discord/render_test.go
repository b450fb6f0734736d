package discordadapter

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"github.com/feedbackbot/feedbackbot"
	"github.com/feedbackbot/feedbackbot/bot"
)

func TestMarkdown(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*bold* and _italic_", "**bold** and _italic_"},
		{"see <https://example.com/a|the account>", "see [the account](https://example.com/a)"},
		{"~gone~ now", "~~gone~~ now"},
		{"2*3*4 stays", "2*3*4 stays"},
		{"(*x*)", "(**x**)"},
		{"<!here> look", "@!here look"},
		// Escaped names are shown as written, and an escaped link stays text.
		{"*A &amp; B &lt;!channel&gt;*", "**A & B <!channel>**"},
		{"&lt;https://evil.example|Acme&gt;", "<https://evil.example|Acme>"},
		{"&amp;lt; stays escaped once", "&lt; stays escaped once"},
		// Discord's masked links in customers' words or names stay text.
		{"unless [your SSO login page](https://evil.example/phish) is fixed", `unless \[your SSO login page\](https://evil.example/phish) is fixed`},
		{"*[Acme](https://evil.example/x)* — health 10", `**\[Acme\](https://evil.example/x)** — health 10`},
		{"see <https://example.com/a|the [beta] account>", `see [the \[beta\] account](https://example.com/a)`},
		{`gone \[Reset your password\](https://evil.example/phish)`, `gone \\\[Reset your password\\\](https://evil.example/phish)`},
		{`a path C:\temp`, `a path C:\\temp`},
	}
	for _, tc := range tests {
		if got := Markdown(tc.in); got != tc.want {
			t.Errorf("Markdown(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRenderKeepsWithinDiscordLimits(t *testing.T) {
	var fields []feedbackbot.Field
	for i := range 40 {
		fields = append(fields, feedbackbot.Field{Label: strings.Repeat("L", 300), Value: strings.Repeat("v", 2000) + string(rune('a'+i%26))})
	}
	var buttons []feedbackbot.Button
	for i := range 30 {
		buttons = append(buttons, feedbackbot.Button{Label: "b", Action: "alert.ack", Value: strings.Repeat("x", i)})
	}
	buttons = append(buttons, feedbackbot.Button{Label: "too long", Action: "alert.ack", Value: strings.Repeat("y", 200)},
		feedbackbot.Button{Label: "Open", URL: "https://example.com"})
	doc := feedbackbot.Document{Ephemeral: true, Color: "danger", Blocks: []feedbackbot.Block{
		{Kind: feedbackbot.BlockHeader, Text: strings.Repeat("H", 400)},
		{Kind: feedbackbot.BlockText, Text: strings.Repeat("word ", 2000)},
		{Kind: feedbackbot.BlockFields, Fields: fields},
		{Kind: feedbackbot.BlockContext, Text: "as of Nov 20\nsource: demo"},
		{Kind: feedbackbot.BlockActions, Buttons: buttons},
	}}
	r := Render(doc)
	if len(r.Embeds) == 0 || len(r.Embeds) > maxEmbeds {
		t.Fatalf("%d embeds", len(r.Embeds))
	}
	total := 0
	for _, e := range r.Embeds {
		total += embedSize(e)
		if utf8.RuneCountInString(e.Title) > maxTitle || utf8.RuneCountInString(e.Description) > maxDescription || len(e.Fields) > maxFields {
			t.Errorf("embed over a limit: title %d, description %d, fields %d", utf8.RuneCountInString(e.Title), utf8.RuneCountInString(e.Description), len(e.Fields))
		}
		for _, f := range e.Fields {
			if utf8.RuneCountInString(f.Name) > maxFieldName || utf8.RuneCountInString(f.Value) > maxFieldValue {
				t.Errorf("field over a limit")
			}
		}
		if e.Color != colorDanger {
			t.Errorf("color = %x", e.Color)
		}
	}
	if total > maxEmbedTotal {
		t.Errorf("embeds total %d characters, over %d", total, maxEmbedTotal)
	}
	if len(r.Components) > maxRows {
		t.Errorf("%d button rows", len(r.Components))
	}
	for _, row := range r.Components {
		ar := row.(discordgo.ActionsRow)
		if len(ar.Components) > maxButtonsPerRow {
			t.Errorf("%d buttons in a row", len(ar.Components))
		}
		for _, c := range ar.Components {
			if b := c.(discordgo.Button); len(b.CustomID) > maxCustomID {
				t.Errorf("custom_id of %d bytes", len(b.CustomID))
			}
		}
	}
	if r.Flags != discordgo.MessageFlagsEphemeral {
		t.Errorf("flags = %v, want ephemeral", r.Flags)
	}
	if last := r.Embeds[len(r.Embeds)-1]; last.Footer == nil || last.Footer.Text != shortened {
		t.Errorf("a shortened message does not say so")
	}
}

func TestRenderOrderAndFallback(t *testing.T) {
	r := Render(feedbackbot.Document{Fallback: "only *fallback*"})
	if len(r.Embeds) != 1 || r.Embeds[0].Description != "only **fallback**" || r.Flags != 0 {
		t.Errorf("fallback render = %+v", r.Embeds)
	}
	r = Render(feedbackbot.Document{Blocks: []feedbackbot.Block{
		{Kind: feedbackbot.BlockHeader, Text: "Digest"},
		{Kind: feedbackbot.BlockText, Text: "intro"},
		{Kind: feedbackbot.BlockFields, Fields: []feedbackbot.Field{{Label: "a", Value: "1"}}},
		{Kind: feedbackbot.BlockText, Text: "after the fields"},
		{Kind: feedbackbot.BlockHeader, Text: "Themes"},
		{Kind: feedbackbot.BlockText, Text: "billing"},
		{Kind: feedbackbot.BlockContext, Text: "as of Nov 20\nsource: demo"},
	}})
	var got []string
	for _, e := range r.Embeds {
		got = append(got, e.Title+"|"+e.Description+"|"+strings.Repeat("F", len(e.Fields)))
	}
	if want := "Digest|intro|F,|after the fields|,Themes|billing\n\n-# as of Nov 20\n-# source: demo|"; strings.Join(got, ",") != want {
		t.Errorf("sections = %q, want %q", strings.Join(got, ","), want)
	}
}

func TestCommandText(t *testing.T) {
	opt := func(name string, typ discordgo.ApplicationCommandOptionType, v any) *discordgo.ApplicationCommandInteractionDataOption {
		return &discordgo.ApplicationCommandInteractionDataOption{Name: name, Type: typ, Value: v}
	}
	tests := []struct {
		sub  string
		opts []*discordgo.ApplicationCommandInteractionDataOption
		want string
	}{
		{"log", []*discordgo.ApplicationCommandInteractionDataOption{opt("text", discordgo.ApplicationCommandOptionString, "wants SSO now"),
			opt("account", discordgo.ApplicationCommandOptionString, "Acme Corp")}, "log Acme Corp wants SSO now"},
		{"forget", []*discordgo.ApplicationCommandInteractionDataOption{opt("user", discordgo.ApplicationCommandOptionUser, "200000000000000001")}, "forget 200000000000000001"},
		{"themes", nil, "themes"},
		{"correct", []*discordgo.ApplicationCommandInteractionDataOption{opt("changes", discordgo.ApplicationCommandOptionString, "negative +billing"),
			opt("message", discordgo.ApplicationCommandOptionString, "https://discord.com/channels/1/2/3")}, "correct https://discord.com/channels/1/2/3 negative +billing"},
		{"survey", []*discordgo.ApplicationCommandInteractionDataOption{opt("account", discordgo.ApplicationCommandOptionString, "acme"),
			opt("kind", discordgo.ApplicationCommandOptionString, "nps")}, "survey nps acme"},
		{"survey", []*discordgo.ApplicationCommandInteractionDataOption{opt("feature", discordgo.ApplicationCommandOptionString, "SAML single sign-on"),
			opt("account", discordgo.ApplicationCommandOptionString, "acme"), opt("kind", discordgo.ApplicationCommandOptionString, "kano")},
			"survey kano acme SAML single sign-on"},
		{"kano", []*discordgo.ApplicationCommandInteractionDataOption{opt("period", discordgo.ApplicationCommandOptionString, "30d")}, "kano 30d"},
		{"requests", []*discordgo.ApplicationCommandInteractionDataOption{opt("period", discordgo.ApplicationCommandOptionString, "90d")}, "requests 90d"},
		// (a feature is kano's: with csat it was read as the thread)
		{"survey", []*discordgo.ApplicationCommandInteractionDataOption{opt("feature", discordgo.ApplicationCommandOptionString, "SSO"),
			opt("account", discordgo.ApplicationCommandOptionString, "acme"), opt("kind", discordgo.ApplicationCommandOptionString, "csat")},
			"survey csat acme"},
	}
	for _, tc := range tests {
		data := discordgo.ApplicationCommandInteractionData{Name: CommandName, Options: []*discordgo.ApplicationCommandInteractionDataOption{
			{Name: tc.sub, Type: discordgo.ApplicationCommandOptionSubCommand, Options: tc.opts}}}
		if got := CommandText(data); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.sub, got, tc.want)
		}
	}
	if got := CommandText(discordgo.ApplicationCommandInteractionData{Name: "other"}); got != "help" {
		t.Errorf("unknown command: %q", got)
	}
}

// TestSurveyButtonsForAccountsOfOtherScripts: Discord's custom_id limit is 100
// characters, and the buttons were measured in bytes, so a survey for an account id
// in Japanese (21 characters, 63 bytes) was posted with none of its 11 answer
// buttons (a review's find).
func TestSurveyButtonsForAccountsOfOtherScripts(t *testing.T) {
	account := "株式会社ノースウィンド・トレーダーズ東日本"
	r := Render(bot.SurveyDocument(bot.SurveyNPS, account, "1312345678901234567"))
	n := 0
	for _, row := range r.Components {
		for _, c := range row.(discordgo.ActionsRow).Components {
			n++
			if id := c.(discordgo.Button).CustomID; utf8.RuneCountInString(id) > maxCustomID {
				t.Errorf("custom_id %q over the limit", id)
			}
		}
	}
	if n != 11 {
		t.Fatalf("NPS survey rendered with %d of 11 answer buttons", n)
	}
}

// TestRenderUnescapesTitles: a header is plain text in Discord: an escaped account
// name in it is shown as written.
func TestRenderUnescapesTitles(t *testing.T) {
	r := Render(feedbackbot.Document{Blocks: []feedbackbot.Block{{Kind: feedbackbot.BlockHeader, Text: "Critical at risk: A &amp; B &lt;x&gt;"}}})
	if len(r.Embeds) != 1 || r.Embeds[0].Title != "Critical at risk: A & B <x>" {
		t.Fatalf("title: %+v", r.Embeds)
	}
}

// TestRenderAnImageTheMessageHas: an image block without its bytes (the edit of
// a posted digest whose chart stays attached) keeps its embed, referring to the
// attachment by name, and uploads nothing; a block with neither bytes nor a name
// is left out.
func TestRenderAnImageTheMessageHas(t *testing.T) {
	doc := feedbackbot.Document{Blocks: []feedbackbot.Block{
		{Kind: feedbackbot.BlockText, Text: "digest"},
		{Kind: feedbackbot.BlockImage, Image: &feedbackbot.Image{Filename: "feedback-digest.png", Title: "Sentiment"}},
		{Kind: feedbackbot.BlockImage, Image: &feedbackbot.Image{}},
	}}
	r := Render(doc)
	if len(r.Files) != 0 {
		t.Errorf("uploads %d files, want none", len(r.Files))
	}
	var images []string
	for _, e := range r.Embeds {
		if e.Image != nil {
			images = append(images, e.Image.URL)
		}
	}
	if len(images) != 1 || images[0] != "attachment://feedback-digest.png" {
		t.Errorf("embed images %v, want the attached chart's once", images)
	}
}
