"""Governance: agreements, the policy decision point, pseudonymisation, audit, subject access, challenge."""
