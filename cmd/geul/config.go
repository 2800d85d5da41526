package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"

	"github.com/geul-dev/geul/internal/feeds"
	"github.com/geul-dev/geul/internal/server"
	"github.com/geul-dev/geul/internal/store"
)

// config is every setting of geul. Each is read here and nowhere else: from
// its GEUL_* environment variable by loadConfig, then from its flag where the
// command takes one (the flag wins). Settings without a flag are those a
// flag would show to everyone who can list processes (the admin token), or
// that only an operator tunes.
type config struct {
	content, db, addr string
	watch             bool

	// Releases: see replica.go and publish.go.
	readOnly        bool
	follow, publish string // a publish folder to follow, or to write into

	// Links of the feeds and the sitemap; see internal/server/feeds.go.
	baseURL, postURL, categoryURL string

	trustedProxies  string // comma-separated CIDRs
	eventsPerClient string
	cacheControl    string // GEUL_CACHE_CONTROL only
	corsOrigins     string // GEUL_CORS_ORIGINS only, comma-separated
	adminToken      string // GEUL_ADMIN_TOKEN only
	postCacheMB     string // GEUL_POST_CACHE_MB only
	postSpillMB     string // GEUL_POST_SPILL_MB only
	dbMaxMB         string // GEUL_DB_MAX_MB only: a bound on the database's size, 0 for none
	logLevel        string // GEUL_LOG_LEVEL only: debug, else info
}

// loadConfig reads every GEUL_* environment variable geul knows.
func loadConfig(getenv func(string) string) *config {
	or := func(key, def string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return def
	}
	boolean := func(key string) bool {
		b, _ := strconv.ParseBool(getenv(key))
		return b
	}
	return &config{
		content:         or("GEUL_CONTENT", "content"),
		db:              or("GEUL_DB", ".geul/index.db"),
		addr:            or("GEUL_ADDR", defaultAddr),
		watch:           boolean("GEUL_WATCH"),
		readOnly:        boolean("GEUL_READ_ONLY"),
		follow:          getenv("GEUL_FOLLOW"),
		publish:         getenv("GEUL_PUBLISH"),
		baseURL:         getenv("GEUL_BASE_URL"),
		postURL:         getenv("GEUL_POST_URL"),
		categoryURL:     getenv("GEUL_CATEGORY_URL"),
		trustedProxies:  getenv("GEUL_TRUSTED_PROXIES"),
		eventsPerClient: or("GEUL_EVENTS_PER_CLIENT", strconv.Itoa(server.DefaultEventsPerClient)),
		cacheControl:    getenv("GEUL_CACHE_CONTROL"),
		corsOrigins:     getenv("GEUL_CORS_ORIGINS"),
		adminToken:      strings.TrimSpace(getenv("GEUL_ADMIN_TOKEN")),
		postCacheMB:     getenv("GEUL_POST_CACHE_MB"),
		postSpillMB:     getenv("GEUL_POST_SPILL_MB"),
		dbMaxMB:         getenv("GEUL_DB_MAX_MB"),
		logLevel:        getenv("GEUL_LOG_LEVEL"),
	}
}

// newFlags is a command's flag set, errors to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

// contentFlag adds --content, the content folder, for what the command does
// with it.
func (c *config) contentFlag(fs *flag.FlagSet, what string) {
	fs.StringVar(&c.content, "content", c.content, what+" (GEUL_CONTENT)")
}

func (c *config) dbFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.db, "db", c.db, "index database file (GEUL_DB)")
}

func (c *config) publishFlag(fs *flag.FlagSet, what string) {
	fs.StringVar(&c.publish, "publish", c.publish, what+", keeping the last 3 (GEUL_PUBLISH)")
}

// serveFlags adds the flags of geul serve.
func (c *config) serveFlags(fs *flag.FlagSet) {
	c.contentFlag(fs, "content folder")
	c.dbFlag(fs)
	fs.StringVar(&c.addr, "addr", c.addr, "listen address (GEUL_ADDR); :8080 listens on every interface")
	fs.BoolVar(&c.watch, "watch", c.watch, "re-index when content files change (GEUL_WATCH=1)")
	fs.BoolVar(&c.readOnly, "read-only", c.readOnly, "serve the release at --db read-only: no content folder, no index runs; a new file renamed onto --db, or SIGHUP, swaps it in (GEUL_READ_ONLY=1)")
	fs.StringVar(&c.follow, "follow", c.follow, "serve read-only the newest release of a publish folder, instead of --db (GEUL_FOLLOW)")
	c.publishFlag(fs, "write a release into this folder after every index run")
	fs.StringVar(&c.baseURL, "base-url", c.baseURL, "public site address for feed and sitemap links (GEUL_BASE_URL; else site.yaml's baseURL, else the request's host)")
	fs.StringVar(&c.postURL, "post-url", c.postURL, "public post link with {base} {lang} {slug} {category} {name} (GEUL_POST_URL; default "+feeds.DefaultPostURL+")")
	fs.StringVar(&c.categoryURL, "category-url", c.categoryURL, "public category link with {base} {lang} {category} (GEUL_CATEGORY_URL; default "+feeds.DefaultCategoryURL+")")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", c.trustedProxies, "comma-separated CIDRs of proxies whose X-Forwarded-For/Forwarded name the client (GEUL_TRUSTED_PROXIES; default none: the peer is the client)")
	fs.StringVar(&c.eventsPerClient, "events-per-client", c.eventsPerClient, "open /events streams allowed per client address (GEUL_EVENTS_PER_CLIENT)")
}

// serveSettings are geul serve's settings, checked: the server's config
// (without what only an indexing server has) and the store's memory bounds.
type serveSettings struct {
	server                 server.Config
	cacheBytes, spillBytes int64
	dbMaxBytes             int64 // 0: no bound
}

// serve checks the settings of geul serve and builds what it configures;
// --follow implies --read-only.
func (c *config) serve() (serveSettings, error) {
	var out serveSettings
	trusted, err := server.ParseTrustedProxies(c.trustedProxies)
	if err != nil {
		return out, fmt.Errorf("%w: --trusted-proxies: %v", errUsage, err)
	}
	perClient, err := strconv.Atoi(c.eventsPerClient)
	if err != nil || perClient < 1 {
		return out, fmt.Errorf("%w: --events-per-client %q: want a whole number from 1", errUsage, c.eventsPerClient)
	}
	out.server = server.Config{
		CacheControl: c.cacheControl, CORSOrigins: splitList(c.corsOrigins), AdminToken: c.adminToken,
		BaseURL: c.baseURL, PostURL: c.postURL, CategoryURL: c.categoryURL,
		TrustedProxies: trusted, EventsPerClient: perClient,
	}
	if err := server.CheckLinks(out.server); err != nil {
		return out, fmt.Errorf("%w: %v", errUsage, err)
	}
	if c.follow != "" {
		c.readOnly = true
	}
	switch {
	case c.readOnly && c.watch:
		return out, fmt.Errorf("%w: --read-only serves a release and indexes nothing: drop --watch", errUsage)
	case c.readOnly && c.publish != "":
		return out, fmt.Errorf("%w: --publish writes the releases of an indexing server: drop --read-only or --follow", errUsage)
	}
	if out.cacheBytes, err = mib("GEUL_POST_CACHE_MB", c.postCacheMB, store.DefaultPostCacheBytes); err != nil {
		return out, err
	}
	if out.spillBytes, err = mib("GEUL_POST_SPILL_MB", c.postSpillMB, store.DefaultPostSpillBytes); err != nil {
		return out, err
	}
	out.dbMaxBytes, err = mib("GEUL_DB_MAX_MB", c.dbMaxMB, 0)
	return out, err
}

// splitList reads a comma-separated setting; empty items are dropped.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// mib reads a size in MiB of the setting name, def bytes when it is unset.
func mib(name, v string, def int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	mb, err := strconv.Atoi(v)
	if err != nil || mb < 0 {
		return 0, fmt.Errorf("%w: %s=%q: want a number of MiB", errUsage, name, v)
	}
	return int64(mb) << 20, nil
}

// minAdminToken is the shortest admin token accepted without a warning: 16
// random bytes, hex or base64 encoded, are at least this long.
const minAdminToken = 22

// warnAdminToken says when /admin is off, or its token guessable.
func (c *config) warnAdminToken(log *slog.Logger) {
	switch {
	case c.adminToken == "":
		log.Info("admin routes off: GEUL_ADMIN_TOKEN is not set")
	case len(c.adminToken) < minAdminToken:
		log.Warn("GEUL_ADMIN_TOKEN is short and guessable; use e.g. `openssl rand -hex 32`", "length", len(c.adminToken))
	}
}

// level is the log level GEUL_LOG_LEVEL asks for.
func (c *config) level() slog.Level {
	if strings.EqualFold(c.logLevel, "debug") {
		return slog.LevelDebug
	}
	return slog.LevelInfo
}
