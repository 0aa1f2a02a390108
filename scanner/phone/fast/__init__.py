"""Vectorized ``phonenumbers.parse``: the same answers, decided by polars expressions.

:func:`fast_parse` mirrors ``phonenumbers.parse(clean, region)`` followed by ``format_number``
(E.164), ``is_valid_number``, ``number_type``, ``region_code_for_number`` and
``national_significant_number``, step by step, for the input shapes it can decide exactly, and
names every other value for the fallback (phonenumbers itself, :mod:`scanner.phone.reference`).
The compiled metadata comes from :mod:`scanner.phone.metadata`.

Decided here, exactly
---------------------
* ``null``, longer than 250 characters (phonenumbers' ``_MAX_INPUT_STRING_LENGTH``), or fewer
  than two Unicode digits (phonenumbers finds no viable number): unparseable.
* The *common shape*: optional leading text without digits, ``+`` or ``;`` (``Tel:``, ``tel:``,
  ``(``…, which ``_extract_possible_number`` drops), then an optional single ``+`` and ASCII
  digits separated by space, ``-``, ``.``, ``(``, ``)`` or ``/``, at least three digits, an
  optional `` ext. <1-20 digits>`` (the form preclean writes for 转/分机), and trailing
  separators. For these the whole of ``parse`` is vectorized: region check
  (``_check_region_for_parsing``), ``+`` and IDD country codes (``_maybe_strip_i18n_prefix``,
  ``_extract_country_code``, including the "next digit is 0" rule and TOO_SHORT_AFTER_IDD),
  the default-country-code strip (``_maybe_extract_country_code``: general pattern before and
  after, TOO_LONG), national prefix and carrier code stripping with transform rules
  (``_maybe_strip_national_prefix_carrier_code``) and the possible-length guard around it,
  ``_MIN_LENGTH_FOR_NSN`` / ``_MAX_LENGTH_FOR_NSN``; then region for shared calling codes
  (``_region_code_for_number_from_list``: leading digits, else full type test, in list order),
  type in ``_number_type_helper`` order (possible lengths and pattern of every description,
  fixed-line/mobile ambiguity) and validity.

Sent to the fallback (phonenumbers, once per distinct value)
------------------------------------------------------------
* ``shape``: anything else that has at least two digits — letters in the number (vanity
  numbers, which phonenumbers converts when there are three letters), any other extension
  syntax (``x``, ``#``, ``ext``, ``,,``, ``;ext=``), RFC 3966 parameters, non-ASCII digits,
  several ``+``, digits before ``+``, tabs or other characters inside the number, and values
  with exactly two digits (phonenumbers' two-digit special case).
* ``plus-cc``: ``+`` followed by digits that start with no calling code (phonenumbers then
  retries without the ``+``).
* ``region``: a default region that is neither a supported region code, nor ``None``, nor
  equivalent to ``None`` (e.g. ``cn``, which phonenumbers rejects as a region yet loads
  metadata for).
* ``metadata``: a region or calling code whose metadata uses a regex polars cannot compile or
  a rule this module cannot express (none in phonenumbers 9.0.43; checked at start-up).
"""

from scanner.phone.fast.codes import FALLBACK_REASONS, MIN_GROUP
from scanner.phone.fast.driver import FastResult, fast_parse

__all__ = ["FALLBACK_REASONS", "MIN_GROUP", "FastResult", "fast_parse"]
