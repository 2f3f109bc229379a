package seed

import "github.com/slatrack/slatrack/internal/sla"

// topic is what a generated request is about; each has its own template
// banks. The classes come from the policy: topicClasses maps each topic to
// one, so a seeded desk has whatever classes the configuration defines.
type topic int

const (
	topicOutage  topic = iota // the platform or an app is down or degraded
	topicAccess               // orgs, spaces, users, quotas, service instances
	topicGeneral              // billing, compliance, documentation, questions
	numTopics
)

// lateShare is, per topic, the share of answered tickets whose first
// response misses the target.
var lateShare = [numTopics]float64{topicOutage: 0.14, topicAccess: 0.09, topicGeneral: 0.07}

// topicClasses gives each topic a class of pol: outages the first class
// that overrides the requester (else the first urgent one, else the
// first), general requests the fallback class, and access requests the
// first class that is neither (else the fallback). With the default
// classes that is availability, provisioning and other.
func topicClasses(pol *sla.Policy) [numTopics]string {
	var out [numTopics]string
	classes := pol.Classes()
	for _, c := range classes {
		if c.Fallback {
			out[topicGeneral] = c.Name
		}
	}
	out[topicOutage] = classes[0].Name
	if i := firstClass(classes, func(c sla.Class) bool { return c.OverridesRequester }); i >= 0 {
		out[topicOutage] = classes[i].Name
	} else if i := firstClass(classes, func(c sla.Class) bool { return c.Urgent }); i >= 0 {
		out[topicOutage] = classes[i].Name
	}
	out[topicAccess] = out[topicGeneral]
	if i := firstClass(classes, func(c sla.Class) bool { return c.Name != out[topicOutage] && c.Name != out[topicGeneral] }); i >= 0 {
		out[topicAccess] = classes[i].Name
	}
	return out
}

func firstClass(classes []sla.Class, ok func(sla.Class) bool) int {
	for i, c := range classes {
		if ok(c) {
			return i
		}
	}
	return -1
}

// topicOf is the topic whose texts suit a ticket of class: the first topic
// mapped to it, general for a class no topic maps to.
func (g *generator) topicOf(class string) topic {
	for t, c := range g.topicClass {
		if c == class {
			return topic(t)
		}
	}
	return topicGeneral
}
