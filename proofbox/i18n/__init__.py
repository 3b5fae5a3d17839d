"""Texts for people in Simplified Chinese (``zh-CN``) and English (``en``), one source of truth.

Every text proofbox shows is an English *message id* with named placeholders (``"{n} faces
seen"``), kept in gettext catalogs managed with Babel (``make i18n``: extract, update, compile;
``docs/i18n.md``). Codes stay language-neutral; only text is translated. At run time only the
standard library's :mod:`gettext` reads the compiled ``.mo`` files, so the light client install
needs nothing more.

* :func:`translate` renders a message id with its parameters in a language; a message id not (yet)
  in the catalog falls back to its English text, never to an error.
* :class:`Text` is a ``str`` (its English rendering) that remembers its id and parameters, so a
  finding or an error can be stored once and rendered later in either language.
* :func:`negotiate` turns a language tag (``zh-CN``, ``zh_CN.UTF-8``, an ``accept-language``
  list) into a supported language, with a note when it had to fall back.
* Placeholders may carry proofbox's own format specs: ``{at:datetime}`` (Beijing time, the
  platforms' zone, written the way each language writes dates), ``{age:duration}`` (seconds in
  human units), ``{t:time}`` (seconds into the video), ``{amount:yuan}``, ``{rule:text}`` (a value
  that is itself a message id, e.g. a policy pack's text); any other spec is Python's.
"""

from __future__ import annotations

import gettext as _gettext
import re
import string
from collections.abc import Mapping
from contextvars import ContextVar, Token
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "Text",
    "current",
    "fill",
    "format_datetime",
    "format_duration",
    "format_time",
    "format_yuan",
    "gettext",
    "language_from_env",
    "negotiate",
    "simplified",
    "translate",
    "use",
]

LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"
DOMAIN = "proofbox"
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
BEIJING = ZoneInfo("Asia/Shanghai")

_CURRENT: ContextVar[str] = ContextVar("proofbox_language", default=DEFAULT)
_GETTEXT_LOCALE = {"zh-CN": "zh_CN", "en": "en"}


@cache
def _catalog(lang: str) -> _gettext.NullTranslations:
    if lang == "en":
        return _gettext.NullTranslations()
    return _gettext.translation(
        DOMAIN, localedir=str(LOCALE_DIR), languages=[_GETTEXT_LOCALE[lang]], fallback=True
    )


def current() -> str:
    """The language of this context (the CLI's ``--lang``, a request's language)."""
    return _CURRENT.get()


class use:  # lower case: used like a function, ``with use("zh-CN"):``
    """Render texts in ``lang`` within the block (a class, not ``@contextmanager``: exceptions
    pass through untouched, even frozen ones)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else DEFAULT
        self._token: Token[str] | None = None

    def __enter__(self) -> None:
        self._token = _CURRENT.set(self.lang)

    def __exit__(self, *exc: object) -> None:
        if self._token is not None:
            _CURRENT.reset(self._token)


def gettext(msgid: str, lang: str | None = None, context: str | None = None) -> str:
    """The translation of a plain message id (no placeholders), or the id itself."""
    catalog = _catalog(lang or current())
    return catalog.pgettext(context, msgid) if context else catalog.gettext(msgid)


def fill(template: str, params: Mapping[str, Any], lang: str) -> str:
    """``template`` with ``params`` filled in; KeyError when one is missing."""
    return _Formatter(lang).vformat(template, (), dict(params))


def translate(
    msgid: str, params: Mapping[str, Any] | None = None, lang: str | None = None, context: str | None = None
) -> str:
    """``msgid`` in ``lang`` (default: the context's) with ``params`` filled in.

    A message id the catalog lacks is shown in English; a translation whose placeholders do not
    match its parameters falls back to the English text rather than failing.
    """
    lang = lang or current()
    template = gettext(msgid, lang, context)
    try:
        return fill(template, params or {}, lang)
    except (KeyError, IndexError, ValueError, TypeError):
        if template == msgid:
            raise
        return fill(msgid, params or {}, "en")


class Text(str):
    """A text for people: its English rendering, plus the message id and parameters behind it."""

    __slots__ = ("msgid", "params")
    msgid: str
    params: Mapping[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Text:
        self = super().__new__(cls, translate(msgid, params, "en"))
        self.msgid = msgid
        self.params = params
        return self

    def render(self, lang: str | None = None) -> str:
        return translate(self.msgid, self.params, lang)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.msgid, dict(self.params)))


def _rebuild(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


# --- formatting numbers, times and durations the way each language writes them -------------------

_UNITS_EN = (("year", 365.25 * 86400), ("day", 86400.0), ("hour", 3600.0), ("minute", 60.0))
_UNITS_ZH = {"year": "年", "day": "天", "hour": "小时", "minute": "分钟", "second": "秒"}


def _number(value: float) -> str:
    text = f"{value:.1f}" if value < 10 else f"{value:.0f}"
    return text.removesuffix(".0")


def format_duration(seconds: float, lang: str) -> str:
    """Seconds in the largest unit that fits ("12 years", "12 年", "1 hour"); days from 2 days on,
    so 36 hours stay hours."""
    s = abs(float(seconds))
    unit, size = "second", 1.0
    for name, length in _UNITS_EN:
        if s >= length * (2 if name == "day" else 1):
            unit, size = name, length
            break
    amount = _number(s / size)
    if lang == "zh-CN":
        return f"{amount} {_UNITS_ZH[unit]}"
    return f"{amount} {unit}" + ("" if amount == "1" else "s")


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_datetime(value: datetime | str, lang: str) -> str:
    """In Beijing time (the platforms' zone): "2026年11月25日 00:00" / "25 Nov 2026 00:00"."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    moment = moment.astimezone(BEIJING)
    if lang == "zh-CN":
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment:%H:%M}"
    return f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M}"


def format_time(seconds: float, lang: str) -> str:
    """A moment in the video: "12.3 s" / "12.3 秒"."""
    return f"{float(seconds):.1f} 秒" if lang == "zh-CN" else f"{float(seconds):.1f} s"


def format_yuan(amount: Any, lang: str) -> str:
    text = f"{float(amount):,.2f}"
    return f"{text} 元" if lang == "zh-CN" else f"{text} yuan"


def format_list(items: Any, lang: str) -> str:
    """Items the way each language lists them ("a, b" / "a、b"); a text is split at its commas."""
    if isinstance(items, str):
        items = [item.strip() for item in items.split(",")]
    return ("、" if lang == "zh-CN" else ", ").join(str(i) for i in items)


class _Formatter(string.Formatter):
    def __init__(self, lang: str) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec == "duration":
            return format_duration(float(value), self.lang)
        if format_spec == "datetime":
            return format_datetime(value, self.lang)
        if format_spec == "time":
            return format_time(float(value), self.lang)
        if format_spec == "yuan":
            return format_yuan(value, self.lang)
        if format_spec == "list":
            return format_list(value, self.lang)
        if format_spec == "word":  # an enum value or vocabulary word: merchant_favored, PASS
            word = str(value)
            return gettext(word if word.isupper() else word.replace("_", " "), self.lang)
        if format_spec == "clauses":  # measured clauses joined by " | " (proofbox.i18n.composed)
            from .composed import translate_clauses

            return translate_clauses(str(value), self.lang)
        if format_spec == "composed":  # already rendered (proofbox.i18n.composed)
            return str(value)
        if format_spec == "text":
            if isinstance(value, Text):
                return value.render(self.lang)
            return gettext(str(value), self.lang)
        if isinstance(value, Text):
            value = value.render(self.lang)
        if isinstance(value, str) and format_spec and format_spec[-1] in "defgn%":
            value = float(value)  # a number kept as text (proto map values) with a numeric spec
        if isinstance(value, float) and not format_spec and value.is_integer():
            value = int(value)  # parameters that went through JSON/Struct print as they went in
        return str(super().format_field(value, format_spec))


# --- the seeds' quotes in Simplified Chinese ------------------------------------------------------


@cache
def _converter() -> Any:
    try:
        import opencc  # the server extra; a client without it shows quotes as stored
    except ImportError:
        return None
    return opencc.OpenCC("t2s")


@cache
def simplified(text: str) -> str:
    """``text`` with Traditional characters converted to Simplified (OpenCC ``t2s``): the seeds'
    quotes are Traditional; the platforms' readers use Simplified. Text without Han is unchanged."""
    if not text or not _HAN.search(text):
        return text
    converter = _converter()
    return str(converter.convert(text)) if converter is not None else text


_HAN = re.compile(r"[\u3400-\u9fff]")


# --- choosing a language ---------------------------------------------------------------------------

_TAG = re.compile(r"^[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*$")


def _match(tag: str) -> tuple[str | None, bool]:
    """(supported language, exact?) for one tag; (None, False) when nothing fits."""
    tag = tag.split(".", 1)[0].split("@", 1)[0].replace("_", "-").strip()
    if not tag or not _TAG.match(tag):
        return None, False
    low = tag.lower()
    if low in ("c", "posix"):
        return "en", True
    primary, *rest = low.split("-")
    if primary == "en":
        return "en", True
    if primary == "zh":
        traditional = any(part in ("hant", "tw", "hk", "mo") for part in rest)
        return "zh-CN", not traditional
    return None, False


def negotiate(requested: str | None, default: str = DEFAULT) -> tuple[str, Text | None]:
    """The language to answer in, and a note when the request could not be honoured exactly.

    ``requested`` is one tag (``zh-CN``, ``zh_CN.UTF-8``, ``en``) or an ``accept-language`` list
    (``zh-TW,zh;q=0.9,en;q=0.8``): the first acceptable entry by quality wins. Empty: ``default``.
    An unknown or malformed tag never fails; the default is used and the note says so.
    """
    if default not in LANGUAGES:
        default = DEFAULT
    if not requested or not requested.strip() or requested.strip() == "*":
        return default, None
    entries: list[tuple[float, int, str]] = []
    for i, part in enumerate(requested.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            entries.append((-q, i, tag.strip()))
    for _q, _i, tag in sorted(entries):
        if tag == "*":
            return default, None
        lang, exact = _match(tag)
        if lang is not None:
            if exact:
                return lang, None
            return lang, Text(
                "Language {requested} is not available; showing {language}.", requested=tag, language=lang
            )
    return default, Text(
        "Language {requested} is not available; showing {language}.",
        requested=requested.strip()[:64],
        language=default,
    )


def language_from_env(environ: Mapping[str, str]) -> str | None:
    """The language the environment asks for (``LC_ALL``, then ``LC_MESSAGES``, then ``LANG``), as
    POSIX says; None when none is set."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name, "").strip()
        if value:
            return value
    return None
