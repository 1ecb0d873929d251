"""Cross-field rules over a parsed StackConfig: every problem with its path and the fix."""
