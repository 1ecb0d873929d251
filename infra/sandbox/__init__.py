"""Sandbox lifecycle over the Pulumi CLI: per-engineer stacks that expire and keep to a budget."""
