package auth

import (
	"context"
	"database/sql"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"slices"

	umail "unionhall/internal/mail"
	"unionhall/internal/web"
)

// The console and its sign-in pages speak Czech and English. The language
// is chosen, in this order:
//
//  1. the signed-in account's own choice (accounts.lang, set on the account
//     page): a committee member who reads the console in Czech on a
//     borrowed English laptop still gets Czech, on every device;
//  2. the browser's Accept-Language header (web.NegotiateLanguage);
//  3. English.
//
// Before sign-in only 2 and 3 apply. The language never goes into a URL:
// URLs of the console are bookmarked and shared, and a choice that lives on
// the account needs no ?lang= to carry it.

// Languages are the languages the console speaks; FallbackLang is used when
// nothing else decides.
var Languages = []string{"en", "cs"}

// FallbackLang is the language of last resort.
const FallbackLang = "en"

// ValidLang reports whether lang is one of Languages.
func ValidLang(lang string) bool { return slices.Contains(Languages, lang) }

// NegotiateLang picks a language from the request's Accept-Language header.
func NegotiateLang(r *http.Request) string {
	return web.NegotiateLanguage(r.Header.Get("Accept-Language"), Languages, FallbackLang)
}

type langKey struct{}

// WithLang returns ctx carrying the language chosen for the request, so
// code below the handler (for example the email a request causes) can use
// it without an extra parameter.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// LangFrom returns the language WithLang stored, or "".
func LangFrom(ctx context.Context) string {
	l, _ := ctx.Value(langKey{}).(string)
	return l
}

// Lang is the language of a request: the account's saved choice when a is
// signed in and has one, else Accept-Language, else English. The choice
// comes with the account the session loaded (Account.Lang), so it costs no
// query of its own.
func (s *Service) Lang(r *http.Request, a *Account) string {
	if a != nil && ValidLang(a.Lang) {
		return a.Lang
	}
	return NegotiateLang(r)
}

// AccountLang returns the account's saved language, "" for "follow the
// browser".
func (s *Service) AccountLang(ctx context.Context, accountID string) (string, error) {
	var l string
	err := s.d.DB.QueryRow(ctx, `SELECT lang FROM accounts WHERE id = ? AND disabled_at IS NULL`, accountID).Scan(&l)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNoAccount
	}
	if err != nil {
		return "", fmt.Errorf("read account language: %w", err)
	}
	return l, nil
}

// ErrBadLang is a language the console does not speak.
var ErrBadLang = errors.New("auth: unknown language")

// SetAccountLang saves the account's language ("" to follow the browser)
// and records the change in the audit trail.
func (s *Service) SetAccountLang(ctx context.Context, accountID, lang string) error {
	if lang != "" && !ValidLang(lang) {
		return ErrBadLang
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.d.DB.Rebind(`UPDATE accounts SET lang = ? WHERE id = ? AND disabled_at IS NULL`), lang, accountID)
		if err != nil {
			return fmt.Errorf("set account language: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNoAccount
		}
		detail := lang
		if detail == "" {
			detail = "browser"
		}
		return Audit(ctx, s.d.DB, tx, Entry{At: s.d.Now(), ActorID: accountID, Action: "account.language", SubjectType: "account", SubjectID: accountID, Detail: detail})
	})
}

// messages.json holds the texts of the sign-in and account pages and of the
// sign-in emails (linkEmail, inviteEmail), in English and Czech; a test
// checks that both have the same keys and that the templates use no
// missing one.
//
//go:embed messages.json
var messagesJSON []byte

var messages = web.MustCatalog("auth", messagesJSON)

// T returns message key in lang with {name} placeholders filled from args
// (pairs of name, value); see web.Catalog.
func T(lang, key string, args ...any) string { return messages.T(lang, key, args...) }

// linkEmail is the sign-in link email in lang. It is meant for login.go's
// RequestLink, with LangFrom(ctx): handleLoginRequest puts the language of
// the request that asked for the link into the context.
func linkEmail(lang, to, link string) umail.Message {
	return umail.Message{To: to, Subject: T(lang, "mail.link.subject"), Text: T(lang, "mail.link.text", "link", link),
		Headers: map[string]string{"Content-Language": messages.Lang(lang)}}
}

// inviteEmail is the invitation a new account gets from the console, in
// the inviting committee member's language (the invitee has not chosen one
// yet; the console puts it in the context with WithLang). It is meant for
// Invite in auth.go.
func inviteEmail(lang, to, link string) umail.Message {
	return umail.Message{To: to, Subject: T(lang, "mail.invite.subject"), Text: T(lang, "mail.invite.text", "link", link),
		Headers: map[string]string{"Content-Language": messages.Lang(lang)}}
}
