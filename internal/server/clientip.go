package server

import (
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// ParseTrustedProxies reads a comma-separated list of CIDRs (a bare address
// is its own /32 or /128): the proxies whose forwarding headers name the
// client (--trusted-proxies, GEUL_TRUSTED_PROXIES).
func ParseTrustedProxies(v string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if !strings.Contains(item, "/") {
			if ip := net.ParseIP(item); ip != nil {
				bits := 8 * len(ip.To16())
				if ip.To4() != nil {
					ip, bits = ip.To4(), 32
				}
				out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
				continue
			}
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want a CIDR such as 10.0.0.0/8 or an address", item)
		}
		out = append(out, n)
	}
	return out, nil
}

// ipExtractor is how the server finds a request's client address, which
// admin lockout and the /events limit count by. Without trusted proxies it
// is the peer's address: anyone can send X-Forwarded-For, and a counter
// keyed by it would count nothing. With them, a peer among them is
// believed about the hop before it (X-Forwarded-For, else Forwarded's for=),
// walking back until an address that is not a trusted proxy. echo's own
// trust of loopback and private networks is turned off: only what the
// operator configured is trusted.
func ipExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	xff := echo.ExtractIPFromXFFHeader(opts...)
	return func(req *http.Request) string {
		if req.Header.Get(echo.HeaderXForwardedFor) != "" {
			return xff(req)
		}
		fwd := req.Header.Values("Forwarded")
		if len(fwd) == 0 {
			return xff(req)
		}
		// RFC 7239's list is X-Forwarded-For's in another syntax.
		r := *req
		r.Header = http.Header{echo.HeaderXForwardedFor: {strings.Join(forwardedFor(fwd), ", ")}}
		return xff(&r)
	}
}

// forwardedFor returns the for= addresses of Forwarded header values, in
// order, without quotes, brackets and ports. An element without one, or
// with an obfuscated or unknown one, gives "unknown", which the walk does
// not believe past.
func forwardedFor(values []string) []string {
	var out []string
	for _, v := range values {
		for _, elem := range strings.Split(v, ",") {
			addr := "unknown"
			for _, pair := range strings.Split(elem, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(pair), "=")
				if !ok || !strings.EqualFold(k, "for") {
					continue
				}
				val = strings.Trim(val, `"`)
				if host, _, err := net.SplitHostPort(val); err == nil {
					val = host
				}
				addr = strings.Trim(val, "[]")
			}
			out = append(out, addr)
		}
	}
	return out
}
