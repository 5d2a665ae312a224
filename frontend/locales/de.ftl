# Letterbox-Benutzeroberfläche, Deutsch.

## Anmeldung und Fehler
log-in = Anmelden
log-in-title = Anmelden · Letterbox
log-in-hint = Melden Sie sich mit Ihrem E-Mail-Konto an.
username-label = E-Mail-Adresse oder Benutzername
password-label = Passwort
login-throttled = Zu viele Fehlversuche. Versuchen Sie es in { $seconds } Sekunden erneut.
login-check-input = Bitte prüfen Sie Ihre Eingabe: { $detail }.
login-unreachable = Der Mailserver ist nicht erreichbar. Bitte versuchen Sie es später erneut. (Anfrage-ID: { $request })
login-wrong = Benutzername oder Passwort falsch.
error-code = Fehler { $status }.
error-back = Zurück zu Letterbox
error-title-invalid-request = Ungültige Anfrage
error-title-not-found = Nicht gefunden
error-title-missing-scope = Fehlende Berechtigung
error-title-unauthorized = Nicht angemeldet
error-title-login-throttled = Zu viele fehlgeschlagene Anmeldungen
error-title-invalid-message = Die Nachricht ist nicht verwendbar
error-title-too-large = Zu groß
error-title-cannot-calculate-changes = Neu laden nötig
error-title-not-configured = Nicht eingerichtet
error-title-stale-message-id = Nachrichten-ID ist veraltet
error-title-conflict = Konflikt
error-title-forbidden = Nicht erlaubt
error-title-mail-server-refused = Der Mailserver hat abgelehnt
error-title-busy = Zu viele gleichzeitige Anfragen
error-title-mail-server-timeout = Der Mailserver hat nicht geantwortet
error-title-mail-server-unavailable = Der Mailserver ist nicht erreichbar

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
remote-unverified-none = { $sender } steht auf Ihrer Liste vertrauenswürdiger Absender, aber Ihr Mailserver hat für diese Nachricht keine Absenderprüfung vermerkt (kein Authentication-Results), daher bleiben externe Inhalte blockiert.
remote-unverified-failed = { $sender } steht auf Ihrer Liste vertrauenswürdiger Absender, aber Ihr Mailserver hat nicht bestätigt (DKIM oder DMARC), dass diese Nachricht wirklich von { $domain } stammt, daher bleiben externe Inhalte blockiert.
remote-unverified-other-server = { $sender } steht auf Ihrer Liste vertrauenswürdiger Absender, aber die Absenderprüfung dieser Nachricht stammt nicht von Ihrem Mailserver, daher bleiben externe Inhalte blockiert.
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

## Einstellungen
skip-to-page = Zum Seiteninhalt springen
settings-title = Einstellungen
settings-preferences = Allgemein
settings-saved = Einstellungen gespeichert.
theme-legend = Erscheinungsbild
theme-auto = Wie das System
theme-light = Hell
theme-dark = Dunkel
language-label = Sprache
language-browser = Wie im Browser
language-en = English
language-de = Deutsch
page-size-label = Nachrichten pro Seite
notify-label = Desktop-Benachrichtigungen bei neuer E-Mail
notify-hint = Ihr Browser fragt einmal nach der Erlaubnis; Benachrichtigungen erscheinen nur, während Letterbox im Hintergrund ist.
notify-denied = Dieser Browser blockiert Benachrichtigungen von Letterbox. Erlauben Sie sie in den Website-Einstellungen, um sie zu erhalten.
notify-unsupported = Dieser Browser kann keine Desktop-Benachrichtigungen anzeigen.
remote-senders-label = Externe Inhalte von diesen Absendern laden
remote-senders-hint = Eine Adresse pro Zeile. Ihre Nachrichten zeigen externe Bilder und Stile ohne Nachfrage.
settings-save = Einstellungen speichern
settings-error-theme = Wählen Sie eines der Erscheinungsbilder.
settings-error-language = Wählen Sie eine der Sprachen.
settings-error-page-size = Wählen Sie 25, 50, 100 oder 200 Nachrichten pro Seite.
settings-error-sender = „{ $address }“ ist keine E-Mail-Adresse. Schreiben Sie eine Adresse pro Zeile.
settings-error-senders = Die Absenderliste kann nicht gespeichert werden: höchstens 500 einfache Adressen, eine pro Zeile.
identities-title = Identitäten
identities-intro = Die Adressen, von denen Sie senden, jeweils mit eigenem Namen, eigener Antwortadresse und Signatur.
identity-default = Standard
identity-name = Name
identity-email = E-Mail-Adresse
identity-reply-to = Antwortadresse
identity-signature = Signatur
identity-none = (keine)
identity-make-default = Als Standardidentität verwenden
identity-edit = Bearbeiten
identity-edit-label = { $address } bearbeiten
identity-save = Identität speichern
identity-delete = Löschen
identity-add-title = Identität hinzufügen
identity-add = Identität hinzufügen
identity-added = Identität hinzugefügt.
identity-updated = Identität gespeichert.
identity-deleted = Identität gelöscht.
identity-delete-title = Identität löschen
identity-delete-question = Die Identität { $address } löschen?
identity-delete-detail = Bereits damit gesendete Nachrichten bleiben unverändert. Sie können sie später wieder hinzufügen.
identity-delete-confirm = Identität löschen
confirm-cancel = Abbrechen
identity-error-email = Geben Sie die reine E-Mail-Adresse zum Senden ein, etwa erika@example.com (der Name hat ein eigenes Feld).
identity-error-reply-to = Geben Sie eine einzelne gültige Antwortadresse ein oder lassen Sie das Feld leer.
identity-error-name = Der Name muss eine Zeile mit höchstens 200 Zeichen sein.
identity-error-signature = Die Signatur darf höchstens 10.000 Zeichen lang sein.
identity-error-exists = Für diese Adresse haben Sie schon eine Identität.
identity-error-last = Das ist Ihre einzige Identität. Fügen Sie zuerst eine weitere hinzu.
identity-error-default = Machen Sie stattdessen eine andere Identität zum Standard.
identity-error-missing = Diese Identität gibt es nicht mehr.
identity-unconfirmed = Noch nicht bestätigt: kann nicht senden
identity-resend = Bestätigungslink erneut senden
identity-confirm-sent = Wir haben einen Bestätigungslink an die neue Adresse geschickt. Öffnen Sie ihn (hier angemeldet), bevor Sie von ihr senden.
identity-confirmed = Identität bestätigt: Sie können jetzt von ihr senden.
identity-confirm-invalid = Dieser Bestätigungslink ist unbekannt, schon benutzt oder abgelaufen. Fordern Sie unter Einstellungen → Identitäten einen neuen an.
identity-confirm-mail-subject = { $address } als Absenderadresse in Letterbox bestätigen
identity-confirm-mail-body = Jemand, der bei Letterbox angemeldet ist, möchte als { $address } Mail senden.

    Wenn Sie das waren, öffnen Sie diesen Link, während Sie angemeldet sind (er gilt einmal, 24 Stunden lang):
    { $link }

    Wenn nicht, ignorieren Sie diese Mail: ohne den Link wird nichts von Ihrer Adresse gesendet.

## Ordner
folders-title = Ordner
folders-intro = Legen Sie Ihre E-Mail-Ordner an, benennen Sie sie um oder löschen Sie sie. Spezialordner zeigen, wofür Letterbox sie verwendet.
folder-list = Ihre Ordner
folder-total = { $n ->
    [one] Eine Nachricht
   *[other] { $count } Nachrichten
}
folder-role = Spezialordner: { $role }
role-inbox = Posteingang
role-sent = Gesendet
role-drafts = Entwürfe
role-trash = Papierkorb
role-junk = Spam
role-archive = Archiv
folder-container = Enthält nur andere Ordner
folder-new = Neuer Ordner
folder-name = Name
folder-parent = In
folder-parent-none = (oberste Ebene)
folder-create = Ordner anlegen
folder-rename = Umbenennen
folder-rename-label = Neuer Name für { $name }
folder-delete = Löschen
folder-export-mbox = Exportieren (mbox)
folder-export-zip = Exportieren (ZIP mit .eml)
folder-created = Ordner angelegt.
folder-renamed = Ordner umbenannt.
folder-deleted = Ordner gelöscht.
folder-delete-title = Ordner löschen
folder-delete-question = Den Ordner „{ $name }“ löschen?
folder-delete-detail = { $n ->
    [0] Er ist leer. Das kann nicht rückgängig gemacht werden.
    [one] Seine eine Nachricht wird mit ihm gelöscht. Das kann nicht rückgängig gemacht werden.
   *[other] Seine { $count } Nachrichten werden mit ihm gelöscht. Das kann nicht rückgängig gemacht werden.
}
folder-delete-confirm = Ordner löschen
folder-error-empty = Geben Sie dem Ordner einen Namen.
folder-error-control = Ein Ordnername darf keine Zeilenumbrüche oder anderen Steuerzeichen enthalten.
folder-error-wildcard = Ein Ordnername darf weder * noch % enthalten.
folder-error-delimiter = Ein Ordnername darf kein „{ $delimiter }“ enthalten. Um einen Ordner in einen anderen zu legen, wählen Sie diesen unter „In“.
folder-error-long = Der Name ist zu lang.
folder-error-invalid = Der Mailserver kann diesen Ordnernamen nicht verwenden.
folder-error-exists = Ein Ordner mit diesem Namen existiert bereits.
folder-error-children = Dieser Ordner hat Unterordner. Löschen oder verschieben Sie diese zuerst.
folder-error-inbox = Der Posteingang kann weder umbenannt noch gelöscht werden.
folder-error-missing = Diesen Ordner gibt es nicht mehr.
folder-error-nesting = Dieser Mailserver erlaubt keine Ordner in anderen Ordnern.
folder-error-refused = Der Mailserver hat abgelehnt: { $detail }

## API-Token
tokens-title = API-Token
tokens-intro = Mit Token können andere Apps (Skripte, Benachrichtiger, ein CRM) Ihre E-Mails über die API nutzen, ohne Ihr Passwort zu kennen. Ein Token gilt, bis Sie es widerrufen.
tokens-none = Sie haben keine API-Token.
token-name = Name
token-scopes = Darf
token-scope-read = E-Mails lesen (mail.read)
token-scope-write = E-Mails, Ordner und Entwürfe ändern (mail.write)
token-scope-send = E-Mails senden (mail.send)
token-scope-webhooks = Webhooks anlegen, auflisten und löschen (webhooks.manage)
token-create = Token erstellen
token-created = Token erstellt. Kopieren Sie es jetzt: Es wird nur dieses eine Mal angezeigt.
token-secret = Neues Token
token-revoke = Widerrufen
token-revoked = Token widerrufen. Apps, die es nutzen, sind sofort ausgesperrt.
token-created-at = Erstellt
token-last-used = Zuletzt genutzt
token-never-used = nie
token-error-name = Geben Sie dem Token einen Namen (höchstens 100 Zeichen).
token-error-scopes = Wählen Sie mindestens eine Berechtigung.
