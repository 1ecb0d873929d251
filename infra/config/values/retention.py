"""Log retention the receiving service accepts.

CloudWatch Logs (an EKS cluster's control-plane log group, VPC flow logs): "Possible values are: 1, 3, 5, 7,
14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, and 3653"
(PutRetentionPolicy, retentionInDays, https://boto3.amazonaws.com/v1/documentation/api/1.34.5/reference/
services/logs/client/put_retention_policy.html, read 2026-12-07). Any other number is refused at apply.
"""

from __future__ import annotations

CLOUDWATCH_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192,
                             2557, 2922, 3288, 3653)


def cloudwatch_retention_problem(days: int) -> str | None:
    """Why CloudWatch Logs would refuse `days` as a retention, naming the nearest values it takes, or None."""
    if days in CLOUDWATCH_RETENTION_DAYS:
        return None
    lower = max((d for d in CLOUDWATCH_RETENTION_DAYS if d < days), default=None)
    higher = min((d for d in CLOUDWATCH_RETENTION_DAYS if d > days), default=None)
    near = " or ".join(str(d) for d in (lower, higher) if d is not None)
    return (f"CloudWatch Logs keeps logs for one of {', '.join(map(str, CLOUDWATCH_RETENTION_DAYS))} days only; "
            f"use {near} (got {days})")
