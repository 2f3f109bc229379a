package classify

// Regexp fragments shared by several DefaultRules patterns. Most default
// regexps only spell out words, so the classifier matches them as phrases
// in its one pass over a ticket's words (see the package documentation);
// the few that need a host name or \S+ run on windows around their
// literal text, which they spell out in full where they can (".gov down",
// with a plain space) so that the windows are few.
const (
	// A host name such as "cloud.gov" or "forms.example.gov".
	hostRE = `[\w-]+(?:\.[\w-]+)*\.(?:gov|com|org|net|mil|io|us)`
	// Things whose being down is an outage (host names are in their own
	// patterns, with hostRE).
	thingRE = `site|sites|website|web\s+site|app|apps|application|applications|api|apis|prod|production|server|servers|platform|portal|dashboard|service|endpoint|everything`
	// Things that may sit between a verb and "down": "is the site down".
	downFillerRE = `site|website|app|api|dashboard|platform|portal|server|everything`
	// Words that may come before the noun of a request: "create a new org".
	detRE = `a|an|the|our|my|his|her|their|this|that|new|separate|another|additional|second|sandbox|prod|production|staging|dev|test`
	// Articles and adjectives before a thing asked for: "a new", "another".
	askDetRE = `a|an|another|one\s+more|some|new|a\s+new|a\s+separate|a\s+second|a\s+dedicated|separate|second|more`
	// What a request verb asks for: "need", "would like", "please create".
	askRE = `need|needs|want|like|request|requesting|get|create|provision|set\s+up|setup`
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
			`/\b(?:http(?:/(?:1|1\.0|1\.1|2|2\.0|3))?|status|code|error|got|get|getting|returns?|returning|returned|throws?|throwing|seeing|sees?)\s*[:=]?\s*(?:an?\s+)?500\b/`,
			`/\b(?:500|501|502|503|504|5xx)\s+(?:errors?|responses?|status|codes?|pages?)\b/`,
		}},
		{Name: "availability: timeout", Class: Availability, Patterns: []string{
			"timeout", "timeouts", "timed out", "times out", "timing out",
			"hangs", "hanging", "hung", "deadline exceeded", "requesttimeout",
		}},
		{Name: "availability: connection failure", Class: Availability, Patterns: []string{
			"connection refused", "connection reset", "connection timed out",
			"connection error", "connection errors", "connection failure", "connection failures",
			"connection failed", "connections dropping", "dropped connections", "dropping connections",
			"connections drop", "connection drops", "refuses connections", "refusing connections",
			"econnrefused", "econnreset", "no route to host",
			"failed to connect", "unable to connect", "can't connect", "cant connect",
			"cannot connect", "could not connect", "couldn't connect", "can't talk to", "cannot talk to",
			"handshake failure", "handshake failed", "handshake error", "ssl error", "tls error",
			`/\berr_ssl_\w+/`, "certificate expired", "certificate has expired", "cert expired",
			"expired certificate", "expired cert", "certificate warning", "cert warning",
			"certificate error", "certificate errors", "connection is not private",
			"could not be reached", "couldn't be reached", "cannot be reached", "can't be reached",
			// name resolution
			"won't resolve", "doesn't resolve", "does not resolve", "not resolving", "stopped resolving",
			"can't resolve", "cannot resolve", "could not resolve", "couldn't resolve",
			"servfail", "nxdomain", "dns failure", "dns failures", "dns error", "dns errors",
			"can't be found", "could not be found",
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
			"blank page", "blank pages", "blank screen", "white screen", "white page", "empty page",
			"empty white page", "grey page", "error page", "requested route does not exist",
			"empty response", "getting nothing back", "returns nothing", "never come back", "never comes back",
			`/\b(?:can'?t|cannot|can\s+not|unable\s+to|couldn'?t|could\s+not)\s+(?:access|open|load)\s+(?:(?:the|our|my|their|your|this|any)\s+)?(?:` + thingRE + `|pages?|url)\b/`,
			`/\b(?:can'?t|cannot|can\s+not|unable\s+to|couldn'?t|could\s+not)\s+(?:get\s+to|hit|use|browse\s+to)\s+(?:(?:the|our|my|their|your|this|any)\s+)?(?:` + thingRE + `|pages?|url)\b/`,
			`/\b(?:every|all|each|any)\s+(?:\w+\s+){0,3}(?:returns?|returning|gives?|giving|shows?|showing|gets?|getting)\s+(?:an?\s+)?404s?\b/`,
		}},
		{Name: "availability: down", Class: Availability, Patterns: []string{
			// "is down", "went down", "is cloud.gov down", "is the site down"
			`/\b(?:is|are|was|were|been|be|went|goes|go|going|seems?|looks?|appears?|still|completely|totally|entirely|currently|fully)\s+(?:(?:the|our|my|your|this|it)\s+)?(?:(?:` + downFillerRE + `)\s+)?down\b/`,
			`/\b(?:is|are|was|were|went|seems?|looks?|still)\s+(?:(?:the|our|my|your|this)\s+)?` + hostRE + ` down\b/`,
			// "app down", "production is down", "cloud.gov down"
			`/\b(?:` + thingRE + `)(?:'s)?\s+(?:is\s+|are\s+)?down\b/`,
			`/\b` + hostRE + ` (?:is |are )?down\b/`,
			// "down for everyone", "down since 9am", "down again"
			`/\bdown\s+(?:for\s+(?:everyone|everybody|all|us|me|(?:\w+\s+)?(?:hours|minutes|days))|since|again|right\s+now|now|completely|hard)\b/`,
			// a subject that is just "DOWN!!"
			`/^down[.!?]{0,5}$/`,
			"went dark", "gone dark",
		}},
		{Name: "availability: crashing", Class: Availability, Patterns: []string{
			"crash", "crashes", "crashed", "crashing", "crash loop", "crashloop", "crashloopbackoff",
			"app.crash", "keeps restarting", "keep restarting", "restart loop",
			`/\brestart(?:s|ed|ing)?\s+in\s+a\s+loop\b/`,
			"out of memory", "oom killed", "oomkilled", "exit status 137", "getting killed", "keeps dying",
			"keep dying", "dies again", "killed again",
			`/\bexit(?:ed|s)?\s+(?:with\s+)?(?:status|code)\s+(?:137|143)\b/`,
			"flapping", "flaps",
			`/\bhealth[- ]?checks?\s+(?:are\s+|is\s+)?(?:fail|fails|failing|failed|failures?)\b/`,
			`/\bfail(?:s|ing|ed)?\s+(?:the\s+|their\s+|its\s+)?health[- ]?checks?\b/`,
			"never healthy", "never becomes healthy", "never became healthy", "unhealthy",
			// won't start
			"won't start", "wont start", "doesn't start", "does not start", "not starting",
			"never starts", "never started", "fails to start", "failed to start", "never reaches running",
		}},
		{Name: "availability: slow or degraded", Class: Availability, Patterns: []string{
			"degraded", "degradation", "slow", "slowly", "slowness", "slowdown", "slow-down",
			"sluggish", "latency", "laggy", "lagging", "packet loss", "crawling",
			"performance issue", "performance issues", "performance problem", "performance problems",
			"takes forever", "taking forever", "take forever", "spins forever", "just spins", "keeps spinning",
			"spinning wheel", "spinner", "spins and spins",
			"load time", "load times", "page load", "page loads", "pegged", "maxed out", "high cpu",
			`/\bhealth\s+(?:is\s+|shows\s+|status\s+)?red\b/`,
			// "take a minute to render", "takes 30 seconds per page"
			`/\b(?:take|takes|taking|took)\s+(?:(?:about|over|around|nearly|almost|up\s+to|more\s+than)\s+)?(?:a\s+minute|minutes|\w+\s+(?:seconds|secs|minutes|mins))\s+(?:to\s+(?:load|render|respond|open|come\s+back|finish)|per\s+(?:request|page|click|call)|each)\b/`,
		}},
		{Name: "availability: stuck", Class: Availability, Patterns: []string{
			`/\b(?:push|pushes|deploy|deploys|deployment|deployments|pipeline|build|builds|staging|app|apps|instances?|tasks?|jobs?|uploads?|page|pages|form|dashboard)\s+(?:is\s+|are\s+|keeps?\s+|gets?\s+|got\s+|seems\s+)?(?:stuck|frozen|freezing|froze|freezes)\b/`,
			"stuck at", "stuck on", "stuck in staging", "stuck staging", "stuck starting",
			"freezes", "froze", "freezing", "frozen",
		}},
		{Name: "availability: errors and failures", Class: Availability, Patterns: []string{
			"errors out", "erroring", "throwing errors", "error rate", "elevated errors",
			"stopped working", "nothing works", "nothing is working", "nothing's working",
			"stopped receiving", "stopped sending", "stopped responding", "stopped running",
			"stopped getting", "stopped flowing", "stopped arriving", "stopped showing", "stopped saving",
			"having problems", "having issues", "experiencing problems", "experiencing issues",
			"known issue", "known issues", "something wrong", "something is wrong", "something went wrong",
			"something broke", "something is broken", "disappeared",
			// nobody gets in
			"login loop", "redirect loop", "redirect loops", "too many redirects", "err_too_many_redirects",
			"nobody can log in", "no one can log in", "nobody can sign in", "no one can sign in",
			"won't let anyone in", "doesn't let anyone in", "can't get in", "cannot get in",
			`/\b(?:getting|seeing|see|get|throwing|throws|returning|returns|lots\s+of|many|random|intermittent|sporadic|constant)\s+(?:\w+\s+)?errors\b/`,
			`/\b(?:intermittent|sporadic|random|frequent|constant|repeated)\s+(?:failures|errors|disconnects|resets)\b/`,
			`/\b(?:uploads|downloads|requests|queries|connections|deploys|deployments|pushes|logins|api\s+calls|jobs|builds|tasks|calls)\s+(?:are\s+|keep\s+)?(?:failing|fail|timing\s+out)\b/`,
			"requests fail", "requests failing", "requests are failing", "failing requests",
			"staging failed", "staging error", "staging failing", "staging fails", "staging failure",
			"error staging", "failed to stage", "error downloading", "failed to download",
			"can't deploy", "cannot deploy", "unable to deploy", "deploys failing", "deployments failing",
			"pushes fail", "pushes failing", "every push fails", "push fails", "push failing",
			"insufficientresources", "insufficient resources", "no compatible cells",
			// scheduled work that did not happen
			"didn't run", "did not run", "hasn't run", "haven't run", "hasn't executed", "haven't executed",
			"not being delivered", "stopped being delivered",
			// forms and actions that do nothing
			"not submitting", "won't submit", "doesn't submit", "can't submit", "cannot submit", "unable to submit",
			"not saving", "won't save", "doesn't save", "nothing is saved", "not being saved",
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
			`/\b(?:` + askRE + `|have)\s+(?:(?:` + askDetRE + `)\s+)?(?:(?:new|separate|additional|second|sandbox|prod|production|staging|dev|test|training)\s+)?(?:org|orgs|organization|space|spaces)\b/`,
			// "add Priya to our space", "remove me from the org"
			`/\b(?:add|remove|invite|move)\s+(?:\w+\s+){1,3}(?:to|from|into)\s+(?:(?:the|our|my|this|that|their|all)\s+)?(?:org|orgs|organization|space|spaces)\b/`,
			// a place to deploy: "we need somewhere to deploy it", "a separate environment for QA"
			`/\b(?:` + askRE + `)\s+(?:(?:` + askDetRE + `)\s+)?(?:environment|environments|env|sandbox|workspace|somewhere\s+to\s+deploy|place\s+to\s+deploy)\b/`,
			"somewhere to deploy", "place to deploy", "new environment", "separate environment", "second environment",
			`/\b(?:delete|remove|decommission|tear\s+down|clean\s+up)\s+(?:(?:the|our|my|this|that|old|unused)\s+){0,2}(?:sandbox|environment|environments)\b/`,
			"tear it down", "tear down", "extend our sandbox", "extend the sandbox", "sandbox extension",
			"sandbox expires", "sandbox expiring", "sandbox expiration", "due to be purged", "be purged", "purge date",
		}},
		{Name: "provisioning: roles and access", Class: Provisioning, Patterns: []string{
			"orgmanager", "org manager", "orgauditor", "org auditor", "orgbillingmanager", "billing manager",
			"spacedeveloper", "space developer", "spacemanager", "space manager",
			"spaceauditor", "space auditor", "spacesupporter", "space supporter",
			"role", "roles", "permission", "permissions",
			"not authorized", "not authorised", "unauthorized", "access request", "access requests",
			`/\baccess\s+(?:to|in|on|for)\s+(?:(?:` + detRE + `|all|of)\s+){0,3}(?:\w+\s+)?(?:org|orgs|organization|space|spaces|account|dashboard)\b/`,
			`/\b(?:need|needs|request|requesting|requested|give|grant|granting|get|getting|revoke|revoking|remove|removing|restore|set\s+up|setup|provide|enable|arrange)\s+(?:(?:me|him|her|them|us|my|his|their|the|some|developer|dev|admin|read-only|write|view|view-only|platform)\s+)?access\b/`,
			`/\b(?:org|space|developer|dev|admin|read-only|auditor|orgauditor|dashboard|view-only|ssh)\s+access\b/`,
			`/\b(?:can'?t|cannot|don'?t|do\s+not|doesn'?t|does\s+not)\s+see\s+(?:(?:the|our|my|any|an)\s+)?(?:[\w-]+\s+)?(?:org|orgs|organization|space|spaces)\b/`,
			"add me", "add user", "add users", `/\badd\s+\S+@\S+/`,
			"remove user", "remove users", "offboard", "offboarding", "left the agency",
			// what someone should be able to do, or no longer
			`/\bbe\s+able\s+to\s+(?:deploy|push|manage|administer|see|view|look\s+at|access|do\s+everything|add\s+people|invite)\b/`,
			"no longer have access", "no longer has access", "no longer need access", "no longer needs access",
			"take me off", "take him off", "take her off", "take them off",
			`/\b(?:same|developer|push|admin|manager|write|edit|deploy)\s+(?:rights|permissions|access|roles?)\b/`,
			`/\bmake\s+(?:\w+\s+){1,3}?(?:the\s+|an?\s+)?(?:manager|managers|admin|administrator|owner|developer|auditor)\s+(?:of|for|in|on)\b/`,
			"hand over", "ownership of", "transfer ownership",
			"enable ssh", "allow ssh", "turn on ssh", "disable ssh", "allow-space-ssh", "enable-ssh",
		}},
		{Name: "provisioning: accounts and login", Class: Provisioning, Patterns: []string{
			"invitation", "invitations", "invite", "invites", "invited",
			"onboard", "onboarding", "new account", "account request", "sandbox account",
			"cloud.gov account", "accounts for",
			`/\b(?:create|set\s+up|setup)\s+(?:an?\s+)?account\b/`,
			"mfa", "totp", "2fa", "two-factor", "two factor", "authenticator", "password reset", "reset my password", "locked out",
			"forgot my password", "forgot password", "unlock", "account locked", "account is locked",
			"sso", "single sign-on", "single sign on", "idp", "identity provider", "saml",
			"can't log in", "cannot log in", "can't login", "cannot login", "unable to log in",
			"unable to login", "can't sign in", "cannot sign in",
			"service account", "deployer account", "cloud-gov-service-account", "space-deployer",
			"deactivated", "reactivate", "reactivated", "re-enable my account", "account disabled",
			"change my email", "update my email", "new email address", "email address change", "email change",
			"link my account", "account linked", "linked to my new", "merge my accounts",
			`/\b(?:needs?|give|get)\s+(?:\w+\s+)?(?:a\s+)?(?:platform\s+)?login\b/`,
			`/\b(?:credentials|deployer|account)\s+for\s+(?:an?\s+|our\s+)?(?:automated|ci|pipeline|github\s+actions|gitlab)\b/`,
		}},
		{Name: "provisioning: quota", Class: Provisioning, Patterns: []string{
			"quota", "quotas", "memory limit", "instance limit", "route limit", "routes limit",
			"app limit", "maximum number of", "memory ceiling", "hitting the cap", "hit the cap",
			"hitting the limit", "at the limit", "at our limit", "running out of room",
			`/\b(?:increase|raise|bump|lift|up)\s+(?:(?:our|the|my|that)\s+)?limits?\b/`,
			`/\b(?:increase|raise|bump|more)\s+(?:(?:our|the|my)\s+)?(?:memory|instances|app\s+instances|routes|service\s+instances)\b/`,
			`/\blimit\s+(?:of|on)\s+(?:\w+\s+)?(?:service\s+instances|instances|apps|routes|memory)\b/`,
			`/\b(?:another|additional|extra)\s+\w+\s+(?:gb|mb|tb|gigabytes)\b/`,
			`/\b(?:raised|increased|bumped|extended)\s+to\s+\w+\s+(?:gb|mb|tb|gigabytes|instances|routes)\b/`,
			`/\b(?:create|add)\s+(?:about\s+)?\w+\s+more\s+(?:routes|apps|instances|spaces|services)\b/`,
		}},
		{Name: "provisioning: service instance", Class: Provisioning, Patterns: []string{
			"service key", "service keys", "create-service-key", "create-service", "update-service",
			"bind-service", "unbind-service", "delete-service", "service plan", "plan upgrade",
			`/\b(?:create|creating|provision|provisioning|new|delete|deleting|upgrade|upgrading|resize|resizing|update|updating|migrate|migrating)\s+(?:\w+\s+){0,3}(?:service\s+instance|database|db|instance|service\s+plan|plan)s?\b/`,
			`/\b(?:` + askRE + `)\s+(?:(?:` + askDetRE + `)\s+)?(?:database|databases|db|bucket|buckets|s3|redis|postgres|postgresql|mysql|elasticsearch|opensearch|queue|service\s+instance|service\s+instances)\b/`,
			`/\b(?:bigger|larger|smaller|higher)\s+(?:\w+\s+)?(?:plan|tier|size)\b/`,
			"next size up",
			`/\b(?:rotate|rotating|regenerate|regenerating|reset|revoke)\s+(?:(?:the|our|my|its|these|those|all)\s+)?(?:\w+\s+)?(?:credentials|keys?|secrets?|tokens?)\b/`,
		}},
		{Name: "provisioning: domains and routes", Class: Provisioning, Patterns: []string{
			"custom domain", "custom domains", "external-domain", "domain-with-cdn", "cdn-route", "cdn route",
			"map-route", "map route", "map a route", "mapping a route", "route mapping", "create-route",
			"create-domain", "create-private-domain", "private domain", "cname",
			"agency domain", "own domain", "vanity url", "vanity domain", "instead of the default",
			`/\b(?:new|add|create|set\s+up|setup)\s+(?:(?:a|an|the|our|custom)\s+)?(?:route|domain|hostname)s?\b/`,
		}},
		{Name: "provisioning: network access", Class: Provisioning, Patterns: []string{
			"egress", "security group", "security groups", "network policy", "network policies",
			"add-network-policy", "allowlist", "allow list", "whitelist", "ip range", "ip ranges",
			"ip restriction", "ip restrictions", "outbound", "outbound traffic",
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
