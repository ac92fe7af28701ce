package app

import (
	"github.com/a-h/templ"
	"github.com/gofiber/fiber/v2"
)

// render writes page for a full-page load and fragment for an htmx request
// that swaps part of the page. A boosted request or a history restore wants
// the whole page.
func render(c *fiber.Ctx, page, fragment templ.Component) error {
	c.Vary("HX-Request")
	if fragment != nil && isHTMX(c) && !isBoosted(c) && c.Get("HX-History-Restore-Request") != "true" {
		return renderComponent(c, fragment)
	}
	return renderComponent(c, page)
}

// renderComponent writes one component as HTML with the status already set.
func renderComponent(c *fiber.Ctx, comp templ.Component) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	return comp.Render(c.UserContext(), c.Response().BodyWriter())
}

func isHTMX(c *fiber.Ctx) bool    { return c.Get("HX-Request") == "true" }
func isBoosted(c *fiber.Ctx) bool { return c.Get("HX-Boosted") == "true" }

// redirect sends the browser to url: with HX-Redirect for htmx requests (a
// plain 3xx would be followed by the XHR and swapped into the page), with 303 otherwise.
func redirect(c *fiber.Ctx, url string) error {
	if isHTMX(c) {
		c.Set("HX-Redirect", url)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(url, fiber.StatusSeeOther)
}

// formStatus is the status of a form re-rendered with validation messages:
// 200 for an htmx swap (htmx swaps 2xx by default), 422 for a plain post.
func formStatus(c *fiber.Ctx) int {
	if isHTMX(c) {
		return fiber.StatusOK
	}
	return fiber.StatusUnprocessableEntity
}
