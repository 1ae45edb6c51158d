"""German reply wording (formal "Sie"), as data: template key → text with ``{slot}``s.

The same rules as the English table: short, no markdown, no facts of its own, status
words ("gebucht", "storniert", "verschoben", "weitergeleitet") only in the template of
the matching committed kind. Every key of the English table exists here too (a test
checks it).
"""

from __future__ import annotations

TEMPLATES: dict[str, str] = {
    "greet": "Guten Tag! Wie kann ich Ihnen helfen?",
    "greet.business": "Guten Tag, hier ist {business}. Wie kann ich Ihnen helfen?",
    "greet.name": "Guten Tag, {name}! Wie kann ich Ihnen helfen?",
    "greet.business_name": "Guten Tag, {name}, hier ist {business}. Wie kann ich Ihnen helfen?",
    "ask.service": "Welche Leistung möchten Sie buchen?",
    "ask.service.retry": "Entschuldigung, welche Leistung möchten Sie?",
    "ask.staff": "Haben Sie einen Wunsch, bei wem Sie den Termin haben möchten?",
    "ask.staff.retry": "Entschuldigung, bei wem möchten Sie den Termin?",
    "ask.date": "An welchem Tag passt es Ihnen?",
    "ask.date.retry": (
        "Entschuldigung, den Tag habe ich nicht verstanden. An welchem Tag möchten Sie kommen?"
    ),
    "ask.time": "Um welche Uhrzeit passt es Ihnen?",
    "ask.time.retry": (
        "Entschuldigung, um welche Uhrzeit? Sie können auch vormittags oder nachmittags sagen."
    ),
    "ask.offered_slot": "Welcher dieser Termine passt Ihnen?",
    "ask.offered_slot.retry": (
        "Entschuldigung, welcher Termin soll es sein? Nennen Sie einfach die Nummer "
        "oder fragen Sie nach einem anderen Tag."
    ),
    "ask.person_name": "Wie ist Ihr Name, bitte?",
    "ask.person_name.retry": "Entschuldigung, wie war Ihr vollständiger Name?",
    "ask.phone": "Unter welcher Telefonnummer erreichen wir Sie?",
    "ask.phone.retry": (
        "Entschuldigung, die Nummer habe ich nicht verstanden. "
        "Können Sie sie mit Vorwahl wiederholen?"
    ),
    "ask.email": "Wie lautet Ihre E-Mail-Adresse?",
    "ask.email.retry": (
        "Entschuldigung, das sah nicht wie eine E-Mail-Adresse aus. Können Sie sie buchstabieren?"
    ),
    "ask.address": "Wie lautet die Adresse, bitte?",
    "ask.address.retry": (
        "Entschuldigung, können Sie mir die vollständige Adresse mit Straße, Hausnummer "
        "und Ort nennen?"
    ),
    "ask.text": "Können Sie kurz beschreiben, worum es geht?",
    "ask.text.retry": "Entschuldigung, können Sie es in ein paar Worten beschreiben?",
    "ask.choice": "Welche Option möchten Sie?",
    "ask.choice.retry": "Entschuldigung, welche Option möchten Sie?",
    "ask.boolean": "Können Sie mit Ja oder Nein antworten?",
    "ask.boolean.retry": "Entschuldigung, war das ein Ja oder ein Nein?",
    "ask.other": "Können Sie mir etwas mehr dazu sagen?",
    "ask.other.retry": "Entschuldigung, können Sie das noch einmal sagen?",
    "ask.options": "Zur Auswahl stehen: {options}.",
    "ask.retry_prefix": "Entschuldigung, das habe ich nicht ganz verstanden.",
    "invalid.past": "Dieser Zeitpunkt liegt leider in der Vergangenheit.",
    "invalid.impossible_date": "Dieses Datum gibt es im Kalender nicht.",
    "invalid.unknown_service": "Das bieten wir leider nicht an.",
    "invalid.unknown_service.options": "Das bieten wir leider nicht an. Wir bieten an: {options}.",
    "invalid.unknown_staff": "Eine Person mit diesem Namen gibt es bei uns leider nicht.",
    "invalid.unknown_staff.options": (
        "Eine Person mit diesem Namen gibt es bei uns leider nicht. Unser Team: {options}."
    ),
    "invalid.invalid_phone": "Diese Telefonnummer scheint unvollständig zu sein.",
    "invalid.invalid_email": "Diese E-Mail-Adresse scheint nicht zu stimmen.",
    "invalid.no_such_option": "Diese Option gibt es leider nicht.",
    "invalid.no_such_option.options": (
        "Diese Option gibt es leider nicht. Zur Auswahl stehen: {options}."
    ),
    "invalid.closed": "Zu dieser Zeit haben wir leider geschlossen.",
    "invalid.not_your_number": (
        "Aus Sicherheitsgründen kann ich Termine nur unter der Nummer suchen, von der Sie uns "
        "kontaktieren."
    ),
    "invalid.staff_cannot": "Diese Leistung bietet die Person leider nicht an.",
    "invalid.staff_cannot.named": "{service} bietet {staff} leider nicht an.",
    "invalid.closed.date": "Am {date} haben wir leider geschlossen.",
    "invalid.other": "Das konnte ich leider nicht verwenden.",
    "invalid.ambiguous": "Was genau meinen Sie?",
    "invalid.ambiguous.service": "Meinen Sie {options}?",
    "invalid.ambiguous.staff": "Meinen Sie {options}?",
    "ambiguous.service.item": "{item}",
    "ambiguous.staff.item": "{item}",
    "offer.one": "Der nächste freie Termin ist {slot}. Passt Ihnen das?",
    "offer.many": "Ich habe folgende Termine frei: {slots}. Welcher passt Ihnen?",
    "no_slots": (
        "Dafür habe ich leider keinen freien Termin gefunden. Vielleicht passt ein anderer Tag?"
    ),
    "no_slots.date": ("Am {date} ist leider nichts mehr frei. Vielleicht passt ein anderer Tag?"),
    "slot_free": "{slot} ist frei.",
    "already_holds": (
        "Sie haben bereits einen Termin: {appointment}. Wenn Sie lieber diesen verschieben "
        "möchten, sagen Sie es einfach."
    ),
    "slot_taken": "Dieser Termin ist leider gerade vergeben worden.",
    "confirm.intro": "Ich fasse kurz zusammen: {summary}.",
    "confirm.details": "{details}.",
    "confirm.fee": "Bitte beachten Sie: Für die kurzfristige Änderung fällt eine Gebühr von {fee} an.",
    "confirm.q.book": "Soll ich das so für Sie buchen?",
    "confirm.q.cancel": "Soll ich den Termin absagen?",
    "confirm.q.reschedule": "Soll ich den Termin auf die neue Zeit legen?",
    "confirm.q.message": "Soll ich das so weitergeben?",
    "confirm.q.other": "Ist das so richtig?",
    "label.name": "Name",
    "label.phone": "Telefon",
    "label.email": "E-Mail",
    "label.address": "Adresse",
    "label.problem": "Anliegen",
    "booked": "Ihr Termin ist gebucht: {appointment}. Wir freuen uns auf Sie!",
    "booked.bare": "Ihr Termin ist gebucht. Wir freuen uns auf Sie!",
    "rescheduled": "Erledigt: Ihr Termin wurde auf {appointment} verschoben.",
    "rescheduled.bare": "Erledigt: Ihr Termin wurde verschoben.",
    "cancelled": "Ihr Termin ({appointment}) wurde storniert.",
    "cancelled.bare": "Ihr Termin wurde storniert.",
    "already_cancelled": "Dieser Termin ({appointment}) war bereits storniert; es hat sich "
    "nichts geändert.",
    "already_cancelled.bare": "Dieser Termin war bereits storniert; es hat sich nichts geändert.",
    "message_taken": (
        "Vielen Dank, ich habe Ihre Nachricht notiert und an das Team weitergeleitet. "
        "Wir melden uns bald bei Ihnen."
    ),
    "appointment": "Ich habe Ihren Termin gefunden: {appointment}.",
    "appointment.bare": "Ich habe Ihren Termin gefunden.",
    "no_appointment": "Ich konnte leider keinen bevorstehenden Termin für Sie finden.",
    "no_appointment.phone": "Unter {phone} konnte ich leider keinen bevorstehenden Termin finden.",
    # eine getippte Nummer bestätigen: gleiche Worte, ob die Nummer bekannt ist oder nicht
    "code_sent": (
        "Falls unter dieser Nummer ein Termin bei uns besteht, habe ich ihr gerade einen Code "
        "geschickt."
    ),
    "code_wrong": "Dieser Code stimmt leider nicht.",
    "code_renewed": (
        "Dieser Code war abgelaufen; falls die Nummer bei uns bekannt ist, habe ich ihr einen "
        "neuen geschickt."
    ),
    "code_locked": "Das waren zu viele Versuche, dieser Code gilt nicht mehr.",
    "code_unavailable": (
        "Leider kann ich gerade keinen Code per SMS schicken. Jemand aus unserem Team hilft "
        "Ihnen gern weiter."
    ),
    "code_limit": (
        "Ich habe vorerst so viele Codes geschickt, wie ich darf. Bitte versuchen Sie es in "
        "einer Stunde noch einmal oder fragen Sie nach jemandem aus unserem Team."
    ),
    "not_verified": (
        "Das kann ich erst tun, wenn hier der Code eingegeben ist, den wir an die Nummer schicken."
    ),
    "ask.code": "Bitte geben Sie den Code aus der SMS ein.",
    "sms.code": "{business}: Ihr Code ist {code}. Er gilt {minutes} Minuten. Wir fragen nur "
    "in dem Gespräch danach, in dem Sie ihn angefordert haben.",
    "sms.changed": "{business}: {what} Falls Sie das nicht waren, rufen Sie uns bitte an.",
    "no_appointment.offer": "Möchten Sie einen neuen Termin vereinbaren?",
    "ask.phone.contact_from_it": (
        "Falls der Termin unter einer anderen Nummer eingetragen ist, melden Sie sich bitte von "
        "dieser Nummer aus."
    ),
    "ask.phone.other_number": (
        "Falls der Termin unter einer anderen Nummer eingetragen ist, nennen Sie mir einfach "
        "diese Nummer."
    ),
    "late_fee": (
        "Bitte beachten Sie: Bei Änderungen weniger als {hours} Stunden vor dem Termin "
        "fällt eine Gebühr von {fee} an."
    ),
    "late_fee.bare": "Bitte beachten Sie: Bei kurzfristigen Änderungen fällt eine Gebühr von {fee} an.",
    "late_fee.nofee": "Bitte beachten Sie: Bei kurzfristigen Änderungen fällt eine Gebühr an.",
    "answer.source": "(Quelle: {source})",
    "answer.none": "Darauf habe ich leider keine Antwort.",
    "hours": "Unsere Öffnungszeiten: {table}.",
    "hours.closed": "geschlossen",
    "hours.and": "und",
    "hours.to": "bis",
    "hours.open_now": "Wir haben gerade geöffnet.",
    "hours.closed_now": "Wir haben gerade geschlossen.",
    "hours.next_open": "Wir öffnen wieder {when}.",
    "hours.date": "Am {date}: {hours}.",
    "hours.closures": "Geschlossen haben wir am {days}.",
    "transfer.voice": "Ich verbinde Sie jetzt weiter ({department}).",
    "transfer.voice.phone": (
        "Ich verbinde Sie jetzt weiter ({department}). Falls die Verbindung abbricht, "
        "erreichen Sie uns unter {phone}."
    ),
    "transfer.text": "Bitte rufen Sie {phone} an ({department}).",
    "transfer.text.bare": "Ich gebe Bescheid, dass Sie sprechen möchten ({department}).",
    "transfer.team": "unser Team",
    "escalate": (
        "Ich gebe Ihr Anliegen an unser Team weiter. Wir melden uns so schnell wie möglich "
        "bei Ihnen."
    ),
    "emergency_info": "Wenn es sich um einen Notfall handelt, rufen Sie bitte sofort {phone} an.",
    "emergency_info.bare": (
        "Wenn es sich um einen Notfall handelt, rufen Sie bitte sofort den Notruf an."
    ),
    "safety.gas": (
        "Bitte verlassen Sie sofort das Gebäude. Betätigen Sie keine Lichtschalter oder "
        "Geräte und rufen Sie von draußen den Gas-Notdienst an."
    ),
    "safety.other": "Bitte bringen Sie sich zuerst in Sicherheit.",
    "clarify": (
        "Entschuldigung, das habe ich nicht ganz verstanden. Können Sie es anders formulieren?"
    ),
    "clarify.options": "Entschuldigung, das habe ich nicht ganz verstanden. Meinen Sie {options}?",
    "or": "oder",
    "out_of_scope": "Dabei kann ich Ihnen hier leider nicht helfen.",
    "out_of_scope.business": (
        "Dabei kann ich Ihnen hier leider nicht helfen. Gern helfe ich bei Terminen und "
        "Fragen rund um {business}."
    ),
    "goodbye": "Vielen Dank für Ihre Nachricht. Auf Wiedersehen!",
    "goodbye.name": "Vielen Dank, {name}. Auf Wiedersehen!",
    "anything_else": "Kann ich sonst noch etwas für Sie tun?",
    "fallback": (
        "Das kann ich gerade leider nicht erledigen. Versuchen Sie es bitte noch einmal "
        "oder fragen Sie nach einem Mitarbeiter."
    ),
    "resume": "Nun zurück zu {topic}.",
    "resume.bare": "Nun zurück zu Ihrem Anliegen.",
    "resume.topic.book": "Ihrer Buchung",
    "resume.topic.reschedule": "Ihrer Terminänderung",
    "resume.topic.cancel": "Ihrer Absage",
    "spell.at": "at",
    "spell.dot": "Punkt",
    "spell.dash": "Bindestrich",
    "spell.underscore": "Unterstrich",
    "spell.plus": "plus",
    "when.date": "am {date}",
    "when.time": "um {time}",
    "datetime": "{date} um {time}",
    "with": "bei {staff}",
    "offer.note.other_day": "Zu dieser Zeit ist leider nichts frei.",
    "offer.note.other_day.date": "Am {date} ist leider nichts frei.",
    "offer.note.other_staff": "Die gewünschte Person ist zu dieser Zeit leider nicht frei.",
    "offer.note.dst_gap": (
        "{time} gibt es am {date} nicht: In dieser Nacht wird die Uhr vorgestellt."
    ),
    "offer.note.dst_gap.bare": (
        "Diese Uhrzeit gibt es in dieser Nacht nicht: Die Uhr wird vorgestellt."
    ),
    "no_slots.closed": (
        "Leider haben wir in den nächsten {days} Tagen keine freien Termine: Wir haben in"
        " dieser Zeit geschlossen."
    ),
    "no_slots.closed.reopens": (
        "Leider haben wir in den nächsten {days} Tagen keine freien Termine: Wir haben"
        " geschlossen und sind ab {date} wieder für Sie da."
    ),
    "no_slots.away": (
        "Leider gibt es dafür in den nächsten {days} Tagen keine freien Termine: Die"
        " zuständigen Mitarbeiter sind in dieser Zeit nicht da."
    ),
    "no_slots.away.reopens": (
        "Leider gibt es dafür in den nächsten {days} Tagen keine freien Termine: Die"
        " zuständigen Mitarbeiter sind erst ab {date} wieder da."
    ),
    "zone.summer": "(Sommerzeit)",
    "zone.winter": "(Winterzeit)",
    "appointment.many": "Ich habe diese Termine gefunden: {slots}.",
    "confirm.reschedule": "Ich fasse kurz zusammen: Ihr Termin ({old}) würde auf {new} geändert.",
    "confirm.cancel": "Zur Sicherheit, es geht um diesen Termin: {old}.",
    "label.message": "Nachricht",
    "hours.today": "Heute: {hours}.",
    "escalate.phone": (
        "Ich gebe Ihr Anliegen an unser Team weiter. Wir melden uns so schnell wie möglich "
        "bei Ihnen. In dringenden Fällen erreichen Sie uns unter {phone}."
    ),
    "transfer.urgent": "Das klingt dringend.",
    "offer_help": (
        "Ich kann für Sie Termine vereinbaren, verschieben oder absagen, Fragen beantworten "
        "oder eine Nachricht aufnehmen. Was möchten Sie tun?"
    ),
    "no_answer": (
        "Darauf habe ich leider keine Antwort. Gern nehme ich eine Nachricht für das Team auf."
    ),
    "resume.title": "Nun zurück zu Ihrem Anliegen: {topic}.",
    # welches Anliegen gemeint ist, wenn es nicht eindeutig ist
    "clarify_topic.one": "Möchten Sie {first}?",
    "clarify_topic.two": "Damit ich Sie richtig verstehe: Möchten Sie {first} oder {second}?",
    "how_can_i_help": "Womit kann ich Ihnen helfen?",
    "identity": "Ich bin der digitale Assistent von {business}. Womit kann ich Ihnen helfen?",
    "identity.human": (
        "Ich bin der digitale Assistent von {business}. Wenn Sie lieber mit einem Menschen "
        "sprechen möchten, sagen Sie es einfach. Womit kann ich Ihnen helfen?"
    ),
    "how_can_i_help.thanks": "Gern geschehen! Womit kann ich Ihnen sonst helfen?",
}

WEEKDAYS: tuple[str, ...] = ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So.")

__all__ = ["TEMPLATES", "WEEKDAYS"]
