package membership

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"unionhall/internal/formguard"
	"unionhall/internal/seal"
	"unionhall/internal/site"

	"unionhall/internal/db"
)

// confirmView is the template data of the confirmation page.
type confirmView struct {
	Lang, Action, Token string
	Failed              bool // the last press failed on our side: press again
}

// handleConfirmPage shows a page with a Confirm button. It changes nothing:
// mail scanners and link previews follow GET links, and they must not
// confirm anybody. The token moves into a hidden field of a POST form.
func (s *Service) handleConfirmPage(w http.ResponseWriter, r *http.Request) {
	lang, ok := s.pageLang(w, r)
	if !ok {
		return
	}
	token := r.URL.Query().Get("token")
	st, err := s.checkToken(r.Context(), token)
	if err != nil {
		s.log.Error("join confirm page", "err", err)
		w.Header().Set("Retry-After", "120")
		s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "unavailable.title"),
			Paragraphs: []string{T(lang, "unavailable.body")}}, http.StatusServiceUnavailable)
		return
	}
	switch st {
	case tokenInvalid:
		s.showInvalidLink(w, r, lang)
	case tokenConfirmed:
		s.showAlreadyConfirmed(w, r, lang)
	default:
		s.render(w, r, "confirm", confirmView{Lang: lang, Action: "/" + lang + "/join/confirm", Token: token},
			site.LayoutView{Lang: lang, Title: T(lang, "confirm.title")})
	}
}

func (s *Service) handleConfirm(w http.ResponseWriter, r *http.Request) {
	lang, ok := s.pageLang(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		s.showInvalidLink(w, r, lang)
		return
	}
	token := r.PostFormValue("token")
	st, err := s.confirm(r.Context(), token)
	if err != nil {
		// Nothing changed: the same button again, with what went wrong. The
		// token is only echoed when it has the shape of one.
		s.log.Error("join confirm", "err", err)
		if !seal.ValidToken(token) {
			token = ""
		}
		w.Header().Set("Retry-After", "120")
		s.render(w, r, "confirm", confirmView{Lang: lang, Action: "/" + lang + "/join/confirm", Token: token, Failed: true},
			site.LayoutView{Lang: lang, Title: T(lang, "confirm.title"), Status: http.StatusServiceUnavailable})
		return
	}
	switch st {
	case tokenInvalid:
		s.showInvalidLink(w, r, lang)
		return
	case tokenConfirmed:
		s.showAlreadyConfirmed(w, r, lang)
		return
	}
	cs := s.d.Site()
	if p := confirmationPage(cs, lang, s.d.Now()); p != nil {
		s.showMessage(w, r, messageView{Lang: lang, Title: p.Title, Body: p.Body()}, http.StatusOK)
		return
	}
	s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "confirmed.title"),
		Paragraphs: []string{T(lang, "confirmed.body")}, Link: "/" + lang + "/", LinkText: T(lang, "back.home")}, http.StatusOK)
}

func (s *Service) showInvalidLink(w http.ResponseWriter, r *http.Request, lang string) {
	s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "invalid.title"),
		Paragraphs: []string{T(lang, "invalid.body")}, Resend: "/" + lang + "/join/resend"}, http.StatusGone)
}

func (s *Service) showAlreadyConfirmed(w http.ResponseWriter, r *http.Request, lang string) {
	s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "already.title"),
		Paragraphs: []string{T(lang, "already.body")}, Link: "/" + lang + "/", LinkText: T(lang, "back.home")}, http.StatusOK)
}

// handleResend sends a new link to an unverified application of the given
// email. The answer is the same whether one exists or not.
func (s *Service) handleResend(w http.ResponseWriter, r *http.Request) {
	lang, ok := s.pageLang(w, r)
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	_ = r.ParseForm()
	now := s.d.Now()
	email := strings.TrimSpace(r.PostFormValue("email"))
	if ok, retry := s.limit.Allow(clientKey(r), now); !ok {
		// The resend form again, with the address kept (escaped by the
		// template; it never goes into a URL or a log).
		w.Header().Set("Retry-After", formguard.RetryAfter(retry))
		kept := email
		if len(kept) > maxEmail {
			kept = ""
		}
		s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "ratelimit.title"),
			Paragraphs: []string{T(lang, "resend.ratelimit", "wait", waitText(retry))},
			Resend:     "/" + lang + "/join/resend", ResendEmail: kept}, http.StatusTooManyRequests)
		return
	}
	if email != "" && len(email) <= maxEmail && !hasForbidden(email) {
		if err := s.resend(r.Context(), email); err != nil {
			s.log.Error("join resend", "err", err)
		}
	}
	s.showMessage(w, r, messageView{Lang: lang, Title: T(lang, "resent.title"),
		Paragraphs: []string{T(lang, "resent.body"), T(lang, "sent.spam")}}, http.StatusOK)
}

func (s *Service) resend(ctx context.Context, email string) error {
	id, err := s.findUnverified(ctx, email)
	if err != nil || id == "" {
		return err
	}
	return s.d.DB.Tx(ctx, func(tx *sql.Tx) error {
		return s.enqueueVerification(ctx, tx, id, s.d.Now().UTC())
	})
}

// pageLang checks the {lang} path value against the site's languages.
func (s *Service) pageLang(w http.ResponseWriter, r *http.Request) (string, bool) {
	lang := r.PathValue("lang")
	if s.d.Site().Lang(lang) == nil {
		http.NotFound(w, r)
		return "", false
	}
	return lang, true
}

// APIPath is the JSON API's path. The app opens it, and only it, to
// browser calls from the sites in the join.allowed_origins setting (CORS;
// see web.CrossOriginRoutes), because a union's existing website may live on
// another origin and call it with fetch.
const APIPath = "/api/registration/join"

// apiFields maps the JSON API's fields onto Input.
var apiFields = []string{FEmail, FFirstName, FLastName, FDateOfBirth, FAddress, FCity, FPostalCode,
	FPhone, FCompany, FOccupation, FSignature, FLang}

// handleAPI is POST /api/registration/join, the body today's union
// websites send. Same rules as the form, except the statutes checkbox
// (those sites ask on their side) and the honeypot and timestamp (the
// calling page would have to carry them); the rate limit applies.
func (s *Service) handleAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.ContentLength > s.maxBody {
		drain(r)
		apiError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
	body, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		apiError(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
		return
	}
	if err != nil {
		apiError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	in, errs, ok := decodeJoinJSON(body)
	if !ok {
		apiError(w, http.StatusBadRequest, "Bad Request")
		return
	}
	cs := s.d.Site()
	now := s.d.Now()
	f := s.facts.get(cs)
	rules := Rules{EmployerDomains: f.employerDomains, Langs: f.langs, CountryCode: f.countryCode, Location: f.loc, Now: now}
	app, png, verrs := rules.Validate(in)
	for k, v := range verrs {
		if _, typed := errs[k]; !typed {
			errs[k] = v
		}
	}
	if len(errs) > 0 {
		lang := app.Lang
		if lang == "" {
			lang = cs.DefaultLang
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"code": http.StatusUnprocessableEntity, "message": T(lang, "api.invalid"), "errors": errs})
		return
	}
	if ok, retry := s.limit.Allow(clientKey(r), now); !ok {
		w.Header().Set("Retry-After", formguard.RetryAfter(retry))
		apiError(w, http.StatusTooManyRequests, "Too Many Requests")
		return
	}
	if err := s.submit(r.Context(), app, png); err != nil {
		s.log.Error("join api: store application", "err", err)
		apiError(w, http.StatusServiceUnavailable, "Service Unavailable")
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{"status": http.StatusAccepted, "message": "Accepted"})
}

// decodeJoinJSON reads the API's body: a JSON object whose known fields are
// strings (or null). ok is false when the body is not a JSON object; a
// field of another type is a "type" error for that field, not a 400, so the
// caller learns every problem at once. Unknown fields are ignored.
func decodeJoinJSON(body []byte) (in Input, errs Errors, ok bool) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return Input{}, nil, false
	}
	vals := map[string]string{}
	errs = Errors{}
	for _, k := range apiFields {
		v, ok := raw[k]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			errs.add(k, "type", map[string]any{"type": "string"})
			continue
		}
		vals[k] = s
	}
	in = Input{Email: vals[FEmail], FirstName: vals[FFirstName], LastName: vals[FLastName],
		DateOfBirth: vals[FDateOfBirth], Address: vals[FAddress], City: vals[FCity], PostalCode: vals[FPostalCode],
		Phone: vals[FPhone], Company: vals[FCompany], Occupation: vals[FOccupation], Lang: vals[FLang],
		SignatureDataURL: vals[FSignature]}
	if in.SignatureDataURL != "" {
		in.SignMethod = SignDraw
	}
	return in, errs, true
}

func apiError(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]any{"code": code, "message": msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

var _ = db.ValidID
