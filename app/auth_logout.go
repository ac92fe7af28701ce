package app

import "github.com/gofiber/fiber/v2"

// logout ends the session.
func (s *Server) logout(c *fiber.Ctx) error {
	sess, err := s.sessions.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Destroy(); err != nil {
		return err
	}
	return redirect(c, "/login?signed_out=1")
}
