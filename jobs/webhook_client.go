package jobs

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"github.com/flowbatch/flowbatch/models"
)

// webhookRequestTimeout bounds one webhook request, from dialling to the
// end of the response headers and the read of the capped body.
const webhookRequestTimeout = 10 * time.Second

// webhookResponseLimit caps how much of a response body is read (and
// discarded, so that the connection can be reused).
const webhookResponseLimit = 64 << 10

// RefusedAddressError is a webhook connection refused before it was made,
// because the address it resolved to is not public.
type RefusedAddressError struct {
	Addr   netip.Addr
	Reason string
}

func (e *RefusedAddressError) Error() string {
	return fmt.Sprintf("refused to connect to %s: it is %s (FLOWBATCH_WEBHOOK_ALLOW_PRIVATE is not set)", e.Addr, e.Reason)
}

// webhookDialControl checks every address a webhook request connects to,
// after DNS resolution and before the connection is made, so a host name
// that resolves (or is re-bound) to a private address is refused too.
func webhookDialControl(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		if allowPrivate {
			return nil
		}
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("refused to connect to %q: not an IP address and port", address)
		}
		if reason := models.WebhookAddressRefusal(ap.Addr()); reason != "" {
			return &RefusedAddressError{Addr: ap.Addr().Unmap(), Reason: reason}
		}
		return nil
	}
}

// newWebhookHTTPClient is the client of webhook deliveries. It never uses a
// proxy from the environment (a proxy would connect on our behalf, past the
// address check), and it does not follow redirects: a 3xx answer is a failed
// delivery, so a signed body is never re-sent to a host its owner did not
// enter.
func newWebhookHTTPClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: webhookRequestTimeout, KeepAlive: 30 * time.Second, Control: webhookDialControl(allowPrivate)}
	return &http.Client{
		Timeout: webhookRequestTimeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   webhookRequestTimeout,
			ResponseHeaderTimeout: webhookRequestTimeout,
			MaxIdleConns:          64,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// SignWebhook returns the Flowbatch-Signature header of a webhook body sent
// at timestamp ts (Unix seconds, the Flowbatch-Timestamp header):
// "v1=" and the hex HMAC-SHA256, keyed with the whole secret, of the
// timestamp, a dot and the body.
func SignWebhook(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// describeSendError says in a sentence why a webhook request got no answer,
// for the delivery log, without the transport's internals; ok is false when
// the error is none of the usual ones (the caller logs it).
func describeSendError(err error) (msg string, ok bool) {
	var refused *RefusedAddressError
	var dns *net.DNSError
	var netErr net.Error
	var certInvalid *tls.CertificateVerificationError
	var unknownAuthority x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case errors.As(err, &refused):
		return refused.Error(), true
	case errors.As(err, &dns):
		return fmt.Sprintf("The host name %s could not be resolved.", dns.Name), true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return "No answer within 10 seconds.", true
	case errors.Is(err, syscall.ECONNREFUSED):
		return "The connection was refused: nothing listens at that address and port.", true
	case errors.As(err, &certInvalid), errors.As(err, &unknownAuthority), errors.As(err, &hostname):
		return "The endpoint's TLS certificate is not trusted or not valid for its host name.", true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "The connection was closed before an answer came.", true
	}
	return "The request failed before an answer came.", false
}
