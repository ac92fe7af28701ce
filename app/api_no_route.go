package app

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// apiNoRoute answers an /api/ request that no API route took: 405 with an
// Allow header when the path has operations for other methods, else 404,
// both problem+json. It is registered after the API routes and before the
// browser's, so that an API client never meets the browser's session, CSRF
// check or sign-in redirect.
func (s *Server) apiNoRoute(c *fiber.Ctx) error {
	if !isAPI(c) {
		return c.Next()
	}
	if allow := apiMethods(c.Path()); len(allow) > 0 {
		list := strings.Join(allow, ", ")
		return &HTTPError{
			Status: fiber.StatusMethodNotAllowed, Title: "Method Not Allowed",
			Detail:  fmt.Sprintf("This address takes %s, not %s.", list, c.Method()),
			Headers: map[string]string{fiber.HeaderAllow: list},
		}
	}
	return NewHTTPError(fiber.StatusNotFound, "There is no API operation at this address; /api/openapi.json lists them all.")
}

// apiMethods lists, sorted, the methods of the API's operations whose path
// template matches path (HEAD wherever there is GET, as Fiber answers it).
func apiMethods(path string) []string {
	segments := strings.Split(strings.TrimSuffix(path, "/"), "/")
	var methods []string
	for _, op := range apiOperations() {
		if !templateMatches(op.Path, segments) || slices.Contains(methods, op.Method) {
			continue
		}
		methods = append(methods, op.Method)
		if op.Method == fiber.MethodGet {
			methods = append(methods, fiber.MethodHead)
		}
	}
	slices.Sort(methods)
	return methods
}

// templateMatches reports whether an OpenAPI path template ({id} for one
// segment) matches the segments of a request path.
func templateMatches(template string, segments []string) bool {
	parts := strings.Split(template, "/")
	if len(parts) != len(segments) {
		return false
	}
	for i, p := range parts {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			if segments[i] == "" {
				return false
			}
		} else if p != segments[i] {
			return false
		}
	}
	return true
}
