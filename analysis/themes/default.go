package themes

// Default is the taxonomy used when the team configures none. Keywords are matched by
// stem, phrases as word sequences; edit it in config (analysis.themes) and run
// `feedbackbot reanalyze` to apply a change to all history.
func Default() Taxonomy {
	return Taxonomy{
		{Name: "billing", Keywords: []string{"invoice", "billing", "billed", "charge", "charged", "refund", "payment", "pricing", "price", "subscription", "receipt", "vat", "overcharged", "seats"},
			Phrases: []string{"credit card", "charged twice", "purchase order", "renewal date", "paid plan", "pricing plan", "our plan", "enterprise plan", "price quote"}, Exclude: []string{"in charge of", "free of charge"}},
		{Name: "support", Keywords: []string{"support", "ticket", "reply", "response", "respond", "answer", "escalate", "escalation", "agent", "helpdesk", "sla"},
			Phrases: []string{"still waiting", "no one", "nobody answered", "get back to", "hear back", "heard back", "customer service"}},
		{Name: "bug", Keywords: []string{"bug", "broken", "error", "crash", "exception", "regression", "glitch", "defect", "500", "404", "stacktrace", "traceback"},
			Phrases: []string{"doesn't work", "does not work", "not working", "stopped working", "wrong result", "blank page", "went wrong"}, Negatable: true},
		{Name: "performance", Keywords: []string{"slow", "slower", "latency", "lag", "laggy", "sluggish", "performance", "speed", "timeout", "loading"},
			Phrases: []string{"takes forever", "timing out", "times out", "load time", "page load"}},
		{Name: "reliability", Keywords: []string{"outage", "downtime", "down", "uptime", "incident", "unavailable", "unreliable", "flaky", "unstable", "degraded"},
			Phrases: []string{"status page", "is down", "went down", "service disruption", "data loss", "lost data"}, Exclude: []string{"down the road", "sit down", "scroll down", "drop down", "dropdown", "break down"}},
		{Name: "integration", Keywords: []string{"integration", "integrate", "api", "webhook", "webhooks", "connector", "zapier", "salesforce", "hubspot", "snowflake", "bigquery", "jira", "sync", "oauth", "sdk", "terraform", "endpoint"},
			Phrases: []string{"rate limit", "api key", "third party"}},
		{Name: "access", Keywords: []string{"login", "log-in", "sso", "saml", "okta", "password", "permission", "permissions", "role", "roles", "2fa", "mfa", "locked", "invite", "scim", "signin"},
			Phrases: []string{"log in", "sign in", "locked out", "reset password", "access denied", "single sign-on", "two factor"}},
		{Name: "security", Keywords: []string{"security", "gdpr", "soc2", "soc", "hipaa", "compliance", "audit", "encryption", "encrypted", "vulnerability", "breach", "dpa", "pentest", "iso27001", "residency"},
			Phrases: []string{"data residency", "data location", "eu region", "data processing", "penetration test", "audit log", "audit logs"}},
		{Name: "usability", Keywords: []string{"confusing", "unintuitive", "intuitive", "clunky", "ux", "ui", "usability", "cluttered", "clicks", "navigation", "hard", "easy"},
			Phrases: []string{"hard to find", "hard to use", "easy to use", "user friendly", "user experience", "can't find", "cannot find"}},
		{Name: "feature_request", Keywords: []string{"roadmap", "wishlist", "wish"},
			Phrases: []string{"feature request", "would be great if", "would be nice", "would love", "it would help", "please add", "can you add", "could you add", "any plans", "is it possible to", "support for", "dark mode", "we need a way", "would like to be able"}},
		{Name: "docs", Keywords: []string{"docs", "documentation", "documented", "guide", "tutorial", "readme", "changelog", "example", "examples"},
			Phrases: []string{"help center", "knowledge base", "release notes", "api reference"}},
		{Name: "onboarding", Keywords: []string{"onboarding", "onboard", "setup", "trial", "kickoff", "walkthrough", "getting-started", "training", "migration", "migrate", "import"},
			Phrases: []string{"getting started", "set up", "first steps", "new user", "new users", "just signed up"}},
		{Name: "cancellation", Keywords: []string{"cancel", "cancellation", "churn", "downgrade", "unsubscribe", "terminate", "termination", "competitor", "competitors", "alternatives", "vendors"},
			Phrases: []string{"switch to", "switching to", "moving to", "not renew", "won't renew", "not renewing", "other vendors", "end our contract", "close our account", "export all our data", "export all of our data", "leave for"}, Negatable: true},
	}
}
