package auth_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"unionhall/internal/auth"
	"unionhall/internal/db"
	"unionhall/internal/dbtest"
	"unionhall/internal/seal"
	"unionhall/internal/web"
)

// fakeIssuer is a minimal OpenID Connect provider: discovery, JWKS, an
// authorize endpoint that signs in whoever the test says at once, and a
// token endpoint that checks the client secret and PKCE and returns an
// RS256-signed ID token.
type fakeIssuer struct {
	srv    *httptest.Server
	key    *rsa.PrivateKey
	mu     sync.Mutex
	claims map[string]any // claims of the next sign-in
	codes  map[string]issued
	// tamper, when set, edits the ID token's payload after signing.
	tamper bool
	// nonceOverride replaces the nonce in the ID token.
	nonceOverride string
}

type issued struct{ nonce, challenge string }

const clientID, clientSecret = "unionhall", "s3cret"

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func newIssuer(t *testing.T) *fakeIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIssuer{key: key, codes: map[string]issued{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": f.srv.URL, "authorization_endpoint": f.srv.URL + "/authorize", "token_endpoint": f.srv.URL + "/token",
			"jwks_uri": f.srv.URL + "/jwks", "response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]any{{
			"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
			"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
		}}})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != clientID || q.Get("code_challenge_method") != "S256" {
			http.Error(w, "bad request", 400)
			return
		}
		code := b64([]byte(time.Now().String()))
		f.mu.Lock()
		f.codes[code] = issued{q.Get("nonce"), q.Get("code_challenge")}
		f.mu.Unlock()
		u, _ := url.Parse(q.Get("redirect_uri"))
		v := url.Values{"code": {code}, "state": {q.Get("state")}}
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
		}
		f.mu.Lock()
		is, found := f.codes[r.PostFormValue("code")]
		delete(f.codes, r.PostFormValue("code"))
		claims := map[string]any{}
		for k, v := range f.claims {
			claims[k] = v
		}
		tamper, nonce := f.tamper, f.nonceOverride
		f.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
		if id != clientID || secret != clientSecret || !found || b64(sum[:]) != is.challenge {
			w.WriteHeader(400)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		if nonce == "" {
			nonce = is.nonce
		}
		claims["iss"], claims["aud"], claims["nonce"] = f.srv.URL, clientID, nonce
		claims["iat"], claims["exp"] = time.Now().Unix(), time.Now().Add(5*time.Minute).Unix()
		header := b64([]byte(`{"alg":"RS256","kid":"k1","typ":"JWT"}`))
		payload, _ := json.Marshal(claims)
		signed := header + "." + b64(payload)
		h := sha256.Sum256([]byte(signed))
		sig, _ := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, h[:])
		if tamper {
			claims["resource_access"] = map[string]any{"unionhall": map[string]any{"roles": auth.Roles}}
			payload, _ = json.Marshal(claims)
			signed = header + "." + b64(payload)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300,
			"id_token": signed + "." + b64(sig)})
	})
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIssuer) signIn(claims map[string]any) {
	f.mu.Lock()
	f.claims = claims
	f.mu.Unlock()
}

func TestOIDCSignIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		iss := newIssuer(t)
		// The service needs the server's URL (the redirect URL), so the
		// server starts first and gets its handler afterwards.
		srv := httptest.NewServer(http.NotFoundHandler())
		t.Cleanup(srv.Close)
		var keys *seal.Keyring
		r := newRig(t, d, func(dp *auth.Deps) {
			keys = dp.Keys
			dp.Now = time.Now
			dp.BaseURL = srv.URL
			dp.OIDC = &auth.OIDCConfig{Name: "Keycloak", Issuer: iss.srv.URL, ClientID: clientID, ClientSecret: clientSecret,
				RolesClaim: "resource_access.unionhall.roles", WorkplacesClaim: "groups"}
		})
		mux := http.NewServeMux()
		r.svc.Register(mux)
		mux.Handle("/admin/", r.svc.Middleware(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			a := auth.FromContext(req.Context())
			w.Write([]byte("roles=" + strings.Join(a.Roles, ",") + " workplaces=" + strings.Join(a.Workplaces, ",")))
		})))
		srv.Config.Handler = web.Stack(mux, dbtest.Logger())

		// Workplaces as the console stores them: the name sealed, found by
		// its blind index only (internal/members/workplaces.go).
		for id, name := range map[string]string{"aaaaaaaaaaaaaaaaaaaaaaaaaa": "Depot", "bbbbbbbbbbbbbbbbbbbbbbbbbb": "Kvádr Software",
			"cccccccccccccccccccccccccc": "Elsewhere"} {
			data, err := keys.Seal([]byte(`{"name":"`+name+`"}`), seal.AAD("workplaces", "data", id))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Exec(ctx, `INSERT INTO workplaces (id, name, data, name_bidx, created_at) VALUES (?, '', ?, ?, ?)`,
				id, data, auth.WorkplaceNameIndex(keys, name), db.T(time.Now())); err != nil {
				t.Fatal(err)
			}
		}
		// The login page offers the provider.
		resp, err := http.Get(srv.URL + "/auth/login")
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); !strings.Contains(b, "Sign in with Keycloak") {
			t.Fatal("no SSO button on the login page")
		}
		login := func() (int, string) {
			c := client(t)
			c.CheckRedirect = nil // follow: app → issuer → callback → console
			resp, err := c.Get(srv.URL + "/auth/oidc")
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, body(t, resp)
		}
		iss.signIn(map[string]any{"sub": "u1", "email": "Chair@Example.org", "email_verified": true,
			"resource_access": map[string]any{"unionhall": map[string]any{"roles": []any{"list-members", "root", "view-member"}}},
			// By name in any case, spacing and Unicode form (the second is
			// "KVÁDR   software" with a combining accent), by id, and a group
			// naming no workplace (ignored).
			"groups": []any{"depot", " KVA\u0301DR   software ", "cccccccccccccccccccccccccc", "unknown-group", "Depot Two"}})
		code, b := login()
		if code != 200 || b != "roles=list-members,view-member workplaces=aaaaaaaaaaaaaaaaaaaaaaaaaa,bbbbbbbbbbbbbbbbbbbbbbbbbb,cccccccccccccccccccccccccc" {
			t.Fatalf("first SSO sign-in: %d %q", code, b)
		}
		// Roles follow the provider at the next sign-in.
		iss.signIn(map[string]any{"sub": "u1", "email": "chair@example.org",
			"resource_access": map[string]any{"unionhall": map[string]any{"roles": []any{"super-powers"}}}})
		if code, b := login(); code != 200 || b != "roles=super-powers workplaces=" {
			t.Fatalf("second SSO sign-in: %d %q", code, b)
		}
		var n int
		if err := d.QueryRow(ctx, `SELECT COUNT(*) FROM accounts`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("accounts = %d, %v", n, err)
		}
		// Refusals: no roles, unverified email, a forged token, a wrong nonce.
		iss.signIn(map[string]any{"sub": "u2", "email": "nobody@example.org"})
		if code, b := login(); code != 403 || !strings.Contains(b, "no access") {
			t.Fatalf("no roles: %d", code)
		}
		iss.signIn(map[string]any{"sub": "u3", "email": "x@example.org", "email_verified": false,
			"resource_access": map[string]any{"unionhall": map[string]any{"roles": []any{"super-powers"}}}})
		if code, _ := login(); code != 403 {
			t.Fatalf("unverified email: %d", code)
		}
		iss.signIn(map[string]any{"sub": "u2", "email": "nobody@example.org"})
		iss.mu.Lock()
		iss.tamper = true
		iss.mu.Unlock()
		if code, b := login(); code != 400 || !strings.Contains(b, "could not be verified") {
			t.Fatalf("forged token: %d", code)
		}
		iss.mu.Lock()
		iss.tamper, iss.nonceOverride = false, "replayed"
		iss.mu.Unlock()
		iss.signIn(map[string]any{"sub": "u1", "email": "chair@example.org",
			"resource_access": map[string]any{"unionhall": map[string]any{"roles": []any{"super-powers"}}}})
		if code, _ := login(); code != 400 {
			t.Fatalf("wrong nonce: %d", code)
		}
		// A callback that did not start here (no state cookie) is refused.
		resp, err = client(t).Get(srv.URL + "/auth/oidc/callback?code=x&state=y")
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != 400 || !strings.Contains(b, "did not start here") {
			t.Fatalf("callback without state: %d", resp.StatusCode)
		}
	})
}

func TestOIDCIssuerDown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		r := newRig(t, d, func(dp *auth.Deps) {
			dp.OIDC = &auth.OIDCConfig{Issuer: "http://127.0.0.1:1", ClientID: "x", ClientSecret: "y"}
		})
		srv := server(t, r)
		resp, err := client(t).Get(srv.URL + "/auth/oidc")
		if err != nil {
			t.Fatal(err)
		}
		if b := body(t, resp); resp.StatusCode != 503 || !strings.Contains(b, "cannot be reached") {
			t.Fatalf("issuer down: %d", resp.StatusCode)
		}
	})
}
