package app

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"riverqueue.com/riverui"

	"github.com/flowbatch/flowbatch/models"
)

// jobsDashboardPrefix is where operators find River UI, the job dashboard.
const jobsDashboardPrefix = "/admin/jobs"

// newJobsDashboard builds River UI over the app's River client and starts
// its background services until ctx ends.
func (s *Server) newJobsDashboard(ctx context.Context) (fiber.Handler, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(s.jobs, nil),
		Logger:    s.log.With("component", "riverui"),
		Prefix:    jobsDashboardPrefix,
	})
	if err != nil {
		return nil, fmt.Errorf("building the job dashboard: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("starting the job dashboard: %w", err)
	}
	// River UI's endpoints derive timeouts from the request's context.
	// Through the adaptor that is fasthttp's RequestCtx, whose Done channel
	// fasthttp v1.60 sets to nil without a lock when the server shuts down,
	// racing the goroutine that every derived context starts to watch it.
	// The dashboard's requests get the dashboard's own context instead,
	// which ends when the server stops.
	return adaptor.HTTPHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(ctx))
	})), nil
}

// requireOperator lets only operators through; to everyone else the
// dashboard does not exist (404). The role is read on every request, so a
// revoke takes effect at once.
func (s *Server) requireOperator(c *fiber.Ctx) error {
	id := identity(c)
	ok, err := models.IsOperator(c.UserContext(), s.db, id.AccountID, id.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return fiber.ErrNotFound
	}
	return c.Next()
}

// isJobsDashboard reports whether the request goes to the job dashboard.
func isJobsDashboard(c *fiber.Ctx) bool {
	p := c.Path()
	return p == jobsDashboardPrefix || strings.HasPrefix(p, jobsDashboardPrefix+"/")
}

// requireSameOrigin protects the dashboard's own API from cross-site
// requests. River UI's page sends no CSRF token, so instead of the token the
// browser's Sec-Fetch-Site (or, from older browsers, Origin) must say that a
// state-changing request comes from this site.
func (s *Server) requireSameOrigin(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if site := c.Get("Sec-Fetch-Site"); site != "" {
		if site == "same-origin" {
			return c.Next()
		}
	} else if origin, err := url.Parse(c.Get(fiber.HeaderOrigin)); err == nil && origin.Host != "" && origin.Host == c.Hostname() {
		return c.Next()
	}
	return &HTTPError{
		Status: fiber.StatusForbidden, Title: "Request refused",
		Detail: "This request did not come from Flowbatch's job dashboard. Reload the page and try again.",
	}
}
