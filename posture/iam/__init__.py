"""Who can read a resource: IAM policy evaluation over the resource graph (BANK-1..3, DB-3)."""
