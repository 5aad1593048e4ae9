### English messages for hotro. Ids mirror the code's dotted ids with "-" for ".".
### vi/hotro.ftl must hold exactly the same ids and variables (a test checks).

## status
status-new = new
status-assigned = assigned
status-in_progress = in progress
status-waiting_requester = waiting for requester
status-waiting_vendor = waiting for vendor
status-waiting_approval = waiting for approval
status-resolved = resolved
status-closed = closed
status-cancelled = cancelled

## field
field-key = Key
field-title = Title
field-status = Status
field-kind = Kind
field-priority = Priority
field-impact = Impact
field-urgency = Urgency
field-channel = Channel
field-application = Application
field-category = Category
field-requester_name = Requester
field-unit = Unit
field-phone = Phone
field-email = Email
field-tier = Tier
field-group = Group
field-assignee = Assignee
field-following = Followed by
field-external_reference = External reference
field-created_at = Created
field-first_response_at = First response
field-resolved_at = Resolved
field-closed_at = Closed
field-parent = Child of
field-duplicate_of = Duplicate of
field-version = Version
field-description = Description
field-resolution = Resolution
field-reply = the reply
field-note = the note
field-reason = the reason
field-operator = operator

## ticket
ticket-created = Created ticket { $key } (priority { $priority }).
ticket-changed = { $key }: { $what } (version { $version }).
ticket-none = No tickets match.
ticket-timeline = Timeline

## event
event-created = created: { $title }
event-public_reply = replied to the requester: { $text }
event-internal_note = internal note: { $text }
event-classified = classified: { $changes }
event-assigned = assigned to { $to } in { $group } (was { $from })
event-status_changed = status { $from } → { $to } (reason: { $reason })
event-escalated = escalated from tier { $from_tier } to tier { $to_tier }, { $group }: { $reason }
event-returned = returned to tier { $to_tier }, { $group }: { $reason }
event-linked_duplicate = marked as a duplicate of { $target }
event-linked_child = linked as a child of { $target }
event-resolved = resolved: { $resolution }
event-requester_confirmed = requester confirmed the resolution; closed
event-reopened = reopened: { $reason }

## conflict
conflict-header = Ticket { $key } changed since version { $expected } (now version { $current }):
conflict-nothing_changed = Nothing was changed. Look at the changes above and try again with --expect-version { $current } if yours still applies.
conflict-choices = y: apply again on the new version · n / Esc: leave it
conflict-choices_text = y: apply again on the new version · e: edit your text again · n / Esc: keep it as a draft

## db
db-initialised = Database ready: { $path }
db-path = Database: { $path }
db-check-path = Database:        { $path }
db-check-schema = Schema version:  { $found } (this hotro: { $supported })
db-check-journal = Journal mode:    { $mode }
db-check-integrity = Integrity:       { $result }
db-check-more_lines = … and { $count } more lines
db-check-incomplete = Counts and audit: not made, the damaged pages stopped them ({ $detail }).
db-check-known_damage = Writes are stopped: damage was recorded earlier ({ $detail }; { $marker }). Restore a backup; a clean check lifts the stop.
db-check-audit = Audit trail:     { $fk } foreign-key violations, { $versions } tickets whose version differs from their events, { $counts } queue-count mismatches
db-check-counts = Counts:          { $tickets } tickets, { $events } events, { $articles } articles, { $bytes } bytes
db-check-clean = The database is clean.
db-check-problems = PROBLEMS FOUND: restore from a backup or ask the administrator.
db-backup-done = Backup written to { $path } (integrity: { $integrity }).

## demo
demo-creating = Creating the demo database at { $path } …
demo-done = Demo data: { $tickets } tickets and { $articles } articles in { $secs } s, in { $path }.
demo-ready = Demo database: { $path }. Try: hotro --demo ticket list

## config
config-in_force = Configuration in force: { $source }
config-user_path = User configuration file (used if present): { $path }
config-valid = Configuration is valid: { $source }

## error
error-prefix = error
error-invalid_transition = a ticket cannot go from “{ $from }” to “{ $to }”.
error-final = ticket { $key } is { $status }: reopen it first.
error-use_resolve = to resolve a ticket use `hotro ticket resolve KEY --resolution TEXT`.
error-use_reopen = to reopen a ticket use `hotro ticket reopen KEY --reason TEXT`.
error-empty = { $field } must not be empty.
error-too_long = { $field } is too long: { $got } (at most { $max }). Shorten it or attach the full text as a file.
error-unknown = unknown { $what } “{ $value }”; see `hotro config show` for the known values.
error-no_higher_tier = tier { $tier } is the highest: there is nowhere to escalate to.
error-not_upward = group { $group } is at tier { $group_tier }, not above the ticket's tier { $tier }: escalation goes up.
error-not_escalated = ticket { $key } was not escalated, so there is no lower tier to return it to.
error-self_link = a ticket cannot be linked to itself.
error-link_cycle = linking { $key } as a child of { $target } would make a cycle.
error-nothing_to_change = nothing to change: the ticket already has these values.
error-network_fs = the database directory { $path } is on a network filesystem ({ $fs }). SQLite's WAL needs every process on one host: keep the file on a local disk of one host and let operators on other workstations reach that host over SSH.
error-create_dir = cannot create the database directory { $path }: { $detail }. Choose another place with --db PATH.
error-read_only = database { $path } is read-only. hotro must write the file and its directory (WAL): make it writable (chmod u+w) or use --db with a writable copy. Nothing was changed.
error-locked = database { $path } was locked by another process for more than { $secs } s. Wait for it to finish (or stop it) and try again; nothing was changed.
error-not_a_database = { $path } is not a hotro database (not an SQLite file). Check --db or HOTRO_DB; the file was left as it is.
error-corrupt = database { $path } is damaged ({ $detail }). Restore it from a backup (hotro db backup); the file was left as it is.
error-newer_schema = database { $path } was written by a newer hotro (schema { $found }; this hotro knows up to { $supported }). Upgrade hotro; the file was left untouched.
error-cannot_open = cannot open database { $path }: { $detail }. Check the path and its permissions.
error-disk_full = the disk holding { $path } is full: free some space and try again. Nothing was saved.
error-ticket_not_found = no ticket { $key }. Check the key with `hotro ticket list`.
progress-left = left
progress-index = Search index
progress-demo = Demo tickets
progress-backup = Backup
progress-verify = Verifying
progress-import = Importing articles
error-backup_exists = the backup target { $path } already exists: choose a new file name.
error-no_such_version = ticket { $key } never had version { $expected }: it is at version { $current }. Give --expect-version the version hotro ticket show { $key } prints. Nothing was changed.
error-db_missing = database { $path } does not exist. Check --db or HOTRO_DB for a typo, or create it with: hotro --db { $path } init
error-lost_changes = database { $path } has lost committed changes: event { $recorded } was committed (recorded in { $head }) but the file ends at event { $found }. Its -wal file was probably deleted while hotro had it open; the tickets in it are gone and their keys would be issued again. Nothing was written. Stop every hotro process on this file, restore the newest backup, then an administrator runs: hotro --db { $path } db restored
error-rewritten_changes = database { $path } does not hold event { $recorded } as it was committed (its hash is recorded in { $head }): events were changed outside hotro, or an older copy was put in place and written to. Nothing was written. Compare with a backup; after restoring one, an administrator runs: hotro --db { $path } db restored
error-damaged = database { $path } is damaged ({ $detail }); no write goes into a damaged file, nothing was saved. Restore it from a backup, then run hotro --db { $path } db check: a clean check lifts the stop ({ $marker }).
error-read_only_old_schema = the read-only database { $path } has schema { $found }, older than this hotro's { $supported }: check it with the hotro that wrote it, or check a writable copy (it will be upgraded).
error-backup_failed = backup to { $path } failed: { $detail }. Nothing was left under that name.
error-bad_value = unexpected value in database { $path }: { $detail }.
error-sqlite = database { $path }: { $detail }
error-config_read = cannot read config file { $path }: { $detail }
error-config_place = config error in { $file }
error-config_line = , line { $line }
error-config_key = , key `{ $key }`
error-unknown_operator = --as { $login }: no such operator in the configuration (see [[operators]] in `hotro config show`).
error-no_operator = the operating-system account “{ $user }” is not an operator, so it may read but not change anything: an admin adds os_users = ["{ $user }"] to an operator and applies the configuration (hotro config apply FILE).
error-unknown_status = unknown status “{ $value }”; known: { $known }.
error-link_needs_target = give --duplicate-of KEY or --child-of KEY.
error-read_file = cannot read { $path }: { $detail }
error-not_utf8 = { $path } is not UTF-8 text (first bad byte at offset { $offset }); save it as UTF-8 and try again.

## cli.about
cli-about = hotro — the helpdesk console for IT support desks. Without a command it explains itself; with --demo it uses a demo database.

## cli.global
cli-global-db = Database file (default: hotro.db in the user data directory)
cli-global-config = Configuration file (default: HOTRO_CONFIG, the user config directory, or the built-in default)
cli-global-acting = Act as this operator (login in the configuration; default: your OS user mapped through the configuration)
cli-global-lang = Language of messages: vi or en (default: from LANG)
cli-global-demo = Use the demo database in the user data directory, filled with demo data on first use
cli-global-no_color = No colours (also when NO_COLOR is set); the selection stays visible
cli-global-key = Ticket key, e.g. HT-2026-000123
cli-global-json = Print JSON instead of text
cli-global-expect_version = Refuse (exit status 3) if the ticket changed since this version
cli-global-text = The text
cli-global-text_file = Read the text from this file (- for standard input)
cli-global-reason = Why (required)
cli-global-group = Group id
cli-global-application = Application code
cli-global-kind = Ticket kind id
cli-global-category = Category id
cli-global-impact = Impact level id
cli-global-urgency = Urgency level id
cli-global-status = Status: new, assigned, in_progress, waiting_requester, waiting_vendor, waiting_approval, resolved, closed, cancelled

## cli.init
cli-init-about = Create the database (or bring its schema up to date) and print where it is

## cli.demo
cli-demo-about = Fill the database with realistic synthetic tickets and articles
cli-demo-tickets = How many tickets
cli-demo-articles = How many knowledge-base articles
cli-demo-seed = Random seed: the same seed gives the same data

## cli.ticket
cli-ticket-about = Record, show, list and work on tickets
cli-ticket-new-about = Record a new request
cli-ticket-new-title = Short title
cli-ticket-new-description = Description
cli-ticket-new-description_file = Read the description from this file (- for standard input)
cli-ticket-new-channel = How the request arrived (phone, email, fax, …)
cli-ticket-new-unit = Requester's unit code
cli-ticket-new-requester = Requester's name
cli-ticket-new-phone = Requester's phone
cli-ticket-new-email = Requester's email
cli-ticket-new-group = Group that receives it (default: the intake group)
cli-ticket-new-assignee = Assign it at once to this operator
cli-ticket-show-about = Show a ticket with its timeline
cli-ticket-list-about = List tickets, newest first (keyset pages: --before ID of the last row)
cli-ticket-list-statuses = Only this status (repeatable)
cli-ticket-list-open = Only open tickets
cli-ticket-list-group = Only this group's tickets
cli-ticket-list-assignee = Only tickets assigned to this operator
cli-ticket-list-mine = Only tickets assigned to me
cli-ticket-list-unassigned = Only unassigned tickets
cli-ticket-list-tier = Only this tier
cli-ticket-list-following = Only tickets this group escalated and follows
cli-ticket-list-limit = How many rows
cli-ticket-list-before = Start after this row id (from the previous page)
cli-ticket-list-text = Only tickets whose key, title or requester contain every word (diacritics optional: dang nhap finds đăng nhập)
cli-ticket-list-oldest_first = Oldest first
cli-ticket-reply-about = Send a public reply to the requester
cli-ticket-note-about = Add an internal note (not shown to the requester)
cli-ticket-assign-about = Assign a ticket; with neither --to nor --group you take it yourself
cli-ticket-assign-to = Operator login
cli-ticket-assign-group = Move to this group
cli-ticket-classify-about = Set kind, category, application, impact and urgency (the priority follows)
cli-ticket-status-about = Change the status
cli-ticket-status-reason = Why (required to cancel)
cli-ticket-escalate-about = Pass the ticket up to the next tier or a named group; your tier keeps following it
cli-ticket-escalate-group = Group at a higher tier (default: the next tier's first group)
cli-ticket-escalate-external_ref = Reference at the vendor
cli-ticket-return-about = Return the ticket to the tier that escalated it
cli-ticket-link-about = Link a ticket as a duplicate or a child of another
cli-ticket-link-duplicate_of = The ticket this one duplicates
cli-ticket-link-child_of = The parent ticket
cli-ticket-resolve-about = Resolve a ticket with its resolution
cli-ticket-resolve-resolution = What was done
cli-ticket-confirm-about = Record that the requester confirmed the resolution (closes the ticket)
cli-ticket-reopen-about = Reopen a resolved or closed ticket

## cli.db
cli-db-about = Database maintenance
cli-db-check-about = Integrity check, schema version, counts and audit-trail check
cli-db-backup-about = Write a consistent copy of the database while others keep working
cli-db-backup-file = The new backup file

## cli.config
cli-config-about = Show and check the configuration
cli-config-show-about = Print the built-in default configuration (a starting point for your own)
cli-config-path-about = Say which configuration and database are in use
cli-config-check-about = Check a configuration file and report the first problem with its line
cli-config-check-file = The file to check (default: the configuration in force)

## action
action-quit = quit
action-force_quit = quit at once
action-help = help
action-palette = command palette
action-focus_next = next pane
action-focus_prev = previous pane
action-back = back
action-refresh = refresh
action-down = down
action-up = up
action-top = first
action-bottom = last
action-page_down = page down
action-page_up = page up
action-open = open
action-filter = filter
action-queue_n = queue 1–9
action-sort = newest/oldest first
action-new = new ticket
action-reply = reply
action-note = internal note
action-take = take
action-assign = assign
action-classify = classify
action-status = status
action-escalate = escalate
action-return_down = return to lower tier
action-link = link
action-resolve = resolve
action-confirm = requester confirmed
action-reopen = reopen
action-mark = mark
action-submit = save
action-cancel = cancel
action-external_editor = open in $EDITOR
action-yes = yes
action-no = no

## context
context-global = Everywhere
context-queue = Queues and tickets
context-detail = Ticket detail
context-editor = Text and forms
context-picker = Lists and choices
context-confirm = Confirmation

## queue
queue-mine = My tickets
queue-unassigned = Unassigned: { $group }
queue-following = Escalated, following
queue-waiting_requester = Waiting for requester
queue-waiting_vendor = Waiting for vendor
queue-waiting_approval = Waiting for approval
queue-resolved = Resolved, to confirm
queue-all_open = All open
queue-tier = Tier { $level }: { $name }

## ui
ui-acting = { $name } ({ $login }) · tier { $tier } · { $group }
ui-read_only = read only
ui-waiting_title = Waiting for the database
ui-waiting = Another process is writing to the database ({ $secs } s so far). Your change goes through as soon as it finishes; the keys you press meanwhile are kept.
ui-waiting_for = { $login } is running “{ $what }” (since { $since }); waiting { $secs } s so far. Your change goes through as soon as it finishes; the keys you press meanwhile are kept.
ui-queues = Queues
ui-preview = Preview
ui-filter = filter:
ui-loading = Loading…
ui-marked = { $count } marked
ui-newest_first = newest first
ui-oldest_first = oldest first
ui-help = Keys (Esc closes)

## col
col-key = Key
col-priority = Pri
col-status = Status
col-age = Age
col-application = App
col-unit = Unit
col-assignee = Assignee
col-title = Title

## flash
flash-nothing_selected = No ticket selected.
flash-oldest_first = Oldest first.
flash-newest_first = Newest first.
flash-quit_cancelled = Not quitting.
flash-cancelled = Cancelled; nothing changed.
flash-draft_kept = Kept as a draft: it comes back when you open this again.
flash-draft_restored = Your unsent draft was restored.
flash-empty_text = Type something first.
flash-form_discarded = The new ticket was discarded.
flash-title_required = A title is needed.
flash-saved = Saved { $keys }: { $what }

## popup
popup-placeholder = Type here…
popup-placeholder_key = Ticket key, e.g. HT-2026-000123
popup-reply = Reply to the requester
popup-note = Internal note
popup-resolve = Resolution
popup-escalate_reason = Reason for escalating
popup-return_reason = Reason for returning
popup-cancel_reason = Reason for cancelling
popup-reopen_reason = Reason for reopening
popup-link_duplicate = Duplicate of which ticket?
popup-link_child = Child of which ticket?
popup-assign = Assign to
popup-status = New status
popup-escalate_group = Escalate to
popup-link = Link as
popup-palette = Command
popup-next_tier = the next tier
popup-group_at_tier = { $name } (tier { $tier })
popup-relation_duplicate = duplicate of another ticket
popup-relation_child = child of another ticket
popup-no_match = Nothing matches.
popup-confirm = Please confirm
popup-yes_no = y / Enter: do it    n / Esc: go back
popup-quit_unsaved = You have unsaved text. Quit anyway? (y / n)
popup-conflict = Changed meanwhile
popup-classify = Classify { $count } ticket(s)
popup-choice_help = ↑/↓ field · ←/→ value · type to search · Enter save · Esc cancel
popup-editor_help = { $submit } save · { $cancel } cancel (kept as draft) · { $editor } external editor
popup-new_ticket = New ticket
popup-form_help = Tab next field · ←/→ choose · type to search a choice · { $submit } save · Esc cancel

## confirm
confirm-header = These changes will be made to { $count } ticket(s):
confirm-assign = assign to { $to } ({ $group })
confirm-status = status → { $status }
confirm-escalate = escalate to { $group }: { $reason }
confirm-return = return to the lower tier: { $reason }

## kb and search
index-rebuilt = Search index rebuilt: { $count } documents in { $secs } s ({ $path }).
error-index = search index: { $detail }. Run `hotro index rebuild` if this persists; the database is not affected.
kb-import_refused = { $path } was not imported: { $count } bad line(s), nothing was changed. Fix them and import again:
kb-imported = Imported { $path }: { $added } added, { $updated } updated (earlier versions kept), { $unchanged } unchanged.
kb-unknown_reference = warning: { $reference }: { $field } `{ $value }` is not in the configuration (imported as given).
kb-unknown_hint = { $count } values are not in the configuration: correct them in the file, or add them to [[applications]] / [[categories]] (hotro config apply), then import the file again.
kb-kind_article = article
kb-kind_ticket = ticket
kb-no_results = Nothing found.
kb-index_busy = note: another process is updating the search index ({ $percent }%); these results are from the last complete index.
kb-index_busy_started = note: another process is updating the search index; these results are from the last complete index.
kb-fuzzy_mark = (spelling corrected)
kb-not_found = No article { $ref }. `hotro kb search` finds articles.
kb-symptom = Symptom
kb-cause = Cause
kb-resolution = Resolution
kb-meta = Application: { $app } · category: { $category } · tags: { $tags } · updated { $updated } · { $versions } earlier version(s)
kb-eval_line = { $kind }: { $n } queries, recall@5 { $recall }, MRR { $mrr }
kb-eval_overall = all
cli-kb-about = The knowledge base: import, search, show, export and evaluate
cli-kb-import-about = Import articles from a JSONL file (re-importing a ref updates it; a file with any bad line is refused whole)
cli-kb-import-file = The JSONL file (fields: ref, lang, application, category, title, symptom, cause, resolution, tags)
cli-kb-search-about = Search articles and past resolved tickets (diacritics optional, the last word as a prefix)
cli-kb-search-query = What to look for: any text
cli-kb-search-limit = How many results
cli-kb-search-article_lang = Only articles in this language
cli-kb-search-kind = Only articles or only tickets
cli-kb-search-statuses = Only these statuses (default: published articles, resolved and closed tickets)
cli-kb-show-about = Show an article with its earlier versions
cli-kb-show-reference = The article ref, e.g. KB-D003
cli-kb-export-about = Write every article as JSONL to standard output
cli-kb-eval-about = Evaluate search: recall@5 and MRR over a JSONL file of queries with expected refs
cli-kb-eval-queries = The queries file (q, expect, kind)
cli-kb-eval-misses = List the queries that missed
cli-index-about = The search index (derived from the database)
cli-index-rebuild-about = Rebuild the search index from the database

## console knowledge
action-knowledge = knowledge search
action-draft_article = draft an article from this ticket
context-knowledge = Knowledge search (letters are the search text)
ui-knowledge = Knowledge: articles and past solutions
ui-knowledge_for = Solutions for { $key } (Enter puts the selected one into a reply)
ui-results = Results
ui-similar = Possible duplicates and articles
ui-type_to_search = Type to search: diacritics optional, the last word may be cut short.
ui-index_updating = index updating ({ $percent }%): results from the last complete index
ui-index_updating_started = index updating: results from the last complete index
ui-index_rebuilding = rebuilding the search index ({ $percent }%): results follow when it is done
ui-index_rebuilding_started = rebuilding the search index: results follow when it is done
flash-article_drafted = Draft article { $ref } created from the ticket; review and publish it with `hotro kb`.
cli-global-role = Run the console as: keyuser (search and read only)

## audit
db-verify-ok = Audit trail intact: { $events } events, each hash chained to the one before; { $tickets } ticket rows match their events; { $days } finalised morning checks match their logs.
db-verify-broken = AUDIT TRAIL BROKEN at event { $id } (ticket { $ticket }, version { $version }): it or an event before it was changed outside hotro. Compare with a backup.
cli-db-verify-about = Check the hash chain of every event (tamper evidence) and report the first broken link
cli-db-verify-anchor = An anchor kept earlier (ID:HASH, from hotro db anchor): that event must still be in the chain with that hash
cli-db-check-anchor = An anchor kept earlier (ID:HASH, from hotro db anchor), checked as hotro db verify --anchor does
cli-db-anchor-about = Print the head of the audit chain (event id and hash) to keep outside the database file
cli-db-restored-about = Accept the file as restored from a backup on purpose: the newest event it holds becomes the one expected (admin)
db-restored = The file is accepted as restored; the head expected from now on is { $head }. Check it: hotro db check
db-restored_empty = The file is accepted as restored; it holds no events yet.
db-anchor-empty = No events yet: there is nothing to anchor.
db-verify-bad_anchor = `{ $value }` is not an anchor: give it as ID:HASH, as hotro db anchor prints it.
db-verify-anchor_ok = Anchor: event { $id } is in the chain with the anchored hash.
db-verify-head = Chain head: { $head } (keep it outside this file: hotro db anchor)
db-verify-more = { $count } problems found in all.
db-verify-anchor_missing = AUDIT TRAIL BROKEN: event { $id } of the anchor is no longer in the file.
db-verify-anchor_mismatch = AUDIT TRAIL REWRITTEN: event { $id } has hash { $found }, but the anchor says { $anchored }: events up to it were changed and the chain recomputed. Compare with a backup.
db-verify-version_missing = ticket { $ticket }: the event of version { $version } is missing (deleted outside hotro).
db-verify-version_mismatch = ticket { $ticket }: the row says version { $row }, but it has { $events } events (newest version { $newest }): an event was deleted or the row changed outside hotro.
db-verify-no_state = ticket { $ticket }: its newest event ({ $id }, version { $version }) records no ticket state, so the row cannot be verified (written before hotro recorded states, or left so over a broken chain).
db-verify-state_field = ticket { $ticket }: { $field } is `{ $row }` in the row but `{ $events }` after its events (version { $version }): the row was changed outside hotro.
db-verify-state_differs = ticket { $ticket }: the row differs from the state after its events (version { $version }): it was changed outside hotro.
db-verify-unreadable = ticket { $ticket }: the row cannot be read ({ $detail }).
db-verify-check_frozen = morning check { $date }, { $system }: the finalised report says { $field } `{ $frozen }`, but the check log says `{ $log }`: the frozen report was changed outside hotro.
db-verify-check_result = morning check { $date }, { $system }: { $field } is `{ $now }` now, but `{ $expected }` as finalised with its amendments: changed after finalising without an amendment.
report-chain_head = Audit chain head: { $head }
report-chain_head_none = Audit chain head: none (no events yet)

## Morning readiness check (seed 003)
check-result-ok = OK
check-result-slow = Slow
check-result-login_failed = Login failed
check-result-down = Down
check-unchecked = not checked
check-state-finalised = finalised
check-state-open = open
check-recorded = { $system }: { $result } (check of { $date }).
check-amended = { $system }: { $result } — the check of { $date } was already finalised, so this is recorded as an amendment.
check-call = Call now: { $lead } ({ $phone }), lead of the group that runs { $system }.
check-finalised = The check of { $date } is finalised; its report is frozen ({ $unchecked } system(s) not checked). Later changes are recorded as amendments.
check-incident-title = [Morning check] { $system }: { $result }
check-incident-description = Found in the morning readiness check of { $date }: { $system } — { $result } (checked by { $by } at { $at }).
check-incident_opened = Opened incident { $key } ({ $priority }) for { $system }.
check-incident_exists = { $system } already has incident { $key }; no second one was opened.
check-no_probes = No system has a probe configured: add a probe to its entry in [[morning_check.systems]] (see `hotro config show`).
check-probe_line = { $system }: { $result } — { $detail }{ $mark }
check-probe_recorded = {" "}(recorded)
check-probe_kept = {" "}(already checked today: kept)
check-history_title = Availability { $month } ({ $days } day(s) with a check)
check-history_line = { $system }: { $percent } available ({ $checked } day(s) checked; slow { $slow }, login failed { $login_failed }, down { $down })
check-history_day = { $date } [{ $state }]: { $ok } up, { $failed } failing, { $unchecked } not checked, { $amendments } amendment(s)
probe-up = answered in { $ms } ms
probe-slow = answered slowly, in { $ms } ms
probe-resolve = host name not found ({ $detail })
probe-connect = cannot connect ({ $detail })
probe-timed_out = no answer within { $ms } ms
probe-tls = TLS failed ({ $detail })
probe-status = HTTP status { $got }, expected { $expected }
probe-text_missing = the page does not contain “{ $text }”
probe-exit = the check command failed (exit status { $code })
probe-signal = the check command was killed by a signal
probe-spawn = the check command could not be started ({ $detail })
probe-other = { $detail }
report-title = Morning readiness check — { $date }
report-finalised = Finalised by { $by } at { $at }.
report-draft = Not finalised yet (draft).
report-checked_by = Checked by: { $names }
report-summary = { $total } systems: { $ok } OK, { $slow } slow, { $login_failed } login failed, { $down } down, { $unchecked } not checked.
report-col-system = System
report-col-result = Result
report-col-note = Note
report-col-by = Checked by
report-col-at = At
report-col-incident = Incident
report-late_mark = late
report-late = Checked late (after the window)
report-late_line = { $system } at { $at }
report-missing = Not checked
report-incidents = Incidents opened
report-incident_line = { $key } for { $system }, by { $by } at { $at }
report-amendments = Amendments after finalising
report-amendment_line = { $at } { $by }: { $system } { $from } → { $to } ({ $note })
announce-created = Announcement { $id } is active: every console shows it.
announce-updated = Announcement { $id } updated (version { $version }).
announce-resolved = Announcement { $id } resolved.
announce-none = No announcements.
announce-line = #{ $id } { $title } [{ $state }]
announce-state_active = active
announce-state_resolved = resolved { $at } by { $by }
announce-applications = Applications
announce-problem = What is wrong
announce-guidance = Meanwhile
announce-expected_fix = Expected fix
announce-incident = Incident
ticket-incident_hint = Announcement { $id }: incident { $incident } affects this application. Link { $key } to it with `hotro ticket link { $key } --child-of { $incident }` (or create with --link-incident).
ticket-linked_hint = { $key } has { $count } open linked ticket(s); resolve them with it: add --linked.
ticket-linked_resolved = Resolved { $count } linked ticket(s) with it: { $keys }
ticket-linked_left = Left { $count } linked ticket(s) with open work of their own: { $keys }
error-bad_date = “{ $value }” is not a date; expected YYYY-MM-DD, e.g. 2026-11-23.
error-bad_month = “{ $value }” is not a month; expected YYYY-MM, e.g. 2026-11.
error-bad_time = “{ $value }” is not a time; expected YYYY-MM-DD HH:MM (organisation time), HH:MM today, or RFC 3339.
error-skipped_time = “{ $value }” never happened in { $zone }: the clocks jump forward over that hour (daylight saving time). Give a time before or after the jump, or an RFC 3339 time with its offset.
error-bad_now = HOTRO_NOW=“{ $value }” is not an RFC 3339 instant; expected e.g. 2026-11-23T07:05:00+07:00, or unset it.
error-unknown_format = unknown format “{ $value }”; expected md, txt or csv.
error-unknown_result = unknown result “{ $value }”; expected ok, slow, login_failed or down.
error-unknown_system = unknown system “{ $value }”; known: { $known }.
error-check_finalised = the morning check of { $date } was already finalised by { $by } at { $at }; changes to it are recorded as amendments.
error-not_checked = { $system } has no result on { $date }: record the check first.
error-announcement_not_found = no announcement { $id }; see `hotro announce list`.
error-announcement_changed = announcement { $id } changed since version { $expected } (now { $current }); look at it again and retry.
error-announcement_resolved = announcement { $id } is already resolved.
field-problem = what is wrong
field-guidance = the guidance

## Command line: check and announce
cli-ticket-resolve-linked = Also resolve its linked tickets that have no open work of their own (an incident's reports)
cli-ticket-new-link_incident = Link the new ticket to the incident of an active announcement for its application
cli-check-about = The morning readiness check: results, probes, incidents, the report and its history
cli-global-date = Check day (YYYY-MM-DD, organisation time; default today)
cli-check-show-about = Today's checklist (or --date's): results, late and missing checks, whom to call
cli-check-record-about = Record a system's result (after finalising, an amendment)
cli-check-record-system = System id from [[morning_check.systems]], e.g. TABMIS
cli-check-record-result = ok, slow, login_failed or down
cli-check-record-note = A note for the report
cli-check-run-about = Run every configured probe at once, each within its timeout
cli-check-run-auto = Record the results of systems not yet checked today as the acting operator; exit status 4 if any system is down (for cron at 07:00)
cli-check-incident-about = Open the incident ticket for a system's failed check (for its group, priority from the result)
cli-check-incident-system = System id, e.g. TABMIS
cli-check-finalise-about = Freeze the day's report; later changes become logged amendments
cli-check-report-about = The day's report for the leads
cli-check-report-format = md (Markdown), txt (plain text for e-mail) or csv
cli-check-history-about = Past days and each system's availability in a month
cli-check-history-month = Month (YYYY-MM; default this month)
cli-announce-about = Incident announcements shown as a banner in every console
cli-global-title = Short title
cli-global-applications = Affected application code (repeat, or separate with commas)
cli-global-problem = What is wrong
cli-global-guidance = What users should do meanwhile
cli-global-fix_by = Expected fix time (YYYY-MM-DD HH:MM organisation time, HH:MM today, or RFC 3339; empty clears it)
cli-global-incident = The incident ticket tracking the outage
cli-announce-new-about = Announce an incident
cli-announce-edit-about = Change an active announcement
cli-announce-edit-id = Announcement number
cli-announce-list-about = List announcements, newest first
cli-announce-list-active = Only the active ones
cli-announce-resolve-about = End an announcement (the outage is over)
cli-announce-resolve-id = Announcement number

## Console: morning check, announcements
popup-check_note = Note on this result
flash-check_result_first = Record a result first (o, s, l or d), then add its note.
flash-probing = Running the probes (each within its timeout)…
flash-no_proposals = No probe results to accept: run the probes first (p).
flash-check_incident_needs_failure = Only a failed check (slow, login failed, down) opens an incident.
flash-check_already_finalised = This day was already finalised by { $by }; changes are recorded as amendments.
flash-check_recorded = Recorded { $count } result(s).
flash-check_amended = Recorded { $count } result(s) as amendment(s) to the finalised report.
flash-probes_done = { $count } probe(s) answered, { $failing } failing: check the proposals (→) and accept them with y.
flash-check_finalised = The check of { $date } is finalised; its report is frozen.
confirm-finalise = Finalise the morning check of { $date }? The report is frozen; later changes become logged amendments.
confirm-finalise_unchecked = { $count } system(s) still not checked will be reported as missing.
confirm-resolve_linked = Resolve { $count } ticket(s) linked to { $key } with the same resolution?
confirm-resolve_linked_left = { $count } linked ticket(s) with open work of their own are left alone.
confirm-link_incident = Link { $key } to incident { $incident }, announced for this application?
ui-more_announcements = +{ $count } more
ui-check_title = Morning check — { $date }
ui-check_window = window { $start }–{ $end }, report by { $deadline }
ui-check_phase-no_check_today = No check today
ui-check_phase-before_window = Before the check window
ui-check_phase-in_window = Check window open
ui-check_phase-late = Window closed: unchecked systems are late
ui-check_phase-past_deadline = Past the report deadline
ui-check_missing = missing
ui-check_contact = { $group }: lead { $lead }, { $phone }
ui-check_call_now = Call now:
ui-check_proposals = { $count } probe result(s) proposed (→): y accepts them all, or set each by hand.
ui-check_history = This month: { $days } day(s) with a check (Esc or h: back)
ui-check_history_counts = { $checked } checked, slow { $slow }, login failed { $login_failed }, down { $down }
action-morning_check = morning check
action-check_ok = OK
action-check_slow = slow
action-check_login_failed = login failed
action-check_down = down
action-check_note = note
action-run_probes = run probes
action-accept_probes = accept probe results
action-check_incident = open incident
action-finalise = finalise
action-history = history

## hotro bench
cli-bench-about = Measurements on a real database file
cli-bench-writers-about = Many processes writing one file at once (create, reply, assign, escalate, resolve); then check that every acknowledged change is there and report commits/s and latency
cli-bench-writers-procs = Number of writer processes
cli-bench-writers-secs = How long each writes, in seconds
cli-bench-worker-about = One writer process of `bench writers`
cli-bench-worker-id = Worker number
cli-bench-worker-secs = How long to write, in seconds
cli-bench-worker-log = Where to write the worker's summary
bench-writers = { $procs } processes × { $secs } s: { $commits } commits ({ $rate }/s), latency p50 { $p50 } ms, p99 { $p99 } ms, max { $max } ms; { $refused } changes refused by the rules.
bench-clean = Every acknowledged change is in the file; keys unique; versions = events; hash chain intact; integrity ok; nobody saw "database is locked".
bench-not_clean = PROBLEM: { $detail }
report-amendment_incident = { $at } { $by }: opened incident { $key } for { $system }

## Working-time calendar
calendar-due = { $from } + { $budget } of working time → due { $due }
calendar-between = From { $from } to { $to }: { $hours } h { $minutes } min of working time
error-calendar = working-time calendar: { $detail }. Check [calendar] in the configuration.
error-bad_budget = “{ $value }” is not a working-time budget: { $detail }
cli-calendar-about = Working time (office hours, holidays, make-up days): due dates and elapsed working time
cli-calendar-add-about = When a budget of working time from an instant runs out
cli-calendar-add-from = Start (YYYY-MM-DD HH:MM organisation time, HH:MM today, or RFC 3339; default now)
cli-calendar-add-budget = Working time: 30m, 2h, 1.5h, 0.5d (half of that day's office hours), 1d 2h
cli-calendar-between-about = Working time between two instants
cli-calendar-between-from = Start (YYYY-MM-DD HH:MM organisation time, HH:MM today, or RFC 3339)
cli-calendar-between-to = End (default now)

## SLA clocks
sla-first_response = First response
sla-resolution = Resolution
sla-clock = { $which }: { $state } — budget { $budget }, used { $used }, left { $left }, due { $due }
sla-hours_minutes = { $sign }{ $hours } h { $minutes } min
sla-minutes = { $sign }{ $minutes } min
sla-state-on_track = on track
sla-state-at_risk = at risk
sla-state-paused = paused (waiting)
sla-state-met = met
sla-state-breached = BREACHED
error-received_in_future = the request cannot have arrived in the future ({ $at }); give when it really arrived.
cli-ticket-new-received_at = When the request really arrived (e.g. an emergency phoned in earlier); its clocks start then
sla-clock_short = { $state } ({ $budget }): left { $left }, due { $due }
col-sla = SLA
report-sla_title = SLA { $from } – { $to }: { $tickets } request(s) arrived
report-sla_first_response = first response within target: { $pct } ({ $part } of { $whole })
report-sla_same_day_response = answered the same day: { $pct } ({ $part } of { $whole })
report-sla_same_day_closure = closed the same day: { $pct } ({ $part } of { $whole })
report-sla_resolution = resolved within target: { $pct } ({ $part } of { $whole })
report-sla_breached = with a breached clock: { $count }, by group and by tier:
cli-report-about = Reports over a period
cli-report-sla-about = SLA figures for requests that arrived in a period: first responses within target, same-day response and closure, breaches by group and tier
cli-report-sla-from = First day (YYYY-MM-DD, organisation time)
cli-report-sla-to = Last day, included (YYYY-MM-DD)
event-resolved_upstream = solved at tier { $from_tier }, back to tier { $to_tier } ({ $group }) to answer the requester: { $resolution }
sla-notify_lead = SLA: { $clock } is at risk or overdue. Group lead { $lead } ({ $phone }), please look at this ticket.
sla-escalate_reason = SLA: { $clock } overdue; escalated by rule.
sla-applied = { $ticket }: rule { $rule } ({ $clock }) — { $outcome }
sla-tick_done = { $count } rule application(s).
cli-sla-about = SLA rules
cli-sla-tick-about = Apply the SLA rules to every open ticket now (for cron); each rule acts once per ticket and clock, whoever runs it
popup-announce_guidance = Announce the outage: what should users do meanwhile?
confirm-end_announcement = End announcement #{ $id } ({ $title }) now that its incident is resolved?
confirm-and_end_announcement = …and end announcement #{ $id } ({ $title }).
action-announce = announce the outage

## Procedures
event-step_completed = step { $step } done ({ $fields }) → { $to }
event-step_returned = step { $from } sent back to { $to }: { $reason }
event-procedure_done = procedure done
action-complete_step = complete the step
confirm-return_step = send back to step { $to }: { $reason }
error-no_procedure = tickets of kind “{ $kind }” follow no procedure (see [[procedures]] in the configuration).
error-procedure_done = ticket { $key } has finished its procedure.
error-missing_fields = step { $step } needs { $fields }: give them with --field NAME=VALUE.
error-not_next_step = step { $step } does not lead to “{ $to }”; it leads to { $allowed }.
error-not_returnable = step { $step } cannot send the request back to “{ $to }”.
error-role_required = step { $step } is completed by the { $role } role.
error-bad_field = “{ $value }” is not NAME=VALUE.
procedure-title = Procedure { $name } ({ $id }):
procedure-line = { $mark } { $step } { $name } — budget { $budget }, used { $used }{ $by }
procedure-needs = Step { $step } needs: { $fields }
procedure-done = The procedure is done.
procedure-none = Tickets of kind “{ $kind }” follow no procedure.
cli-ticket-step-about = Complete the current step of the ticket's procedure, or send it back (approval steps)
cli-ticket-step-complete = Complete the current step
cli-ticket-step-fields = A field the step requires, NAME=VALUE (repeat)
cli-ticket-step-to = Go on to this step (one of the step's next steps; default the first)
cli-ticket-step-return_to = Send the request back to this step (with --reason)
cli-ticket-step-reason = Why it is sent back
cli-ticket-steps-about = The ticket's procedure: steps, the current one, what it needs, each step's clock
form-request_title = REQUEST FOR IT SUPPORT
form-completion_title = IT SUPPORT COMPLETION RECORD
form-received = Received
form-procedure = Procedure
form-request = What is requested
form-work_done = Work done
form-completed_at = Completed
form-sign_requester = Requester
form-sign_it = IT department
form-sign_partner = Partner (if any)
form-signature = (signature, full name)
error-unknown_form = unknown form “{ $value }”; expected request or completion.
cli-ticket-form-about = The printable request or completion form of a ticket (Markdown)
cli-ticket-form-kind = request or completion
popup-complete_step = Complete the step: fill in each "name: value" (and keep one step on the "to:" line)
popup-return_step = Why is it sent back?
flash-no_step = This ticket has no procedure step to complete.
action-return_step = send back (approval step)
ui-procedure = Procedure { $name }: step { $step } { $step_name } — needs { $needs }
ui-procedure_done = Procedure { $name }: done
popup-return_to_step = Send back to which step?
flash-by_due = Most urgent SLA first.
ui-by_due = most urgent SLA first
cli-ticket-list-by_due = Most urgent SLA first: breached, then soonest due; tickets whose clocks stand still last
sla-outcome-applied = applied
sla-outcome-unchanged = nothing to change
sla-outcome-refused = not possible now ({ $detail })
bench-worker_failed = a writer process failed ({ $status }); its messages are above.

# Identity, roles, the applied configuration (issue 11)
error-step_pending_role = ticket { $key } is at step { $step } of its procedure, which the { $role } role completes: it cannot be resolved or closed before that (hotro ticket steps { $key }).
error-step_pending = ticket { $key } is at step { $step } of its procedure: complete it first (hotro ticket steps { $key }).
error-before_previous = ticket { $key } last changed at { $previous }; an event cannot be dated earlier ({ $at }). Check the clock of this host.
error-received_too_early = --received-at { $at } is more than { $days } days back; a request is recorded within that (organisation.received_at_limit_days).
error-refused = { $login } may not do this ({ $action }): it needs the role { $roles }.
error-refused_group = { $login } may not work this ticket: it belongs to group { $group } (a { $roles } of that group, or reassignment, is needed).
error-act_as_refused = --as { $target }: only the admin role may act as another operator, and { $real } does not have it. Nothing was changed.
error-unknown_role_flag = --role { $role }: only key_user can be chosen (the key user's rights: search, read, record requests).
error-config_not_applied = this process uses another configuration ({ $source }) than the one applied to the database (version { $applied }): it may read, but writes are refused. Drop --config, or have an admin run `hotro config apply FILE`.
error-applied_config_invalid = the configuration applied to the database (version { $version }) is not valid for this hotro: { $detail }
error-fixed_clock_on_live = HOTRO_NOW fixes the clock only on demo and test databases (hotro --demo, hotro init --test); this database is a live desk. Unset HOTRO_NOW.
error-not_failed = { $system } was not failed on { $date }: an incident ticket is opened only for a failed check.
error-article_published = article { $reference } is already published: a draft would overwrite it. Edit the article instead.
error-identity = the operating-system account of user id { $uid } has no name in the user database; hotro cannot tell who you are.
error-purpose_fixed = this database is already in use as a { $purpose } database; its purpose cannot change.
config-none_applied = no configuration has been applied to this database yet.
config-applied_header = configuration version { $version }, applied { $at } by { $by } (sha256 { $digest })
config-applied = Configuration { $source } applied as version { $version }: it is in force for every process now.
config-already_applied = Configuration { $source } is already in force (version { $version }); nothing changed.
cli-init-test = mark the new database as a test database (HOTRO_NOW is accepted there)
cli-config-show-applied = print the configuration applied to the database (with its version)
cli-config-apply-about = apply a configuration file to the database (admin): operators, roles, groups, procedures, SLA
cli-config-apply-file = the configuration file (TOML)
flash-needs_role = Not allowed here: that needs the role { $roles }.
error-demo_on_live = demo data goes only into a demo or test database (hotro --demo, or hotro init --test on a new file); this one is a live desk, and its events would name real operators.
db-verify-config_changed = applied configuration version { $version } was changed outside hotro (its text, digest or hash chain).
db-verify-changes_lost = COMMITTED CHANGES LOST: event { $id } was committed (it is recorded beside the file) but the file ends at event { $newest }. Its -wal file was probably deleted while in use, or an older copy was put in place. Restore the newest backup, then an administrator runs hotro db restored.
db-verify-changes_rewritten = CHANGES REWRITTEN: event { $id } is not in the file as it was committed (its hash, recorded beside the file, differs): events were changed outside hotro, or an older copy was put in place and written to. Compare with a backup; after restoring one, an administrator runs hotro db restored.
error-check_in_future = { $date } has not come yet (today is { $today }): a check result is recorded on its day.
db-check-purpose = Purpose:         { $purpose } (configuration version { $version } in force)
cli-kb-draft-about = Draft a knowledge article from a resolved ticket (never over a published one)
cli-kb-draft-key = The ticket key, e.g. HT-2026-000001
error-no_config_applied = no configuration is applied to this database yet (it was made by an earlier hotro): it may be read, not changed. The owner of the database file runs `hotro --config FILE config apply FILE` first.
error-first_config_by_owner = the first configuration of { $path } is applied by the account that owns that file (or root).
error-demo_not_demo = { $path } is not a demo database (made by an earlier hotro, or a desk in use): hotro --demo will not write demo data into it. Remove that file to make a new demo database.
error-refused_none = { $login } may not do this ({ $action }): no role has that permission in this configuration ([permissions]).
error-not_resolved = ticket { $key } is not resolved yet: an article is drafted from a solution.
flash-needs_no_role = Not allowed here: no role has that permission in this configuration ([permissions]).
error-refused_step = { $login } may not do step { $step }: it is for the role { $roles }.
error-input_not_a_file = { $path } is not a regular file (a FIFO, a device or a folder): give a file, or - for standard input.
error-input_too_long = { $path } is too long: { $size } bytes, at most { $max }; nothing was read.
error-input_too_long_stdin = standard input is too long: more than { $max } bytes; nothing was saved.
