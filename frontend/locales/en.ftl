# Letterbox user interface, English.

## Login and errors
log-in = Log in
log-in-title = Log in · Letterbox
log-in-hint = Log in with your mail account.
username-label = Email address or username
password-label = Password
login-throttled = Too many failed attempts. Try again in { $seconds } seconds.
login-check-input = Please check your input: { $detail }.
login-unreachable = The mail server is unavailable. Please try again later. (Request id: { $request })
login-wrong = Wrong username or password.
error-code = Error { $status }.
error-back = Back to Letterbox
error-title-invalid-request = Invalid request
error-title-not-found = Not found
error-title-missing-scope = Missing scope
error-title-unauthorized = Not logged in
error-title-login-throttled = Too many failed logins
error-title-invalid-message = The message cannot be used
error-title-too-large = Too large
error-title-cannot-calculate-changes = Reload needed
error-title-not-configured = Not configured
error-title-stale-message-id = Message id is stale
error-title-conflict = Conflict
error-title-forbidden = Not allowed
error-title-mail-server-refused = The mail server refused
error-title-busy = Too many requests at once
error-title-mail-server-timeout = The mail server did not answer
error-title-mail-server-unavailable = The mail server is unavailable

## Frame
skip-to-content = Skip to messages
search-label = Search mail
search-placeholder = Search: from:ada subject:report is:unread
search-button = Search
compose = Compose
settings = Settings
log-out = Log out
folders = Folders
unread-prefix = unread:
manage-folders = Manage folders
keyboard-help = Keyboard shortcuts (?)

## Message list
list-counts = { $first }–{ $last } of { $total }
list-empty-count = No messages
list-matching = matching “{ $query }”
list-unread = { $count } unread
selected-messages = Selected messages
action-read = Mark read
action-unread = Mark unread
action-flag = Flag
action-unflag = Unflag
action-archive = Archive
action-spam = Spam
action-delete = Delete
action-move = Move
move-to-folder = Move to folder
empty-folder = This folder is empty. New mail will show up here.
empty-search = Nothing matches this search. Try fewer words, or search another folder.
messages-in = Messages in { $folder }
col-select = Select
col-flagged = Flagged
col-from = From
col-subject = Subject
col-attachment = Attachment
col-date = Date
select-message = Select message from { $from }: { $subject }
unread-marker = Unread:
flagged = Flagged
answered = Answered
has-attachments = Has attachments
pages = Pages
first-page = « First page
previous-page = « Previous
next-page = Next page »
no-subject = (no subject)
unknown-sender = (unknown sender)
search-failed = That search or page link did not work: { $detail }
pick-a-message = Pick a message to read it here.

## Reading a message
back-to = « Back to { $folder }
header-from = From
header-to = To
header-cc = Cc
header-date = Date
reply = Reply
reply-all = Reply all
forward = Forward
reply-actions = Reply
message-actions = Message actions
view-source = View source
edit-draft = Edit draft
remote-blocked = { $n ->
    [one] One remote image or style was blocked to protect your privacy.
   *[other] { $count } remote images or styles were blocked to protect your privacy.
}
show-remote = Show remote content
always-remote = Always for this sender
remote-unverified-none = { $sender } is on your trusted list, but your mail server recorded no sender check for this message (no Authentication-Results), so remote content stays blocked.
remote-unverified-failed = { $sender } is on your trusted list, but your mail server did not confirm (DKIM or DMARC) that this message really comes from { $domain }, so remote content stays blocked.
remote-unverified-other-server = { $sender } is on your trusted list, but this message's sender check was not made by your mail server, so remote content stays blocked.
message-body = Message body
attachments = Attachments

## Writing
new-message = New message
heading-reply = Reply
heading-forward = Forward
heading-draft = Draft
back = « Back
field-from = From
field-to = To
field-cc = Cc
field-bcc = Bcc
field-subject = Subject
field-message = Message
markdown-toggle = Format with Markdown (**bold**, _italic_, lists, links)
attached = Attached
from-forwarded = (from the forwarded message)
attach-files = Attach files
compose-actions = Compose actions
send = Send
save-draft = Save draft
discard = Discard
draft-saved = Draft saved.
draft-saved-at = Draft saved { $time }
draft-save-failed = Could not save the draft; still trying.
upload-failed = The upload failed; check your connection and try again.
message-sent = Message sent.
view-in-sent = View it in Sent
send-failed = The mail server did not accept the message: { $error }.
send-failed-kept = Your message was saved in Drafts.

## Dates
weekday-0 = Mon
weekday-1 = Tue
weekday-2 = Wed
weekday-3 = Thu
weekday-4 = Fri
weekday-5 = Sat
weekday-6 = Sun
month-1 = Jan
month-2 = Feb
month-3 = Mar
month-4 = Apr
month-5 = May
month-6 = Jun
month-7 = Jul
month-8 = Aug
month-9 = Sep
month-10 = Oct
month-11 = Nov
month-12 = Dec
date-day-month = { $day } { $month }
date-long = { $date } { $rest }

## Script (live updates, shortcuts, notifications)
js-new-mail = New mail
js-new-mail-body = { $n ->
    [one] One new message
   *[other] { $count } new messages
}
js-notify-enable = Notify me of new mail
shortcuts-title = Keyboard shortcuts
shortcuts-close = Close
shortcut-next = Next message
shortcut-previous = Previous message
shortcut-open = Open message
shortcut-back = Back to the list
shortcut-reply = Reply
shortcut-reply-all = Reply all
shortcut-forward = Forward
shortcut-compose = Compose
shortcut-archive = Archive
shortcut-delete = Delete
shortcut-spam = Spam
shortcut-flag = Flag or unflag
shortcut-read = Mark read
shortcut-unread = Mark unread
shortcut-search = Search
shortcut-inbox = Go to the inbox
shortcut-help = Show this help

## Settings
skip-to-page = Skip to the page content
settings-title = Settings
settings-preferences = Preferences
settings-saved = Settings saved.
theme-legend = Theme
theme-auto = Same as the system
theme-light = Light
theme-dark = Dark
language-label = Language
language-browser = Browser default
language-en = English
language-de = Deutsch
page-size-label = Messages per page
notify-label = Desktop notifications for new mail
notify-hint = Your browser asks for permission once; notifications only appear while Letterbox is in the background.
notify-denied = This browser blocks notifications for Letterbox. Allow them in the site settings to get them.
notify-unsupported = This browser cannot show desktop notifications.
remote-senders-label = Load remote content from these senders
remote-senders-hint = One address per line. Their messages show remote images and styles without asking.
settings-save = Save settings
settings-error-theme = Choose one of the themes.
settings-error-language = Choose one of the languages.
settings-error-page-size = Choose 25, 50, 100 or 200 messages per page.
settings-error-sender = “{ $address }” is not an email address. Put one address on each line.
settings-error-senders = The list of senders cannot be saved: at most 500 plain addresses, one per line.
identities-title = Identities
identities-intro = The addresses you send from, each with its own name, reply-to address and signature.
identity-default = Default
identity-name = Name
identity-email = Email address
identity-reply-to = Reply-to address
identity-signature = Signature
identity-none = (none)
identity-make-default = Use as the default identity
identity-edit = Edit
identity-edit-label = Edit { $address }
identity-save = Save identity
identity-delete = Delete
identity-add-title = Add an identity
identity-add = Add identity
identity-added = Identity added.
identity-updated = Identity saved.
identity-deleted = Identity deleted.
identity-delete-title = Delete identity
identity-delete-question = Delete the identity { $address }?
identity-delete-detail = Messages you already sent from it stay as they are. You can add it again later.
identity-delete-confirm = Delete identity
confirm-cancel = Cancel
identity-error-email = Enter the bare email address to send from, such as jane@example.com (the name has its own field).
identity-error-reply-to = Enter a single valid reply-to address, or leave it empty.
identity-error-name = The name must be one line of at most 200 characters.
identity-error-signature = The signature can be at most 10,000 characters long.
identity-error-exists = You already have an identity for this address.
identity-error-last = This is your only identity. Add another one before deleting it.
identity-error-default = Make another identity the default instead.
identity-error-missing = This identity no longer exists.
identity-unconfirmed = Not confirmed yet: cannot send
identity-resend = Send the confirmation link again
identity-confirm-sent = We mailed a confirmation link to the new address. Follow it (while logged in here) before sending from it.
identity-confirmed = Identity confirmed: you can send from it now.
identity-confirm-invalid = This confirmation link is unknown, already used or expired. Ask for a new one under Settings → Identities.
identity-confirm-mail-subject = Confirm { $address } as a sender address in Letterbox
identity-confirm-mail-body = Someone logged in to Letterbox asked to send mail as { $address }.

    If that was you, open this link while logged in (it works once, for 24 hours):
    { $link }

    If it was not you, ignore this mail: nothing is sent from your address without it.

## Folders
folders-title = Folders
folders-intro = Create, rename and delete your mail folders. Special folders are marked with what Letterbox uses them for.
folder-list = Your folders
folder-total = { $n ->
    [one] One message
   *[other] { $count } messages
}
folder-role = Special folder: { $role }
role-inbox = Inbox
role-sent = Sent
role-drafts = Drafts
role-trash = Trash
role-junk = Junk
role-archive = Archive
folder-container = Holds only other folders
folder-new = New folder
folder-name = Name
folder-parent = Inside
folder-parent-none = (top level)
folder-create = Create folder
folder-rename = Rename
folder-rename-label = New name for { $name }
folder-delete = Delete
folder-export-mbox = Export (mbox)
folder-export-zip = Export (zip of .eml)
folder-created = Folder created.
folder-renamed = Folder renamed.
folder-deleted = Folder deleted.
folder-delete-title = Delete folder
folder-delete-question = Delete the folder “{ $name }”?
folder-delete-detail = { $n ->
    [0] It is empty. This cannot be undone.
    [one] Its one message is deleted with it. This cannot be undone.
   *[other] Its { $count } messages are deleted with it. This cannot be undone.
}
folder-delete-confirm = Delete folder
folder-error-empty = Give the folder a name.
folder-error-control = A folder name cannot contain line breaks or other control characters.
folder-error-wildcard = A folder name cannot contain * or %.
folder-error-delimiter = A folder name cannot contain “{ $delimiter }”. To put a folder inside another, choose it under “Inside”.
folder-error-long = That name is too long.
folder-error-invalid = The mail server cannot use that folder name.
folder-error-exists = A folder with that name already exists.
folder-error-children = This folder has subfolders. Delete or move them first.
folder-error-inbox = The inbox cannot be renamed or deleted.
folder-error-missing = That folder no longer exists.
folder-error-nesting = This mail server does not allow folders inside other folders.
folder-error-refused = The mail server refused: { $detail }

## API tokens
tokens-title = API tokens
tokens-intro = Tokens let other apps (scripts, a notifier, a CRM) use your mail through the API without your password. A token works until you revoke it.
tokens-none = You have no API tokens.
token-name = Name
token-scopes = Allowed to
token-scope-read = read mail (mail.read)
token-scope-write = change mail, folders and drafts (mail.write)
token-scope-send = send mail (mail.send)
token-scope-webhooks = create, list and delete webhooks (webhooks.manage)
token-create = Create token
token-created = Token created. Copy it now: it is shown only this once.
token-secret = New token
token-revoke = Revoke
token-revoked = Token revoked. Apps using it are locked out at once.
token-created-at = Created
token-last-used = Last used
token-never-used = never
token-error-name = Give the token a name (at most 100 characters).
token-error-scopes = Choose at least one thing the token may do.
