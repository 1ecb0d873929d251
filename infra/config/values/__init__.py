"""Pure checks of single values against the rule of the system that receives them (cloud, GitHub, mail).

Each module holds one system's rules with their sources next to them; each function returns why a value
is refused, or None. `infra.config.rules.values` applies them to a stack config, each with its path.
"""
