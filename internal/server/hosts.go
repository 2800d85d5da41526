package server

import (
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// requestBase is the base URL of a request when none is configured, for
// development: its scheme and Host when the Host names the address the
// connection came in on (that address, or localhost at its port), else that
// address itself. Any other Host, forged or one per request, never becomes
// a link nor a key of the feed cache: distinct Host headers once made a
// cached sitemap and feed each.
func requestBase(c echo.Context) string {
	req := c.Request()
	scheme := "http"
	if c.Scheme() == "https" {
		scheme = "https"
	}
	local, _ := req.Context().Value(http.LocalAddrContextKey).(net.Addr)
	host := strings.ToLower(req.Host)
	if local == nil {
		// Not from a connection (a handler called directly): only the
		// Host's characters can be checked.
		if !validHost(host) {
			host = "localhost"
		}
		return scheme + "://" + host
	}
	lhost, lport, err := net.SplitHostPort(local.String())
	if err != nil {
		return scheme + "://localhost"
	}
	if hostMatches(host, scheme, lhost, lport) {
		return scheme + "://" + host
	}
	return scheme + "://" + net.JoinHostPort(lhost, lport)
}

// hostMatches reports whether a Host header names the local address
// lhost:lport: the same IP, or localhost on a loopback address, and the
// same port (a Host without one means the scheme's).
func hostMatches(host, scheme, lhost, lport string) bool {
	name, port, err := net.SplitHostPort(host)
	if err != nil {
		name, port = strings.Trim(host, "[]"), "80"
		if scheme == "https" {
			port = "443"
		}
	}
	if port != lport {
		return false
	}
	lip := net.ParseIP(lhost)
	if ip := net.ParseIP(name); ip != nil {
		return lip != nil && ip.Equal(lip)
	}
	return name == "localhost" && lip != nil && lip.IsLoopback()
}
