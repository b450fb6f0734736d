package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// TestAnalyzeFirstLineAfterBOM: a file saved with a UTF-8 byte order mark (Windows
// editors, spreadsheet "CSV UTF-8" exports) has U+FEFF before its first '{'; the
// line was taken for plain text: its JSON analysed as words, its id dropped.
func TestAnalyzeFirstLineAfterBOM(t *testing.T) {
	var out bytes.Buffer
	in := "\ufeff{\"id\":1,\"text\":\"we were charged twice\"}\n{\"id\":2,\"text\":\"ok\"}\n"
	if _, err := runAnalyze(context.Background(), strings.NewReader(in), &out, analyzer(t), 1); err != nil {
		t.Fatal(err)
	}
	var first struct {
		ID   json.RawMessage
		Text string
	}
	if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	if string(first.ID) != "1" || first.Text != "we were charged twice" {
		t.Errorf("first line read as id %s, text %q; want id 1, text %q", first.ID, first.Text, "we were charged twice")
	}
}

// TestAnalyzePlainFirstLineAfterBOM: a plain-text first line after a byte order
// mark is echoed without it (it was, so joining results back by text failed: a
// review of hostile input).
func TestAnalyzePlainFirstLineAfterBOM(t *testing.T) {
	var out bytes.Buffer
	if _, err := runAnalyze(context.Background(), strings.NewReader("\ufeffbilling is broken\r\nsecond\n"), &out, analyzer(t), 1); err != nil {
		t.Fatal(err)
	}
	var first struct{ Text string }
	if err := json.Unmarshal([]byte(strings.SplitN(out.String(), "\n", 2)[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Text != "billing is broken" {
		t.Errorf("first line's text %q, want %q", first.Text, "billing is broken")
	}
}
