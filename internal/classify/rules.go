package classify

// Regexp fragments shared by several DefaultRules patterns.
const (
	// A host name such as "cloud.gov" or "forms.example.gov".
	hostRE = `[\w-]+(?:\.[\w-]+)*\.(?:gov|com|org|net|mil|io|us)`
	// Things whose being down is an outage.
	thingRE = `site|sites|website|web\s+site|app|apps|application|applications|api|apis|prod|production|server|servers|platform|portal|dashboard|service|endpoint|everything|` + hostRE
	// Words that may sit between a verb and "down": "is the site down".
	downFillerRE = `the|our|my|your|this|it|site|website|app|api|dashboard|platform|portal|server|everything|` + hostRE
	// Words that may sit between a verb and a noun: "create a new org".
	detRE = `a|an|the|our|my|his|her|their|this|that|new|separate|another|additional|second|sandbox|prod|production|staging|dev|test`
)

// DefaultRules returns the rules for a cloud platform's support desk (Cloud
// Foundry style: orgs, spaces, apps, routes, service instances). The slice is
// new on every call, so callers may append their own rules or edit it.
//
// The availability rules lean towards recall: a ticket that merely might be
// about an outage is classified as availability.
func DefaultRules() []Rule {
	return []Rule{
		// ---- availability ----
		{Name: "availability: outage", Class: Availability, Patterns: []string{
			"outage", "outages", "downtime", "service disruption", "service interruption",
			"offline", "emergency",
		}},
		{Name: "availability: 5xx error", Class: Availability, Patterns: []string{
			"502 bad gateway", "503 service unavailable", "504 gateway timeout", "504 gateway time-out",
			"500 internal server error",
			"5xx", "5xxs", "502", "503", "504", "500s", "502s", "503s", "504s",
			"bad gateway", "service unavailable", "gateway timeout", "gateway time-out",
			"internal server error", "server error", "server errors",
			// A bare "500" is too often a number ("500 MB", "$500"); ask for
			// context. 502-504 are matched as words above.
			`/\b(?:http(?:/[\d.]+)?|status|code|error|got|get|getting|returns?|returning|returned|throws?|throwing|seeing|sees?)\s*[:=]?\s*(?:an?\s+)?500\b/`,
			`/\b5\d\d\s+(?:errors?|responses?|status|codes?|pages?)\b/`,
		}},
		{Name: "availability: timeout", Class: Availability, Patterns: []string{
			"timeout", "timeouts", "timed out", "times out", "timing out",
			"hangs", "hanging", "hung", "deadline exceeded",
		}},
		{Name: "availability: connection failure", Class: Availability, Patterns: []string{
			"connection refused", "connection reset", "connection timed out",
			"connection error", "connection errors", "connection failure", "connection failures",
			"connection failed", "connections dropping", "dropped connections", "dropping connections",
			"econnrefused", "econnreset", "no route to host",
			"failed to connect", "unable to connect", "can't connect", "cant connect",
			"cannot connect", "could not connect", "couldn't connect",
			"handshake failure", "handshake failed", "handshake error", "ssl error", "tls error",
			`/\berr_ssl_\w+/`, "certificate expired", "certificate has expired", "cert expired",
			"could not be reached", "couldn't be reached", "cannot be reached", "can't be reached",
		}},
		{Name: "availability: unreachable or not loading", Class: Availability, Patterns: []string{
			"unreachable", "not reachable",
			"can't reach", "cant reach", "cannot reach", "can not reach", "unable to reach",
			"could not reach", "couldn't reach",
			"not loading", "isn't loading", "won't load", "wont load", "doesn't load", "does not load",
			"never loads", "no longer loads", "no longer loading", "stopped loading",
			"not responding", "isn't responding", "aren't responding", "no longer responding",
			"unresponsive", "non-responsive", "no response", "isn't reachable", "aren't reachable",
			"unavailable", "not accepting connections", "stopped accepting",
			"blank page", "blank pages", "blank screen", "white screen", "white page",
			"empty response", "getting nothing back", "returns nothing",
			`/\b(?:can'?t|cannot|can\s+not|unable\s+to|couldn'?t|could\s+not)\s+(?:access|open|load|get\s+to|hit|use|browse\s+to)\s+(?:(?:the|our|my|their|your|this|any)\s+)?(?:` + thingRE + `|pages?|url)\b/`,
		}},
		{Name: "availability: down", Class: Availability, Patterns: []string{
			// "is down", "went down", "is cloud.gov down", "is the site down"
			`/\b(?:is|are|was|were|been|be|went|goes|go|going|seems?|looks?|appears?|still|completely|totally|entirely|currently|fully)\s+(?:(?:` + downFillerRE + `)\s+){0,2}down\b/`,
			// "app down", "production is down", "cloud.gov down"
			`/\b(?:` + thingRE + `)(?:'s)?\s+(?:is\s+|are\s+)?down\b/`,
			// "down for everyone", "down since 9am", "down again"
			`/\bdown\s+(?:for\s+(?:everyone|everybody|all|us|me|hours|\d+)|since|again|right\s+now|now|completely|hard)\b/`,
			// a subject that is just "DOWN!!"
			`/^down[.!?]*$/`,
		}},
		{Name: "availability: crashing", Class: Availability, Patterns: []string{
			"crash", "crashes", "crashed", "crashing", "crash loop", "crashloop", "crashloopbackoff",
			"app.crash", "keeps restarting", "keep restarting", "restart loop",
			`/\brestart(?:s|ed|ing)?\s+in\s+a\s+loop\b/`,
			"out of memory", "oom killed", "oomkilled", "exit status 137",
			`/\bhealth[- ]?checks?\s+(?:are\s+|is\s+)?(?:fail|fails|failing|failed|failures?)\b/`,
			`/\bfail(?:s|ing|ed)?\s+(?:the\s+|their\s+|its\s+)?health[- ]?checks?\b/`,
		}},
		{Name: "availability: slow or degraded", Class: Availability, Patterns: []string{
			"degraded", "degradation", "slow", "slowly", "slowness", "slowdown", "slow-down",
			"sluggish", "latency", "laggy", "lagging", "packet loss",
			"performance issue", "performance issues", "performance problem", "performance problems",
			"takes forever", "taking forever", "spins forever",
			"load time", "load times", "page load", "page loads", "pegged", "maxed out", "high cpu",
			`/\bhealth\s+(?:is\s+|shows\s+|status\s+)?red\b/`,
		}},
		{Name: "availability: errors and failures", Class: Availability, Patterns: []string{
			"errors out", "erroring", "throwing errors", "error rate", "elevated errors",
			"stopped working", "nothing works", "nothing is working", "nothing's working",
			"stopped receiving", "stopped sending", "stopped responding", "stopped running",
			"having problems", "having issues", "experiencing problems", "experiencing issues",
			"known issue", "known issues", "something wrong", "something is wrong",
			`/\b(?:getting|seeing|see|get|throwing|throws|returning|returns|lots\s+of|many|random|intermittent|sporadic|constant)\s+(?:\w+\s+)?errors\b/`,
			`/\b(?:uploads|downloads|requests|queries|connections|deploys|deployments|pushes|logins|api\s+calls|jobs|builds)\s+(?:are\s+|keep\s+)?(?:failing|fail|timing\s+out)\b/`,
			"requests fail", "requests failing", "requests are failing", "failing requests",
			"staging failed", "staging error", "failed to stage", "error downloading",
			"can't deploy", "cannot deploy", "unable to deploy", "deploys failing", "deployments failing",
			"pushes fail", "pushes failing",
			`/\b(?:` + thingRE + `)\s+errors?\b/`,
			`/\b(?:` + thingRE + `|push|pushes|deploys?|deployments?)\s+(?:is\s+|are\s+|has\s+|have\s+)?(?:not|isn't|aren't|stopped)\s+working\b/`,
			// "search broken", "the site is broken" (but not "broken link")
			`/\b(?:` + thingRE + `|search|login|uploads?|feature|form|forms|pages?)\s+(?:is\s+|are\s+|seems\s+|looks\s+)?(?:completely\s+|totally\s+)?broken\b/`,
		}},

		// ---- provisioning ----
		{Name: "provisioning: org or space", Class: Provisioning, Patterns: []string{
			"org request", "space request", "new org", "new space",
			`/\b(?:create|creating|add|adding|delete|deleting|remove|removing|rename|renaming|move|moving|transfer|transferring|deactivate|deactivating|decommission|decommissioning|archive|set\s+up|setup)\s+(?:(?:` + detRE + `)\s+){0,2}(?:org|orgs|organization|organizations|space|spaces)\b/`,
			// "we'd like a production space", "need another org"
			`/\b(?:like|need|want|request|requesting)\s+(?:a|an|another)\s+(?:(?:new|separate|additional|second|sandbox|prod|production|staging|dev|test|training)\s+)?(?:org|orgs|organization|space|spaces)\b/`,
			// "add Priya to our space", "remove me from the org"
			`/\b(?:add|remove|invite|move)\s+(?:\S+\s+){1,3}?(?:to|from|into)\s+(?:(?:the|our|my|this|that|their|all)\s+)?(?:org|orgs|organization|space|spaces)\b/`,
		}},
		{Name: "provisioning: roles and access", Class: Provisioning, Patterns: []string{
			"orgmanager", "org manager", "orgauditor", "org auditor", "orgbillingmanager", "billing manager",
			"spacedeveloper", "space developer", "spacemanager", "space manager",
			"spaceauditor", "space auditor", "spacesupporter", "space supporter",
			"role", "roles", "permission", "permissions",
			"not authorized", "not authorised", "unauthorized", "access request", "access requests",
			`/\baccess\s+(?:to|in|on|for)\s+(?:(?:` + detRE + `|all|of)\s+)*(?:[\w-]+\s+)?(?:org|orgs|organization|space|spaces|account|dashboard)\b/`,
			`/\b(?:need|needs|request|requesting|requested|give|grant|granting|get|getting|revoke|revoking|remove|removing|restore)\s+(?:(?:me|him|her|them|us|my|his|their|the|some|developer|dev|admin|read-only|write)\s+)?access\b/`,
			`/\b(?:org|space|developer|dev|admin|read-only|auditor|orgauditor|dashboard)\s+access\b/`,
			`/\b(?:can'?t|cannot|don'?t|do\s+not|doesn'?t|does\s+not)\s+see\s+(?:(?:the|our|my|any|an)\s+)?(?:[\w-]+\s+)?(?:org|orgs|organization|space|spaces)\b/`,
			"add me", "add user", "add users", `/\badd\s+\S+@\S+/`,
			"remove user", "remove users", "offboard", "offboarding", "left the agency",
		}},
		{Name: "provisioning: accounts and login", Class: Provisioning, Patterns: []string{
			"invitation", "invitations", "invite", "invites", "invited",
			"onboard", "onboarding", "new account", "account request", "sandbox account",
			"cloud.gov account", "accounts for",
			`/\b(?:create|set\s+up|setup)\s+(?:an?\s+)?account\b/`,
			"mfa", "totp", "2fa", "authenticator", "password reset", "reset my password", "locked out",
			"forgot my password", "forgot password", "unlock", "account locked", "account is locked",
			"sso", "single sign-on", "single sign on", "idp", "identity provider", "saml",
			"can't log in", "cannot log in", "can't login", "cannot login", "unable to log in",
			"unable to login", "can't sign in", "cannot sign in",
			"service account", "deployer account", "cloud-gov-service-account", "space-deployer",
		}},
		{Name: "provisioning: quota", Class: Provisioning, Patterns: []string{
			"quota", "quotas", "memory limit", "instance limit", "route limit", "routes limit",
			"app limit", "maximum number of",
			`/\b(?:increase|raise|bump|lift|up)\s+(?:(?:our|the|my|that)\s+)?limits?\b/`,
			`/\b(?:increase|raise|bump|more)\s+(?:(?:our|the|my)\s+)?(?:memory|instances|app\s+instances|routes|service\s+instances)\b/`,
			`/\blimit\s+(?:of|on)\s+(?:\w+\s+)?(?:service\s+instances|instances|apps|routes|memory)\b/`,
		}},
		{Name: "provisioning: service instance", Class: Provisioning, Patterns: []string{
			"service key", "service keys", "create-service-key", "create-service", "update-service",
			"bind-service", "unbind-service", "delete-service", "service plan", "plan upgrade",
			`/\b(?:create|creating|provision|provisioning|new|delete|deleting|upgrade|upgrading|resize|resizing|update|updating|migrate|migrating)\s+(?:(?:a|an|the|our|my|new|this)\s+)?(?:[\w-]+\s+)?(?:service\s+instance|database|db|instance|service\s+plan|plan)s?\b/`,
		}},
		{Name: "provisioning: domains and routes", Class: Provisioning, Patterns: []string{
			"custom domain", "custom domains", "external-domain", "domain-with-cdn", "cdn-route", "cdn route",
			"map-route", "map route", "map a route", "mapping a route", "route mapping", "create-route",
			"create-domain", "create-private-domain", "private domain", "cname",
			`/\b(?:new|add|create|set\s+up|setup)\s+(?:(?:a|an|the|our|custom)\s+)?(?:route|domain|hostname)s?\b/`,
		}},
		{Name: "provisioning: network access", Class: Provisioning, Patterns: []string{
			"egress", "security group", "security groups", "network policy", "network policies",
			"add-network-policy", "allowlist", "allow list", "whitelist", "ip range", "ip ranges",
			"ip restriction", "ip restrictions",
		}},

		// ---- other (these only name the reason; unmatched tickets are other anyway) ----
		{Name: "other: billing", Class: Other, Patterns: []string{
			"invoice", "invoices", "billing", "bill", "cost", "costs", "pricing", "price", "prices",
			"charges", "chargeback", "iaa", "interagency agreement", "inter-agency agreement",
			"funds", "funding", "budget", "payment", "purchase order",
		}},
		{Name: "other: compliance", Class: Other, Patterns: []string{
			"fedramp", "ato", "p-ato", "ssp", "isso", "ciso", "compliance", "compliant",
			"508", "vpat", "accessibility", "controls", "inherit", "encryption", "encrypted",
			"fips", "reauthorization", "authorization to operate", "assessor", "3pao", "poam", "poa&m",
			"audit", "retention", "records schedule", "privacy",
		}},
		{Name: "other: documentation", Class: Other, Patterns: []string{
			"docs", "documentation", "broken link", "typo",
		}},
		{Name: "other: feedback", Class: Other, Patterns: []string{
			"feedback", "feature request", "suggestion", "thank you", "thanks for", "kudos",
			"close this", "can be closed", "you can close",
		}},
		{Name: "other: auto-reply", Class: Other, Patterns: []string{
			"out of office", "out of the office", "auto-reply", "automatic reply", "autoreply",
		}},
		{Name: "other: question", Class: Other, Patterns: []string{
			"how do i", "how do we", "how can i", "how can we", "how to", "is there a way",
			"is it possible", "what's the best way", "best practice", "best practices",
			"recommended", "supported", "support for", "training", "maintenance", "status page",
		}},
	}
}
