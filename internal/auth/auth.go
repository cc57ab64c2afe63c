package auth

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"golang.org/x/text/unicode/norm"

	"unionhall/internal/db"
	umail "unionhall/internal/mail"
	"unionhall/internal/seal"
)

//go:embed templates/*.html
var templateFS embed.FS

// Outbox queues an email inside the caller's transaction (*mail.Outbox).
type Outbox interface {
	Enqueue(ctx context.Context, tx *sql.Tx, m umail.Message) error
}

// Deps is what the service needs. DB and Keys are required; without an
// Outbox login links can only be made by CreateAccount (the CLI).
type Deps struct {
	DB     *db.DB
	Keys   *seal.Keyring
	Outbox Outbox
	// BaseURL is where people reach the server, without a trailing slash;
	// login links in emails start with it.
	BaseURL string
	Now     func() time.Time
	Logger  *slog.Logger
	// Timings; zero values take the defaults below.
	LinkTTL         time.Duration // 15m
	IdleTimeout     time.Duration // 2h
	AbsoluteTimeout time.Duration // 12h
	// Rate limits on login-link requests per window (15m): per client
	// address (default 20) and per email (default 5).
	PerAddress, PerEmail int
	// ClientAddr returns the client's address for the per-address rate
	// limit. The default is the connection's remote address; behind a
	// reverse proxy, pass a function that reads the proxy's header (only
	// when the proxy is trusted to set it).
	ClientAddr func(*http.Request) string
	// OIDC, when set, adds "Sign in with …" single sign-on.
	OIDC *OIDCConfig
	// AccountsChanged, when set, runs after an account was created, so
	// caches of account names (the console's, in every process) drop.
	AccountsChanged func()
}

// Service holds accounts, login links and sessions.
type Service struct {
	d      Deps
	log    *slog.Logger
	tmpl   *template.Template
	byAddr *limiter
	byMail *limiter
	oidc   *oidcClient
	// webauthn is nil when the public URL has no domain name.
	webauthn *webauthn.WebAuthn
	// pending counts login links being prepared after their request was
	// answered (RequestLink); Wait waits for them.
	pending sync.WaitGroup
}

// Errors callers may test for.
var (
	ErrBadEmail    = errors.New("auth: not a valid email address")
	ErrBadRole     = errors.New("auth: unknown role")
	ErrExists      = errors.New("auth: an account with this email exists")
	ErrNoAccount   = errors.New("auth: no such account")
	ErrBadLink     = errors.New("auth: login link invalid, used or expired")
	ErrNoSession   = errors.New("auth: no valid session")
	ErrBadWorkpl   = errors.New("auth: unknown workplace")
	errRateLimited = errors.New("auth: too many login attempts")
)

// New builds the service.
func New(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.LinkTTL <= 0 {
		d.LinkTTL = 15 * time.Minute
	}
	if d.IdleTimeout <= 0 {
		d.IdleTimeout = 2 * time.Hour
	}
	if d.AbsoluteTimeout <= 0 {
		d.AbsoluteTimeout = 12 * time.Hour
	}
	if d.ClientAddr == nil {
		d.ClientAddr = remoteAddr
	}
	if d.PerAddress <= 0 {
		d.PerAddress = 20
	}
	if d.PerEmail <= 0 {
		d.PerEmail = 5
	}
	d.BaseURL = strings.TrimRight(d.BaseURL, "/")
	var oc *oidcClient
	if d.OIDC != nil {
		cfg := *d.OIDC
		if cfg.HTTPClient == nil {
			cfg.HTTPClient = defaultHTTPClient()
		}
		if cfg.Name == "" {
			cfg.Name = "single sign-on"
		}
		oc = &oidcClient{cfg: cfg}
	}
	return &Service{
		webauthn: newWebAuthn(d.BaseURL),
		oidc:     oc,
		d:        d,
		log:      d.Logger.With("component", "auth"),
		tmpl:     template.Must(template.ParseFS(templateFS, "templates/*.html")),
		byAddr:   newLimiter(d.PerAddress, 15*time.Minute, d.Now),
		byMail:   newLimiter(d.PerEmail, 15*time.Minute, d.Now),
	}
}

func aadEmail(id string) []byte { return seal.AAD("accounts", "email", id) }

func (s *Service) emailIndex(email string) []byte {
	return s.d.Keys.BlindIndex("account.email", seal.NormaliseEmail(email))
}

// maxEmail bounds an email address (RFC 5321 path limit).
const maxEmail = 254

// cleanEmail validates and normalises an email address.
func cleanEmail(s string) (string, error) {
	e := seal.NormaliseEmail(s)
	if e == "" || len(e) > maxEmail || strings.ContainsAny(e, " <>\"\r\n\t") {
		return "", ErrBadEmail
	}
	for _, r := range e {
		if r < 0x20 || r == 0x7f || (r >= 0x200e && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) {
			return "", ErrBadEmail
		}
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.LastIndexByte(e, '@')+1:], ".") {
		return "", ErrBadEmail
	}
	return e, nil
}

// CreateAccount makes a console account with the given roles, representing
// the given workplaces, and returns a one-time login link for it (valid for
// LinkTTL). It is how the first administrator gets in (`unionhall admin
// create`); the link is printed, not emailed.
func (s *Service) CreateAccount(ctx context.Context, email string, roles, workplaceIDs []string) (loginURL string, err error) {
	token, _, err := s.createAccount(ctx, "cli", email, roles, workplaceIDs, nil)
	if err != nil {
		return "", err
	}
	return s.linkURL(token), nil
}

// Invite creates an account from the console and emails it a sign-in link
// (valid for LinkTTL), in one transaction. It returns the account's id.
func (s *Service) Invite(ctx context.Context, actorID, email string, roles, workplaceIDs []string) (string, error) {
	if s.d.Outbox == nil {
		return "", errors.New("auth: no outbox to send the invitation")
	}
	_, id, err := s.createAccount(ctx, actorID, email, roles, workplaceIDs, func(tx *sql.Tx, e, token string) error {
		// In the inviting committee member's language (the console puts it
		// in the context); the invitee has not chosen one yet.
		msg := inviteEmail(LangFrom(ctx), e, s.linkURL(token))
		if err := s.d.Outbox.Enqueue(ctx, tx, msg); err != nil {
			return fmt.Errorf("queue invitation: %w", err)
		}
		return nil
	})
	return id, err
}

func cleanRoles(roles []string) ([]string, error) {
	roles = slices.Clone(roles)
	slices.Sort(roles)
	roles = slices.Compact(roles)
	for _, r := range roles {
		if !ValidRole(r) {
			return nil, fmt.Errorf("%w %q", ErrBadRole, r)
		}
	}
	return roles, nil
}

func (s *Service) createAccount(ctx context.Context, actorID, email string, roles, workplaceIDs []string,
	after func(tx *sql.Tx, email, token string) error) (token, id string, err error) {
	e, err := cleanEmail(email)
	if err != nil {
		return "", "", err
	}
	if roles, err = cleanRoles(roles); err != nil {
		return "", "", err
	}
	for _, w := range workplaceIDs {
		if !db.ValidID(w) {
			return "", "", fmt.Errorf("%w %q", ErrBadWorkpl, w)
		}
	}
	id = db.NewID()
	sealed, err := s.d.Keys.SealString(e, aadEmail(id))
	if err != nil {
		return "", "", fmt.Errorf("seal account email: %w", err)
	}
	now := s.d.Now()
	token, hash := seal.NewToken()
	err = s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO accounts (id, email_bidx, email, roles, created_at)
			VALUES (?, ?, ?, ?, ?)`), id, s.emailIndex(e), sealed, joinRoles(roles), db.T(now)); err != nil {
			if db.IsUniqueViolation(err) {
				return ErrExists
			}
			return fmt.Errorf("insert account: %w", err)
		}
		for _, w := range workplaceIDs {
			var n int
			if err := tx.QueryRowContext(ctx, s.d.DB.Rebind(`SELECT COUNT(*) FROM workplaces WHERE id = ?`), w).Scan(&n); err != nil {
				return fmt.Errorf("look up workplace: %w", err)
			}
			if n == 0 {
				return fmt.Errorf("%w %q", ErrBadWorkpl, w)
			}
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO account_workplaces (account_id, workplace_id) VALUES (?, ?)
				ON CONFLICT DO NOTHING`), id, w); err != nil {
				return fmt.Errorf("link account to workplace: %w", err)
			}
		}
		if err := s.insertLink(ctx, tx, id, hash, now); err != nil {
			return err
		}
		if after != nil {
			if err := after(tx, e, token); err != nil {
				return err
			}
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: actorID, Action: "account.create",
			SubjectType: "account", SubjectID: id, Detail: "roles: " + joinRoles(roles)})
	})
	if err != nil {
		return "", "", err
	}
	if s.d.AccountsChanged != nil {
		s.d.AccountsChanged()
	}
	return token, id, nil
}

// SetRoles replaces an account's roles.
func (s *Service) SetRoles(ctx context.Context, actorID, accountID string, roles []string) error {
	roles, err := cleanRoles(roles)
	if err != nil {
		return err
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE accounts SET roles = ? WHERE id = ? AND disabled_at IS NULL`), joinRoles(roles), accountID)
		if err != nil {
			return fmt.Errorf("set roles: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoAccount
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: s.d.Now(), ActorID: actorID, Action: "account.roles", SubjectType: "account", SubjectID: accountID, Detail: "roles: " + joinRoles(roles)})
	})
}

// Disable shuts an account out: its sessions and unused links end, and it
// can no longer sign in by any means. The row stays for the audit trail.
func (s *Service) Disable(ctx context.Context, actorID, accountID string) error {
	now := s.d.Now()
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE accounts SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL`), db.T(now), accountID)
		if err != nil {
			return fmt.Errorf("disable account: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoAccount
		}
		for _, q := range []string{`DELETE FROM sessions WHERE account_id = ?`, `DELETE FROM login_tokens WHERE account_id = ?`, `DELETE FROM passkeys WHERE account_id = ?`} {
			if _, err := tx.ExecContext(ctx, s.d.DB.Rebind(q), accountID); err != nil {
				return fmt.Errorf("disable account: %w", err)
			}
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: now, ActorID: actorID, Action: "account.disable", SubjectType: "account", SubjectID: accountID})
	})
}

// SetWorkplaces replaces the workplaces an account represents (the console's
// workplace page). Auditing is the caller's, in the same tx.
func SetWorkplaces(ctx context.Context, d *db.DB, tx *sql.Tx, accountID string, workplaceIDs []string) error {
	if _, err := tx.ExecContext(ctx, d.Rebind(`DELETE FROM account_workplaces WHERE account_id = ?`), accountID); err != nil {
		return fmt.Errorf("clear workplaces of account: %w", err)
	}
	for _, w := range workplaceIDs {
		if _, err := tx.ExecContext(ctx, d.Rebind(`INSERT INTO account_workplaces (account_id, workplace_id) VALUES (?, ?)`), accountID, w); err != nil {
			return fmt.Errorf("link account to workplace: %w", err)
		}
	}
	return nil
}

// WorkplaceIndexPurpose is the blind-index purpose of workplace names
// (workplaces.name_bidx).
const WorkplaceIndexPurpose = "workplace.name"

// NormaliseWorkplaceName is the form of a workplace name that look-ups and
// duplicate checks compare: Unicode NFC, lower-cased, trimmed, inner runs of
// white space collapsed to one space. "Kvádr  Software" typed by a committee
// member and "kvádr software" in a single sign-on group claim are the same
// workplace; anything more (dropping diacritics, punctuation) could merge
// two real employers.
func NormaliseWorkplaceName(s string) string {
	s = norm.NFC.String(strings.ToLower(norm.NFC.String(s)))
	return strings.Join(strings.Fields(s), " ")
}

// WorkplaceNameIndex is the keyed blind index of a workplace name, the only
// form in which a name can be looked up in the database: the name itself is
// sealed with the rest of the workplace (internal/members/workplaces.go) so a
// stolen copy does not tell which employers members work for. It lives here
// rather than in internal/admin because single sign-on (ssoLogin) matches
// group claims against it and internal/auth cannot import internal/admin.
func WorkplaceNameIndex(kr *seal.Keyring, name string) []byte {
	return kr.BlindIndex(WorkplaceIndexPurpose, NormaliseWorkplaceName(name))
}

func (s *Service) linkURL(token string) string {
	return s.d.BaseURL + "/auth/link?token=" + token
}

func (s *Service) insertLink(ctx context.Context, tx *sql.Tx, accountID string, hash []byte, now time.Time) error {
	_, err := tx.ExecContext(ctx, s.d.DB.Rebind(`INSERT INTO login_tokens (hash, account_id, created_at, expires_at)
		VALUES (?, ?, ?, ?)`), hash, accountID, db.T(now), db.T(now.Add(s.d.LinkTTL)))
	if err != nil {
		return fmt.Errorf("insert login token: %w", err)
	}
	return nil
}

// AccountSummary is an account as listed in the console.
type AccountSummary struct {
	ID         string
	Email      string
	Roles      []string
	Workplaces []string
}

// Accounts lists every enabled account, decrypted.
func (s *Service) Accounts(ctx context.Context) ([]AccountSummary, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT id, email, roles FROM accounts WHERE disabled_at IS NULL ORDER BY created_at`)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	defer rows.Close()
	var out []AccountSummary
	for rows.Next() {
		var a AccountSummary
		var email []byte
		var roles string
		if err := rows.Scan(&a.ID, &email, &roles); err != nil {
			return nil, fmt.Errorf("list accounts: %w", err)
		}
		if a.Email, err = s.d.Keys.OpenString(email, aadEmail(a.ID)); err != nil {
			return nil, fmt.Errorf("open account email %s: %w", a.ID, err)
		}
		a.Roles = splitRoles(roles)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	for i := range out {
		if out[i].Workplaces, err = s.workplacesOf(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Service) workplacesOf(ctx context.Context, accountID string) ([]string, error) {
	rows, err := s.d.DB.Query(ctx, `SELECT workplace_id FROM account_workplaces WHERE account_id = ? ORDER BY workplace_id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("workplaces of account: %w", err)
	}
	defer rows.Close()
	var ws []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, fmt.Errorf("workplaces of account: %w", err)
		}
		ws = append(ws, w)
	}
	return ws, rows.Err()
}

// account loads an enabled account by id.
func (s *Service) account(ctx context.Context, id string) (*Account, error) {
	var email []byte
	var roles, lang string
	err := s.d.DB.QueryRow(ctx, `SELECT email, roles, lang FROM accounts WHERE id = ? AND disabled_at IS NULL`, id).Scan(&email, &roles, &lang)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNoAccount
	}
	if err != nil {
		return nil, fmt.Errorf("load account: %w", err)
	}
	a := &Account{ID: id, Roles: splitRoles(roles), Lang: lang}
	if a.Email, err = s.d.Keys.OpenString(email, aadEmail(id)); err != nil {
		return nil, fmt.Errorf("open account email %s: %w", id, err)
	}
	if a.Workplaces, err = s.workplacesOf(ctx, id); err != nil {
		return nil, err
	}
	return a, nil
}
