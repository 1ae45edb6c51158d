"""English reply wording, as data: template key → text with ``{slot}`` placeholders.

Rules for every string here: short, friendly, no markdown; no times, dates, prices, names,
weekdays or digits of its own (those come only from the plan, so the grounding check can
hold the renderer to them); the status words ("booked", "cancelled", "moved", "passed
it on") appear only in the template of the matching committed kind.
"""

from __future__ import annotations

TEMPLATES: dict[str, str] = {
    # greet
    "greet": "Hello! How can I help you today?",
    "greet.business": "Hello, you've reached {business}. How can I help you today?",
    "greet.name": "Hello {name}! How can I help you today?",
    "greet.business_name": "Hello {name}, you've reached {business}. How can I help you today?",
    # ask: default question per field type, and the re-ask variant
    "ask.service": "Which service would you like?",
    "ask.service.retry": "Sorry, which service would you like?",
    "ask.staff": "Would you like to see anyone in particular?",
    "ask.staff.retry": "Sorry, who would you like to see?",
    "ask.date": "Which day would suit you?",
    "ask.date.retry": "Sorry, I didn't catch the day. Which day would you like?",
    "ask.time": "What time would suit you?",
    "ask.time.retry": "Sorry, what time would you like? You can also say morning or afternoon.",
    "ask.offered_slot": "Which of these times would you like?",
    "ask.offered_slot.retry": (
        "Sorry, which one would you like? You can say its number, or ask for another day."
    ),
    "ask.person_name": "May I have your name, please?",
    "ask.person_name.retry": "Sorry, could you tell me your full name again?",
    "ask.phone": "What's the best phone number to reach you on?",
    "ask.phone.retry": (
        "Sorry, I didn't get that number. Could you say it again, with the area code?"
    ),
    "ask.email": "What's your email address?",
    "ask.email.retry": (
        "Sorry, that didn't look like an email address. Could you spell it for me?"
    ),
    "ask.address": "What's the address, please?",
    "ask.address.retry": "Sorry, could you give me the full address with street, number and city?",
    "ask.text": "Could you briefly describe what it's about?",
    "ask.text.retry": "Sorry, could you describe it in a few words?",
    "ask.choice": "Which option would you like?",
    "ask.choice.retry": "Sorry, which option would you like?",
    "ask.boolean": "Could you answer yes or no?",
    "ask.boolean.retry": "Sorry, was that a yes or a no?",
    "ask.other": "Could you tell me a little more?",
    "ask.other.retry": "Sorry, could you say that again?",
    "ask.options": "You can choose from: {options}.",
    "ask.retry_prefix": "Sorry, I didn't quite catch that.",
    # invalid: per problem code
    "invalid.past": "That time is already in the past.",
    "invalid.impossible_date": "That date doesn't exist in the calendar.",
    "invalid.unknown_service": "Sorry, we don't offer that.",
    "invalid.unknown_service.options": "Sorry, we don't offer that. We offer: {options}.",
    "invalid.unknown_staff": "Sorry, I don't know anyone by that name here.",
    "invalid.unknown_staff.options": (
        "Sorry, I don't know anyone by that name here. Our team: {options}."
    ),
    "invalid.invalid_phone": "That phone number doesn't look complete.",
    "invalid.invalid_email": "That email address doesn't look quite right.",
    "invalid.no_such_option": "Sorry, there's no option like that.",
    "invalid.no_such_option.options": "Sorry, there's no option like that. The options are: {options}.",
    "invalid.closed": "Sorry, we're closed then.",
    "invalid.not_your_number": (
        "For your security I can only look up appointments under the number you're "
        "contacting us from."
    ),
    "invalid.staff_cannot": "Sorry, that person doesn't do this service.",
    "invalid.staff_cannot.named": "Sorry, {staff} doesn't do {service}.",
    "invalid.closed.date": "Sorry, we're closed on {date}.",
    "invalid.other": "Sorry, I couldn't use that.",
    "invalid.ambiguous": "Sorry, which one do you mean?",
    "invalid.ambiguous.service": "Would you like {options}?",
    "invalid.ambiguous.staff": "Do you mean {options}?",
    "ambiguous.service.item": "the {item}",
    "ambiguous.staff.item": "{item}",
    # offer_slots / no_slots / slot_taken
    "offer.one": "The next free time is {slot}. Does that suit you?",
    "offer.many": "I have these times: {slots}. Which one suits you?",
    "no_slots": "Sorry, I couldn't find a free time for that. Another day might work.",
    "no_slots.date": "Sorry, there's nothing free on {date}. Another day might work.",
    "slot_free": "{slot} is free.",
    "already_holds": (
        "You already have an appointment: {appointment}. If you'd rather move that one, "
        "just say so."
    ),
    "slot_taken": "Sorry, that time has just been taken.",
    # confirm
    "confirm.intro": "Let me check I have that right: {summary}.",
    "confirm.details": "{details}.",
    "confirm.fee": "Please note there's a late-change fee of {fee}.",
    "confirm.q.book": "Shall I book that for you?",
    "confirm.q.cancel": "Shall I cancel it?",
    "confirm.q.reschedule": "Shall I move it to the new time?",
    "confirm.q.message": "Shall I pass that on?",
    "confirm.q.other": "Is that correct?",
    "label.name": "name",
    "label.phone": "phone",
    "label.email": "email",
    "label.address": "address",
    "label.problem": "problem",
    # committed outcomes (the only templates allowed to use status words)
    "booked": "You're booked: {appointment}. See you then!",
    "booked.bare": "You're booked. See you then!",
    "rescheduled": "Done: I've moved your appointment to {appointment}.",
    "rescheduled.bare": "Done: I've moved your appointment.",
    "cancelled": "Your appointment ({appointment}) has been cancelled.",
    "cancelled.bare": "Your appointment has been cancelled.",
    "already_cancelled": "That appointment ({appointment}) was already cancelled, so nothing "
    "has changed.",
    "already_cancelled.bare": "That appointment was already cancelled, so nothing has changed.",
    "message_taken": (
        "Thank you, I've taken your message and passed it on to the team. "
        "Someone will get back to you soon."
    ),
    # appointment lookup
    "appointment": "I found your appointment: {appointment}.",
    "appointment.bare": "I found your appointment.",
    "no_appointment": "Sorry, I couldn't find an upcoming appointment for you.",
    "no_appointment.phone": "Sorry, I couldn't find an upcoming appointment under {phone}.",
    # proving a typed number: the same words whether or not the number is on file
    "code_sent": ("If that number has an appointment with us, I've just texted it a code."),
    "code_wrong": "That code isn't right.",
    "code_renewed": "That code had run out, so I've texted a new one if the number is on file.",
    "code_locked": "That was one try too many, so that code no longer works.",
    "code_unavailable": (
        "Sorry, I can't text a code right now. A member of our team can help you instead."
    ),
    "code_limit": (
        "I've sent as many codes as I may for now. Please try again in an hour, or ask for "
        "a member of our team."
    ),
    "not_verified": "I can only do that once the code we text to the number is typed in here.",
    "ask.code": "Please type the code from the text message.",
    "sms.code": "{business}: your code is {code}. It is valid for {minutes} minutes. "
    "Nobody from us will ask you for it except in the chat where you asked for it.",
    "sms.changed": "{business}: {what} If this wasn't you, please call us.",
    "no_appointment.offer": "Would you like to book a new one?",
    "ask.phone.other_number": "If the appointment is under another number, just tell me that number.",
    "ask.phone.contact_from_it": (
        "If the appointment is under another number, please contact us from that number."
    ),
    # fees, answers, hours
    "late_fee": (
        "Just so you know: a change less than {hours} hours before the appointment "
        "comes with a late-change fee of {fee}."
    ),
    "late_fee.bare": "Just so you know: a late change comes with a fee of {fee}.",
    "late_fee.nofee": "Just so you know: a late change comes with a fee.",
    "answer.source": "(Source: {source})",
    "answer.none": "Sorry, I don't have an answer to that.",
    "hours": "Our opening hours: {table}.",
    "hours.closed": "closed",
    "hours.and": "and",
    "hours.to": "to",
    "hours.open_now": "We're open right now.",
    "hours.closed_now": "We're closed right now.",
    "hours.next_open": "We open again {when}.",
    "hours.date": "On {date}: {hours}.",
    "hours.closures": "We're closed on {days}.",
    # handing over
    "transfer.voice": "I'm putting you through to {department} now.",
    "transfer.voice.phone": (
        "I'm putting you through to {department} now. If we get cut off, "
        "you can reach them on {phone}."
    ),
    "transfer.text": "You can reach {department} on {phone}.",
    "transfer.text.bare": "I'll let {department} know you'd like to speak to them.",
    "transfer.team": "our team",
    "escalate": (
        "I'm handing this over to a member of our team, who will get back to you "
        "as soon as possible."
    ),
    "emergency_info": "If this is an emergency, please call {phone} right away.",
    "emergency_info.bare": "If this is an emergency, please call the emergency services right away.",
    "safety.gas": (
        "Please leave the building now. Don't switch any lights or appliances on or off, "
        "and call the gas emergency line from outside."
    ),
    "safety.other": "Please get yourself to safety first.",
    # conversation management
    "clarify": "Sorry, I'm not sure I understood. Could you say that another way?",
    "clarify.options": "Sorry, I'm not sure I understood. Do you mean {options}?",
    "or": "or",
    "out_of_scope": "I'm sorry, I can't help with that here.",
    "out_of_scope.business": (
        "I'm sorry, I can't help with that here. I can help with appointments and "
        "questions about {business}."
    ),
    "goodbye": "Thank you for getting in touch. Goodbye!",
    "goodbye.name": "Thank you, {name}. Goodbye!",
    "anything_else": "Is there anything else I can help you with?",
    "fallback": "Sorry, I can't help with that just now. Could you try again, or ask for a member of staff?",
    "resume": "Now, back to {topic}.",
    "resume.bare": "Now, back to where we were.",
    "resume.topic.book": "your booking",
    "resume.topic.reschedule": "moving your appointment",
    "resume.topic.cancel": "your cancellation",
    # spelling on voice
    "spell.at": "at",
    "spell.dot": "dot",
    "spell.dash": "dash",
    "spell.underscore": "underscore",
    "spell.plus": "plus",
    # dates and times
    "when.date": "on {date}",
    "when.time": "at {time}",
    "datetime": "{date} at {time}",
    "with": "with {staff}",
    # added for the engine's plan shapes
    "offer.note.other_day": "There's nothing free at that time.",
    "offer.note.other_day.date": "There's nothing free on {date}.",
    "offer.note.other_staff": "The person you asked for isn't free then.",
    "offer.note.dst_gap": (
        "There is no {time} on {date}: the clocks go forward that night, so that time"
        " doesn't exist."
    ),
    "offer.note.dst_gap.bare": "That time doesn't exist that night: the clocks go forward.",
    "no_slots.closed": "Sorry, we have no free appointments in the next {days} days: we're closed.",
    "no_slots.closed.reopens": (
        "Sorry, we have no free appointments in the next {days} days: we're closed, and we"
        " open again on {date}."
    ),
    "no_slots.away": (
        "Sorry, there are no free appointments for that in the next {days} days: the staff"
        " who do it are away."
    ),
    "no_slots.away.reopens": (
        "Sorry, there are no free appointments for that in the next {days} days: the staff"
        " who do it are away and back on {date}."
    ),
    # a wall time the autumn change repeats, when the zone has no short name
    "zone.summer": "(daylight saving time)",
    "zone.winter": "(standard time)",
    "appointment.many": "I found these appointments: {slots}.",
    "confirm.reschedule": "Let me check I have that right: your appointment ({old}) would change to {new}.",
    "confirm.cancel": "Just to check, this is the appointment: {old}.",
    "label.message": "message",
    "hours.today": "Today: {hours}.",
    "escalate.phone": (
        "I'm handing this over to a member of our team, who will get back to you "
        "as soon as possible. If it's urgent, you can call us on {phone}."
    ),
    "transfer.urgent": "This sounds urgent.",
    "offer_help": (
        "I can help you book, move or cancel an appointment, answer questions about us, "
        "or take a message. What would you like to do?"
    ),
    "no_answer": (
        "Sorry, I don't have an answer to that. I can take a message for the team if you like."
    ),
    "resume.title": "Now, back to where we were: {topic}.",
    # which topic the customer means, when the evidence is not clear
    "clarify_topic.one": "Would you like to {first}?",
    "clarify_topic.two": "Just to be sure: would you like to {first}, or {second}?",
    "how_can_i_help": "What can I help you with?",
    "identity": "I'm the automated assistant of {business}. How can I help you?",
    "identity.human": (
        "I'm the automated assistant of {business}. If you'd rather talk to a person, just "
        "say so. How can I help you?"
    ),
    "how_can_i_help.thanks": "You're welcome! What else can I help you with?",
}

WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS: tuple[str, ...] = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

__all__ = ["MONTHS", "TEMPLATES", "WEEKDAYS"]
