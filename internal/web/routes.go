package web

import (
	"github.com/gin-gonic/gin"
)

// routes is slatrack's one route table.
func (s *Server) routes(e *gin.Engine) {
	e.Use(s.recoverPanics, s.observe, s.logRequests, s.securityHeaders, s.limitBody)
	e.NoRoute(func(c *gin.Context) { s.respondError(c, errNoRoute) })
	e.NoMethod(func(c *gin.Context) { s.respondError(c, errNoMethod) })

	// Health: liveness and readiness for load balancers.
	e.GET("/healthz", s.healthz)
	e.HEAD("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.HEAD("/readyz", s.readyz)
	e.GET("/static/*file", s.serveStatic)
	e.GET("/metrics", s.metricsHandler)

	// Transparency: public service metrics and the closures calendar.
	e.GET("/status", s.statusPage)
	e.GET("/calendar.ics", s.calendarICS)

	// Public intake: the request form and its confirmation.
	public := e.Group("/", s.csrf)
	public.GET("/", s.intakeForm)
	public.POST("/", s.intakeSubmit)
	public.GET("/submitted", s.intakeDone)
	public.GET("/login", s.loginForm)
	public.POST("/login", s.loginSubmit)

	// Staff UI: login required.
	staff := e.Group("/", s.csrf, s.requireStaff)
	staff.POST("/logout", s.logout)
	staff.GET("/queue", s.queuePage)
	staff.GET("/tickets/:ref", s.ticketPage)
	staff.POST("/tickets/:ref/reply", s.ticketReply)
	staff.POST("/tickets/:ref/reclassify", s.ticketReclassify)
	staff.POST("/tickets/:ref/assign", s.ticketAssign)
	staff.POST("/tickets/:ref/status", s.ticketStatus)
	staff.GET("/tickets/:ref/attachments/:id", s.attachment)
	// People and merges on the ticket page.
	staff.POST("/tickets/:ref/participants", s.ticketAddParticipant)
	staff.POST("/tickets/:ref/participants/remove", s.ticketRemoveParticipant)
	staff.POST("/tickets/:ref/merge", s.ticketMerge)
	// The ticket page working together: presence heartbeats (who else has
	// it open or is typing, what changed since the page was loaded).
	staff.POST("/tickets/:ref/presence", s.ticketPresence)
	staff.POST("/tickets/:ref/presence/leave", s.ticketLeave)
	staff.GET("/reports/overdue", s.overduePage)
	staff.GET("/reports/compliance", s.compliancePage)
	// The queue: its rows for live updates, bulk changes (review, then
	// apply), saved views.
	staff.GET("/queue/rows", s.queueRowsPart)
	staff.POST("/queue/bulk", s.queueBulkReview)
	staff.POST("/queue/bulk/apply", s.queueBulkApply)
	staff.POST("/queue/views", s.queueViewSave)
	staff.POST("/queue/views/:id/delete", s.queueViewDelete)

	// Admin UI.
	admin := staff.Group("/admin", s.requireAdmin)
	admin.GET("/users", s.usersPage)
	admin.POST("/users", s.usersCreate)
	admin.POST("/users/:id/active", s.usersSetActive)
	admin.GET("/tokens", s.tokensPage)
	admin.POST("/tokens/:id/revoke", s.tokensRevoke)
	admin.GET("/quarantine", s.quarantineList)
	admin.GET("/quarantine/:id/raw", s.quarantineRaw)
	admin.POST("/quarantine/:id/reprocess", s.quarantineReprocess)
	admin.POST("/quarantine/:id/discard", s.quarantineDiscard)
	// Macros: the canned-response library.
	admin.GET("/macros", s.macrosList)
	admin.POST("/macros", s.macroCreate)
	admin.GET("/macros/:id", s.macroEdit)
	admin.POST("/macros/:id", s.macroUpdate)
	admin.POST("/macros/:id/delete", s.macroDelete)

	// Inbound mail over HTTP: a raw RFC 822 body, by token or shared secret.
	e.POST("/api/v1/inbound/email", s.inboundAuth, s.inboundEmail)

	// JSON API: bearer tokens, no cookies, so no CSRF.
	api := e.Group("/api/v1", s.requireToken)
	api.POST("/tickets", s.apiCreateTicket)
	api.GET("/tickets", s.apiListTickets)
	// Queue: one change for many tickets, answered per ticket.
	api.POST("/tickets/bulk", s.apiBulk)
	api.GET("/tickets/:ref", s.apiGetTicket)
	api.PATCH("/tickets/:ref", s.apiUpdateTicket)
	api.POST("/tickets/:ref/replies", s.apiReply)
	api.POST("/tickets/:ref/messages", s.apiAddMessage)
	// People and merges.
	api.GET("/tickets/:ref/participants", s.apiListParticipants)
	api.POST("/tickets/:ref/participants", s.apiAddParticipant)
	api.DELETE("/tickets/:ref/participants/:email", s.apiRemoveParticipant)
	api.POST("/tickets/:ref/merge", s.apiMerge)
	// Macros: staff read the library, admins change it (checked by desk).
	api.GET("/macros", s.apiListMacros)
	api.GET("/macros/:id", s.apiGetMacro)
	api.POST("/macros", s.apiCreateMacro)
	api.PATCH("/macros/:id", s.apiUpdateMacro)
	api.DELETE("/macros/:id", s.apiDeleteMacro)
	api.GET("/reports/overdue", s.apiOverdue)
	api.GET("/reports/compliance", s.apiCompliance)
}
