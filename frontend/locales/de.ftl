# Letterbox-Benutzeroberfläche, Deutsch.

## Anmeldung und Fehler
log-in = Anmelden
log-in-title = Anmelden · Letterbox
log-in-hint = Melden Sie sich mit Ihrem E-Mail-Konto an.
username-label = E-Mail-Adresse oder Benutzername
password-label = Passwort
login-throttled = Zu viele Fehlversuche. Versuchen Sie es in { $seconds } Sekunden erneut.
login-check-input = Bitte prüfen Sie Ihre Eingabe: { $detail }.
login-unreachable = Ihr Mailserver ist nicht erreichbar: { $detail }
login-wrong = Benutzername oder Passwort falsch.
error-code = Fehler { $status }.
error-back = Zurück zu Letterbox

## Rahmen
skip-to-content = Zu den Nachrichten springen
search-label = E-Mails durchsuchen
search-placeholder = Suche: from:ada subject:bericht is:unread
search-button = Suchen
compose = Verfassen
settings = Einstellungen
log-out = Abmelden
folders = Ordner
unread-prefix = ungelesen:
manage-folders = Ordner verwalten
keyboard-help = Tastenkürzel (?)

## Nachrichtenliste
list-counts = { $first }–{ $last } von { $total }
list-empty-count = Keine Nachrichten
list-matching = passend zu „{ $query }“
list-unread = { $count } ungelesen
selected-messages = Ausgewählte Nachrichten
action-read = Als gelesen markieren
action-unread = Als ungelesen markieren
action-flag = Markieren
action-unflag = Markierung entfernen
action-archive = Archivieren
action-spam = Spam
action-delete = Löschen
action-move = Verschieben
move-to-folder = In Ordner verschieben
empty-folder = Dieser Ordner ist leer. Neue E-Mails erscheinen hier.
empty-search = Keine Treffer. Versuchen Sie weniger Wörter oder einen anderen Ordner.
messages-in = Nachrichten in { $folder }
col-select = Auswählen
col-flagged = Markiert
col-from = Von
col-subject = Betreff
col-attachment = Anhang
col-date = Datum
select-message = Nachricht von { $from } auswählen: { $subject }
unread-marker = Ungelesen:
flagged = Markiert
answered = Beantwortet
has-attachments = Mit Anhängen
pages = Seiten
first-page = « Erste Seite
previous-page = « Zurück
next-page = Nächste Seite »
no-subject = (kein Betreff)
unknown-sender = (unbekannter Absender)
search-failed = Diese Suche oder dieser Seitenlink hat nicht funktioniert: { $detail }
pick-a-message = Wählen Sie eine Nachricht, um sie hier zu lesen.

## Nachricht lesen
back-to = « Zurück zu { $folder }
header-from = Von
header-to = An
header-cc = Kopie
header-date = Datum
reply = Antworten
reply-all = Allen antworten
forward = Weiterleiten
reply-actions = Antworten
message-actions = Aktionen
view-source = Quelltext
edit-draft = Entwurf bearbeiten
remote-blocked = { $n ->
    [one] Ein externes Bild oder Stil wurde zum Schutz Ihrer Privatsphäre blockiert.
   *[other] { $count } externe Bilder oder Stile wurden zum Schutz Ihrer Privatsphäre blockiert.
}
show-remote = Externe Inhalte anzeigen
always-remote = Immer für diesen Absender
message-body = Nachrichtentext
attachments = Anhänge

## Schreiben
new-message = Neue Nachricht
heading-reply = Antwort
heading-forward = Weiterleitung
heading-draft = Entwurf
back = « Zurück
field-from = Von
field-to = An
field-cc = Kopie
field-bcc = Blindkopie
field-subject = Betreff
field-message = Nachricht
markdown-toggle = Mit Markdown formatieren (**fett**, _kursiv_, Listen, Links)
attached = Angehängt
from-forwarded = (aus der weitergeleiteten Nachricht)
attach-files = Dateien anhängen
compose-actions = Aktionen zum Verfassen
send = Senden
save-draft = Entwurf speichern
discard = Verwerfen
draft-saved = Entwurf gespeichert.
draft-saved-at = Entwurf gespeichert um { $time }
draft-save-failed = Der Entwurf konnte nicht gespeichert werden; neuer Versuch folgt.
upload-failed = Das Hochladen ist fehlgeschlagen; prüfen Sie Ihre Verbindung und versuchen Sie es erneut.
message-sent = Nachricht gesendet.
view-in-sent = In „Gesendet“ ansehen
send-failed = Der Mailserver hat die Nachricht nicht angenommen: { $error }.
send-failed-kept = Ihre Nachricht wurde unter Entwürfe gespeichert.

## Daten
weekday-0 = Mo
weekday-1 = Di
weekday-2 = Mi
weekday-3 = Do
weekday-4 = Fr
weekday-5 = Sa
weekday-6 = So
month-1 = Jan.
month-2 = Feb.
month-3 = März
month-4 = Apr.
month-5 = Mai
month-6 = Juni
month-7 = Juli
month-8 = Aug.
month-9 = Sept.
month-10 = Okt.
month-11 = Nov.
month-12 = Dez.
date-day-month = { $day }. { $month }
date-long = { $date } { $rest }

## Skript (Live-Aktualisierung, Tastenkürzel, Benachrichtigungen)
js-new-mail = Neue E-Mail
js-new-mail-body = { $n ->
    [one] Eine neue Nachricht
   *[other] { $count } neue Nachrichten
}
js-notify-enable = Bei neuer E-Mail benachrichtigen
shortcuts-title = Tastenkürzel
shortcuts-close = Schließen
shortcut-next = Nächste Nachricht
shortcut-previous = Vorherige Nachricht
shortcut-open = Nachricht öffnen
shortcut-back = Zurück zur Liste
shortcut-reply = Antworten
shortcut-reply-all = Allen antworten
shortcut-forward = Weiterleiten
shortcut-compose = Verfassen
shortcut-archive = Archivieren
shortcut-delete = Löschen
shortcut-spam = Spam
shortcut-flag = Markieren oder Markierung entfernen
shortcut-read = Als gelesen markieren
shortcut-unread = Als ungelesen markieren
shortcut-search = Suchen
shortcut-inbox = Zum Posteingang
shortcut-help = Diese Hilfe anzeigen
