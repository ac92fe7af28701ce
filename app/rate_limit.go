package app

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"
)

// rateWindow is the length of one rate-limit window.
const rateWindow = time.Minute

// rateCounter counts requests per key in fixed windows, in PostgreSQL. Each
// hit is one INSERT … ON CONFLICT DO UPDATE … RETURNING: the row lock makes
// concurrent hits from any number of processes count one after the other,
// so no more than the limit ever pass in a window.
type rateCounter struct {
	pool   *pgxpool.Pool
	window time.Duration
}

// rateHitSQL counts one hit in the window that holds the database's clock,
// starting the count afresh when the stored window is older. A statement
// whose clock reads an earlier window than a concurrent one already stored
// counts in the stored (newer) window.
const rateHitSQL = `
WITH w AS (SELECT to_timestamp(floor(extract(epoch FROM clock_timestamp()) / $2) * $2) AS start)
INSERT INTO rate_limits AS r (k, window_start, hits, expires_at)
SELECT $1, w.start, 1, w.start + make_interval(secs => $2) FROM w
ON CONFLICT (k) DO UPDATE SET
    hits = CASE WHEN r.window_start >= excluded.window_start THEN r.hits + 1 ELSE 1 END,
    window_start = greatest(r.window_start, excluded.window_start),
    expires_at = greatest(r.expires_at, excluded.expires_at)
RETURNING hits, expires_at, clock_timestamp()`

// hit counts one request under key and returns the count in the current
// window and how long until that window ends.
func (rc *rateCounter) hit(ctx context.Context, key string) (int, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, sessionQueryTimeout)
	defer cancel()
	var hits int
	var end, now time.Time
	if err := rc.pool.QueryRow(ctx, rateHitSQL, key, rc.window.Seconds()).Scan(&hits, &end, &now); err != nil {
		return 0, 0, fmt.Errorf("counting a request for rate limit %s: %w", key, err)
	}
	return hits, end.Sub(now), nil
}

// rateLimit returns middleware that lets limit requests per key through in
// each window. Answers carry X-RateLimit-Limit, -Remaining and -Reset (the
// seconds until the window ends); over the limit, refuse builds the 429,
// which gets Retry-After.
func (s *Server) rateLimit(limit int, key func(c *fiber.Ctx) string, refuse func() *HTTPError) fiber.Handler {
	rc := &rateCounter{pool: s.pool, window: rateWindow}
	return func(c *fiber.Ctx) error {
		hits, left, err := rc.hit(c.UserContext(), key(c))
		if err != nil {
			return err
		}
		reset := strconv.Itoa(max(1, int(math.Ceil(left.Seconds()))))
		c.Set("X-RateLimit-Limit", strconv.Itoa(limit))
		c.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, limit-hits)))
		c.Set("X-RateLimit-Reset", reset)
		if hits > limit {
			he := refuse()
			he.Headers = map[string]string{fiber.HeaderRetryAfter: reset}
			return he
		}
		return c.Next()
	}
}

// loginLimiter caps sign-in and sign-up attempts per client address, with
// counters in PostgreSQL so that every web process shares them.
func (s *Server) loginLimiter() fiber.Handler {
	return s.rateLimit(s.cfg.LoginRateLimit, func(c *fiber.Ctx) string { return "auth:" + c.IP() },
		func() *HTTPError {
			return &HTTPError{
				Status: fiber.StatusTooManyRequests, Title: "Too many attempts",
				Detail: "Too many sign-in attempts from your address. Wait a minute and try again.",
			}
		})
}

// apiLimiter caps API requests per key and minute (FLOWBATCH_API_RATE_LIMIT),
// with counters in PostgreSQL so that every web process shares them.
func (s *Server) apiLimiter() fiber.Handler {
	return s.rateLimit(s.cfg.APIRateLimit, func(c *fiber.Ctx) string { return "api:" + identity(c).APIKeyID.String() },
		func() *HTTPError {
			return &HTTPError{
				Status: fiber.StatusTooManyRequests, Title: "Too many requests",
				Detail: fmt.Sprintf("This API key may send %d requests a minute. Wait for the time in Retry-After and try again.", s.cfg.APIRateLimit),
			}
		})
}
