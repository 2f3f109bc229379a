package seed

import (
	"math/rand/v2"
	"strconv"
	"strings"
)

// agency is a (fictional) customer agency.
type agency struct {
	name, short, domain string
	programs            []string
}

// The agencies are made up, and so are their domains: seeded desks are for
// demos and tests, never for mailing real people.
var agencies = []agency{
	{"Federal Permits Office", "fpo", "fpo.gov", []string{"permit applications", "inspections", "e-filing"}},
	{"Bureau of Rural Broadband", "brb", "ruralbroadband.gov", []string{"coverage maps", "grant tracking"}},
	{"National Grants Service", "ngs", "grants-service.gov", []string{"grant applications", "award reporting", "reviewer portal"}},
	{"Office of Benefits Delivery", "obd", "benefitsdelivery.gov", []string{"benefits eligibility", "claims status", "appeals"}},
	{"Agency for Coastal Data", "acd", "coastaldata.gov", []string{"tide gauges", "open data API"}},
	{"Veterans Housing Administration", "vhsa", "vethousing.gov", []string{"loan guaranty", "housing search"}},
	{"Small Business Export Office", "sbeo", "exportoffice.gov", []string{"export assistance", "trade leads"}},
	{"Federal Records Service", "frs", "recordsservice.gov", []string{"records requests", "FOIA portal"}},
	{"Department of Public Lands", "dpl", "publiclands.gov", []string{"recreation passes", "campground reservations", "trail conditions"}},
	{"Center for Health Statistics", "chs", "healthstats.gov", []string{"survey data", "dashboards"}},
	{"Transit Safety Board", "tsb", "transitsafety.gov", []string{"incident reports", "safety data"}},
	{"Office of Digital Identity", "odi", "digitalid.gov", []string{"identity proofing", "sign-in"}},
	{"Wildfire Coordination Center", "wcc", "wildfirecenter.gov", []string{"fire maps", "resource ordering"}},
	{"Federal Energy Efficiency Program", "feep", "energyefficiency.gov", []string{"rebate finder", "product registry"}},
	{"National Weather Archive", "nwa", "weatherarchive.gov", []string{"climate data", "station history"}},
	{"Student Aid Processing Center", "sapc", "studentaidcenter.gov", []string{"aid applications", "loan servicing"}},
	{"Office of Procurement Data", "opd", "procurementdata.gov", []string{"contract search", "spending API"}},
	{"Food Safety Notification Service", "fsns", "foodsafetyalerts.gov", []string{"recalls", "alerts subscriptions"}},
	{"Bureau of Tribal Programs", "btp", "tribalprograms.gov", []string{"program directory", "funding notices"}},
	{"Interagency Training Academy", "ita", "trainingacademy.gov", []string{"course catalog", "learning portal"}},
	{"Office of Public Alerts", "opa", "publicalerts.gov", []string{"alert publishing", "public notices"}},
	{"Federal Museum Network", "fmn", "museumnetwork.gov", []string{"collections search", "exhibits"}},
	{"Census Field Operations", "cfo", "fieldops.gov", []string{"field scheduling", "address canvassing"}},
	{"Office of Clean Water Grants", "ocwg", "cleanwatergrants.gov", []string{"state revolving funds", "project map"}},
	{"Federal Job Center", "fjc", "jobcenter.gov", []string{"job announcements", "applicant tracking"}},
	{"Patent Search Modernization", "psm", "patentsearch.gov", []string{"prior art search", "examiner tools"}},
	{"Agricultural Market Reports", "amr", "marketreports.gov", []string{"price reports", "market news API"}},
	{"Highway Data Office", "hdo", "highwaydata.gov", []string{"traffic counts", "bridge inventory"}},
	{"Office of Language Access", "ola", "languageaccess.gov", []string{"translation services", "interpreter scheduling"}},
	{"National Park Concessions", "npc", "parkconcessions.gov", []string{"concession permits", "vendor portal"}},
}

var firstNames = []string{
	"Priya", "James", "Maria", "Wei", "Aisha", "David", "Sofia", "Michael", "Fatima", "John", "Elena", "Kwame",
	"Laura", "Carlos", "Mei", "Robert", "Hannah", "Luis", "Grace", "Ahmed", "Olivia", "Daniel", "Nadia", "Thomas",
	"Rachel", "Jamal", "Emily", "Hiroshi", "Ana", "Brian", "Chloe", "Miguel", "Sarah", "Tyrone", "Ingrid", "Kevin",
	"Lakshmi", "Patrick", "Yuki", "Andre", "Megan", "Omar", "Julia", "Samuel", "Rosa", "Ethan", "Leila", "Marcus",
}

var lastNames = []string{
	"Patel", "Smith", "Garcia", "Chen", "Johnson", "Nguyen", "Williams", "Okafor", "Brown", "Kim", "Lopez", "Davis",
	"Martinez", "Wilson", "Anderson", "Tanaka", "Thomas", "Hernandez", "Moore", "Jackson", "Rossi", "Lee", "Walker",
	"Robinson", "Clark", "Haddad", "Lewis", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Green", "Adams",
	"Baker", "Nelson", "Hill", "Ramirez", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner",
}

var titles = []string{
	"Developer", "Product Owner", "DevOps Engineer", "Program Analyst", "Tech Lead", "Web Developer",
	"IT Specialist", "Program Manager", "Digital Services Lead", "Contractor, Bluefin Digital",
	"Contractor, Northwind Civic Tech", "Site Reliability Engineer", "Data Engineer",
}

var (
	appBase = []string{
		"portal", "api", "web", "frontend", "search", "dashboard", "worker", "etl", "forms", "admin",
		"status", "cms", "uploader", "notify", "reports", "auth-proxy", "docs-site", "scheduler",
	}
	spaces     = []string{"prod", "production", "staging", "dev", "sandbox", "test", "uat", "demo", "training"}
	services   = []string{"aws-rds", "aws-elasticache-redis", "s3", "aws-elasticsearch", "cdn-route", "external-domain", "cloud-gov-identity-provider"}
	plans      = []string{"micro-psql", "small-psql", "medium-psql", "medium-psql-redundant", "large-psql-redundant", "small-mysql", "redis-dev", "redis-3node", "es-medium"}
	mems       = []string{"2G", "4G", "8G", "10G", "16G", "20G", "32G", "40G", "64G"}
	codes      = []string{"502", "503", "504", "502", "503"}
	buildpacks = []string{"python_buildpack", "nodejs_buildpack", "go_buildpack", "java_buildpack", "staticfile_buildpack", "ruby_buildpack", "dotnet_core_buildpack", "php_buildpack"}
	months     = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	controls   = []string{"AC-2", "AU-11", "SC-13", "SC-28", "IA-2", "CM-6", "SI-4", "CP-9", "SC-7", "RA-5"}
	vendors    = []string{"Login.gov", "Pay.gov", "SAM.gov", "an SFTP server at a state agency", "the Treasury API", "Salesforce", "ServiceNow", "Okta", "a mainframe gateway"}
	sinceTimes = []string{
		"around 9:40 this morning", "since about 2pm ET", "overnight", "for the last 20 minutes", "since the deploy at 11",
		"starting around 8:15", "for about an hour now", "since midnight", "off and on since yesterday", "just now",
		"since roughly 3:30", "after lunch today",
	}
	whens = []string{
		"before our launch on Monday", "by end of week", "before the public comment period opens", "as soon as you can",
		"before our ATO assessment next month", "by Thursday if possible", "before the new fiscal year", "this sprint",
		"no rush, sometime in the next couple of weeks", "before the hearing on the 14th",
	}
	docPages = []string{
		"the custom domains page", "the logging documentation", "the page on deploying with GitHub Actions",
		"the database backup guide", "the pricing page", "the getting started guide", "the egress proxy page",
		"the service account instructions", "the compliance overview",
	}
)

// tctx expands one ticket's templates; what it picks ({app}, {org}, …)
// stays the same across the subject, body and replies.
type tctx struct {
	r       *rand.Rand
	ag      *agency
	first   string
	last    string
	cache   map[string]string
	subject string
	body    string
	// replyTmpl is the template's own reply.
	replyTmpl string
	name      string
	email     string
}

// content picks the requester and writes the subject and body.
func (k *tk) content(about topic) *tctx {
	g := k.g
	ag := &agencies[k.pick(g.agencyCum)]
	// A few dozen regulars per agency write most of its tickets.
	fi := int(float64(len(firstNames)) * pow2(k.r.Float64()))
	li := k.r.IntN(len(lastNames))
	c := &tctx{r: k.r, ag: ag, first: firstNames[fi], last: lastNames[li], cache: make(map[string]string, 8)}
	c.name = c.first + " " + c.last
	local := strings.ToLower(c.first + "." + c.last)
	if k.r.IntN(10) == 0 {
		local += strconv.Itoa(2 + k.r.IntN(8))
	}
	c.email = local + "@" + ag.domain

	var bank []tmpl
	switch about {
	case topicOutage:
		bank = availabilityBank
	case topicAccess:
		bank = provisioningBank
	default:
		bank = otherBank
	}
	t := bank[k.r.IntN(len(bank))]
	c.replyTmpl = t.reply
	c.subject = c.expand(t.s)
	if k.r.IntN(12) == 0 {
		c.subject = []string{"URGENT: ", "Re: ", "Fwd: ", "[" + strings.ToUpper(ag.short) + "] "}[k.r.IntN(4)] + c.subject
	}
	var b strings.Builder
	b.Grow(len(t.b) + 200)
	if gr := greetings[k.r.IntN(len(greetings))]; gr != "" {
		b.WriteString(gr)
		b.WriteString("\n\n")
	}
	b.WriteString(c.expand(t.b))
	if k.r.IntN(3) == 0 {
		b.WriteString(" ")
		b.WriteString(c.expand(extras[k.r.IntN(len(extras))]))
	}
	b.WriteString("\n\n")
	b.WriteString(closings[k.r.IntN(len(closings))])
	b.WriteString("\n")
	b.WriteString(c.first)
	if k.r.IntN(2) == 0 {
		b.WriteString(" " + c.last + "\n" + titles[k.r.IntN(len(titles))] + ", " + ag.name)
	}
	c.body = b.String()
	return c
}

func pow2(x float64) float64 { return x * x }

// reply is a staff member's first public reply: mostly the one that fits
// the request, sometimes a generic one for the topic of the class it ended
// up in.
func (c *tctx) reply(r *rand.Rand, about topic) string {
	if c.replyTmpl != "" && r.IntN(5) != 0 {
		return "Hi " + c.first + ",\n\n" + c.expand(c.replyTmpl) + "\n\n" + staffClosings[r.IntN(len(staffClosings))]
	}
	var bank []string
	switch about {
	case topicOutage:
		bank = availabilityReplies
	case topicAccess:
		bank = provisioningReplies
	default:
		bank = otherReplies
	}
	return "Hi " + c.first + ",\n\n" + c.expand(bank[r.IntN(len(bank))]) + "\n\n" + staffClosings[r.IntN(len(staffClosings))]
}

// followUp is the requester writing again.
func (c *tctx) followUp(r *rand.Rand) string {
	return c.expand(followUps[r.IntN(len(followUps))]) + "\n\n" + c.first
}

// note is an internal staff note.
func (c *tctx) note(r *rand.Rand, about topic) string {
	if about == topicOutage && r.IntN(2) == 0 {
		return c.expand(availabilityNotes[r.IntN(len(availabilityNotes))])
	}
	return c.expand(notes[r.IntN(len(notes))])
}

// reclassReason is why staff moved a ticket to a class of topic to.
func reclassReason(r *rand.Rand, to topic) string {
	var bank []string
	switch to {
	case topicOutage:
		bank = []string{
			"requester's production site is actually down; treating as an outage",
			"the access problem turned out to be a platform-wide login outage",
			"customer confirmed users are getting errors in production",
			"impact is wider than one user: availability",
		}
	case topicAccess:
		bank = []string{
			"site is up; this is an access request",
			"not an outage: they need a quota increase",
			"the errors are from a missing role, not the platform",
			"really a request for a new space",
			"needs a service instance, not a question",
		}
	default:
		bank = []string{
			"no platform problem; this is a billing question",
			"question about documentation, nothing to provision",
			"compliance question for the ATO package",
			"the errors were in their own code; general question",
			"duplicate of an earlier request; informational only",
		}
	}
	return bank[r.IntN(len(bank))]
}

// expand replaces {key}s in s.
func (c *tctx) expand(s string) string {
	if strings.IndexByte(s, '{') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 64)
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(c.value(s[i+1 : i+j]))
		s = s[i+j+1:]
	}
}

// value is the ticket's pick for key, made on first use.
func (c *tctx) value(key string) string {
	if v, ok := c.cache[key]; ok {
		return v
	}
	r := c.r
	one := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var v string
	switch key {
	case "app":
		v = c.ag.short + "-" + one(appBase)
	case "app2":
		v = c.ag.short + "-" + one(appBase)
	case "org":
		v = c.ag.short + "-" + []string{"prod", "platform", "digital", "apps", "web", "data"}[r.IntN(6)]
	case "space":
		v = one(spaces)
	case "space2":
		v = one([]string{"staging", "dev", "sandbox", "uat", "demo", "load-test", "preview", "training"})
	case "host":
		if r.IntN(2) == 0 {
			v = c.value("app") + ".app.cloud.gov"
		} else {
			v = one([]string{"www.", "apply.", "data.", "search.", "api.", "portal."}) + c.ag.domain
		}
	case "domain":
		v = c.ag.domain
	case "code":
		v = one(codes)
	case "person":
		v = one(firstNames) + " " + one(lastNames)
	case "pemail":
		p := strings.SplitN(c.value("person"), " ", 2)
		v = strings.ToLower(p[0]+"."+p[1]) + "@" + c.ag.domain
	case "svc":
		v = one(services)
	case "plan":
		v = one(plans)
	case "mem":
		v = one(mems[:4])
	case "mem2":
		v = one(mems[4:])
	case "n":
		v = strconv.Itoa(2 + r.IntN(30))
	case "pct":
		v = strconv.Itoa(5 + r.IntN(90))
	case "time":
		v = one(sinceTimes)
	case "when":
		v = one(whens)
	case "buildpack":
		v = one(buildpacks)
	case "month":
		v = one(months)
	case "fy":
		v = "FY" + strconv.Itoa(24+r.IntN(4))
	case "ctrl":
		v = one(controls)
	case "doc":
		v = one(docPages)
	case "program":
		v = one(c.ag.programs)
	case "agency":
		v = c.ag.name
	case "short":
		v = strings.ToUpper(c.ag.short)
	case "vendor":
		v = one(vendors)
	case "inc":
		v = "INC-" + strconv.Itoa(1000+r.IntN(9000))
	case "first":
		v = c.first
	case "guid":
		const hexd = "0123456789abcdef"
		bs := make([]byte, 36)
		for i := range bs {
			bs[i] = hexd[r.IntN(16)]
		}
		bs[8], bs[13], bs[18], bs[23] = '-', '-', '-', '-'
		v = string(bs)
	default:
		v = "{" + key + "}"
	}
	c.cache[key] = v
	return v
}

// tmpl is a request's subject and body and the usual first reply.
type tmpl struct{ s, b, reply string }

var greetings = []string{
	"Hi,", "Hello,", "Hi support team,", "Hello cloud.gov support,", "Good morning,", "Hi team,", "Hi all,", "",
	"Good afternoon,", "Hey folks,",
}

var closings = []string{"Thanks,", "Best,", "Regards,", "Thanks in advance,", "Appreciate it,", "Cheers,", "V/r,", "Many thanks,"}

var staffClosings = []string{
	"Best,\ncloud.gov support", "Thanks,\ncloud.gov support", "Regards,\nThe cloud.gov team", "— cloud.gov support",
}

// extras are added to some bodies for variety.
var extras = []string{
	"Our team is in Eastern time if a call would help.",
	"I've cc'd {person} from our team.",
	"Let me know if you need any more details.",
	"This is for the {program} work.",
	"Happy to jump on a quick call.",
	"Our contracting officer asked me to follow up {when}.",
	"We're tracking this internally as {inc}.",
}

var availabilityBank = []tmpl{
	{"{host} returning {code} Bad Gateway", "Our production app {app} in {org}/{space} started returning {code} Bad Gateway {time}. cf app shows all instances running, but every request through the router fails. Nothing was deployed today. Can you check whether something changed on the platform side?", "We found a router issue affecting a share of apps, {app} among them, {time}. It's fixed now and {host} should be answering normally; please tell us if you still see {code}s."},
	{"503 Service Unavailable on {host}", "Users are reporting 503 Service Unavailable when they load {host}. We restarted {app} twice with no change. This is the public site for {program}, so it's a high priority for us.", "The 503s came from {app} failing its health checks after a config change on the platform's side. We've rolled that back; {host} is serving again."},
	{"{app} is down", "{app} is down for everyone {time}. The health check endpoint returns nothing and cf logs shows no new requests reaching the app. Is there a known issue?", "We're looking into {app} now. The instances are running but aren't accepting connections; we'll update you within the hour."},
	{"Production outage: {program}", "We have a full outage of our {program} site ({host}) {time}. Requests hang and then fail with a gateway timeout. Our agency leadership is asking for an update.", "We're treating this as an incident ({inc}). The router cells serving {host} were overloaded; traffic is recovering now and we'll send a summary once it's stable."},
	{"cf push failing with staging error", "Every cf push of {app} to {org}/{space} fails during staging with \"Staging error: failed to stage application\" from the {buildpack}. It worked yesterday and we haven't changed the manifest.", "The staging failure came from an upstream change in the {buildpack}. We've pinned the previous version, so a new cf push of {app} should work; please confirm."},
	{"Deploys failing since this morning", "Our CI pipeline can't deploy: cf push times out after uploading app files, for {app} and {app2}. Deployments are failing for the whole team {time}.", "An upload service behind cf push was degraded this morning. It's been restarted and deploys are going through again; sorry for the disruption."},
	{"App crashing after restage", "After restaging {app} the instances keep restarting. cf events shows app.crash with exit status 137 (out of memory). Memory use looked normal before the restage.", "Exit status 137 means the instances ran out of memory. The restage picked up a newer runtime that uses more memory; raising {app}'s memory in the manifest should stop the crashes."},
	{"Timeouts connecting to {svc}", "{app} can't connect to its {svc} service instance. The logs are full of \"connection timed out\" and the app returns errors for any page that touches the database.", "The {svc} instance had a failover {time}. It is healthy now; restart {app} so it drops its stale connections."},
	{"Site extremely slow", "Page load times for {host} went from under a second to 20+ seconds {time}. CPU on our instances is low, so we think it's upstream of the app. Anything going on?", "We saw high latency on one router cell and took it out of rotation. Page loads for {host} are back to normal on our side; let us know what you see."},
	{"504 Gateway Timeout on file uploads", "Uploads larger than a few MB to {host} fail with 504 Gateway Timeout. Small files work. This started {time}; nothing changed in our code.", "The router times requests out after 15 minutes, but the proxy in front of {host} had a lower limit after maintenance. We've restored it; large uploads should work again."},
	{"Health checks failing for {app}", "Health checks are failing for {app} in {space} and the platform keeps restarting the instances. The app starts fine locally. Could you look at what the health check sees?", "The health check uses the port from $PORT; {app} is listening on a fixed port since the last push. Setting it back to $PORT should make the checks pass."},
	{"Is cloud.gov down?", "We can't reach the dashboard or the API from our office network or from home. cf login hangs. Is the platform having problems?", "We had a brief problem with the login service {time}; the API and dashboard are available again. Details are on the status page under {inc}."},
	{"TLS error on custom domain", "Browsers show a TLS error for {host}: the certificate has expired according to Chrome. The custom domain was set up last year and renewed automatically until now.", "The certificate for {host} couldn't renew because the CNAME had changed. We've re-issued it; the TLS error should clear within a few minutes."},
	{"Intermittent 502s from {app}", "About {pct}% of requests to {app} get a 502 from the router {time}. Retrying usually works. We see nothing in our app logs for the failed requests.", "The 502s happen when {app} closes idle keep-alive connections before the router does. Raising the app's idle timeout above 90 seconds should stop them; we're also watching the routers."},
	{"Logs stopped flowing", "Our logs stopped receiving new entries {time}. The app is serving traffic but nothing shows up in the log viewer after that time, so we're blind if something breaks.", "The log pipeline fell behind {time} and dropped some messages. It has caught up; new logs from {app} should show up again."},
	{"{short} API returning 500 internal server error", "Our partners report the {program} API returns 500 Internal Server Error for every call {time}. The app logs show the database connection pool is exhausted, and we can't tell why.", "The database for {app} hit its connection limit. We've confirmed the {svc} instance is healthy; a smaller connection pool per instance, or the next plan up, will fix it."},
	{"Website not loading for users", "Several users tell us {host} is not loading at all — a blank page after a long wait. We can reproduce it from a government laptop but not from a phone on cellular.", "It looks like the agency network is blocking the new IP range for {host}. We've sent your network team the ranges to allowlist."},
	{"Scheduled task hangs", "Our nightly job in {app} has been hanging since the weekend. cf run-task starts, then nothing, and the task is killed after the timeout. It usually takes ten minutes.", "The task is waiting on a lock held by a previous run that never finished. We've cleared it; the next run of the job should complete."},
	{"Connection refused from {svc}", "Since {time} {app} gets connection refused from its {svc} instance. We haven't touched the binding. Is the service instance healthy on your side?", "The {svc} instance was being upgraded during the maintenance window and refused connections for a few minutes. It's back; please retry."},
	{"Dashboard not responding", "The web dashboard is not responding for anyone on our team; it spins forever after login. The CLI still works. Is this a known issue?", "The dashboard was affected by an issue with our session store. It's been fixed; a hard refresh should get you in."},
	{"High latency in {space}", "We're seeing high latency on every route in {org}/{space}, around 8 seconds per request. Our monitoring shows the slowness starts before requests reach the app.", "We traced the latency to a noisy neighbour on one of the cells serving {org}/{space} and moved your instances. Let us know if it comes back."},
	{"DOWN", "{host} down again. Same symptoms as last week.", "We're on it: {host} is failing health checks again. Same cause as last week, and we're applying the same fix now."},
	{"Error rate spike on {app}", "Our error rate jumped to {pct}% {time}. Requests are failing with connection reset errors between the router and the app.", "The connection resets were caused by a router deploy. It has been rolled back and the error rate for {app} is back to baseline."},
	{"Service disruption affecting {program}", "We're seeing a service disruption on {host}: most requests fail, a few succeed. Please treat as urgent; the {program} deadline is today.", "Confirmed: we're seeing elevated errors for {host} and are working on it as {inc}. Next update within 30 minutes."},
}

var provisioningBank = []tmpl{
	{"Request: new space for {app}", "Could you create a new space called {space2} in our {org} org? We need it for {app} testing {when}. I'm the OrgManager.", "Done: the {space2} space now exists in {org}, and you're its SpaceManager."},
	{"Please add {person} to our org", "Please add {pemail} to the {org} org with SpaceDeveloper on {org}/{space}. They joined our team this week and already accepted the invitation.", "Done: {pemail} now has SpaceDeveloper in {org}/{space}."},
	{"Memory quota increase for {org}", "We're at our memory limit in {org}. Could you raise the quota from {mem} to {mem2}? We're adding instances {when} for the {program} launch.", "We've raised the memory quota for {org} to {mem2}. The change is in effect now."},
	{"Remove user who left the agency", "{person} left the agency last week. Please remove user {pemail} from {org} and all of its spaces.", "We've removed {pemail} from {org} and all of its spaces."},
	{"Locked out after MFA reset", "I got a new phone and I'm locked out: my authenticator app no longer has the cloud.gov code. Can you reset my MFA?", "Your MFA has been reset. You'll be asked to set up an authenticator app the next time you log in."},
	{"New org request for {program}", "We'd like a new org for the {program} project at {agency}. Our IAA is signed and the system owner is {person}. We'd like it set up {when}.", "Thanks! We've created the org and invited {person} as OrgManager. They'll get an email with next steps."},
	{"Custom domain setup for {domain}", "We need a custom domain for {app}: apply.{domain}. DNS is managed by our agency network team, who can add the CNAME once you tell us what to point it at.", "We've started the custom domain setup. Please ask your network team to add the CNAME for apply.{domain} shown in the service instance's status."},
	{"Need a service account for CI/CD", "Could we get a service account with SpaceDeveloper in {org}/{space} for our GitHub Actions deploys? Our current pipeline uses a personal account.", "The service account is ready in {org}/{space}. Its credentials are in a service key; please store them in your CI's secrets, not the repository."},
	{"Upgrade database plan to {plan}", "Please help us upgrade our aws-rds service instance for {app} to the {plan} service plan. We're running low on storage and connections.", "The {plan} upgrade is scheduled for tonight's maintenance window; expect a few minutes of downtime for the database."},
	{"Egress access to {vendor}", "{app} needs to call {vendor}. What's the process to open egress from {org}/{space}? Do we need a different security group?", "We've added {vendor} to the egress allowlist for {org}/{space}. Restart {app} to pick up the new security group."},
	{"Invitation email never arrived", "I was told I'd get an invitation to the {org} org, but nothing has arrived, and nothing in spam either. My address is on the {domain} domain.", "We've re-sent the invitation to {org}. If it doesn't arrive in 10 minutes, check that your agency's mail filter allows our domain."},
	{"Grant OrgManager role to {person}", "Please grant the OrgManager role in {org} to {pemail}. I'm rotating off the project {when} and they'll be taking over.", "Done: {pemail} is now an OrgManager in {org}."},
	{"Route limit reached", "We hit the route limit for {org} while setting up preview environments. Could you increase the limit of routes to {n}0?", "We've raised the route quota for {org} to {n}0."},
	{"Sandbox account request", "I'm a developer at {agency} and would like a sandbox account to try the platform before we bring {program} over.", "Welcome! Your sandbox account is ready; you should have an invitation in your inbox."},
	{"Can't see the {space} space", "I can log in but I don't see the {space} space in {org}. My teammate {person} can. I think I'm missing a role.", "You were missing a role in {org}/{space}. We've given you SpaceDeveloper; log out and back in to see the space."},
	{"Access to {org} for new contractor", "We need developer access to {org}/{space} for {pemail}, a contractor who starts Monday. Their background check cleared.", "Done: {pemail} has SpaceDeveloper in {org}/{space}."},
	{"Create Redis instance", "Please help us create a new service instance of aws-elasticache-redis for {app}, plan redis-3node, in {org}/{space}.", "The aws-elasticache-redis instance is being created in {org}/{space}; it takes about 15 minutes. Bind it to {app} once cf service shows it as available."},
	{"Password reset not working", "I tried the password reset link three times and it says the link expired every time. I can't log in to the dashboard.", "We found the reset links were expiring too early and fixed it. Please request a new link; it will be valid for an hour."},
	{"Increase instance limit", "Could you raise the app instance limit for {org}? We need {n} instances of {app} to handle the {program} traffic {when}.", "We've raised the app instance limit for {org} so you can run {n} instances of {app}."},
	{"Space developer access please", "Hi, could I get space developer in {org}/{space}? {person} approved it in our team channel.", "We'll need your OrgManager to approve this here; once they do we'll add the role."},
	{"Delete old {space2} space", "We no longer need the {space2} space in {org}; please delete it and its service instances. Nothing in it is in use.", "The {space2} space and its service instances have been deleted from {org}."},
	{"Map route for {app}", "How do I map a route for {app} on {host}? cf map-route gives me an error about the domain not existing in the org.", "The domain needs to be shared with your org first. We've done that; cf map-route should work now."},
	{"Offboarding three users", "Offboarding: please remove {pemail} and two others (list attached) from {org}. Their contracts ended on the 30th.", "We've removed {pemail} and the others on your list from {org}."},
	{"SSO with our agency IdP", "We'd like our staff to log in with our agency's identity provider (SAML) instead of cloud.gov accounts. What do you need from us?", "We can set that up. Please send your IdP's SAML metadata and a technical contact, and we'll schedule a test."},
}

var otherBank = []tmpl{
	{"Question about {month} invoice", "Our {month} invoice for {org} is higher than we expected. Could you explain the charges for memory and the {svc} instances?", "Your {month} invoice includes the {svc} instances created mid-month; the charges are prorated. We've attached a breakdown."},
	{"IAA renewal for {fy}", "Our interagency agreement is up for renewal in {fy}. Who should our budget office contact, and what estimate should we use for next year?", "Our billing team will reach out to your budget office about the {fy} renewal this week. Last year's usage is a good estimate to start from."},
	{"ATO documentation: inherited controls", "Our ISSO is preparing the ATO package for {program} and asked which controls we inherit from the platform, especially {ctrl}. Is there a current customer responsibility matrix?", "The customer responsibility matrix is in the ATO package; {ctrl} is fully inherited from the platform. We've shared the latest version with you."},
	{"Encryption at rest for {svc}", "For our security review: is data in {svc} encrypted at rest, and is the encryption FIPS 140 validated? Our assessor needs a reference for {ctrl}.", "Yes: data in {svc} is encrypted at rest with FIPS 140 validated modules. The compliance overview has the reference your assessor needs for {ctrl}."},
	{"Broken link in docs", "The link to the CLI download on {doc} is broken (404). Thought you'd want to know.", "Thanks for pointing that out. We've fixed the link on {doc}."},
	{"How do I set environment variables?", "How do I set environment variables for {app} without putting secrets in the manifest? Is there a recommended way with user-provided services?", "We recommend a user-provided service for secrets: create it with cf cups, bind it to {app}, and read it from VCAP_SERVICES. There's a walkthrough in the documentation."},
	{"Feature request: scheduled scaling", "Feature request: it would help us a lot to scale {app} on a schedule, up during business hours and down at night. Is that on the roadmap?", "Thanks for the suggestion! It's not on the roadmap yet, but we've added your vote to the feature request."},
	{"Log retention period", "What is the log retention period on the platform? Our records schedule requires us to keep application logs for a year ({ctrl}).", "Logs are kept for 180 days on the platform. To keep them for a year, you can drain them to your own storage; the logging documentation explains how."},
	{"Thank you!", "Just wanted to say thank you for the quick help last week with our launch. Everything went smoothly. You can close this.", "Thanks for the kind words — we've passed them on to the team. Closing this out."},
	{"508 accessibility of the dashboard", "A colleague who uses a screen reader has trouble with the dashboard's service instance pages. Is there a VPAT or 508 conformance report?", "We've sent you our latest accessibility conformance report (VPAT). We're also fixing the service instance pages your colleague mentioned."},
	{"Best practice for blue-green deploys", "What's the best way to do blue-green deploys on the platform? We'd like zero downtime releases for {app}.", "cf push with --strategy rolling gives you zero-downtime deploys without managing two apps. The deploying guide covers both approaches."},
	{"Maintenance window question", "Is there a published maintenance window? We want to plan our releases of {app} around platform maintenance.", "Platform maintenance happens on weekday evenings ET and is announced on the status page at least a week ahead."},
	{"Quick question from the {program} team", "We're planning next quarter and wanted to understand what moving {program} onto the platform would involve for our team.", "Happy to help. We'll set up a call to walk through what moving {program} would involve."},
	{"Pricing for a second system", "We're considering hosting another system for {agency}. Could you send the current pricing and what package fits about {mem2} of memory?", "We've attached the current pricing. For about {mem2} of memory, the medium package fits."},
	{"FedRAMP authorization letter", "Our CISO asked for the platform's FedRAMP P-ATO letter for our files. Where can we find it?", "The P-ATO letter is available through the FedRAMP marketplace; we've also sent a copy to your CISO."},
	{"Question about data residency", "Where are our databases physically hosted, and do backups leave the region? Our privacy office is asking.", "All data stays in US regions, including backups. The compliance overview has the details for your privacy office."},
	{"Typo on the pricing page", "There's a typo on the pricing page: \"memroy\". Minor, but figured I'd report it.", "Good catch, fixed. Thanks!"},
	{"Is there a way to get cost reports by space?", "Is there a way to see costs per space instead of per org? Our budget office wants a chargeback breakdown for {fy}.", "Not yet by space, only by org. Many agencies use one org per system for chargeback; we can help you split if that would work."},
	{"Training for new developers", "Do you offer training or office hours for new developers? We have {n} people joining the {program} team.", "We hold office hours every Thursday and have an onboarding guide for new developers. We've sent the invite to your team."},
	{"Audit log request", "For an internal audit we need a record of who changed roles in {org} over the last six months. Can you provide that?", "We've exported the role changes in {org} for the last six months and shared them with you."},
	{"Status page subscription", "How do we subscribe to the status page so our on-call gets notified of incidents?", "Use the Subscribe button on the status page; you can choose email or a webhook for your on-call tool."},
	{"Support for Python 3.13?", "Is Python 3.13 supported by the python_buildpack yet? We'd like to upgrade {app}.", "Yes, the current python_buildpack supports Python 3.13. Set it in runtime.txt and restage {app}."},
	{"Recommended approach for background jobs", "Is it recommended to run background workers as a separate app or as tasks? We have a queue-based job in {app}.", "For a queue-based job we'd run a separate worker app bound to the same services; tasks suit one-off or scheduled work."},
	{"Moving our budget to a new fund code", "Our funding is moving to a new fund code in {fy}. What paperwork does your billing team need?", "We'll need an amended IAA with the new fund code. Our billing team will send the form to your budget office."},
	{"Checking in on our onboarding timeline", "Checking in on where {agency} stands in the queue. Our leadership asked for a rough timeline.", "You're next in line; we expect to start {agency}'s onboarding within two weeks."},
}

// Generic first replies, by the class a ticket ended up in.
var availabilityReplies = []string{
	"Thanks for the report. We're looking into it now and will update you within the hour.",
	"We're aware of elevated errors on the platform and are working on it. Updates are on the status page under {inc}.",
	"We checked the router logs: requests are reaching {app} and it is returning the errors itself. Could you check your app logs around {time}?",
	"We couldn't reproduce this from our side. Could you send the request IDs (the X-Vcap-Request-Id header) of a few failing requests?",
	"An upstream issue affected some apps earlier; it has been resolved. Please let us know if you still see problems.",
}

var provisioningReplies = []string{
	"Thanks, we're on it and will confirm here once the change is made.",
	"We need approval from your org's OrgManager before we can make this change. Could they reply here to confirm?",
	"Done. Please log out and back in for the change to show up.",
	"We've made the change; let us know if anything doesn't look right.",
}

var otherReplies = []string{
	"Good question. We'll check with the team and get back to you.",
	"Thanks for reaching out. We've answered this in the documentation; the relevant section is {doc}.",
	"Thanks, we've passed this on to the right people and will follow up here.",
	"We've sent the details to your email; let us know if you need anything else.",
}

var followUps = []string{
	"Thanks, that fixed it.",
	"That worked, you can close this.",
	"We're still seeing the same problem on {host} — any update?",
	"Confirming it works now. Appreciate the quick turnaround.",
	"One more question: does this also apply to {app2}?",
	"Our OrgManager {person} approves this request.",
	"Following up on this — it's blocking our {program} release.",
	"Got it, thanks. We'll update the manifest.",
}

var notes = []string{
	"Checked with billing; the charges look right.",
	"Waiting on the customer's OrgManager to approve.",
	"Verified the requester is on the agency's approved list.",
	"Linked to the onboarding tracker.",
	"Similar to last month's request from the same agency.",
	"Asked platform ops to double-check the quota change.",
	"Customer was on the office-hours call; explained the options.",
}

var availabilityNotes = []string{
	"Router logs show normal latency for this route; likely app-side.",
	"Escalated to platform ops as {inc}.",
	"Correlates with the cell rotation earlier today.",
	"The service instance failed over at the time the errors started.",
	"Posted an incident on the status page.",
}
