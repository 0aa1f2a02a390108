"""Phone normalization: preclean, parse (vectorized with phonenumbers fallback), enrich."""
