package rekey

import (
	"encoding/json"
	"strings"

	"unionhall/internal/auth"
	"unionhall/internal/seal"
)

// This file is the one list of every BLOB / bytea column in the schema,
// by table and column name (not by the package that owns the table, which
// may move). A feature that adds such a column adds it here, to Sealed,
// Indexes or NotSealed; TestRegistryCoversMigrations fails until it does,
// because a sealed column missing from this list would keep the old key's
// values after a rotation — and the rotation would then refuse to retire
// the old key.

// SealedColumn is a column holding seal output.
type SealedColumn struct {
	Table, Column string
	// AADTable and AADColumn are the names the feature passes to
	// seal.AAD(table, column, rowID) when they differ from Table and
	// Column (member occupations are sealed as "members"/"occupation").
	AADTable, AADColumn string
	// Mixed: the column also holds values that are not sealed (jobs.payload:
	// only emails are sealed, other payloads are plain JSON). Only values
	// whose header names a key of the ring are touched.
	Mixed bool
}

func (c SealedColumn) aad(id string) []byte {
	t, col := c.Table, c.Column
	if c.AADTable != "" {
		t = c.AADTable
	}
	if c.AADColumn != "" {
		col = c.AADColumn
	}
	return seal.AAD(t, col, id)
}

// IndexColumn is a blind-index column, recomputed from the sealed Source
// column of the same row.
type IndexColumn struct {
	Table, Column, Purpose string
	Source                 string   // sealed column of the same row holding the value
	Extra                  []string // other columns Value needs, in order
	// Value turns the opened source (and the Extra columns) into the string
	// the feature indexes, exactly as the feature does; ok is false when
	// the row has nothing to index. A rotation checks each stored index
	// against Value's old-key index before replacing it, so a Value that
	// drifted from the feature's code is found (and reported), never
	// written.
	Value func(plain []byte, extra []string) (string, bool)
}

// PlainColumn is a BLOB / bytea column that holds no seal output, with the
// reason.
type PlainColumn struct {
	Table, Column, Why string
}

// Sealed lists every sealed column.
var Sealed = []SealedColumn{
	{Table: "applications", Column: "data"},
	{Table: "applications", Column: "signature"},
	{Table: "applications", Column: "pdf"},
	{Table: "members", Column: "data"},
	{Table: "member_occupations", Column: "occupation", AADTable: "members"},
	{Table: "notes", Column: "body"},
	{Table: "accounts", Column: "email"},
	{Table: "workplaces", Column: "data"},
	{Table: "event_registrations", Column: "data"},
	{Table: "jobs", Column: "payload", Mixed: true},
	// A live ballot's choices (internal/votes); the id is "voteID/hex(slot)".
	{Table: "vote_ballots", Column: "sealed"},
	// A survey's answers (internal/surveys); the id is "surveyID/hex(16 random bytes)".
	{Table: "survey_answers", Column: "sealed"},
	// A petition signature's personal data (internal/petitions).
	{Table: "petition_signatures", Column: "data"},
}

// Indexes lists every blind-index column.
var Indexes = []IndexColumn{
	{Table: "applications", Column: "email_bidx", Purpose: "application.email", Source: "data", Value: jsonEmail("email")},
	{Table: "members", Column: "email_bidx", Purpose: "member.email", Source: "data", Value: jsonEmail("email")},
	{Table: "accounts", Column: "email_bidx", Purpose: "account.email", Source: "email",
		Value: func(plain []byte, _ []string) (string, bool) {
			return seal.NormaliseEmail(string(plain)), len(plain) > 0
		}},
	{Table: "workplaces", Column: "name_bidx", Purpose: auth.WorkplaceIndexPurpose, Source: "data",
		Value: func(plain []byte, _ []string) (string, bool) {
			var v struct {
				Name string `json:"name"`
			}
			if json.Unmarshal(plain, &v) != nil {
				return "", false
			}
			n := auth.NormaliseWorkplaceName(v.Name)
			return n, n != ""
		}},
	// Scoped to the event (internal/events emailIndex), so one person's
	// registrations at two events cannot be linked.
	{Table: "event_registrations", Column: "email_bidx", Purpose: "events.email", Source: "data", Extra: []string{"event_key"},
		Value: func(plain []byte, extra []string) (string, bool) {
			e, ok := jsonEmail("e")(plain, nil)
			return extra[0] + "\x00" + e, ok
		}},
	// Scoped to the petition (internal/petitions emailKey), for the same
	// reason.
	{Table: "petition_signatures", Column: "email_bidx", Purpose: "petitions.email", Source: "data", Extra: []string{"petition_id"},
		Value: func(plain []byte, extra []string) (string, bool) {
			e, ok := jsonEmail("e")(plain, nil)
			return extra[0] + "\x00" + e, ok
		}},
}

// NotSealed lists the BLOB / bytea columns that hold no seal output.
var NotSealed = []PlainColumn{
	{"application_tokens", "hash", "SHA-256 of a random token: no key involved"},
	{"login_tokens", "hash", "SHA-256 of a random token: no key involved"},
	{"sessions", "hash", "SHA-256 of a random session id: no key involved"},
	{"event_registrations", "token_hash", "SHA-256 of a random token: no key involved"},
	{"member_login_tokens", "hash", "SHA-256 of a random token (seal.NewToken): no key involved"},
	{"member_sessions", "hash", "SHA-256 of a random session id (seal.NewToken): no key involved"},
	{"petition_signatures", "token_hash", "SHA-256 of a random token (seal.NewToken): no key involved"},
	{"vote_ballots", "change_hash", "SHA-256 of a random change code and the vote id: no key involved"},
}

func jsonEmail(field string) func([]byte, []string) (string, bool) {
	return func(plain []byte, _ []string) (string, bool) {
		var m map[string]any
		if json.Unmarshal(plain, &m) != nil {
			return "", false
		}
		s, _ := m[field].(string)
		s = seal.NormaliseEmail(s)
		return s, strings.TrimSpace(s) != ""
	}
}
