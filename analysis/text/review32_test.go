package text

import (
	"strings"
	"testing"
)

// cleanHas checks that Clean(in) keeps every word of keep and none of drop.
func cleanHas(t *testing.T, in string, keep, drop []string) {
	t.Helper()
	got := strings.ToLower(Clean(in))
	for _, w := range keep {
		if !strings.Contains(got, w) {
			t.Errorf("Clean(%q) = %q: lost the author's %q", in, got, w)
		}
	}
	for _, w := range drop {
		if strings.Contains(got, w) {
			t.Errorf("Clean(%q) = %q: kept %q", in, got, w)
		}
	}
}

// TestMidLineCodeFenceIsCode: a fence opened after text ("here is the output ```")
// or closed before it ("``` any idea?") is still a fence: the code between is no
// word of the author's, and the words after the closing fence are.
func TestMidLineCodeFenceIsCode(t *testing.T) {
	tests := []struct {
		in         string
		keep, drop []string
	}{
		{"here is the output ```\nERROR: payment declined\nretrying...\n```\nthe new export is great btw", []string{"here is the output", "great"}, []string{"declined", "retrying"}},
		{"the trace: ```\nat cancel()\nat refund()\n```\nall good now, thanks!", []string{"the trace", "thanks"}, []string{"cancel", "refund"}},
		{"logs: ```\nFATAL cancel subscription failed\n``` any idea?", []string{"logs", "any idea"}, []string{"fatal", "subscription"}},
		{"config ```yaml\nretries: 3\n``` works now ```\nmore: code\n``` and this too", []string{"config", "works now", "and this too"}, []string{"yaml", "retries", "more"}},
		{"ran ```npm install``` and ```npm test```, both fail", []string{"ran", "and", "both fail"}, []string{"npm"}},
		{"look:\n```\npanic: nil map\n```\nstill broken", []string{"look", "still broken"}, []string{"panic"}},
		{"```\nopened at the start and never closed\nstill code", nil, []string{"opened", "still code"}},
	}
	for _, tt := range tests {
		cleanHas(t, tt.in, tt.keep, tt.drop)
	}
	// the same reading for pasted errors: code is the error's, the text is not
	for _, tt := range []struct {
		in   string
		want bool
	}{
		{"logs: ```\nFATAL: connection refused\n``` any idea?", true},
		{"here ```\nok: 200\n``` but it fails, error everywhere", false},
		{"run `npm test` -> `Error: EACCES`", true},
		{"```npm install``` fails with EACCES", false},
	} {
		if got := CodeTrouble(tt.in); got != tt.want {
			t.Errorf("CodeTrouble(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestMultiLineQuoteIsNotTheWritersWords: ">>>" quotes the rest of the message, on
// Discord and in Slack's mrkdwn (where it arrives as "&gt;&gt;&gt;"); "> " quotes
// its own line only.
func TestMultiLineQuoteIsNotTheWritersWords(t *testing.T) {
	tests := []struct {
		in         string
		keep, drop []string
	}{
		{"forwarding from the customer:\n>>> we were charged twice\nand nobody has replied", []string{"forwarding"}, []string{"charged", "nobody"}},
		{">>> this is broken again\nthe export crashes every time", nil, []string{"broken", "crashes"}},
		{"fyi:\n&gt;&gt;&gt; your product is garbage\nI want a refund", []string{"fyi"}, []string{"garbage", "refund"}},
		{"  >>>the invoice is wrong\nsupport ignored us", nil, []string{"invoice", "ignored"}},
		{"> one quoted line\nmy own words", []string{"my own words"}, []string{"quoted"}},
		{"&gt; one quoted line\nmy own words", []string{"my own words"}, []string{"quoted"}},
		{"see the code:\n```\n>>> prompt in a REPL\n```\nit works now", []string{"see the code", "it works now"}, []string{"prompt"}},
		{"a >>> in the middle of a line quotes nothing", []string{"quotes nothing"}, nil},
	}
	for _, tt := range tests {
		cleanHas(t, tt.in, tt.keep, tt.drop)
	}
}

// TestChannelLabelIsNotTheWritersWords: a channel link is dropped as a user mention
// is; a channel's name ("fails", "outages", "kudos") says nothing of the author's.
func TestChannelLabelIsNotTheWritersWords(t *testing.T) {
	tests := []struct {
		in         string
		keep, drop []string
	}{
		{"see <#C024BE7LR|fails> lol", []string{"see", "lol"}, []string{"fails", "c024be7lr"}},
		{"the notes are in <#C024BE7LR|outages>", []string{"the notes are in"}, []string{"outages"}},
		{"joined <#C1|kudos> today", []string{"joined", "today"}, []string{"kudos"}},
		{"moving this to <#C05ESC|escalations> since it's urgent", []string{"moving this to", "urgent"}, []string{"escalations"}},
		{"see <#123456789012345678> for details", []string{"see", "for details"}, []string{"123456789"}},
		{"ask <@U1> or <!here>, docs: <https://x.io|the setup guide>", []string{"ask", "the setup guide"}, []string{"u1", "here"}},
	}
	for _, tt := range tests {
		cleanHas(t, tt.in, tt.keep, tt.drop)
	}
}

// TestStruckTextIsRetracted: "~~...~~" (Discord) and "~...~" (Slack) take back what
// they strike; a tilde that strikes nothing ("~5 minutes", "~/path", "a~b") stays.
func TestStruckTextIsRetracted(t *testing.T) {
	tests := []struct {
		in         string
		keep, drop []string
	}{
		{"~~the export is broken~~ nvm, it works now", []string{"nvm", "it works now"}, []string{"broken"}},
		{"~the invoice is wrong~ my bad, it's correct", []string{"my bad", "correct"}, []string{"invoice", "wrong"}},
		{"~~sso is down for everyone~~ false alarm", []string{"false alarm"}, []string{"sso", "down"}},
		{"~can't log in~ figured it out", []string{"figured it out"}, []string{"log in"}},
		{"it was ~~slow~~ fast", []string{"it was", "fast"}, []string{"slow"}},
		{"takes ~5 minutes, sometimes ~10", []string{"~5 minutes", "~10"}, nil},
		{"the file is in ~/logs and ~/tmp", []string{"~/logs", "~/tmp"}, nil},
		{"about ~20 min or ~ 30", []string{"~20 min", "~ 30"}, nil},
		{"a~b~c stays", []string{"a~b~c stays"}, nil},
		{"~ spaced ~ stays", []string{"spaced"}, nil},
		{"~~~~ and ~~ ~~", []string{"and"}, nil},
		{"~unclosed tilde\non the next line~", []string{"unclosed", "on the next line"}, nil},
	}
	for _, tt := range tests {
		cleanHas(t, tt.in, tt.keep, tt.drop)
	}
}

// TestSlackEmojiNames: Slack's canonical names, the Discord and GitHub ones, '-' and
// '_' alike, skin tones, all read as the emoji they name; unknown names stay text.
func TestSlackEmojiNames(t *testing.T) {
	tests := []struct{ code, want string }{
		{"face_with_rolling_eyes", "🙄"},
		{"rolling_eyes", "🙄"},
		{"star-struck", "🤩"},
		{"star_struck", "🤩"},
		{"white_frowning_face", "☹"},
		{"slightly-smiling-face", "🙂"},
		{"slight_smile", "🙂"},
		{"man-shrugging", "🤷\u200d♂️"},
		{"man_shrugging", "🤷\u200d♂️"},
		{"woman-facepalming", "🤦\u200d♀️"},
		{"face_with_symbols_on_mouth", "🤬"},
		{"serious_face_with_symbols_covering_mouth", "🤬"},
		{"shocked_face_with_exploding_head", "🤯"},
		{"thumbsup_tone3", "👍"},
		{"+1", "👍"},
		{"-1", "👎"},
		{"Tada", "🎉"},
	}
	for _, tt := range tests {
		if got, ok := Shortcode(tt.code); !ok || got != tt.want {
			t.Errorf("Shortcode(%q) = %q, %v; want %q", tt.code, got, ok, tt.want)
		}
	}
	for _, code := range []string{"partyparrot", "skin-tone-9", "tone3", "_tone2", "", "-", "x_tone9"} {
		if got, ok := Shortcode(code); ok {
			t.Errorf("Shortcode(%q) = %q; want none", code, got)
		}
	}
	for k := range shortcodes {
		if k != "-1" && strings.Contains(k, "-") || strings.ToLower(k) != k {
			t.Errorf("table key %q: write it lower case with '_' (Shortcode reads '-' as '_')", k)
		}
	}
	// in a message: the same tokens as the emoji itself, and a skin tone is no word
	for _, tt := range []struct{ in, same string }{
		{"waiting 3 days, love it :face_with_rolling_eyes:", "waiting 3 days, love it 🙄"},
		{"replied in minutes :star-struck:", "replied in minutes 🤩"},
		{"no idea :man-shrugging:", "no idea 🤷‍♂️"},
		{"nice :+1::skin-tone-2:", "nice 👍🏻"},
	} {
		got, want := Tokens(Clean(tt.in), nil), Tokens(Clean(tt.same), nil)
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%q: tokens %q, but %q has %q", tt.in, got, tt.same, want)
		}
	}
}

// BenchmarkCleanTildes: a 40,000-byte line of tildes that strike nothing is read
// in time proportional to its length.
func BenchmarkCleanTildes(b *testing.B) {
	for _, p := range []string{"~a ", "~", "~~x "} {
		text := strings.Repeat(p, 40000/len(p))
		b.Run(p, func(b *testing.B) {
			for b.Loop() {
				Clean(text)
			}
		})
	}
}
