# Letterbox user interface, English.

## Login and errors
log-in = Log in
log-in-title = Log in · Letterbox
log-in-hint = Log in with your mail account.
username-label = Email address or username
password-label = Password
login-throttled = Too many failed attempts. Try again in { $seconds } seconds.
login-check-input = Please check your input: { $detail }.
login-unreachable = Could not reach your mail server: { $detail }
login-wrong = Wrong username or password.
error-code = Error { $status }.
error-back = Back to Letterbox

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
