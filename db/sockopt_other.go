//go:build !linux

package db

import "time"

// setUserTimeout does nothing where TCP_USER_TIMEOUT does not exist; the
// keepalives still detect a dead peer.
func setUserTimeout(uintptr, time.Duration) error { return nil }
