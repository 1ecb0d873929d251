"""Security analysis over plan documents: an IAM policy evaluator and the attack-path matrix."""
