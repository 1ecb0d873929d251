"""Typed, validated stack config: models per area, cross-field rules in `rules/`, loading in `load`."""
