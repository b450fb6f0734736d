package analysis

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
)

// The training chat sets ship inside the binary, so that a team can retrain the
// combination layer with its own staff's corrections added (LearnLayer,
// `feedbackbot learn`); the held-out sets are not among them. The list is
// TrainingSets' (TestEmbeddedTrainingSets holds the two together).
//
//go:embed testdata/chat_labelled.jsonl testdata/chat_dev.jsonl testdata/chat_train2.jsonl testdata/chat_train3.jsonl testdata/chat_train4.jsonl testdata/chat_train5.jsonl testdata/chat_train6.jsonl testdata/chat_train7.jsonl testdata/chat_train8.jsonl testdata/chat_train9.jsonl testdata/chat_train10.jsonl testdata/chat_train11.jsonl testdata/chat_train12.jsonl testdata/chat_train13.jsonl testdata/chat_train14.jsonl testdata/chat_train15.jsonl testdata/chat_train16.jsonl testdata/chat_train17.jsonl testdata/chat_train18.jsonl testdata/chat_train19.jsonl testdata/chat_train20.jsonl testdata/chat_train21.jsonl testdata/chat_train22.jsonl testdata/chat_train23.jsonl
var trainingFS embed.FS

// ShippedExamples are the rows of the training sets the shipped layer learned
// from, in TrainingSets' order, and each set's row count.
func ShippedExamples() ([]Example, map[string]int, error) {
	var rows []Example
	counts := map[string]int{}
	for _, name := range TrainingSets {
		b, err := trainingFS.ReadFile("testdata/" + name)
		if err != nil {
			return nil, nil, fmt.Errorf("training set %s: %w", name, err)
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		for n := 1; sc.Scan(); n++ {
			var e Example
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				return nil, nil, fmt.Errorf("training set %s, line %d: %w", name, n, err)
			}
			rows = append(rows, e)
			counts[name]++
		}
		if err := sc.Err(); err != nil {
			return nil, nil, fmt.Errorf("training set %s: %w", name, err)
		}
	}
	return rows, counts, nil
}

// CorrectionsSet names the staff's corrections among a learned layer's rows.
const CorrectionsSet = "staff corrections"

// LearnedKey is how a learned layer names a message it learned from: the first 16
// bytes of the SHA-256 of its key (feedbackbot.Message.Key), in hex. The file then
// holds no message id, and a message is still found by its key.
func LearnedKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

// LearnedKeyed is how a learned layer names a message it learned from when the
// names are keyed (LayerOptions.LearnedKeyed): the first 16 bytes of the
// HMAC-SHA256 of its key under secret, in hex. Unlike LearnedKey, the name cannot
// be computed from a message's key without the secret.
func LearnedKeyed(secret []byte, key string) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(key))
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// LearnLayerNamed is LearnLayer recording the messages learned from by names
// already keyed (LearnedKeyed, with a secret kept apart from the file:
// LayerOptions.LearnedKeyed).
func LearnLayerNamed(extra []Example, weight int, names []string) ([]byte, error) {
	return learnLayer(extra, weight, nil, names)
}

// LearnLayer trains the combination layer as the shipped one is trained (the
// training sets, DefaultLayerOptions) with extra rows added, each weight times:
// a team's staff corrections, so the analyzer learns its customers' ways of
// putting things. The themes of a row that are not the default taxonomy's are
// left out (the theme heads learn the default themes only). from are the keys of
// the stored messages the rows are (recorded by LearnedKey, see
// Analyzer.LearnedFrom). It returns the layer file for NewWithLayer; the same rows
// give the same bytes.
func LearnLayer(extra []Example, weight int, from []string) ([]byte, error) {
	return learnLayer(extra, weight, from, nil)
}

// learnLayer records from by LearnedKey, and keyed names as they are.
func learnLayer(extra []Example, weight int, from, keyed []string) ([]byte, error) {
	rows, counts, err := ShippedExamples()
	if err != nil {
		return nil, err
	}
	if weight < 1 {
		weight = 1
	}
	names := DefaultTaxonomy().Names()
	for _, e := range extra {
		e.Themes = slices.DeleteFunc(slices.Clone(e.Themes), func(t string) bool { return !slices.Contains(names, t) })
		for range weight {
			rows = append(rows, e)
		}
	}
	if len(extra) > 0 {
		counts[CorrectionsSet] = len(extra) * weight
	}
	o := DefaultLayerOptions
	if len(extra) > 0 {
		o.Engine = EngineVersion // (with none, it is the shipped layer, byte for byte)
	}
	for _, k := range from {
		o.LearnedFrom = append(o.LearnedFrom, LearnedKey(k))
	}
	if len(keyed) > 0 {
		o.LearnedFrom, o.LearnedKeyed = append(o.LearnedFrom, keyed...), true
	}
	slices.Sort(o.LearnedFrom)
	o.LearnedFrom = slices.Compact(o.LearnedFrom)
	return TrainLayer(rows, counts, o)
}
