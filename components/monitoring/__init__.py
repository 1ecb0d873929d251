"""Cloud-neutral observability: alert rules, dashboards, the in-cluster Grafana and the metrics exporters.

Both clouds render the same rule list and dashboards; only the collectors (AMP scraper, GMP managed
collection) and the Grafana data source differ, and those are built by the cloud's compose module.
"""
