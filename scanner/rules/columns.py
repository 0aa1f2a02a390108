"""Column findings (PS, CL): about whole input columns, computed by ``scanner.analyses.columns``."""

from scanner.rules.registry import column_rule

column_rule(
    "PS001", "reversible-hash-column", "warning",
    "a column of unkeyed digests of phone numbers (reversible by enumeration)",
    """What it flags: an extra column of MD5 / SHA-1 / SHA-256 hex digests of phone numbers.

    Why it matters: an unkeyed hash of a phone number is not pseudonymization: the number
    space is small enough to enumerate, so the digests reverse to the numbers in minutes.
    The column is never copied to outputs.

    Example: a column ``phone_md5`` holding ``md5("13800138000")``.
    """,
    computed_in="scanner.analyses.columns",
)

column_rule(
    "PS002", "sensitive-extra-column", "warning",
    "extra columns with national ID, bank card or similar data (minimized away)",
    """What it flags: an extra column holding national ID numbers (身份证), bank card numbers
    (银行卡, Luhn-valid), passport numbers or similar, found by header or by content.

    Why it matters: such data is sensitive personal information (PIPL Art. 28) that a
    contact list never needs; it is never copied to outputs, and the list should be
    re-exported without it.

    Example: a column 身份证号 with 18-character resident ID numbers.
    """,
    computed_in="scanner.analyses.columns",
)

column_rule(
    "CL001", "unused-role-column", "warning",
    "a column that looks like consent, consent time or source was left unused",
    """What it flags: an input column whose header or values look like consent, a consent
    time or a source, which the column mapping did not use (another column won the role,
    or the values did not bear the header out, or only the values suggest it).

    Why it matters: consent and provenance findings (CN001, CN003, PR001 …) are judged on
    the mapped columns only. When the column meant was left unused, whole lists can read as
    "no consent" or "no source" while the evidence sits in the file. The terminal summary
    prints the ``[columns]`` line that would use it.

    Example: a HubSpot export with ``Marketing opt-in`` mapped as consent and a second
    ``SMS opt-in`` column left over; or ``UNSUB_TIME`` beside a consent column.
    """,
    computed_in="scanner.analyses.columns",
)
