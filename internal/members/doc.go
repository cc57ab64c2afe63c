// Package members is the member registry: members and their numbers,
// contact data and preferred language, occupation history, workplaces and
// their representatives, notes, leaving and erasure — the records every
// feature that deals with members shares. The console (internal/admin)
// shows and edits them, the member portal lets a member see and correct
// their own, and votes, petitions, newsletters and dues start from them;
// none of those imports another, they all call the registry.
//
// Why it is built so:
//
//   - Its own package, with its SQL and its sealing: the records used to
//     live inside the console, so anything that needed "who is a member,
//     of which workplace, in which language" would have had to import the
//     console. The registry imports only infrastructure (db, seal, auth
//     for accounts and the audit trail) and knows nothing of pages.
//   - Two kinds of callers, two kinds of functions. The console's take the
//     viewer's *auth.Account and scope every query on the data (scope(): a
//     workplace representative's queries carry the SQL condition "member
//     of one of my workplaces", so another workplace's member is "not
//     found", the same answer as a made-up id). The member's own (self.go:
//     FindByEmail, Get, UpdateContact, RequestLeave, WithdrawLeave, Erase)
//     take the member's id, which the caller has established from a member
//     session, and an audit actor: SelfActor(id), "member:<id>", for the
//     member's own acts, so the trail tells them from a committee member's.
//   - Every change writes its audit entry (auth.Audit, the one trail
//     writer; auth.AuditFor and auth.SearchAudit read it) in the change's
//     own transaction. Details name fields and numbers, never values.
//   - Personal data is sealed per row (members.data JSON with the contact
//     fields and the language, occupations, notes; workplaces.data), with
//     associated data binding each value to its row. Email look-ups use a
//     keyed blind index of the normalised address (EmailIndex), never the
//     plaintext. A search by name has to open every member in scope, which
//     is cheap enough at a union's size (BenchmarkMembers in internal/admin:
//     10,000 members); a number or an email is found by index. Names fold
//     diacritics (Fold), so "dvorak" finds "Dvořák"; the search cache keeps
//     folded names in memory, keyed by the sealed value's nonce and tag, so
//     an edit by another process is noticed.
//   - Member numbers (join.go): a counters row ('member_number') is
//     incremented with UPDATE … RETURNING inside the joining transaction.
//     The row lock (PostgreSQL) or the single writer (SQLite) makes
//     concurrent joins take turns, so numbers are distinct and dense;
//     numbers already taken by hand are skipped; members.number is UNIQUE
//     as the last line of defence (the caller re-runs the transaction, or
//     reports "already taken" for a chosen number). The member number is
//     also the bank variable symbol for dues.
//   - Joining (Join) runs inside the caller's transaction: the console's
//     accept moves the application to accepted and the registry makes the
//     member in one commit, so an application is never accepted without a
//     member or the other way round. The email is locked (db.LockKey on
//     its blind index) and members with it looked up first, so two
//     accepts of one person's two applications take turns and the second
//     sees the first's member: a *DuplicateError until the committee
//     chooses "link to the existing member" (the person who left and
//     rejoins keeps their number; their contact data becomes the
//     application's; the occupation is added unless it is the latest
//     entry; the record points to the new application) or "a new member
//     anyway" (two people sharing an address). Adding by hand and changing
//     an email are checked the same way.
//   - Leaving and erasure. Leaving is a date (left_at); the member may ask
//     first from the portal (leave_requested_at, migration 00044), and the
//     committee's queue is LeaveRequests. Erasure replaces the sealed data
//     with an empty record, drops the email index, deletes occupations and
//     notes, and runs every Eraser in the same transaction: the features
//     that keep personal data of their own about a member plug one in
//     (internal/membership erases the applications the member signed), so
//     the registry needs to know none of their tables and a member is
//     never half-forgotten. The number, dates, workplaces and the audit
//     trail stay, so dues history (keyed by number) remains intact.
//     LeftBefore lists who is due for erasure after a retention period.
//   - Who may receive email (Recipients): members who have not left, are
//     not erased and have an address, with their language; the
//     newsletter export uses it now, newsletters, vote invitations and dues
//     reminders later, so the rule is decided once.
//   - Workplaces (workplaces.go): name, contact and description are sealed
//     together, and the name is kept unique through a blind index of its
//     normalised form (auth.WorkplaceNameIndex), because a workplace name
//     is an employer's and member_workplaces links members to it.
//     Representatives are accounts (auth) linked to workplaces.
package members
