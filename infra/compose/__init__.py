"""Composition: typed config -> components, one module per cloud or area; shared context at the bottom."""
