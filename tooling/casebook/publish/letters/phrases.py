"""Plain English for letters: dates, times, periods, and restrictions said to the person.

``casebook.handling.describe`` says a restriction to staff ("Contact only through ..."); a letter
says it to the person ("You can contact us only through ..."). Dates are written the way the
Plain English Campaign and GOV.UK style recommend: 9 March 2026, 10am, 2:30pm.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from casebook.model import Person, Restriction
from casebook.model import restrictions as r
from casebook.model.procedure import Measure, Period
from casebook.publish.wording import fill_wording, join_and, join_or, name_of

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_NAMES = dict(zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), WEEKDAYS, strict=True))
# fmt: off
_WORDS = (
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen", "twenty",
)
# fmt: on


def long_date(d: date) -> str:
    """9 March 2026 (no leading zero, no ordinal, independent of the machine's locale)."""
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def day_date(d: date) -> str:
    """Monday 9 March 2026."""
    return f"{WEEKDAYS[d.weekday()]} {long_date(d)}"


def clock(hhmm: str) -> str:
    """10:00 -> 10am, 14:30 -> 2:30pm, 12:00 -> 12 noon, 00:00 -> midnight."""
    hour, minute = (int(x) for x in hhmm.split(":"))
    if (hour, minute) == (0, 0):
        return "midnight"
    if (hour, minute) == (12, 0):
        return "12 noon"
    suffix = "am" if hour < 12 else "pm"
    h12 = hour % 12 or 12
    return f"{h12}{suffix}" if minute == 0 else f"{h12}:{minute:02d}{suffix}"


def number(n: int) -> str:
    """Numbers up to twenty in words, larger ones in figures."""
    return _WORDS[n] if 0 <= n < len(_WORDS) else str(n)


def plural(n: int, word: str) -> str:
    return f"{number(n)} {word}{'' if n == 1 else 's'}"


def period_words(p: Period) -> str:
    """3 months -> "three months"; 2 weeks given as 14 days stays "14 days"."""
    parts = []
    if p.months:
        parts.append(plural(p.months, "month"))
    if p.days:
        parts.append(plural(p.days, "day"))
    return " and ".join(parts)


def full_stop(text: str) -> str:
    """End a sentence from a record with a full stop if it has no closing punctuation."""
    text = text.rstrip()
    return text if not text or text[-1] in ".!?)\"'" else text + "."


def sentence(text: str) -> str:
    """Capital first letter, the rest untouched (unlike Jinja's ``capitalize``)."""
    return text[:1].upper() + text[1:]


def _channel(channels: dict[str, str], cid: str) -> str:
    label = channels.get(cid, cid)
    # "E-mail" -> "e-mail", but "SMS" stays "SMS".
    return label if label[1:2].isupper() else label[:1].lower() + label[1:]


_PER = {"week": "week", "month": "month"}
_EVERY = {"week": "week", "fortnight": "fortnight", "month": "month"}


def _when(x: Restriction, decided: date) -> str:
    """from 1 April 2026 / until 9 June 2026, when a restriction has its own dates."""
    out = ""
    if x.start and x.start > decided:
        out += f" from {long_date(x.start)}"
    if x.end:
        out += f" until {long_date(x.end)}"
    return out


def arrangement(
    x: Restriction,
    people: dict[str, Person],
    channels: dict[str, str],
    decided: date,
    measures: Mapping[str, Measure] | None = None,
) -> str:
    """One restriction as a sentence to the person: what the arrangement is. The procedure's
    ``measures.<type>.letter`` wording wins over the built-in sentence."""
    when = _when(x, decided)
    measure = (measures or {}).get(x.type)
    if measure is not None and measure.letter:
        return fill_wording(measure.letter, x, when, measure.values)
    text: str
    if isinstance(x, r.Declared):
        label = measure.label if measure else x.type
        text = full_stop(f"{label}: {x.summary}" if x.summary else label)
    elif isinstance(x, r.Spoc):
        text = (
            f"You can contact us only through {name_of(people, x.officer)}, "
            f"your single point of contact{when}."
        )
    elif isinstance(x, r.Channels):
        how = join_or([_channel(channels, c) for c in x.allowed])
        text = f"You can contact us only by {how}{when}."
    elif isinstance(x, r.Volume):
        on = f" by {_channel(channels, x.channel)}" if x.channel else ""
        times = "once" if x.max == 1 else ("twice" if x.max == 2 else f"{number(x.max)} times")
        text = f"You can contact us{on} no more than {times} a {_PER[x.per]}{when}."
    elif isinstance(x, r.TimeSlot):
        days = join_and([DAY_NAMES[d] + "s" for d in x.days])
        on = f" by {_channel(channels, x.channel)}" if x.channel else ""
        text = (
            f"You can contact us{on} only on {days}, between {clock(x.start_time)} and "
            f"{clock(x.end_time)}{when}."
        )
    elif isinstance(x, r.CallLength):
        text = (
            f"Telephone calls and meetings with you will last no longer than "
            f"{number(x.minutes)} minutes{when}."
        )
    elif isinstance(x, r.CallScript):
        to = f" and ask you to contact {x.redirect_to} instead" if x.redirect_to else ""
        text = (
            f"If you telephone us outside these arrangements, we will end the call "
            f"politely{to}{when}."
        )
    elif isinstance(x, r.NoContact):
        text = f"You should not contact the council{when}."
    elif isinstance(x, r.ClosedTopic):
        then = (
            "acknowledge it" if x.handling == "acknowledge" else "put it on file without replying"
        )
        # What counts as a reason to reopen (Text 004's "fresh evidence") is the
        # procedure's wording (``measures.closed-topic.letter``), not this sentence.
        text = f"We have closed the matter of {x.topic}. We will {then}{when}."
    elif isinstance(x, r.EmailDiverted):
        text = (
            f"E-mails you send to any council address will be passed to "
            f"{name_of(people, x.to)}{when}."
        )
    elif isinstance(x, r.EmailBlocked):
        text = f"E-mails you send to council addresses will be blocked{when}."
    elif isinstance(x, r.ResponseSchedule):
        text = f"We will reply to you once a {_EVERY[x.every]}{when}."
    elif isinstance(x, r.AdvocateOnly):
        via = f" ({x.advocate})" if x.advocate else ""
        text = f"You can contact us only through an advocate{via}{when}."
    elif isinstance(x, r.ThirdPartyPresent):
        text = f"Any meeting with you will take place with a third person present{when}."
    elif isinstance(x, r.DesignatedPremises):
        text = f"Any meeting with you will take place only at {x.premises}{when}."
    elif isinstance(x, r.ServiceException):
        text = (
            f"{name_of(people, x.officer)} will continue to deal with you about {x.matter}{when}."
        )
    elif isinstance(x, r.Agreement):
        text = "We ask you to agree to the following about your contact with us: " + full_stop(
            x.summary
        )
    elif isinstance(x, r.CouncillorArrangement):
        text = f"To contact your councillor: {full_stop(x.summary)}"
    else:  # pragma: no cover - every type is handled above
        text = x.type
    return text


def expectation(
    x: Restriction,
    people: dict[str, Person],
    channels: dict[str, str],
    decided: date,
    measures: Mapping[str, Measure] | None = None,
) -> str | None:
    """What the restriction asks of the person ("contact us only ..."), or None if nothing;
    the procedure's ``measures.<type>.expects`` wording wins."""
    when = _when(x, decided)
    measure = (measures or {}).get(x.type)
    if measure is not None and measure.expects:
        return fill_wording(measure.expects, x, when, measure.values)
    if isinstance(x, r.Spoc):
        return f"contact us only through {name_of(people, x.officer)}{when}"
    if isinstance(x, r.Channels):
        return f"contact us only by {join_or([_channel(channels, c) for c in x.allowed])}{when}"
    if isinstance(x, r.Volume):
        on = f" by {_channel(channels, x.channel)}" if x.channel else ""
        times = "once" if x.max == 1 else ("twice" if x.max == 2 else f"{number(x.max)} times")
        return f"contact us{on} no more than {times} a {_PER[x.per]}{when}"
    if isinstance(x, r.TimeSlot):
        days = join_and([DAY_NAMES[d] + "s" for d in x.days])
        on = f" by {_channel(channels, x.channel)}" if x.channel else ""
        return (
            f"contact us{on} only on {days}, between {clock(x.start_time)} and "
            f"{clock(x.end_time)}{when}"
        )
    if isinstance(x, r.CallLength):
        return f"keep telephone calls and meetings to {number(x.minutes)} minutes or less{when}"
    if isinstance(x, r.NoContact):
        return f"not contact the council{when}"
    if isinstance(x, r.AdvocateOnly):
        via = f" ({x.advocate})" if x.advocate else ""
        return f"contact us through an advocate{via}{when}"
    if isinstance(x, r.Agreement):
        return f"keep to this agreement about your contact with us: {x.summary}"
    if isinstance(x, r.ClosedTopic):
        return f"not write to us again about {x.topic}"
    return None
