package admin_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"unionhall/internal/admin"
	"unionhall/internal/auth"
	"unionhall/internal/console"
	"unionhall/internal/content"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/events"
	"unionhall/internal/examplesite"
	"unionhall/internal/mail"
	"unionhall/internal/members"
	"unionhall/internal/membership"
	"unionhall/internal/seal"
	"unionhall/internal/surveys"
	"unionhall/internal/votes"
	votepages "unionhall/internal/votes/pages"
	"unionhall/internal/web"
)

type outbox struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (o *outbox) Enqueue(ctx context.Context, tx *sql.Tx, m mail.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, m)
	return nil
}

type rig struct {
	d    *db.DB
	keys *seal.Keyring
	auth *auth.Service
	c    *admin.Console
	reg  *members.Registry // the console's registry
	srv  *httptest.Server
	box  *outbox
	ev   *events.Service // with the test site of newEventStore
	// votes is the votes feature on the example site (its console
	// section is plugged in as the server does).
	votes *votes.Service
	// surveys is the surveys feature on the example site.
	surveys *surveys.Service
}

// rigVotes is the votes service and its console section.
type rigVotes struct {
	svc     *votes.Service
	section console.Section
}

// newVotes is the votes feature as internal/app wires it, on the example
// site.
func newVotes(t testing.TB, d *db.DB, kr *seal.Keyring, box *outbox, reg *members.Registry) rigVotes {
	t.Helper()
	fsys, err := examplesite.FS(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	site, err := content.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	get := func() *content.Site { return site }
	svc := votes.New(votes.Deps{DB: d, Keys: kr, Outbox: box, Registry: reg, Site: get, MinEligible: 1, Logger: dbtest.Logger()})
	return rigVotes{svc, votepages.ConsoleSection(votepages.ConsoleDeps{Votes: svc, Workplaces: reg, Site: get})}
}

func newRig(t testing.TB, d *db.DB) *rig {
	t.Helper()
	kr, err := seal.NewKeyring(seal.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	box := &outbox{}
	a := auth.New(auth.Deps{DB: d, Keys: kr, Outbox: box, BaseURL: "http://console.test", Logger: dbtest.Logger(), PerAddress: 1 << 20, PerEmail: 1 << 20})
	ev := newEventStore(t, d, kr, box)
	reg := newRegistry(d, kr, a)
	vs := newVotes(t, d, kr, box, reg)
	sv := newSurveys(t, d, kr)
	c := admin.New(admin.Deps{DB: d, Keys: kr, Auth: a, Outbox: box, Sections: []console.Section{ev.ConsoleSection(), vs.section, newPetitions(t, d, kr, box).ConsoleSection(), sv.ConsoleSection()}, Logger: dbtest.Logger(), Members: reg,
		FeeInfo: func(lang string) string { return "Fee (" + lang + "): 1 % of income." }})
	mux := http.NewServeMux()
	a.Register(mux)
	c.Register(mux)
	srv := httptest.NewServer(web.Stack(mux, dbtest.Logger()))
	t.Cleanup(srv.Close)
	return &rig{d: d, keys: kr, auth: a, c: c, reg: reg, srv: srv, box: box, ev: ev, votes: vs.svc, surveys: sv}
}

// newRegistry is the member registry as internal/app wires it: with the
// applications' eraser.
func newRegistry(d *db.DB, kr *seal.Keyring, a *auth.Service) *members.Registry {
	return members.New(members.Deps{DB: d, Keys: kr, Auth: a, Logger: dbtest.Logger(),
		Erasers: []members.Eraser{membership.MemberApplicationEraser(d, kr)}})
}

var tokenRE = regexp.MustCompile(`token=([A-Za-z0-9_-]{43})`)

// login creates an account and returns an HTTP client signed in as it, and
// the account.
func (r *rig) login(t testing.TB, email string, roles, workplaces []string) (*http.Client, *auth.Account) {
	t.Helper()
	ctx := context.Background()
	link, err := r.auth.CreateAccount(ctx, email, roles, workplaces)
	if err != nil {
		t.Fatal(err)
	}
	m := tokenRE.FindStringSubmatch(link)
	sess, _, err := r.auth.ConsumeLink(ctx, m[1])
	if err != nil {
		t.Fatal(err)
	}
	acct, err := r.auth.Session(ctx, sess)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(r.srv.URL)
	jar.SetCookies(u, []*http.Cookie{{Name: auth.CookieName, Value: sess, Path: "/"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, acct
}

// addApplication stores an application the way internal/membership does.
func (r *rig) addApplication(t testing.TB, state string, a admin.Applicant) string {
	t.Helper()
	id := db.NewID()
	plain, _ := json.Marshal(a)
	data, err := r.keys.Seal(plain, seal.AAD("applications", "data", id))
	if err != nil {
		t.Fatal(err)
	}
	sig, _ := r.keys.Seal(pngBytes, seal.AAD("applications", "signature", id))
	pdf, _ := r.keys.Seal([]byte("%PDF-1.4 test"), seal.AAD("applications", "pdf", id))
	var confirmed any
	if state != admin.StateUnverified {
		confirmed = db.T(time.Now())
	}
	_, err = r.d.Exec(context.Background(), `INSERT INTO applications (id, state, lang, email_bidx, data, signature, typed_signature, pdf, created_at, confirmed_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, id, state, "cs", r.keys.BlindIndex("application.email", a.Email), data, sig, false, pdf, db.T(time.Now()), confirmed)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n fake")

func applicant(first, last, email string) admin.Applicant {
	return admin.Applicant{Email: email, FirstName: first, LastName: last, DateOfBirth: "1990-01-02", City: "Brno",
		Phone: "+420777123456", Company: "Acme", Occupation: "Welder", Lang: "cs"}
}

var super = &auth.Account{ID: "tester", Roles: auth.Roles}
