"""Phone numbers embedded in free text: found, and masked in place (docs/PRIVACY.md).

Every text value a scan writes (sources, kept columns, header names,
vocabulary samples, paths echoed in the report) has the phone numbers inside it masked in
place: ``推荐人 13900139000`` → ``推荐人 139****9000``. What counts as one:

* a *chain* is digit groups joined by short separator runs (1–3 of whitespace,
  ``- . ( ) / [ ] ~``, dashes and their full-width forms), the first group may carry a
  ``+``; letters, Han characters, ``:``, ``,`` and longer separator runs end a chain, and
  so does a ``+`` (it can only start a number);
* a *candidate* is any run of consecutive groups of a chain (so ``+86 139 0013 9000``,
  ``139 0013 9000``, ``(139)00139000`` and ``139-0013-9000`` are candidates, and so are
  both numbers of ``010-12345678 13900139000``) with :data:`MIN_DIGITS`..:data:`MAX_DIGITS`
  digits; its text is its digits (with the ``+``), as the normalizer reads it;
* it is an *embedded number* when the project's exact normalizer
  (:func:`scanner.phone.normalize.parse_distinct`: preclean, then phonenumbers' own answer)
  finds it a valid number under the policy's region, written in one of the number's own
  forms (:func:`~scanner.privacy.embedded.candidates.validate`). Full-width digits are digits.

Digits glued to other digits are one group: ``2024113900139000123`` is an order id, not a
number (phonenumbers reads the whole run, which is too long), though ``ORD13900139000`` is
a number. Date and date-time shapes (``2024-01-05 12:30``, ``2025/3/4``, ``05.01.2024``,
``2025年3月4日``) and IPv4 addresses are never part of a chain: ``2024-01-05 12`` would otherwise read as a
Guangzhou fixed line. Non-overlapping embedded numbers are masked leftmost-longest, and the
masked text is read again until it holds none (a mask's last four digits beside other
digits could form a new one).

Work is per distinct value: a regex prefilter keeps only values holding a chain of
:data:`MIN_DIGITS` digits (outside dates); their chains are cut into groups, candidates
built and validated with polars, every distinct candidate normalized once.
"""

from scanner.privacy.embedded.find import NUMBERS_SCHEMA, Embedded, find_embedded, mask_embedded, mask_embedded_expr
from scanner.privacy.embedded.grammar import (
    DATE_AT, IPV4, MAX_DIGITS, MAX_SEPARATOR_RUN, MIN_DIGITS, NO_DATE, SEPARATOR, chain_regex, may_hold_number,
    min_digits,
)
from scanner.privacy.embedded.outputs import (
    mask_and_find, mask_message, mask_report, mask_text, mask_texts, numbers_in_columns,
    numbers_in_phone_cells, output_names,
)

__all__ = [
    "DATE_AT", "IPV4", "MAX_DIGITS", "MAX_SEPARATOR_RUN", "MIN_DIGITS", "NO_DATE", "NUMBERS_SCHEMA", "SEPARATOR",
    "Embedded", "chain_regex", "find_embedded", "mask_and_find", "mask_embedded", "mask_embedded_expr", "mask_message", "mask_report",
    "mask_text", "mask_texts", "may_hold_number", "min_digits", "numbers_in_columns", "numbers_in_phone_cells",
    "output_names",
]
