// Package demodata embeds the sample conversations `feedbackbot demo` runs on: a
// fictional vendor (Northwind Analytics) and its customers in Slack Connect channels
// and a community channel over four weeks. Days are relative to the demo's "now".
package demodata

import _ "embed"

// Conversations is JSON Lines: day (offset from today), at (HH:MM UTC), account,
// channel, role (customer|staff), author, text, conv (conversation id).
//
//go:embed conversations.jsonl
var Conversations []byte

// Accounts is a JSON array of feedbackbot.Account.
//
//go:embed accounts.json
var Accounts []byte
