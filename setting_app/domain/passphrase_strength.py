"""How easy a new passphrase would be to guess, with zxcvbn (a maintained estimator: dictionaries of
common passwords, names and words, keyboard patterns, repeats, dates and l33t spellings).

A passphrase must score at least :data:`MIN_SCORE` (0-4; 3 means "safely unguessable": about 10^8
guesses or more), judged with the account's own words (username, display name, the setting's name)
as extra dictionary entries. Because zxcvbn still rates a string of several such words as strong
(each word is cheap, but their number multiplies), what is left after taking those words out must
also score :data:`MIN_SCORE` on its own: a passphrase may contain a name, but not be made of names.

The advice in the refusal is the NCSC's: three random words.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable

MIN_SCORE = 3
#: zxcvbn refuses longer input; the first 72 characters of a longer passphrase are what is judged.
JUDGED_LENGTH = 72
_MIN_OWN_WORD = 3

#: For the example in the advice only: everyday, friendly words, a fresh three each time.
_EXAMPLE_WORDS_TEXT = (
    "acorn anchor apricot badger balloon bamboo banjo barley beacon beetle biscuit blanket bramble "
    "breeze bucket button cabbage cactus camel candle canoe carrot castle cedar cherry chimney cinnamon "
    "clover cobweb comet compass copper cricket crumpet cushion daisy dolphin donkey dragon drizzle "
    "eagle easel elbow engine falcon feather fern fiddle firefly flannel flute forest fossil fountain "
    "gadget garden ginger giraffe glacier goblet gravel guitar hammock harbour harvest hazel hedgehog "
    "helmet heron honey iceberg igloo island jacket jigsaw jelly juggler kettle kingfisher kitten "
    "ladder lantern lemon lettuce lighthouse lobster magnet mango marble meadow melon mitten monsoon "
    "mosaic muffin mustard nectar nutmeg oatmeal octopus olive orchard otter paddle pancake parsnip "
    "peacock pebble pepper pickle pillow pinecone plum pocket pony puddle puffin pumpkin quill rabbit "
    "radish raft rainbow raisin ribbon river robin rocket saddle saffron sailor sandal satchel scarf "
    "seagull shovel silver skipper snowdrop sparrow spinach spoon squirrel starfish stencil strawberry "
    "sunflower swallow teapot thimble thistle thunder toffee tortoise trumpet tulip turnip umbrella "
    "velvet violin volcano walnut walrus wagon whistle willow windmill wombat yoghurt zebra"
)
EXAMPLE_WORDS = tuple(_EXAMPLE_WORDS_TEXT.split())


def _own_words(user_inputs: Iterable[str]) -> list[str]:
    """Each input whole, and each of its words, lower-cased: 'Mina Manager' gives 'mina manager',
    'mina' and 'manager'."""
    words: set[str] = set()
    for text in user_inputs:
        text = (text or "").strip().lower()
        if not text:
            continue
        words.add(text)
        words.update(re.split(r"[^0-9a-z]+", text))
        words.add(re.sub(r"[^0-9a-z]+", "", text))
    return sorted((w for w in words if w), key=len, reverse=True)


def _score(passphrase: str, own_words: list[str]) -> tuple[int, str]:
    from zxcvbn import zxcvbn  # late: its dictionaries take a moment to load

    result = zxcvbn(passphrase[:JUDGED_LENGTH], user_inputs=own_words)
    return int(result["score"]), str(result["feedback"].get("warning") or "")


def _without_own_words(passphrase: str, own_words: list[str]) -> str | None:
    """The passphrase with the account's own words taken out, or None if it holds none of them."""
    rest = passphrase.lower()
    removed = False
    for word in own_words:
        if len(word) >= _MIN_OWN_WORD and word in rest:
            rest = rest.replace(word, " ")
            removed = True
    return " ".join(rest.split()) if removed else None


def example_passphrase() -> str:
    """Three random words, checked to pass."""
    while True:
        words = " ".join(secrets.choice(EXAMPLE_WORDS) for _ in range(3))
        if len(set(words.split())) == 3 and _score(words, [])[0] >= MIN_SCORE:
            return words


def weakness(passphrase: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Why this passphrase is too easy to guess, in a few words, or None if it is strong enough."""
    own_words = _own_words(user_inputs)
    rest = _without_own_words(passphrase, own_words)
    if rest is not None and (not rest or _score(rest, own_words)[0] < MIN_SCORE):
        return "it is made mostly of your name or the setting's name"
    score, warning = _score(passphrase, own_words)
    if score >= MIN_SCORE:
        return None
    warning = warning.rstrip(".")
    if warning:
        return warning[0].lower() + warning[1:]
    return "a guessing program would find it quickly"


def advice(reason: str) -> str:
    """The one-line problem for a weak passphrase, with the NCSC's three-random-words advice."""
    return (
        f"is too easy to guess ({reason}). Try three random words of your own, "
        f"for example '{example_passphrase()}'"
    )
