package app

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/flowbatch/flowbatch/db"
)

// healthz answers while the process is up.
func (s *Server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

// readyz answers 200 when the database is reachable and the schema is current.
func (s *Server) readyz(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		s.log.Warn("readiness: database unreachable", "error", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "database": "unreachable"})
	}
	pending, err := db.Pending(ctx, s.pool)
	if err != nil {
		s.log.Warn("readiness: reading schema version", "error", err)
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "database": "unreadable schema"})
	}
	if pending > 0 {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "pending_migrations": pending})
	}
	return c.JSON(fiber.Map{"status": "ok"})
}
