package discordadapter

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot/adapters/discord/discordtest"
	boltstore "github.com/feedbackbot/feedbackbot/store/bolt"
)

// A gateway that accepts the connection and then says nothing (no hello) must not
// hold the adapter without a lease (the embedded store's case): start-up fails with
// an explanation after OpenTimeout, a reconnect abandons the attempt and retries,
// and shutdown does not wait for the silent gateway.
func TestStalledGatewayIsAbandoned(t *testing.T) {
	const stall = 3 * time.Second // the fake's silence; every bound below is well under it
	cfg := testConfig()
	cfg.OpenTimeout = 300 * time.Millisecond

	t.Run("at start", func(t *testing.T) {
		fake := discordtest.New(t)
		g, chans := fakeGuild()
		fake.AddGuild(g, chans...)
		st, err := boltstore.Open(context.Background(), t.TempDir(), boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		a, err := New(cfg, st, nil)
		if err != nil {
			t.Fatal(err)
		}
		fake.StallNextGateway(stall)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		start := time.Now()
		err = a.Start(ctx)
		took := time.Since(start)
		if !errors.Is(err, errOpenTimeout) {
			t.Fatalf("Start = %v; want the open-timeout explanation", err)
		}
		if took > stall/2 {
			t.Errorf("Start took %s; want about OpenTimeout (%s), not the gateway's silence (%s)", took, cfg.OpenTimeout, stall)
		}
		t.Logf("Start gave up after %s: %v", took.Round(time.Millisecond), err)
	})

	t.Run("reconnect", func(t *testing.T) {
		f := newFixture(t, cfg, nil)
		dials := f.fake.GatewayDials()
		f.fake.StallNextGateway(stall)
		start := time.Now()
		f.fake.Drop()
		// The first attempt meets the silent gateway and is abandoned; the retry
		// (after the first backoff, 1s) connects.
		if !f.fake.WaitConnected(stall - 500*time.Millisecond) {
			t.Fatalf("not reconnected within %s of the drop: the silent attempt held the reconnect", stall-500*time.Millisecond)
		}
		if n := f.fake.GatewayDials() - dials; n < 2 {
			t.Errorf("gateway dials after the drop = %d; want the abandoned one and the retry", n)
		}
		t.Logf("reconnected %s after the drop, %d dials", time.Since(start).Round(time.Millisecond), f.fake.GatewayDials()-dials)
	})

	t.Run("shutdown", func(t *testing.T) {
		cfg := cfg
		cfg.OpenTimeout = time.Minute // only the shutdown can end the attempt
		f := newFixture(t, cfg, nil)
		dials := f.fake.GatewayDials()
		f.fake.StallNextGateway(stall)
		f.fake.Drop()
		f.eventually("the reconnect's dial", func() bool { return f.fake.GatewayDials() > dials })
		start := time.Now()
		f.cancel()
		select {
		case err := <-f.done:
			f.stop = f.cancel
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(stall - 500*time.Millisecond):
			t.Fatal("Run waited for the silent gateway after cancel")
		}
		t.Logf("Run returned %s after cancel, mid-connect", time.Since(start).Round(time.Millisecond))
	})
}

// TestShardingClosesExplained: a gateway close about sharding stops the adapter
// with an explanation that holds for feedbackbot, which has no shard setting: 4011
// (Discord requires sharding: too many servers) says sharding is not supported
// yet and what to do instead; 4010 (an invalid shard was sent) is a bug to report.
// Neither asks to run one process per shard.
func TestShardingClosesExplained(t *testing.T) {
	tests := []struct {
		code   int
		reason string
		want   []string
	}{
		{4011, "Sharding required.", []string{"4011", "more servers than one gateway connection may serve", "does not support sharding yet", "Remove the bot from the servers it does not serve"}},
		{4010, "Invalid shard.", []string{"4010", "shard sent when identifying is invalid", "feedbackbot bug"}},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			f := newFixture(t, testConfig(), nil)
			f.fake.CloseGateway(tc.code, tc.reason)
			var err error
			select {
			case err = <-f.done:
				f.stop = f.cancel // Run has returned
			case <-time.After(20 * time.Second):
				t.Fatal("Run kept reconnecting after the gateway refused the bot for good")
			}
			var fatal *FatalError
			if !errors.As(err, &fatal) || fatal.Code != tc.code {
				t.Fatalf("Run = %v; want a %d explanation", err, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("the %d explanation does not say %q: %s", tc.code, w, err)
				}
			}
			if strings.Contains(err.Error(), "per shard") {
				t.Errorf("the %d explanation asks for shards feedbackbot cannot run: %s", tc.code, err)
			}
		})
	}
}
