package pages

// The member pages and the public board (member*.go, board*.go,
// templates/member, templates/board, member.json), and why they are built
// so. The console's part of this package is described in doc.go.
//
//   - Routes. /<lang>/member/votes/ and, in Czech, /cs/clen/hlasovani/
//     (/cs/member/votes/… redirects there), registered with patterns more
//     specific than the portal's /{lang}/member/{rest...}, so the mux gives
//     them these paths and the portal keeps the rest. "<id>/" is the
//     ballot: GET shows it, POST carries step=review (the confirmation),
//     back (the ballot again with the choice kept) or cast. The board is
//     /<lang>/votes/<id>/board (GET, ?page=N; POST "find my receipt") and
//     /votes/<id>/board.json, which Wrap serves in front of the app's
//     catch-all because any three-segment pattern under /votes/ overlaps
//     the portal's with neither more specific.
//   - Sessions are the portal's (Session: MemberID, SignInPage); these
//     pages never read its cookie. Without one every member page answers
//     the portal's sign-in (401) with the page as the return path, so an
//     invitation link (portal.IssueLink, valid until the close) lands on
//     the ballot after its button is pressed.
//   - No JavaScript, one form per step. The ballot is a fieldset with a
//     legend; radios (single, yes/no) with "I abstain" as one more radio,
//     checkboxes (multiple, the maximum said in the legend) with an
//     "I abstain" box, or for ranked one select of ranks per option (a
//     label each) turned into an order by count.OrderFromRanks. A gap, a
//     repeat, a rank out of range, abstaining with marks, too many marks
//     and an empty ballot come back (422) with a message naming the option
//     and every choice kept; a form no page of ours sends (an unknown
//     option id, two values for a radio, another vote's id, an unknown
//     step) is "tampered" (400) and gets a fresh ballot. The confirmation
//     repeats the form as hidden fields, so Confirm casts exactly what was
//     shown and Back edits it. The change form is the ballot with a change
//     code field; a missing or wrong code comes back with the choice kept.
//   - Why a member cannot vote is the core's (votes.Service.Status and
//     CanCast, by the clock): not open yet (with the opening time), closed
//     (with the result and the board), cancelled (with the reason), not on
//     the roll of a workplace vote, joined after the opening, voted in a
//     vote that allows one ballot. A GET says it as a page (200); a POST
//     that meets it answers 403 or 409 with the same words.
//   - The receipt page is the only place the tracker and the change code
//     appear; it warns that the code is shown once, is stored nowhere with
//     the member and how it is used. Nothing of it is emailed or logged;
//     every member page is no-store, noindex and no-referrer
//     (site.WritePrivate) inside the site's chrome.
//   - Speed: confirming is the moment a thousand members press at once
//     (the end of a meeting). A confirmed ballot of an open vote already
//     read by this process (the confirmation step read it) is cast without
//     rereading the vote: an open vote's options and rules cannot change,
//     and Cast checks state, roll and change code in its own transaction,
//     so nothing stale is recorded; any refusal takes the full path, which
//     rereads and explains (castFast).
//   - The board is public and the same for everyone, so its GET may be
//     cached for a minute; the answer to "find my receipt" is never stored
//     (no-store), and the receipt is POSTed, never put in a URL. A closed
//     vote's board never changes: it is read, encoded to JSON and gzipped
//     once per process and kept (the last eight boards), with an index of
//     receipts (case, dashes, spaces and Crockford's O/I/L forgiven). The
//     HTML lists 500 ballots a page in receipt order with links to every
//     page; the JSON is count.Board, gzip when asked, with an ETag.
//     Unknown votes and votes not yet closed are 404: results are never
//     shown before the close.
//   - A meeting page (content's TranslationKey equal to a vote's Meeting)
//     gets MeetingExtra through site.Options.MemberExtra: asked per
//     request for the signed-in member reading a member-only page, it
//     lists the meeting's open votes with the ballot link and whether the
//     member voted, the results of closed ones with their boards, and
//     cancelled ones with the reason; pages no vote names are left to the
//     site's cache.
//   - Texts are member.json (cs and en; other site languages fall back to
//     English); a vote's own title, text and option labels come in the
//     page's language, else the site's default, else any.
