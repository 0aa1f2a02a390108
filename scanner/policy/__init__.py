"""Scan policy: frozen dataclasses loaded from TOML (docs/ARCHITECTURE.md).

Every documented top-level table is reserved; unknown tables and unknown keys are errors
that name the key. ``Policy.effective()`` is the policy with every default filled in, as
plain JSON data; ``Policy.sha256`` hashes its canonical JSON form.

* :mod:`.tables`: :class:`Policy` and a class per table, the constants they accept;
* :mod:`.detect`: :class:`DetectPolicy`, the ``[detect]`` thresholds of the list signals;
* :mod:`.load`: :func:`load_policy` and :func:`policy_from_dict`, every key checked.
"""

from scanner.policy.detect import DetectPolicy
from scanner.policy.load import load_policy, policy_from_dict
from scanner.policy.tables import (
    CHANNELS, PURPOSES, SEVERITIES, CONSENT_CLASSES, CHANNEL_CLASSES, PURPOSE_CLASSES, CANONICAL_COLUMNS,
    INVERTIBLE_COLUMNS, TABLES, NEVER_APPROVABLE, AUTO_SUPPRESS, builtin_vocabulary, vocab_key,
    CampaignPolicy, ConsentPolicy, SourcePolicy, ColumnsPolicy, VocabularyPolicy, RulesPolicy, ListPolicy,
    PrivacyPolicy, RegistryPolicy, ReportPolicy, PRESENTATION_KEYS, ReviewPolicy, SuppressPolicy, Policy,
)

__all__ = [
    "DetectPolicy", "load_policy", "policy_from_dict", "CHANNELS", "PURPOSES", "SEVERITIES",
    "CONSENT_CLASSES", "CHANNEL_CLASSES", "PURPOSE_CLASSES", "CANONICAL_COLUMNS", "INVERTIBLE_COLUMNS",
    "TABLES", "NEVER_APPROVABLE", "AUTO_SUPPRESS", "builtin_vocabulary", "vocab_key", "CampaignPolicy",
    "ConsentPolicy", "SourcePolicy", "ColumnsPolicy", "VocabularyPolicy", "RulesPolicy", "ListPolicy",
    "PrivacyPolicy", "RegistryPolicy", "ReportPolicy", "PRESENTATION_KEYS", "ReviewPolicy", "SuppressPolicy",
    "Policy"
]
