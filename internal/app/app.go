// Package app wires Unionhall together: settings → site content → storage →
// features → one HTTP server. It is the only package that knows every
// feature; features know only the shared infrastructure (content, web, db,
// seal, jobs, mail), so each can be read and tested alone.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/changes"
	"unionhall/internal/config"
	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/events"
	"unionhall/internal/examplesite"
	"unionhall/internal/health"
	"unionhall/internal/jobs"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/membership"
	promstats "unionhall/internal/metrics" // runtime/metrics has the name
	"unionhall/internal/petitions"
	"unionhall/internal/portal"
	"unionhall/internal/rekey"
	"unionhall/internal/seal"
	"unionhall/internal/site"
	"unionhall/internal/surveys"
	"unionhall/internal/votes"
	votepages "unionhall/internal/votes/pages"
	"unionhall/internal/web"
)

// App is a configured, not yet listening, Unionhall.
type App struct {
	cfg    config.Config
	log    *slog.Logger
	now    func() time.Time
	Site   *site.Server
	DB     *db.DB
	Keys   *seal.Keyring
	Queue  *jobs.Queue
	Outbox *mail.Outbox
	Join   *membership.Service
	Events *events.Service
	Auth   *auth.Service
	Admin  *admin.Console
	Portal *portal.Service
	// Votes is member votes and elections (internal/votes).
	Votes *votes.Service
	// VotePages are the members' ballots and the public boards.
	VotePages *votepages.MemberPages
	// Surveys is surveys declared in content (internal/surveys).
	Surveys *surveys.Service
	// Petitions is petitions declared in content (internal/petitions).
	Petitions *petitions.Service
	// Members is the member registry the console and the portal share.
	Members *members.Registry
	// Changes tells the other processes on the database what changed, so
	// their caches follow (cluster.go).
	Changes *changes.Bus
	// Metrics is nil unless metrics_addr is set (monitor.go).
	Metrics *promstats.Metrics
	health  *health.Checker
	mux     *http.ServeMux
	// handler is mux inside the middleware stack, built from the settings.
	handler http.Handler
	closer  []func() error
}

// Options are test seams; production passes the zero value.
type Options struct {
	Now func() time.Time
	// Sender replaces the configured mail sender (tests use an in-process
	// SMTP server through the real SMTP sender instead, when they can).
	Sender mail.Sender
}

// New loads the site and prepares every feature. It fails on anything that
// would make the server misbehave later (bad settings, a broken site folder).
func New(ctx context.Context, cfg config.Config, logger *slog.Logger, opts Options) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	a := &App{cfg: cfg, log: logger, now: now, mux: http.NewServeMux()}
	if cfg.MetricsAddr != "" {
		a.Metrics = promstats.New()
	}

	s, err := LoadSite(cfg.SiteDir, now())
	if err != nil {
		return nil, err
	}
	logProblems(logger, s.Problems)
	releaseLoadGarbage()
	// Links in pages follow the request's host unless the operator said where
	// the site really lives.
	a.Site = site.New(s, site.Options{Logger: logger, Now: now, BaseURL: cfg.PublicURL,
		// The event page shows the registration button and calendar links;
		// a.Events exists by the time any request arrives.
		EventExtra: func(r *http.Request, p *content.Page, now time.Time) template.HTML {
			return a.Events.EventExtra(r, p, now)
		},
		NextChange: func(s *content.Site, now time.Time) time.Time { return a.Events.NextDeadline(s, now) },
		// Member-only pages ask the portal (a.Portal exists by the first request).
		Members: portalGate{a},
		// A meeting page shows its votes to the member reading it.
		MemberExtra: func(r *http.Request, p *content.Page) template.HTML { return a.VotePages.MeetingExtra(r, p) },
	})

	if err := a.openStorage(ctx, opts); err != nil {
		a.Close()
		return nil, err
	}
	a.Join = membership.New(membership.Deps{
		DB: a.DB, Keys: a.Keys, Queue: a.Queue, Outbox: a.Outbox,
		Site: a.Site.Site, Layout: a.Site.Layout, BaseURL: cfg.BaseURL(),
		Settings: cfg.Join, Now: now, Logger: logger,
	})
	a.Join.Register(a.mux)
	a.Events = events.New(events.Deps{
		DB: a.DB, Keys: a.Keys, Queue: a.Queue, Outbox: a.Outbox,
		Site: a.Site.Site, Layout: a.Site.Layout, BaseURL: cfg.BaseURL(), Now: now, Logger: logger,
		RateLimit: cfg.Events.RegistrationsPerHour,
		Retention: time.Duration(cfg.Events.EraseAfterDays) * 24 * time.Hour,
		// Closing or reopening registration early changes the cached
		// event pages' "Register" button: drop them at once, in every
		// process on the database (cluster.go).
		PublicChanged: a.Changes.Publisher(changes.TopicSite),
	})
	a.Events.Register(a.mux)

	a.Auth = auth.New(auth.Deps{DB: a.DB, Keys: a.Keys, Outbox: a.Outbox, BaseURL: cfg.BaseURL(),
		Now: now, Logger: logger, OIDC: oidcConfig(cfg.OIDC),
		// The same client address as the other limits: behind a trusted
		// proxy, the visitor rather than the proxy.
		ClientAddr: web.ClientKey, AccountsChanged: a.Changes.Publisher(changes.TopicAccounts)})
	a.Auth.Register(a.mux)
	// Login links are made after their request is answered; let the ones
	// under way finish before the database closes.
	a.closer = append(a.closer, func() error { a.Auth.Wait(); return nil })
	// The member registry (internal/members): the console, and the
	// portal and later features, share this one. Erasing a member erases
	// the applications they signed in the same transaction.
	a.Members = members.New(members.Deps{DB: a.DB, Keys: a.Keys, Auth: a.Auth, Now: now, Logger: logger,
		Erasers: []members.Eraser{membership.MemberApplicationEraser(a.DB, a.Keys),
			portal.SessionEraser(a.DB), // an erased member's portal sessions end with the erasure
			// and their named survey answers with it (a.Surveys exists by then).
			func(ctx context.Context, tx *sql.Tx, id string) (string, error) {
				return a.Surveys.EraseMember(ctx, tx, id)
			}}})
	// Surveys (internal/surveys): member-only surveys ask the portal who
	// is signed in (a.Portal exists by the first request).
	a.Surveys = surveys.New(surveys.Deps{DB: a.DB, Keys: a.Keys, Site: a.Site.Site, Layout: a.Site.Layout,
		Session: portalSession{a}, Now: now, Logger: logger})
	a.closer = append(a.closer, func() error { a.Surveys.Close(); return nil })
	a.Surveys.Register(a.mux)
	// Petitions (internal/petitions): signatures group-committed by the
	// service's batcher; a member signed in to the portal signs with one
	// click (a.Portal exists by the first request).
	a.Petitions = petitions.New(petitions.Deps{DB: a.DB, Keys: a.Keys, Outbox: a.Outbox, Site: a.Site.Site, Layout: a.Site.Layout,
		Members: petitionMembers(a), BaseURL: cfg.BaseURL(), EraseAfterDays: cfg.Petitions.EraseAfterDays,
		RateLimit: cfg.Petitions.SignaturesPerHour, MinFillTime: cfg.Join.MinFillTime.Duration, Now: now, Logger: logger})
	a.closer = append(a.closer, func() error { a.Petitions.Close(); return nil })
	a.Petitions.Register(a.mux)
	a.Admin = admin.New(admin.Deps{DB: a.DB, Keys: a.Keys, Auth: a.Auth, Queue: a.Queue, Outbox: a.Outbox,
		Members: a.Members,
		// Each feature's console pages, navigation and permissions, from
		// its own folder (internal/console): the events pages, the votes
		// pages (a.Votes is made below, after the portal it needs), the
		// surveys and the petitions pages.
		Sections: []console.Section{a.Events.ConsoleSection(), votepages.ConsoleSection(votepages.ConsoleDeps{
			Votes: votepages.LazyVotes(func() *votes.Service { return a.Votes }), Workplaces: a.Members, Site: a.Site.Site, Now: now}),
			a.Surveys.ConsoleSection(), a.Petitions.ConsoleSection()},
		FeeInfo: func(lang string) string { return cfg.Members.FeeInfo[lang] },
		// The welcome email's {portal_url}: the member portal's sign-in.
		PortalURL: func(lang string) string { return cfg.BaseURL() + portal.Base(lang) },
		Location:  s.Location, Now: now, Logger: logger})
	a.Admin.Register(a.mux) // every /admin/ route checks its permission itself
	a.subscribeCaches()
	// Workplaces stored in plain text before migration 00042 are sealed
	// before anything is served (a no-op once done).
	if _, err := a.Members.SealLegacyWorkplaces(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("seal workplaces: %w", err)
	}

	// Member portal (internal/portal): sign-in, own data, export, leaving,
	// and the gate of member-only pages.
	a.Portal = portal.New(portal.Deps{DB: a.DB, Keys: a.Keys, Registry: portal.NewRegistry(a.Members, a.DB, a.Keys), Outbox: a.Outbox, Events: a.Events,
		Site: a.Site.Site, Layout: a.Site.Layout, BaseURL: cfg.BaseURL(), CommitteeEmail: cfg.Join.CommitteeEmail,
		EraseAfter: time.Duration(cfg.Members.EraseAfterDays) * 24 * time.Hour, Now: now, Logger: logger, ClientAddr: web.ClientKey,
		Votes: votesLink{a}, SurveysURL: surveys.MemberBase})
	a.Portal.Register(a.mux)
	a.closer = append(a.closer, func() error { a.Portal.Wait(); return nil })

	// Member votes (internal/votes): invitations carry a portal sign-in
	// link (portal.Service.IssueLink); casts are group-committed by the
	// service's batcher, stopped before the database closes.
	a.Votes = votes.New(votes.Deps{DB: a.DB, Keys: a.Keys, Queue: a.Queue, Outbox: a.Outbox, Registry: a.Members,
		Links: a.Portal, Site: a.Site.Site, BaseURL: cfg.BaseURL(), MinEligible: cfg.Votes.MinEligible, Now: now, Logger: logger,
		BallotPath: votepages.BallotPath})
	a.closer = append(a.closer, func() error { a.Votes.Close(); return nil })
	a.VotePages = votepages.NewMember(votepages.MemberDeps{Votes: a.Votes, Session: a.Portal, Site: a.Site.Site,
		Layout: a.Site.Layout, BaseURL: cfg.BaseURL(), Now: now, Logger: logger})
	a.VotePages.Register(a.mux)

	if err := a.Events.Sync(ctx); err != nil {
		a.Close()
		return nil, fmt.Errorf("sync events: %w", err)
	}
	// Content decides some URLs: the site's own register section (e.g.
	// /cs/prihlaska/) shows the join form, and every event with built-in
	// registration has <event URL>register/ and calendar.ics. Those are
	// routed here rather than by mux patterns.
	// VotePages.Wrap: /votes/<id>/board.json; Petitions.Wrap: a petition's
	// page, embed and count.json; Surveys.Wrap: <survey page>answer/ and results/.
	a.mux.Handle("/", a.VotePages.Wrap(a.Petitions.Wrap(a.Surveys.Wrap(a.Events.Wrap(a.routeContentTypes(a.Site))))))

	// Settings were validated above, so this fails only on a bug.
	proxies, err := web.ParseProxies(cfg.TrustedProxies)
	if err == nil {
		a.handler, err = web.NewStack(a.countRequests(a.mux), web.StackOptions{Logger: logger, AccessLog: cfg.AccessLog, Proxies: proxies,
			CORS: []web.CORSRoute{{Path: membership.APIPath, Method: http.MethodPost, Origins: cfg.Join.AllowedOrigins}},
			// Cached public pages skip the router and the middleware
			// (issue 8; site.Server.ServeCached says why that is safe).
			// With metrics on they are still counted: the metrics
			// middleware sits outside the whole stack (monitor.go).
			Fast: a.Site.ServeCached})
	}
	if err != nil {
		a.Close()
		return nil, err
	}
	a.handler = a.withHealth(a.countAll(a.handler))
	return a, nil
}

// votesLink is the portal home's link to the member's votes; the vote
// pages are made after the portal.
type votesLink struct{ a *App }

func (l votesLink) MemberVotesURL(lang string) string { return l.a.VotePages.MemberVotesURL(lang) }
func (l votesLink) Waiting(ctx context.Context, memberID string) (int, error) {
	return l.a.VotePages.Waiting(ctx, memberID)
}

// portalGate hands the site's member-only pages to the member portal,
// which is made after the site.
type portalGate struct{ a *App }

func (g portalGate) SignedIn(r *http.Request) (bool, error) { return g.a.Portal.SignedIn(r) }

// portalSession is the portal's sign-in for the surveys, which are made
// before the portal.
type portalSession struct{ a *App }

func (p portalSession) MemberID(r *http.Request) (string, error) { return p.a.Portal.MemberID(r) }
func (p portalSession) SignInPage(w http.ResponseWriter, r *http.Request, lang, next string) {
	p.a.Portal.SignInPage(w, r, lang, next)
}
func (g portalGate) SignInPage(w http.ResponseWriter, r *http.Request, lang, next string) {
	g.a.Portal.SignInPage(w, r, lang, next)
}

// openStorage opens the database (migrating it), the sealing keys, the job
// queue and the outbox.
func (a *App) openStorage(ctx context.Context, opts Options) error {
	d, err := db.Open(ctx, db.Options{DataDir: a.cfg.DataDir, URL: a.cfg.DatabaseURL, Logger: a.log})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	a.DB = d
	a.closer = append(a.closer, d.Close)
	keys, created, err := seal.Load(a.cfg.DataDir, os.Getenv(seal.EnvKey))
	if err != nil {
		return fmt.Errorf("sealing key: %w", err)
	}
	if created {
		a.log.Warn("created a new sealing key: back it up, without it the personal data cannot be read", "file", filepath.Join(a.cfg.DataDir, "seal.key"))
	}
	a.Keys = keys
	a.Changes = changes.New(d, a.log)
	// As many workers as cores: jobs (PDFs above all) are CPU work, and
	// more workers than cores only take CPU from the requests being
	// answered (measured: the join API's p99 under load halves).
	a.Queue = jobs.New(d, jobs.Options{Now: a.now, Logger: a.log, Workers: runtime.GOMAXPROCS(0),
		Lease: a.cfg.Jobs.Lease.Duration, Backoff: scaledBackoff(a.cfg.Jobs.RetryAfter.Duration)})
	sender := opts.Sender
	if sender == nil {
		sender, err = a.mailSender()
		if err != nil {
			return err
		}
	}
	a.Outbox = mail.NewOutbox(a.Queue, keys, a.countEmails(sender))
	a.watch()
	return nil
}

// scaledBackoff is jobs.DefaultBackoff (30s, doubling) scaled so the first
// retry waits first.
func scaledBackoff(first time.Duration) func(int) time.Duration {
	return func(attempt int) time.Duration {
		return time.Duration(float64(jobs.DefaultBackoff(attempt)) * float64(first) / float64(30*time.Second))
	}
}

func (a *App) mailSender() (mail.Sender, error) {
	c := a.cfg.SMTP
	if c.Host == "" {
		dir := filepath.Join(a.cfg.DataDir, "mail")
		a.log.Info("no SMTP server configured: emails are written as .eml files", "dir", dir)
		from := c.From
		if from == "" {
			from = "Unionhall <unionhall@localhost>"
		}
		return &mail.FileSender{Dir: dir, From: from, Logger: a.log}, nil
	}
	s, err := mail.NewSMTPSender(mail.SMTPConfig{Host: c.Host, Port: c.Port, TLS: c.TLS, Username: c.Username, Password: c.Password, From: c.From})
	if err != nil {
		return nil, fmt.Errorf("smtp: %w", err)
	}
	return s, nil
}

// routeContentTypes sends pages whose type belongs to a feature (the
// membership application's `register` section) to that feature, and
// everything else to the public site.
func (a *App) routeContentTypes(public http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodPost {
			s := a.Site.Site()
			if p := s.PageByURL(r.URL.Path); p != nil && p.Type == "register" && p.Kind == content.KindSection && p.Visible(a.now()) {
				r.Pattern = JoinFormPattern // for the metrics, never the page's URL
				a.Join.ServeForm(w, r, p.Lang, p)
				return
			}
		}
		public.ServeHTTP(w, r)
	})
}

// Migrate applies the database migrations and returns (`unionhall migrate`).
func Migrate(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	d, err := db.Open(ctx, db.Options{DataDir: cfg.DataDir, URL: cfg.DatabaseURL, Logger: logger})
	if err != nil {
		return err
	}
	return d.Close()
}

// LoadSite loads the site folder, or the built-in example when dir is empty.
func LoadSite(dir string, now time.Time) (*content.Site, error) {
	if dir == "" {
		fsys, err := examplesite.FS(now)
		if err != nil {
			return nil, fmt.Errorf("example site: %w", err)
		}
		s, err := content.Load(fsys)
		if err != nil {
			return nil, fmt.Errorf("example site: %w", err)
		}
		return s, nil
	}
	s, err := content.LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("site %s: %w", dir, err)
	}
	return s, nil
}

func logProblems(logger *slog.Logger, problems []content.Problem) {
	for _, p := range problems {
		level := slog.LevelWarn
		if p.Severity == content.SevError {
			level = slog.LevelError
		}
		logger.Log(context.Background(), level, "site problem", "file", p.File, "line", p.Line, "message", p.Message)
	}
}

// Handler is the whole HTTP surface with its middleware (web.NewStack):
// access log when on, trusted proxies, the join API opened to the allowed
// origins.
func (a *App) Handler() http.Handler { return a.handler }

// Close releases storage and background work.
func (a *App) Close() error {
	var errs []error
	for i := len(a.closer) - 1; i >= 0; i-- {
		errs = append(errs, a.closer[i]())
	}
	return errors.Join(errs...)
}

// Start runs the background work until ctx is cancelled: the site folder
// watcher (or the example site's nightly refresh) and the job queue that
// sends emails and makes PDFs. Serve calls it; tests call it beside their
// own httptest server.
func (a *App) Start(ctx context.Context) {
	if a.cfg.SiteDir != "" {
		go content.Watch(ctx, a.cfg.SiteDir, a.cfg.ReloadInterval.Duration,
			func(s *content.Site) {
				a.Site.SetSite(s)
				releaseLoadGarbage()
				logProblems(a.log, s.Problems)
				// Registrants hear of moved events; new events get their state.
				if err := a.Events.Sync(ctx); err != nil {
					a.log.Error("sync events after reload", "err", err)
				}
				a.log.Info("site reloaded", "pages", len(s.Pages))
			},
			func(err error) {
				// Keep serving the last good site; the operator sees why.
				a.log.Error("site reload failed, keeping the last good site", "err", err)
			})
	} else {
		go a.refreshExample(ctx)
	}
	go a.Queue.Run(ctx)
	go a.Changes.Run(ctx)
	go a.Join.RunRetention(ctx, time.Hour)
	go a.Portal.RunRetention(ctx, time.Hour) // members who left: erased after [members] erase_after_days
	go a.Members.WarmSearch(ctx)
	go a.housekeeping(ctx)
	go a.tickVotes(ctx)
	go a.Petitions.RunErasure(ctx, time.Hour) // signers' data, eraseAfterDays after a petition closes
	// Key rotation (internal/rekey): pick up a changed key file and tell
	// `unionhall keys rotate` which keys this process holds.
	go rekey.Watch(ctx, a.DB, a.Keys, a.keyFile(), rekey.WatchOptions{Logger: a.log})
}

// tickVotes opens and closes the votes that are due (by the app's clock),
// at start and every 30 seconds: a vote closes at most that long after its
// closing time, and a ballot cast after ClosesAt is refused meanwhile.
func (a *App) tickVotes(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		if err := a.Votes.Tick(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("votes: tick", "err", err)
		}
		// Surveys past their closing time are closed and rewritten.
		if err := a.Surveys.Tick(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("surveys: tick", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keyFile is the sealing key file's path, "" when the keys come from the
// environment.
func (a *App) keyFile() string {
	if strings.TrimSpace(os.Getenv(seal.EnvKey)) != "" {
		return ""
	}
	return filepath.Join(a.cfg.DataDir, seal.KeyFileName)
}

// housekeeping deletes expired login links and sessions every hour, and
// reminds the operator of dead jobs (emails that could not be sent for
// days) in the log every hour until they are retried.
func (a *App) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.Auth.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("purge expired sessions", "err", err)
		}
		if err := a.Portal.PurgeExpired(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("purge expired member sessions", "err", err)
		}
		if counts, err := a.Queue.Counts(ctx); err == nil && counts["dead"] > 0 {
			a.log.Warn("dead jobs are waiting: fix the cause, then run `unionhall jobs retry --all`", "dead", counts["dead"])
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// oidcConfig turns the settings into auth's configuration; nil when single
// sign-on is off.
func oidcConfig(c config.OIDC) *auth.OIDCConfig {
	if c.Issuer == "" {
		return nil
	}
	return &auth.OIDCConfig{Name: c.Name, Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret,
		RolesClaim: c.RolesClaim, WorkplacesClaim: c.WorkplacesClaim}
}

// Serve listens on the configured address until ctx is cancelled, then
// drains in-flight requests for up to ten seconds.
func (a *App) Serve(ctx context.Context) error {
	a.Start(ctx)
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	a.log.Info("unionhall listening", "url", "http://"+ln.Addr().String()+"/")
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if a.Metrics != nil {
		stop, err := a.serveMetrics(errc)
		if err != nil {
			ln.Close()
			return err
		}
		defer stop()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

// refreshExample rebuilds the built-in example site every night: its event
// dates are relative to "now" so that it always shows a past, an ongoing and
// two upcoming events, however long the server runs.
func (a *App) refreshExample(ctx context.Context) {
	for {
		next := examplesite.RefreshAfter(a.now())
		t := time.NewTimer(time.Until(next))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		s, err := LoadSite("", a.now())
		if err != nil {
			a.log.Error("example site refresh failed", "err", err)
			continue
		}
		a.Site.SetSite(s)
		releaseLoadGarbage()
		// No events.Sync here: the example's dates move with the calendar on
		// purpose, and registrants of a demo should not be told every night
		// that "their" event moved. A restart syncs.
	}
}

// releaseLoadGarbage hands the memory used while parsing a site back to the
// operating system. Loading a large site allocates hundreds of megabytes of
// short-lived garbage; without this the process would keep that peak as its
// resident size on a small server, although the loaded site needs a tenth.
//
// It then sets the soft memory limit for serving (see servingLimit).
func releaseLoadGarbage() {
	own := os.Getenv("GOMEMLIMIT") == "" // else the operator's limit wins
	if !own {
		servingLimit.stop()
	}
	debug.FreeOSMemory()
	if own {
		servingLimit.reset()
		if os.Getenv("GOGC") == "" {
			debug.SetGCPercent(servingGCPercent)
		}
	}
}

// servingGCPercent lets the memory limit, not GOGC, decide when to collect
// while serving. With Go's default of 100 a small site (a live heap of a
// few MB) was collected after every few MB of allocation — net/http
// allocates ~2.5 KB per request, so 25 times a second at 30k requests/s —
// far more often than the limit's headroom needs: on the example site that
// cost 5–10% of the requests/s and most of the p99 gap to a bare handler
// (docs/performance.md). At 400 the limit (live heap + overhead + cache +
// servingHeadroom, following the live heap up) triggers the collections
// for every site whose live heap is over ~3 MB; GOGC still bounds the heap
// if the limit is ever lifted. An operator's GOGC or GOMEMLIMIT wins.
const servingGCPercent = 400

// servingHeadroom is what the memory limit leaves for garbage between
// collections beyond the live heap and a full response cache. It is a
// measured trade-off (docs/performance.md): 4 MiB made the collector run so
// often under a burst of applications (each PDF allocates ~16 MB) that the
// join API fell to ~500/s with a p99 over 200 ms; 16 MiB gave ~1,100/s but
// 67 MB resident for the 5,000-page site. 8 MiB met both goals until the
// binary grew (console in two languages, more features: ~1.5 MiB more
// touched code) and the 5,000-page site reached 60 MiB under load; 6 MiB
// gives 58–59 MiB there and a join p99 of 94 ms (SQLite) and 98 ms
// (PostgreSQL) against the 100 ms goal — both met, both narrowly.
const servingHeadroom = 6 << 20

// servingLimit keeps resident memory near what the process really needs.
// Go's default pacing (GOGC=100) lets the heap grow to twice the live heap
// between collections and returns freed memory to the system only slowly;
// for the 5,000-page site of issue 2 (a ~20 MB live heap) that alone puts
// resident memory ~20 MB over the 60 MB goal. After a load the limit is
// what the runtime holds then (the live site, measured, plus the runtime's
// own overhead), plus a full response cache, plus servingHeadroom.
//
// A fixed limit would make the collector run back to back (up to half the
// CPU) once something else grows the live heap for good — a feature's cache,
// many sessions. So after every collection the limit is raised to the live
// heap plus the same overhead and headroom when that is higher: the limit
// follows the live heap up, and a reload starts it afresh. It is soft: no
// allocation ever fails because of it.
var servingLimit memoryLimit

type memoryLimit struct {
	mu       sync.Mutex
	base     int64 // the limit set after the last load; 0: not in charge
	overhead int64 // runtime memory beyond the live heap, at that load
	armed    bool
}

func (m *memoryLimit) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.base = 0
}

func (m *memoryLimit) reset() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms) // right after FreeOSMemory: the live heap
	held := int64(ms.Sys - ms.HeapReleased)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.base = held + site.DefaultCacheBytes + servingHeadroom
	m.overhead = held - int64(ms.HeapAlloc)
	debug.SetMemoryLimit(m.base)
	if !m.armed {
		m.armed = true
		m.arm()
	}
}

// arm calls follow after the next collection (a finalizer runs once the
// collector has found its object unreachable) and re-arms itself.
func (m *memoryLimit) arm() {
	// A pointer field keeps it out of the tiny allocator, which would make
	// its lifetime that of its neighbours.
	sentinel := &gcSentinel{}
	runtime.SetFinalizer(sentinel, func(*gcSentinel) {
		m.follow()
		m.arm()
	})
}

type gcSentinel struct{ _ *byte }

var liveHeapMetric = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

func (m *memoryLimit) follow() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.base == 0 {
		return
	}
	metrics.Read(liveHeapMetric)
	if liveHeapMetric[0].Value.Kind() != metrics.KindUint64 {
		return
	}
	want := max(m.base, int64(liveHeapMetric[0].Value.Uint64())+m.overhead+servingHeadroom)
	if want != debug.SetMemoryLimit(-1) {
		debug.SetMemoryLimit(want)
	}
}

// OrphanedEvents warns about events that hold registrations but whose page
// has gone from the site (`unionhall check`). It looks only when a database
// exists already, and never migrates it: check must not change anything.
func OrphanedEvents(ctx context.Context, cfg config.Config, s *content.Site) []content.Problem {
	if cfg.DatabaseURL == "" {
		if _, err := os.Stat(filepath.Join(cfg.DataDir, "unionhall.db")); err != nil {
			return nil
		}
	}
	d, err := db.Open(ctx, db.Options{DataDir: cfg.DataDir, URL: cfg.DatabaseURL, SkipMigrate: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return []content.Problem{{File: "database", Severity: content.SevWarning, Message: "cannot open the database to look for orphaned event registrations: " + err.Error()}}
	}
	defer d.Close()
	keys, err := events.Orphans(ctx, d, s)
	if err != nil {
		return []content.Problem{{File: "database", Severity: content.SevWarning, Message: "cannot look for orphaned event registrations: " + err.Error()}}
	}
	var out []content.Problem
	for _, k := range keys {
		out = append(out, content.Problem{File: k, Severity: content.SevWarning,
			Message: "this event has registrations but its page is gone from the site; registrants keep their links, and their data is erased after the retention period"})
	}
	return out
}
