"""Names in many languages and identifiers in other datasets, shared by sites and monuments."""
