package text

import "strings"

// shortcodes maps the Slack/Discord :shortcode: names people use most in support and
// community chat to their Unicode emoji, so both spellings score the same. Each
// emoji has its Slack name (Slack's canonical short names: "face_with_rolling_eyes",
// "star-struck", "man-shrugging"), and the Discord and GitHub names people type.
// Keys are written with '_' where a name has '-' or '_' (Shortcode reads both),
// but for "+1" and "-1"; a gendered person is the emoji sequence the name stands
// for ("man-shrugging" is 🤷‍♂️), so both spellings make the same tokens.
var shortcodes = map[string]string{
	"+1": "👍", "thumbsup": "👍", "thumbup": "👍", "-1": "👎", "thumbsdown": "👎", "thumbdown": "👎",
	"tada": "🎉", "heart": "❤", "hearts": "❤", "heavy_heart": "❤",
	"smile": "😄", "smiley": "😃", "grinning": "😀", "grin": "😁", "joy": "😂", "laughing": "😆", "satisfied": "😆",
	"slightly_smiling_face": "🙂", "slightly_smiling": "🙂", "slight_smile": "🙂", "simple_smile": "🙂",
	"blush": "😊", "heart_eyes": "😍", "star_struck": "🤩", "grinning_face_with_star_eyes": "🤩", "wink": "😉",
	"relieved": "😌", "sunglasses": "😎", "relaxed": "☺", "smiling_face": "☺",
	"pray": "🙏", "raised_hands": "🙌", "clap": "👏", "muscle": "💪", "100": "💯", "fire": "🔥", "rocket": "🚀",
	"sparkles": "✨", "star": "⭐", "white_check_mark": "✅", "heavy_check_mark": "✔", "ok_hand": "👌", "eyes": "👀",
	"x": "❌", "warning": "⚠", "rotating_light": "🚨", "bug": "🐛", "thinking_face": "🤔", "thinking": "🤔",
	"confused": "😕", "neutral_face": "😐", "expressionless": "😑", "unamused": "😒",
	"rolling_eyes": "🙄", "face_with_rolling_eyes": "🙄",
	"disappointed": "😞", "worried": "😟", "slightly_frowning_face": "🙁", "slight_frown": "🙁",
	"white_frowning_face": "☹", "frowning_face": "☹", "frowning2": "☹", "frowning": "😦",
	"cry": "😢", "sob": "😭", "angry": "😠", "rage": "😡", "pout": "😡", "triumph": "😤",
	"face_with_symbols_on_mouth": "🤬", "serious_face_with_symbols_covering_mouth": "🤬", "cursing_face": "🤬",
	"weary": "😩", "tired_face": "😫", "scream": "😱", "grimacing": "😬", "sweat_smile": "😅", "sweat": "😓",
	"facepalm": "🤦", "face_palm": "🤦", "person_facepalming": "🤦",
	"man_facepalming": "🤦\u200d♂️", "woman_facepalming": "🤦\u200d♀️",
	"shrug": "🤷", "person_shrugging": "🤷", "man_shrugging": "🤷\u200d♂️", "woman_shrugging": "🤷\u200d♀️",
	"skull": "💀", "poop": "💩", "hankey": "💩", "shit": "💩", "broken_heart": "💔", "upside_down_face": "🙃",
	"upside_down": "🙃", "partying_face": "🥳", "hugging_face": "🤗", "hugging": "🤗", "hugs": "🤗", "wave": "👋",
	"crying_cat_face": "😿", "exploding_head": "🤯", "shocked_face_with_exploding_head": "🤯",
	"blue_heart": "💙", "purple_heart": "💜", "green_heart": "💚",
	"pensive": "😔", "pleading_face": "🥺", "face_vomiting": "🤮", "nauseated_face": "🤢", "confounded": "😖",
	"persevere": "😣", "disappointed_relieved": "😥", "cold_sweat": "😰", "fearful": "😨",
	"face_with_raised_eyebrow": "🤨", "raised_eyebrow": "🤨", "rolling_on_the_floor_laughing": "🤣", "rofl": "🤣",
	"smiling_face_with_3_hearts": "🥰", "innocent": "😇",
}

// Shortcode returns the emoji for a :shortcode: name: as written, or in lower case
// with '-' read as '_' (Slack writes "star-struck" and "man-shrugging" where Discord
// writes "star_struck"), and without a Discord skin tone ("thumbsup_tone2"). A
// skin tone of its own (Slack's ":+1::skin-tone-2:") is an emoji modifier, which
// Tokens keeps with the emoji before it.
func Shortcode(name string) (string, bool) {
	if e, ok := shortcodes[name]; ok {
		return e, true
	}
	if name == "" || !strings.ContainsAny(name, "-_ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		return "", false
	}
	n := strings.ToLower(name[:1]) + strings.ReplaceAll(strings.ToLower(name[1:]), "-", "_")
	if e, ok := shortcodes[n]; ok {
		return e, true
	}
	if rest, ok := strings.CutPrefix(n, "skin_tone_"); ok && len(rest) == 1 && '2' <= rest[0] && rest[0] <= '6' {
		return string(rune(0x1F3FB + int(rest[0]-'2'))), true
	}
	if k := len(n) - len("_tone1"); k > 0 && strings.HasPrefix(n[k:], "_tone") && '1' <= n[len(n)-1] && n[len(n)-1] <= '5' {
		e, ok := shortcodes[n[:k]]
		return e, ok
	}
	return "", false
}
