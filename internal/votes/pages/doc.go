// Package pages holds the web pages of member votes (issue 10): the
// committee's console pages (console*.go, templates/console/), and the
// members' ballot pages and the public bulletin board. The vote itself —
// its store, lifecycle, secrecy and count — is the parent package
// (internal/votes) and internal/votes/count; these pages only read forms,
// call votes.Service and show what it answers.
//
// # Console pages
//
// The votes section of the committee's console (ConsoleSection), plugged
// into the console's one route table by the wiring (internal/app) like the
// events' section, built to the console contract (internal/console).
//
// Permissions. list-votes sees the votes, their turnout and results;
// manage-votes creates, edits, schedules and cancels (it is meant to be
// granted with list-votes: alone it sets votes up without reading their
// pages, as the events' manage-events does). A workplace
// representative gets nothing: a vote is the union's (or several
// workplaces') business, decided by the committee, and a representative's
// permissions are only their workplace's member records. The route-by-role
// test of internal/admin walks every route of the section with every role.
//
// What the console never sees: a ballot, or who voted. The list and the
// vote's page show the number of ballots cast (the roll's count) and, once
// the vote opened, the number of eligible members; the result appears only
// after the close, from the stored count. ConsoleVotes is the slice of
// votes.Service the console may call, so neither the wiring nor the tests
// can hand it more.
//
// The form. Every site language has its own title, text and options field
// (options one per line, line n of every language labelling option n), so
// the form works without JavaScript and the person sees every language at
// once; a yes/no vote ignores the option lines (its options are fixed). The
// workplaces are checkboxes from the member registry (none ticked: all
// current members); they are listed whole, not scoped, because choosing
// who votes is the committee's decision. Times are datetime-local fields
// read in the site's time zone by the service. The meeting is a select of
// the site's member-only meeting pages, by translation key (the content path
// without the language, as Vote.Meeting holds it); a vote whose meeting
// page left the site keeps it, marked as missing.
//
// Bad input, in two steps. The form kit (console.Form) checks what it
// checks for every console form — refused characters (control, direction
// overrides such as U+202E, broken UTF-8), lengths, a choice that was not
// offered — and only a form the kit accepts goes to the service, whose
// votes.Problems (a field → a message key) are shown with this package's
// texts ("votes.problem.<key>", cs and en; a test greps the service for
// every key). Either way it is the same page again with 422 (409 for a
// vote that opened meanwhile), the error summary at the top, the message at
// each field, every value as typed; html/template escapes markup, so a
// script tag comes back as text. Limits keep every language's texts
// together under the shell's 64 KiB form bound, so a form a person can
// type is one the server reads whole.
//
// Once open, nothing changes: the edit page answers 409 with the reason,
// and a save that raced the opening comes back as typed with the same
// message, so nothing typed is lost. Cancelling asks for the reason on a
// page of its own that says what it does (ballots deleted unread), the
// confirmation a destructive step needs; an empty reason is refused.
//
// What voters will see. The vote's page renders the ballot in every site
// language with the voters' pages' own renderer (voteText: goldmark's safe
// mode, raw HTML and script links dropped), so the committee checks exactly
// the text members will read before scheduling. After the close it shows the result —
// turnout, quorum met or not, outcome, votes per option or the STV stages
// with the quota and any lots drawn — and links to the public board.
//
// Audit. The service records every change of a vote with the actor, in
// the console's one trail; viewing a vote is not recorded, as it holds no
// personal data.
//
// # Member pages and the bulletin board
//
// (Written by the portal helper: ballot, confirmation, receipt, change,
// invitation links, the board in HTML and JSON, meeting pages.)
package pages
