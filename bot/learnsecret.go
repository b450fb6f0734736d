package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// DocLearnSecret holds the secret with which a workspace's learned layers name the
// messages they learned from (analysis.LearnedKeyed): kept in the store, never in
// the layer file, so whoever has the file and a channel's history cannot tell
// which messages staff corrected.
const DocLearnSecret = "learn-secret"

// learnSecretID is the document's id (the secret is for HMAC-SHA256).
const learnSecretID = "hmac-sha256"

// secretStore holds documents and leases.
type secretStore interface {
	GetDoc(ctx context.Context, workspace, kind, id string) ([]byte, error)
	PutDoc(ctx context.Context, workspace, kind, id string, data []byte) error
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
}

// LearnSecret is the workspace's learn secret: with create, made (32 random bytes)
// when it has none, under a lease so two learns at once make one; without, nil
// when it has none.
func LearnSecret(ctx context.Context, st secretStore, workspace string, create bool) ([]byte, error) {
	read := func() ([]byte, error) {
		raw, err := st.GetDoc(ctx, workspace, DocLearnSecret, learnSecretID)
		switch {
		case feedbackbot.IsNotFound(err):
			return nil, nil
		case err != nil:
			return nil, fmt.Errorf("learn secret: %w", err)
		}
		secret, err := hex.DecodeString(string(raw))
		if err != nil || len(secret) < 16 {
			return nil, fmt.Errorf("learn secret of workspace %s: the stored secret is damaged (%d bytes)", workspace, len(raw))
		}
		return secret, nil
	}
	secret, err := read()
	if err != nil || secret != nil || !create {
		return secret, err
	}
	lease, holder := "learn-secret:"+workspace, leaseHolder()
	for try := 0; ; try++ {
		got, err := st.AcquireLease(ctx, lease, holder, time.Minute)
		if err != nil {
			return nil, fmt.Errorf("learn secret: %w", err)
		}
		if got {
			break
		}
		if try == 20 {
			return nil, fmt.Errorf("learn secret of workspace %s: another learn is making it; try again in a minute", workspace)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	defer st.ReleaseLease(context.WithoutCancel(ctx), lease, holder)
	if secret, err := read(); err != nil || secret != nil { // (made while we waited)
		return secret, err
	}
	secret = make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("learn secret: %w", err)
	}
	if err := st.PutDoc(ctx, workspace, DocLearnSecret, learnSecretID, []byte(hex.EncodeToString(secret))); err != nil {
		return nil, fmt.Errorf("learn secret: %w", err)
	}
	return secret, nil
}
