package feedbackbot_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/feedbackbot/feedbackbot"
)

// TestDigestJSONHasTheSameKeysWhateverThePeriod: a completed digest's JSON has
// every key, each list as [] when empty, in an empty period as in a full one (a
// new user's review: "themes": null beside "emotions": [], and "kano" and five
// more missing).
func TestDigestJSONHasTheSameKeysWhateverThePeriod(t *testing.T) {
	b, err := json.Marshal(feedbackbot.Digest{}.Complete())
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	typ := reflect.TypeFor[feedbackbot.Digest]()
	for i := range typ.NumField() {
		f := typ.Field(i)
		key, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		v, ok := got[key]
		if !ok {
			t.Errorf("key %q (%s) missing", key, f.Name)
			continue
		}
		if f.Type.Kind() == reflect.Slice {
			if l, isList := v.([]any); !isList || len(l) != 0 {
				t.Errorf("%q of an empty digest is %v, want []", key, v)
			}
		}
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	if n := typ.NumField(); len(keys) != n {
		slices.Sort(keys)
		t.Errorf("%d keys, want one a field (%d): %v", len(keys), n, keys)
	}
	// Complete keeps what a list holds.
	d := feedbackbot.Digest{Themes: []feedbackbot.ThemeStat{{Name: "billing"}}}.Complete()
	if len(d.Themes) != 1 || d.Themes[0].Name != "billing" {
		t.Errorf("Complete changed a list: %+v", d.Themes)
	}
}
