package redisstore

import (
	"crypto/tls"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/feedbackbot/feedbackbot"
)

// Default ports.
const (
	defaultPort         = "6379"
	defaultSentinelPort = "26379"
)

// ParseURL turns a Redis URL into options for redis.NewUniversalClient. Accepted forms:
//
//	redis://[user:pass@]host[:port][/db]           one server (rediss:// for TLS)
//	host:port                                      one server, no credentials
//	redis://h1:p1,redis://h2:p2 or h1:p1,h2:p2     Redis Cluster seed nodes (credentials
//	                                               and TLS from the elements that have them)
//	redis+cluster://[user:pass@]h1:p1,h2:p2        Redis Cluster, even with one seed
//	                                               (a configuration endpoint); rediss+cluster for TLS
//	redis+sentinel://[user:pass@]s1:p1,s2:p2/master[/db]
//	                                               Sentinel; the credentials are the master's,
//	                                               the sentinels' go in sentinel_username and
//	                                               sentinel_password query parameters
//
// Query parameters: dial_timeout, read_timeout, write_timeout (a Go duration or plain
// seconds), pool_size, min_idle_conns, max_retries, protocol (2 or 3), client_name, and
// skip_verify=true (TLS without certificate checks). Anything else is an error.
// Special characters in the user or password must be percent-encoded. Errors carry
// EINVALID and never repeat the password (nor any part of the input that may hold it).
//
// Every form gets ContextTimeoutEnabled: a context's deadline then bounds the socket
// reads and writes of its commands. Without it go-redis waits out read_timeout (5 s by
// default) whatever the context says, and a caller that must act by a deadline, such
// as the Discord gateway lease's renew, would be held past it.
func ParseURL(raw string) (*redis.UniversalOptions, error) {
	o, err := parseURL(raw)
	if err != nil {
		return nil, err
	}
	o.ContextTimeoutEnabled = true
	return o, nil
}

func parseURL(raw string) (*redis.UniversalOptions, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, urlErr("empty URL")
	}
	scheme, rest, hasScheme := strings.Cut(raw, "://")
	if !hasScheme {
		// Bare addresses: one server or a cluster seed list.
		var addrs []string
		for i, a := range strings.Split(raw, ",") {
			if strings.ContainsAny(a, "@/?#") {
				return nil, urlErr("address %d is not host:port (URLs need a scheme such as redis://)", i+1)
			}
			addr, err := normalizeAddr(a, defaultPort, i+1)
			if err != nil {
				return nil, err
			}
			addrs = append(addrs, addr)
		}
		o := &redis.UniversalOptions{Addrs: addrs}
		if len(addrs) > 1 {
			o.IsClusterMode = true
		}
		return o, nil
	}
	switch scheme {
	case "redis", "rediss":
		if strings.Contains(rest, ",") {
			return parseList(raw)
		}
		u, err := splitURL(scheme, rest, defaultPort)
		if err != nil {
			return nil, err
		}
		o := u.options()
		db, err := parseDB(u.path)
		if err != nil {
			return nil, err
		}
		o.DB = db
		if err := applyQuery(o, u.query, false); err != nil {
			return nil, err
		}
		return o, nil
	case "redis+cluster", "rediss+cluster":
		u, err := splitURL(strings.TrimSuffix(scheme, "+cluster"), rest, defaultPort)
		if err != nil {
			return nil, err
		}
		o := u.options()
		o.IsClusterMode = true
		if db, err := parseDB(u.path); err != nil || db != 0 {
			return nil, urlErr("Redis Cluster has only database 0; remove the path")
		}
		if err := applyQuery(o, u.query, false); err != nil {
			return nil, err
		}
		return o, nil
	case "redis+sentinel", "rediss+sentinel":
		u, err := splitURL(strings.TrimSuffix(scheme, "+sentinel"), rest, defaultSentinelPort)
		if err != nil {
			return nil, err
		}
		o := u.options()
		master, dbPart, _ := strings.Cut(strings.TrimPrefix(u.path, "/"), "/")
		if master == "" {
			return nil, urlErr("a sentinel URL needs the master name as its path: redis+sentinel://host:26379/mymaster")
		}
		o.MasterName = master
		if dbPart != "" {
			db, err := parseDB("/" + dbPart)
			if err != nil {
				return nil, err
			}
			o.DB = db
		}
		if err := applyQuery(o, u.query, true); err != nil {
			return nil, err
		}
		return o, nil
	}
	if !validScheme(scheme) {
		return nil, urlErr("malformed URL")
	}
	return nil, urlErr("unsupported scheme %q (want redis, rediss, redis+cluster or redis+sentinel)", scheme)
}

// parseList handles a comma-separated cluster seed list where elements are URLs or
// bare host:port addresses.
func parseList(raw string) (*redis.UniversalOptions, error) {
	o := &redis.UniversalOptions{IsClusterMode: true}
	var (
		creds    *splitted
		tlsSeen  = map[bool]bool{}
		queryRaw url.Values
	)
	for i, el := range strings.Split(raw, ",") {
		el = strings.TrimSpace(el)
		scheme, rest, ok := strings.Cut(el, "://")
		if !ok {
			if strings.ContainsAny(el, "@/?#") {
				return nil, urlErr("address %d is not host:port", i+1)
			}
			addr, err := normalizeAddr(el, defaultPort, i+1)
			if err != nil {
				return nil, err
			}
			o.Addrs = append(o.Addrs, addr)
			continue
		}
		if scheme != "redis" && scheme != "rediss" {
			if !validScheme(scheme) {
				return nil, urlErr("malformed URL in element %d", i+1)
			}
			return nil, urlErr("element %d: scheme %q cannot be used in a list (want redis or rediss)", i+1, scheme)
		}
		u, err := splitURL(scheme, rest, defaultPort)
		if err != nil {
			return nil, err
		}
		if len(u.hosts) != 1 {
			return nil, urlErr("element %d has several hosts", i+1)
		}
		if db, err := parseDB(u.path); err != nil || db != 0 {
			return nil, urlErr("Redis Cluster has only database 0; remove the path of element %d", i+1)
		}
		tlsSeen[u.tls] = true
		if u.hasUser {
			if creds != nil && (creds.user != u.user || creds.pass != u.pass) {
				return nil, urlErr("the elements of the list carry different credentials")
			}
			creds = u
		}
		if len(u.query) > 0 {
			if queryRaw != nil {
				return nil, urlErr("give query parameters on one element of the list only")
			}
			queryRaw = u.query
		}
		o.Addrs = append(o.Addrs, u.hosts[0])
	}
	if len(tlsSeen) > 1 {
		return nil, urlErr("the list mixes redis:// and rediss:// elements")
	}
	if tlsSeen[true] {
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if creds != nil {
		o.Username, o.Password = creds.user, creds.pass
	}
	if err := applyQuery(o, queryRaw, false); err != nil {
		return nil, err
	}
	return o, nil
}

// splitted is one URL taken apart by hand: net/url rejects host lists, and its errors
// quote the whole input, password included.
type splitted struct {
	tls        bool
	user, pass string
	hasUser    bool
	hosts      []string
	path       string
	query      url.Values
}

func (u *splitted) options() *redis.UniversalOptions {
	o := &redis.UniversalOptions{Addrs: u.hosts, Username: u.user, Password: u.pass}
	if u.tls {
		// ServerName stays empty: crypto/tls takes it from each node's address, which
		// is what a cluster or a sentinel setup with several hosts needs.
		o.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return o
}

// splitURL parses what follows "scheme://". The userinfo ends at the last '@', so an
// unencoded '@', '/' or '?' in a password cannot spill it into the host part.
func splitURL(scheme, rest, port string) (*splitted, error) {
	u := &splitted{tls: scheme == "rediss"}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		userinfo := rest[:at]
		rest = rest[at+1:]
		user, pass, _ := strings.Cut(userinfo, ":")
		var err error
		if u.user, err = url.PathUnescape(user); err != nil {
			return nil, urlErr("malformed percent-encoding in the user name")
		}
		if u.pass, err = url.PathUnescape(pass); err != nil {
			return nil, urlErr("malformed percent-encoding in the password")
		}
		u.hasUser = true
	}
	hostpart, query, _ := strings.Cut(rest, "?")
	hostpart, path, hasPath := strings.Cut(hostpart, "/")
	if hasPath {
		u.path = "/" + path
	}
	if hostpart == "" {
		return nil, urlErr("the URL has no host")
	}
	for i, h := range strings.Split(hostpart, ",") {
		addr, err := normalizeAddr(h, port, i+1)
		if err != nil {
			return nil, err
		}
		u.hosts = append(u.hosts, addr)
	}
	if query != "" {
		q, err := url.ParseQuery(query)
		if err != nil {
			return nil, urlErr("malformed query string")
		}
		u.query = q
	}
	return u, nil
}

// normalizeAddr checks one host[:port] and adds the default port. The host is quoted
// in errors only when it looks like a host name, so a mangled password never is.
func normalizeAddr(a, port string, n int) (string, error) {
	a = strings.TrimSpace(a)
	if a == "" {
		return "", urlErr("address %d is empty", n)
	}
	host, p, err := net.SplitHostPort(a)
	if err != nil {
		// No port: a plain name, an IPv4 address or a bracketed IPv6 one.
		host, p = a, port
		if strings.HasPrefix(a, "[") && strings.HasSuffix(a, "]") {
			host = a[1 : len(a)-1]
		} else if strings.Contains(a, ":") {
			return "", urlErr("address %d is not host:port", n)
		}
	}
	if host == "" || !validHost(host) {
		return "", urlErr("address %d has an invalid host", n)
	}
	pn, err := strconv.Atoi(p)
	if err != nil || pn < 1 || pn > 65535 {
		if validHost(host) {
			return "", urlErr("address %d (%s) has an invalid port", n, host)
		}
		return "", urlErr("address %d has an invalid port", n)
	}
	return net.JoinHostPort(host, p), nil
}

func validHost(h string) bool {
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '.', r == '-', r == '_', r == ':', r == '%':
		default:
			return false
		}
	}
	return true
}

func validScheme(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func parseDB(path string) (int, error) {
	p := strings.TrimPrefix(path, "/")
	if p == "" {
		return 0, nil
	}
	db, err := strconv.Atoi(p)
	if err != nil || db < 0 || strings.Contains(p, "/") {
		return 0, urlErr("the path must be a database number, such as /0")
	}
	return db, nil
}

// applyQuery sets the supported query parameters on o.
func applyQuery(o *redis.UniversalOptions, q url.Values, sentinel bool) error {
	for name, vs := range q {
		v := vs[len(vs)-1]
		var err error
		switch name {
		case "dial_timeout":
			o.DialTimeout, err = parseDuration(v)
		case "read_timeout":
			o.ReadTimeout, err = parseDuration(v)
		case "write_timeout":
			o.WriteTimeout, err = parseDuration(v)
		case "pool_size":
			o.PoolSize, err = parseInt(v, 1)
		case "min_idle_conns":
			o.MinIdleConns, err = parseInt(v, 0)
		case "max_retries":
			o.MaxRetries, err = parseInt(v, -1)
		case "protocol":
			o.Protocol, err = parseInt(v, 2)
			if err == nil && o.Protocol > 3 {
				err = strconv.ErrRange
			}
		case "client_name":
			o.ClientName = v
		case "skip_verify":
			var b bool
			b, err = strconv.ParseBool(v)
			if err == nil && b {
				if o.TLSConfig == nil {
					return urlErr("skip_verify needs a TLS URL (rediss://)")
				}
				o.TLSConfig.InsecureSkipVerify = true
			}
		case "sentinel_username", "sentinel_password":
			if !sentinel {
				return urlErr("query parameter %q is only for redis+sentinel URLs", name)
			}
			if name == "sentinel_username" {
				o.SentinelUsername = v
			} else {
				o.SentinelPassword = v
			}
		default:
			if !validScheme(name) && !strings.Contains(name, "_") {
				return urlErr("unknown query parameter")
			}
			return urlErr("unknown query parameter %q", name)
		}
		if err != nil {
			return urlErr("invalid value for query parameter %q", name)
		}
	}
	return nil
}

func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}

func parseInt(v string, min int) (int, error) {
	n, err := strconv.Atoi(v)
	if err == nil && n < min {
		err = strconv.ErrRange
	}
	return n, err
}

func urlErr(format string, args ...any) error {
	return feedbackbot.Errorf(feedbackbot.EINVALID, "Redis URL: "+format, args...)
}

// RedactURL returns raw with the password (and anything that could be part of it)
// replaced by "xxxxx", for logs and error messages. A list of URLs (cluster seeds)
// is redacted element by element, an element starting at each "scheme://" after a
// comma, so every seed's host stays readable.
func RedactURL(raw string) string {
	var b strings.Builder
	for raw != "" {
		elem := raw
		raw = ""
		for i := strings.IndexByte(elem, ','); i >= 0; {
			if hasScheme(elem[i+1:]) {
				elem, raw = elem[:i], elem[i+1:]
				break
			}
			j := strings.IndexByte(elem[i+1:], ',')
			if j < 0 {
				break
			}
			i += 1 + j
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(redactOne(elem))
	}
	return b.String()
}

// hasScheme reports whether s starts with a URL scheme and "://".
func hasScheme(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	if !ok || scheme == "" {
		return false
	}
	for _, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// redactOne is RedactURL of one URL.
func redactOne(raw string) string {
	scheme, rest, ok := strings.Cut(raw, "://")
	if ok {
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			user, _, hasPass := strings.Cut(rest[:at], ":")
			ui := "xxxxx"
			if hasPass {
				ui = user + ":xxxxx"
			}
			rest = ui + rest[at:]
		}
		raw = scheme + "://" + rest
	} else if strings.Contains(raw, "@") {
		return "xxxxx"
	}
	// A password may sit in the query (sentinel_password=, or password= as other
	// clients take it): every value but those of the known harmless options goes.
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	params := strings.Split(query, "&")
	for i, kv := range params {
		k, _, hasValue := strings.Cut(kv, "=")
		if hasValue && !harmlessOption[strings.ToLower(k)] {
			params[i] = k + "=xxxxx"
		}
	}
	return base + "?" + strings.Join(params, "&")
}

// harmlessOption are the URL options whose values RedactURL keeps: timeouts, pool
// sizes and the like, never a credential.
var harmlessOption = map[string]bool{
	"db": true, "protocol": true, "client_name": true, "addr": true, "master_name": true,
	"dial_timeout": true, "read_timeout": true, "write_timeout": true, "pool_fifo": true, "pool_size": true,
	"pool_timeout": true, "min_idle_conns": true, "max_idle_conns": true, "max_active_conns": true,
	"conn_max_idle_time": true, "conn_max_lifetime": true, "max_retries": true, "min_retry_backoff": true,
	"max_retry_backoff": true, "max_redirects": true, "read_only": true, "route_by_latency": true,
	"route_randomly": true, "skip_verify": true, "timeout": true,
}
