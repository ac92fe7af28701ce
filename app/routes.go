package app

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// routes registers every route of the app, in one readable place.
func (s *Server) routes() {
	a := s.app
	a.Get("/healthz", s.healthz)
	a.Get("/readyz", s.readyz)
	a.Get("/static/*", s.staticFile)
	a.Use(s.limitBody)
	a.Use(s.checkTextInput)

	// Machine API: API-key authentication, a rate limit per key,
	// problem+json errors, no CSRF.
	a.Get("/api/openapi.json", s.apiOpenAPI)
	apiLimit := s.apiLimiter()
	api := a.Group("/api/v1", s.requireAPIKey, apiLimit)
	api.Post("/interfaces/:id/batch", s.apiBatchCreateV1)
	api.Get("/batches", s.apiBatchList)
	api.Get("/batches/:id", s.apiBatchGet)
	api.Delete("/batches/:id", s.apiBatchDelete)
	api.Post("/batches/:id/run", s.apiBatchRun)
	api.Post("/batches/:id/clone", s.apiBatchClone)
	api.Post("/batches/:id/cancel", s.apiBatchCancel)
	api.Get("/batches/:id/files/:kind", s.apiBatchFile)
	api.Get("/flows", s.apiFlowList)
	api.Post("/flows", s.apiFlowCreate)
	api.Get("/flows/:id", s.apiFlowShow)
	api.Patch("/flows/:id", s.apiFlowUpdate)
	api.Delete("/flows/:id", s.apiFlowArchive)
	api.Get("/interfaces", s.apiInterfaceList)
	api.Post("/interfaces", s.apiInterfaceCreate)
	api.Get("/interfaces/:id", s.apiInterfaceShow)
	api.Patch("/interfaces/:id", s.apiInterfaceUpdate)
	api.Delete("/interfaces/:id", s.apiInterfaceArchive)
	api.Get("/files", s.apiFileList)
	api.Post("/files", s.apiFileUpload)
	api.Get("/files/:id", s.apiFileGet)
	api.Get("/files/:id/content", s.apiFileContent)
	api.Delete("/files/:id", s.apiFileDelete)
	api.Get("/webhooks", s.apiWebhookList)
	api.Post("/webhooks", s.apiWebhookCreate)
	api.Get("/webhooks/:id", s.apiWebhookShow)
	api.Patch("/webhooks/:id", s.apiWebhookUpdate)
	api.Delete("/webhooks/:id", s.apiWebhookDelete)
	api.Get("/webhooks/:id/deliveries", s.apiWebhookDeliveries)
	api.Post("/webhooks/:id/test", s.apiWebhookPing)
	apiV2 := a.Group("/api/v2", s.requireAPIKey, apiLimit)
	apiV2.Post("/interfaces/:id/batch", s.apiBatchCreateV2)
	// API routes go above this line: every other /api/ request ends here
	// (404, or 405 with Allow), before the browser's session and CSRF checks.
	a.Use("/api", s.apiNoRoute)

	// Browser: sessions and CSRF on everything below.
	web := a.Group("", s.loadSession, s.csrfProtect)
	authLimit := s.loginLimiter()
	web.Get("/login", s.loginPage)
	web.Post("/login", authLimit, s.login)
	web.Get("/signup", s.signupPage)
	web.Post("/signup", authLimit, s.signup)
	web.Post("/logout", s.logout)

	app := web.Group("", s.requireSession)
	app.Get("/", s.batchList)
	app.Get("/batches/new", s.wizardNew)
	app.Post("/batches/new", s.wizardCreate)
	app.Get("/batches/:id", s.batchReport)
	app.Get("/batches/:id/details", s.batchDetails)
	app.Get("/batches/:id/wizard/:step", s.wizardStep)
	app.Post("/batches/:id/wizard/:step", s.wizardSave)
	app.Post("/batches/:id/input", s.batchInput)
	app.Post("/batches/:id/run", s.batchRun)
	app.Post("/batches/:id/cancel", s.batchCancel)
	app.Post("/batches/:id/clone", s.batchClone)
	app.Delete("/batches/:id", s.batchDelete)
	app.Get("/events/batches", s.batchEvents)
	app.Get("/events/batches/:id", s.batchEventsOne)
	app.Get("/interfaces", s.interfacesPage)
	app.Get("/interfaces/new", s.interfaceNewPage)
	app.Post("/interfaces", s.interfaceCreate)
	app.Post("/interfaces/fields-editor", s.interfaceFieldsRow)
	app.Get("/interfaces/:id", s.interfaceShow)
	app.Get("/interfaces/:id/edit", s.interfaceEditPage)
	app.Post("/interfaces/:id", s.interfaceUpdate)
	app.Post("/interfaces/:id/archive", s.interfaceArchive)
	app.Get("/interfaces/:id/postman.json", s.interfacePostman)
	app.Get("/flows", s.flowsPage)
	app.Get("/flows/new", s.flowNewPage)
	app.Post("/flows", s.flowCreate)
	app.Get("/flows/:id/edit", s.flowEditPage)
	app.Post("/flows/:id", s.flowUpdate)
	app.Post("/flows/:id/archive", s.flowArchive)
	app.Get("/flows/:id/records", s.recordsPage)
	app.Get("/records/:id", s.recordShow)
	app.Get("/files", s.filesPage)
	app.Post("/files/upload", s.fileUpload)
	app.Get("/files/:id", s.filePreview)
	app.Get("/files/:id/download", s.fileDownload)
	app.Post("/files/:id/rename", s.fileRename)
	app.Post("/files/:id/move", s.fileMove)
	app.Post("/files/:id/delete", s.fileDelete)
	app.Post("/folders", s.folderCreate)
	app.Post("/folders/delete", s.folderDelete)
	app.Get("/api-keys", s.apiKeysPage)
	app.Post("/api-keys", s.apiKeyCreate)
	app.Post("/api-keys/:id/revoke", s.apiKeyRevoke)
	app.Get("/webhooks", s.webhooksPage)
	app.Get("/webhooks/new", s.webhookNewPage)
	app.Post("/webhooks", s.webhookCreate)
	app.Get("/webhooks/:id", s.webhookShow)
	app.Post("/webhooks/:id", s.webhookUpdate)
	app.Get("/webhooks/:id/deliveries", s.webhookDeliveries)
	app.Post("/webhooks/:id/test", s.webhookPing)
	app.Post("/webhooks/:id/enable", s.webhookEnable)
	app.Post("/webhooks/:id/disable", s.webhookDisable)
	app.Post("/webhooks/:id/delete", s.webhookDelete)
	app.Get("/api/docs", s.apiDocsPage)
	if s.dashboard != nil {
		admin := app.Group(jobsDashboardPrefix, s.requireOperator, s.requireSameOrigin)
		admin.All("", s.dashboard)
		admin.All("/*", s.dashboard)
	}
}

// loginLimiter caps sign-in and sign-up attempts per client address, with
// counters in PostgreSQL so that every web process shares them.
func (s *Server) loginLimiter() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        s.cfg.LoginRateLimit,
		Expiration: time.Minute,
		Storage:    &pgStorage{pool: s.pool, table: "rate_limits"},
		KeyGenerator: func(c *fiber.Ctx) string {
			return "auth:" + c.IP()
		},
		LimitReached: func(c *fiber.Ctx) error {
			return &HTTPError{
				Status: fiber.StatusTooManyRequests, Title: "Too many attempts",
				Detail:  "Too many sign-in attempts from your address. Wait a minute and try again.",
				Headers: map[string]string{fiber.HeaderRetryAfter: "60"},
			}
		},
	})
}

// apiLimiter caps API requests per key and minute (FLOWBATCH_API_RATE_LIMIT),
// with counters in PostgreSQL so that every web process shares them.
func (s *Server) apiLimiter() fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        s.cfg.APIRateLimit,
		Expiration: time.Minute,
		Storage:    &pgStorage{pool: s.pool, table: "rate_limits"},
		KeyGenerator: func(c *fiber.Ctx) string {
			return "api:" + identity(c).APIKeyID.String()
		},
		LimitReached: func(c *fiber.Ctx) error {
			// The limiter has set Retry-After to the seconds left in the window.
			return &HTTPError{
				Status: fiber.StatusTooManyRequests, Title: "Too many requests",
				Detail: fmt.Sprintf("This API key may send %d requests a minute. Wait for the time in Retry-After and try again.", s.cfg.APIRateLimit),
			}
		},
	})
}
