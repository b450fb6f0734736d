package redisstore_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
	redisstore "github.com/feedbackbot/feedbackbot/store/redis"
)

func TestParseURL(t *testing.T) {
	type want struct {
		addrs              []string
		db                 int
		user, pass         string
		tls, cluster       bool
		master             string
		sentUser, sentPass string
		dial               time.Duration
		pool               int
	}
	cases := []struct {
		name string
		url  string
		want want
	}{
		{"single", "redis://127.0.0.1:6379/0", want{addrs: []string{"127.0.0.1:6379"}}},
		{"default port and db", "redis://cache.internal", want{addrs: []string{"cache.internal:6379"}}},
		{"db and credentials", "redis://app:s3cret@cache:6380/3", want{addrs: []string{"cache:6380"}, db: 3, user: "app", pass: "s3cret"}},
		{"password only", "redis://:s3cret@cache:6380", want{addrs: []string{"cache:6380"}, pass: "s3cret"}},
		{"percent-encoded password", "redis://u:p%40ss%2Fw%3Ard@h:1", want{addrs: []string{"h:1"}, user: "u", pass: "p@ss/w:rd"}},
		{"raw @ and / in password", "redis://u:p@ss/w@h:1/2", want{addrs: []string{"h:1"}, db: 2, user: "u", pass: "p@ss/w"}},
		{"tls", "rediss://u:p@h:6380/1", want{addrs: []string{"h:6380"}, db: 1, user: "u", pass: "p", tls: true}},
		{"ipv6", "redis://[::1]:7000/0", want{addrs: []string{"[::1]:7000"}}},
		{"ipv6 default port", "redis://[::1]", want{addrs: []string{"[::1]:6379"}}},
		{"bare host:port", "localhost:6379", want{addrs: []string{"localhost:6379"}}},
		{"bare list is a cluster", "h1:7000,h2:7001", want{addrs: []string{"h1:7000", "h2:7001"}, cluster: true}},
		{"list of URLs", "redis://u:p@h1:7000,redis://u:p@h2:7001,h3:7002", want{addrs: []string{"h1:7000", "h2:7001", "h3:7002"}, user: "u", pass: "p", cluster: true}},
		{"list of TLS URLs", "rediss://h1:7000,rediss://h2", want{addrs: []string{"h1:7000", "h2:6379"}, tls: true, cluster: true}},
		{"cluster scheme", "redis+cluster://u:p@h1:7000,h2:7001", want{addrs: []string{"h1:7000", "h2:7001"}, user: "u", pass: "p", cluster: true}},
		{"cluster scheme with one seed", "rediss+cluster://:p@cfg.example.com:6379", want{addrs: []string{"cfg.example.com:6379"}, pass: "p", tls: true, cluster: true}},
		{"cluster db 0 allowed", "redis+cluster://h1:7000/0", want{addrs: []string{"h1:7000"}, cluster: true}},
		{"sentinel", "redis+sentinel://:p@s1:26379,s2/mymaster", want{addrs: []string{"s1:26379", "s2:26379"}, pass: "p", master: "mymaster"}},
		{"sentinel with db", "redis+sentinel://s1:5000/mymaster/4", want{addrs: []string{"s1:5000"}, master: "mymaster", db: 4}},
		{"sentinel credentials", "rediss+sentinel://s1/m?sentinel_username=su&sentinel_password=sp", want{addrs: []string{"s1:26379"}, master: "m", tls: true, sentUser: "su", sentPass: "sp"}},
		{"query options", "redis://h:1/0?dial_timeout=3&pool_size=20", want{addrs: []string{"h:1"}, dial: 3 * time.Second, pool: 20}},
		{"query duration", "redis://h:1?dial_timeout=250ms", want{addrs: []string{"h:1"}, dial: 250 * time.Millisecond}},
		{"spaces trimmed", "  redis://h:1  ", want{addrs: []string{"h:1"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := redisstore.ParseURL(tc.url)
			if err != nil {
				t.Fatalf("ParseURL: %v", err)
			}
			w := tc.want
			got := want{
				addrs: o.Addrs, db: o.DB, user: o.Username, pass: o.Password, tls: o.TLSConfig != nil,
				cluster: o.IsClusterMode, master: o.MasterName, sentUser: o.SentinelUsername, sentPass: o.SentinelPassword,
				dial: o.DialTimeout, pool: o.PoolSize,
			}
			if strings.Join(got.addrs, " ") != strings.Join(w.addrs, " ") {
				t.Errorf("Addrs = %q, want %q", got.addrs, w.addrs)
			}
			got.addrs, w.addrs = nil, nil
			if !reflect.DeepEqual(got, w) {
				t.Errorf("got %+v\nwant %+v", got, w)
			}
			if o.TLSConfig != nil && (o.TLSConfig.InsecureSkipVerify || o.TLSConfig.ServerName != "") {
				t.Errorf("TLS config = %+v, want verification on and ServerName from each address", o.TLSConfig)
			}
		})
	}
}

func TestParseURLErrors(t *testing.T) {
	const secret = "hunter2pw"
	cases := []struct {
		name, url, mention string
	}{
		{"empty", "", "empty"},
		{"unknown scheme", "http://" + secret + "@h:1", "scheme"},
		{"bad port", "redis://u:" + secret + "@h:port", "port"},
		{"port out of range", "redis://h:70000", "port"},
		{"bad db", "redis://u:" + secret + "@h:1/x", "database"},
		{"db with extra path", "redis://h:1/0/1", "database"},
		{"no host", "redis://u:" + secret + "@/0", "host"},
		{"cluster with db", "redis+cluster://:" + secret + "@h1:1,h2:2/3", "database 0"},
		{"list with db", "redis://h1:1/2,redis://h2:2", "database 0"},
		{"list mixing tls", "rediss://h1:1,redis://h2:2", "mixes"},
		{"list with different credentials", "redis://:" + secret + "@h1:1,redis://:other@h2:2", "credentials"},
		{"sentinel without master", "redis+sentinel://:" + secret + "@s1:26379", "master"},
		{"unknown parameter", "redis://:" + secret + "@h:1?colour=blue", "colour"},
		{"bad parameter value", "redis://:" + secret + "@h:1?pool_size=lots", "pool_size"},
		{"sentinel parameter elsewhere", "redis://h:1?sentinel_password=" + secret, "sentinel"},
		{"skip_verify without tls", "redis://h:1?skip_verify=true", "TLS"},
		{"bad escape in password", "redis://u:" + secret + "%zz@h:1", "percent"},
		{"empty list element", "h1:1,,h2:2", "empty"},
		{"bare address with password", "u:" + secret + "@h:1", "host:port"},
		{"unbracketed ipv6", "redis://::1", "host:port"},
		// A raw comma in a password splits the list; nothing of it may be echoed.
		{"comma in password", "redis://u:" + secret[:4] + "," + secret[4:] + "@h1:1", ""},
		{"garbage host", "redis://h" + secret + "$:1", "host"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := redisstore.ParseURL(tc.url)
			if err == nil {
				t.Fatal("ParseURL accepted it")
			}
			if c := feedbackbot.ErrorCode(err); c != feedbackbot.EINVALID {
				t.Errorf("code = %q, want %q (%v)", c, feedbackbot.EINVALID, err)
			}
			msg := err.Error()
			for _, part := range []string{secret, secret[:4], secret[4:]} {
				if strings.Contains(msg, part) {
					t.Errorf("error %q repeats (part of) the password", msg)
				}
			}
			if !strings.Contains(msg, tc.mention) {
				t.Errorf("error %q does not mention %q", msg, tc.mention)
			}
		})
	}
}

func TestRedactURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"redis://h:1/0", "redis://h:1/0"},
		{"redis://app:s3cret@h:1/0", "redis://app:xxxxx@h:1/0"},
		{"rediss://:s3cret@h:1", "rediss://:xxxxx@h:1"},
		{"redis://token@h:1", "redis://xxxxx@h:1"},
		{"redis://u:p@ss/w@h:1", "redis://u:xxxxx@h:1"},
		{"redis+sentinel://s1/m?sentinel_password=s3cret&dial_timeout=1", "redis+sentinel://s1/m?sentinel_password=xxxxx&dial_timeout=1"},
		{"u:s3cret@h:1", "xxxxx"},
		{"redis://user:hunter2@h1:6379/0,redis://h2:6379", "redis://user:xxxxx@h1:6379/0,redis://h2:6379"},
		{"redis://a:p1@h1,rediss://b:p2@h2,redis://h3", "redis://a:xxxxx@h1,rediss://b:xxxxx@h2,redis://h3"},
		{"redis://u:p,w@h1,redis://h2", "redis://u:xxxxx@h1,redis://h2"}, // a comma in the password
		{"redis+cluster://u:s3cret@h1:1,h2:2", "redis+cluster://u:xxxxx@h1:1,h2:2"},
		{"h1:1,h2:2", "h1:1,h2:2"},
		// Any query value but the harmless options': a password other clients take there.
		{"redis://localhost:6379/0?password=hunter2y", "redis://localhost:6379/0?password=xxxxx"},
		{"redis://h:1/0?pool_size=5&auth=tok3n&read_timeout=2s", "redis://h:1/0?pool_size=5&auth=xxxxx&read_timeout=2s"},
	} {
		if got := redisstore.RedactURL(tc.in); got != tc.want {
			t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"redis://u:p@h:1/0", "h1:1,h2:2", "redis+sentinel://:p@s1,s2/m/1", "rediss+cluster://h?pool_size=3", "redis://[::1]:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		o, err := redisstore.ParseURL(raw)
		if err != nil {
			if feedbackbot.ErrorCode(err) != feedbackbot.EINVALID {
				t.Fatalf("error without EINVALID: %v", err)
			}
			return
		}
		if len(o.Addrs) == 0 {
			t.Fatalf("accepted %q without an address", raw)
		}
		// The password must not survive in the user-info part; the host part may
		// happen to contain the same characters ("redis://:0000@00000/0").
		if red := redisstore.RedactURL(raw); o.Password != "" && len(o.Password) >= 4 {
			if i := strings.LastIndex(red, "@"); i >= 0 && strings.Contains(red[:i], o.Password) {
				t.Fatalf("RedactURL(%q) = %q keeps the password", raw, red)
			}
		}
	})
}
