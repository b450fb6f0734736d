package text

// shortcodes maps the Slack/Discord :shortcode: names people use most in support and
// community chat to their Unicode emoji, so both spellings score the same.
var shortcodes = map[string]string{
	"+1": "👍", "thumbsup": "👍", "-1": "👎", "thumbsdown": "👎", "tada": "🎉", "heart": "❤", "hearts": "❤",
	"smile": "😄", "smiley": "😃", "grinning": "😀", "grin": "😁", "joy": "😂", "laughing": "😆", "slightly_smiling_face": "🙂",
	"blush": "😊", "heart_eyes": "😍", "star_struck": "🤩", "wink": "😉", "relieved": "😌", "sunglasses": "😎",
	"pray": "🙏", "raised_hands": "🙌", "clap": "👏", "muscle": "💪", "100": "💯", "fire": "🔥", "rocket": "🚀",
	"sparkles": "✨", "star": "⭐", "white_check_mark": "✅", "heavy_check_mark": "✔", "ok_hand": "👌", "eyes": "👀",
	"x": "❌", "warning": "⚠", "rotating_light": "🚨", "bug": "🐛", "thinking_face": "🤔", "thinking": "🤔",
	"confused": "😕", "neutral_face": "😐", "expressionless": "😑", "unamused": "😒", "rolling_eyes": "🙄",
	"disappointed": "😞", "worried": "😟", "slightly_frowning_face": "🙁", "frowning": "😦", "cry": "😢", "sob": "😭",
	"angry": "😠", "rage": "😡", "pout": "😡", "triumph": "😤", "face_with_symbols_on_mouth": "🤬", "weary": "😩",
	"tired_face": "😫", "scream": "😱", "grimacing": "😬", "sweat_smile": "😅", "sweat": "😓", "facepalm": "🤦",
	"face_palm": "🤦", "man-facepalming": "🤦", "woman-facepalming": "🤦", "shrug": "🤷", "skull": "💀", "poop": "💩",
	"hankey": "💩", "broken_heart": "💔", "upside_down_face": "🙃", "partying_face": "🥳", "hugging_face": "🤗",
	"hugs": "🤗", "wave": "👋", "slightly_smiling": "🙂", "crying_cat_face": "😿", "exploding_head": "🤯",
}

// Shortcode returns the emoji for a :shortcode: name.
func Shortcode(name string) (string, bool) {
	e, ok := shortcodes[name]
	return e, ok
}
