"""Human views of a plan document: table, markdown, cost, policy, gateways, per-type summaries."""
