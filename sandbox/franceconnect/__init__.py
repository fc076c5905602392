"""A FranceConnect v2-compatible identity provider with test identities (sandbox only)."""
